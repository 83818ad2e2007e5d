-- One lease: a consumer claims a message and logs it (one updated and one inserted row; ids
-- 1..preload are never deleted).
\set id random(1, :preload)
WITH leased AS (
    UPDATE follow.messages SET status = 'leased', attempts = attempts + 1, lease_until = now() + interval '30 seconds'
    WHERE id = :id RETURNING id
)
INSERT INTO follow.events (message_id, kind) SELECT id, 'lease' FROM leased;
