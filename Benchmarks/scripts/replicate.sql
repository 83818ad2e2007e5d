-- ============================================================================
-- Benchmark dataset: multiplies the bulk tables after Fixtures/queen/data.sql.
--
-- data.sql names queues with a 3-digit ordinal, so it stops at scale 50
-- (1000 queues). Larger benchmark scales run data.sql at scale/copies and
-- then add (copies - 1) shifted copies of the tables that dominate a real
-- Queen database: messages, messages_consumed, message_traces (+ names),
-- dead_letter_queue and system_metrics. Copies get new ids (md5 of id and
-- copy number), later timestamps and suffixed transaction ids, so every
-- unique and foreign key still holds; payloads keep data.sql's shapes
-- (jsonb 100-300 bytes for messages, ~1.3 KB for system_metrics).
--
-- Run in the same session as data.sql (it reads pgferry.fx_*), with
-- SET pgferry.copies = '<n>' (n >= 1; 1 adds nothing).
-- ============================================================================

SELECT set_config('pgferry.fx_span', (current_setting('pgferry.fx_nm')::numeric * 0.15 + 3600)::text, false);
SELECT set_config('pgferry.fx_mspan', (current_setting('pgferry.fx_nsm')::bigint / 4 + 60)::text, false);

INSERT INTO queen.messages (id, transaction_id, trace_id, partition_id, payload, created_at, is_encrypted, producer_sub)
SELECT md5(m.id::text || '/' || c)::uuid, m.transaction_id || '/' || c,
       CASE WHEN m.trace_id IS NULL THEN NULL ELSE md5(m.trace_id::text || '/' || c)::uuid END,
       m.partition_id, m.payload,
       m.created_at + make_interval(secs => c * current_setting('pgferry.fx_span')::numeric),
       m.is_encrypted, m.producer_sub
FROM generate_series(1, current_setting('pgferry.copies')::integer - 1) AS c
CROSS JOIN queen.messages m
ORDER BY c, m.created_at, m.id;

INSERT INTO queen.messages_consumed (id, partition_id, consumer_group, messages_completed, messages_failed, acked_at)
SELECT md5(x.id::text || '/' || c)::uuid, x.partition_id, x.consumer_group, x.messages_completed, x.messages_failed,
       x.acked_at + make_interval(secs => c * current_setting('pgferry.fx_span')::numeric)
FROM generate_series(1, current_setting('pgferry.copies')::integer - 1) AS c
CROSS JOIN queen.messages_consumed x
ORDER BY c, x.acked_at;

INSERT INTO queen.dead_letter_queue (id, message_id, partition_id, consumer_group, error_message, retry_count,
                                     original_created_at, failed_at)
SELECT md5(d.id::text || '/' || c)::uuid, md5(d.message_id::text || '/' || c)::uuid, d.partition_id, d.consumer_group,
       d.error_message, d.retry_count,
       d.original_created_at + make_interval(secs => c * current_setting('pgferry.fx_span')::numeric),
       d.failed_at + make_interval(secs => c * current_setting('pgferry.fx_span')::numeric)
FROM generate_series(1, current_setting('pgferry.copies')::integer - 1) AS c
CROSS JOIN queen.dead_letter_queue d
WHERE d.message_id IS NOT NULL;

INSERT INTO queen.message_traces (id, message_id, partition_id, transaction_id, consumer_group, event_type, data,
                                  created_at, worker_id)
SELECT md5(t.id::text || '/' || c)::uuid, md5(t.message_id::text || '/' || c)::uuid, t.partition_id,
       t.transaction_id || '/' || c, t.consumer_group, t.event_type, t.data,
       t.created_at + make_interval(secs => c * current_setting('pgferry.fx_span')::numeric), t.worker_id
FROM generate_series(1, current_setting('pgferry.copies')::integer - 1) AS c
CROSS JOIN queen.message_traces t
WHERE t.message_id IS NOT NULL
ORDER BY c, t.created_at;

INSERT INTO queen.message_trace_names (trace_id, trace_name)
SELECT md5(n.trace_id::text || '/' || c)::uuid, n.trace_name
FROM generate_series(1, current_setting('pgferry.copies')::integer - 1) AS c
CROSS JOIN queen.message_trace_names n
JOIN queen.message_traces t ON t.id = n.trace_id AND t.message_id IS NOT NULL;

INSERT INTO queen.system_metrics (id, "timestamp", hostname, port, worker_id, sample_count, metrics)
SELECT md5(s.id::text || '/' || c)::uuid,
       s."timestamp" + c * current_setting('pgferry.fx_mspan')::integer * INTERVAL '1 minute',
       s.hostname, s.port, s.worker_id, s.sample_count, s.metrics
FROM generate_series(1, current_setting('pgferry.copies')::integer - 1) AS c
CROSS JOIN queen.system_metrics s;
