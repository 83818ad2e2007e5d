-- One acknowledgement: the oldest pushed message is deleted and logged (one deleted and one
-- inserted row), the consumers' SKIP LOCKED pattern.
WITH next AS (
    SELECT id FROM follow.messages WHERE id > :preload ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM follow.messages m USING next WHERE m.id = next.id RETURNING m.id, m.queue
)
INSERT INTO follow.consumed (message_id, queue) SELECT id, queue FROM gone;
