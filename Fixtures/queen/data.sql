-- ============================================================================
-- pgferry test fixture: data for schema `queen` (load schema.sql first).
--
-- Scale: SET pgferry.scale = '<n>' before running (default 1; fractional ok).
--   scale 1 ~ 20 queues, 200 partitions, 20k messages, ~10 MB in total;
--   every row count is a deterministic function of the scale (linear, with a
--   floor of 2 queues). Values are deterministic too (setseed(0.42) plus
--   md5-derived keys), except columns filled from now() by the triggers
--   (queue_lag_metrics' trigger bucket, worker_metrics_summary.last_updated_at).
--
-- Plain SQL only (no psql meta-commands, no COPY FROM STDIN): runs with
-- psql -v ON_ERROR_STOP=1 -f, or as one PQexec() string. Pure ASCII file;
-- non-ASCII text is written with U&'' escapes, so it needs a UTF8 database
-- but does not depend on client_encoding. Leaves no helper objects behind;
-- derived counts are kept in session-level custom settings pgferry.fx_*.
--
-- The triggers are meant to fire: inserting partitions fills
-- queue_lag_metrics (partitions_created for the current minute), inserting
-- worker_metrics accumulates into the worker_metrics_summary singleton.
-- ============================================================================

DO $$
DECLARE
    s NUMERIC := coalesce(nullif(current_setting('pgferry.scale', true), ''), '1')::numeric;
    nq INTEGER;
BEGIN
    IF s IS NULL OR s <= 0 THEN
        RAISE EXCEPTION 'pgferry.scale must be > 0, got %', s;
    END IF;
    PERFORM setseed(0.42);
    nq := greatest(2, round(20 * s))::integer;
    PERFORM set_config('pgferry.fx_nq', nq::text, false);                       -- queues
    PERFORM set_config('pgferry.fx_np', (nq * 10)::text, false);                -- partitions (10 per queue)
    PERFORM set_config('pgferry.fx_nm', round(20000 * s)::bigint::text, false); -- messages
    PERFORM set_config('pgferry.fx_nc', round(20000 * s)::bigint::text, false); -- messages_consumed
    PERFORM set_config('pgferry.fx_nd', least(round(300 * s), round(20000 * s))::bigint::text, false); -- dead letters
    PERFORM set_config('pgferry.fx_nr', round(500 * s)::bigint::text, false);   -- retention_history
    PERFORM set_config('pgferry.fx_nsm', round(480 * s)::bigint::text, false);  -- system_metrics
    PERFORM set_config('pgferry.fx_nw', round(600 * s)::bigint::text, false);   -- worker_metrics
END
$$;

-- ----------------------------------------------------------------------------
-- system_state: maintenance flags (Queen reads these at boot)
-- ----------------------------------------------------------------------------
INSERT INTO queen.system_state ("key", "value", updated_at) VALUES
    ('maintenance_mode',     '{"enabled": false}'::jsonb, '2025-11-01 08:00:00+00'),
    ('pop_maintenance_mode', '{"enabled": false}'::jsonb, '2025-11-01 08:00:00+00');

-- worker_metrics_summary singleton (must exist before worker_metrics rows)
INSERT INTO queen.worker_metrics_summary (id) VALUES (1);

-- ----------------------------------------------------------------------------
-- queues
-- ----------------------------------------------------------------------------
INSERT INTO queen.queues (id, name, namespace, task, priority, lease_time, retry_limit, retry_delay,
                          ttl, dead_letter_queue, dlq_after_max_retries, delayed_processing,
                          window_buffer, retention_seconds, completed_retention_seconds,
                          retention_enabled, encryption_enabled, max_wait_time_seconds,
                          max_queue_size, created_at)
SELECT md5('queen-queue-' || qn)::uuid,
       (ARRAY['orders', 'payments.refunds', 'email-outbound', 'sms_notifications', 'ingest/events',
              U&'r\00E9servations', 'Analytics Batch', 'webhooks:stripe', 'tenant.acme.jobs',
              'audit'])[1 + qn % 10] || '-' || lpad(qn::text, 3, '0'),
       (ARRAY['billing', 'notifications', 'ingest', NULL])[1 + qn % 4],
       (ARRAY['sync', 'send', 'process', 'import', NULL])[1 + qn % 5],
       qn % 5,
       (ARRAY[300, 60, 600, 30])[1 + qn % 4],
       (ARRAY[3, 5, 0, 10])[1 + qn % 4],
       (ARRAY[1000, 500, 5000])[1 + qn % 3],
       (ARRAY[3600, 86400, 600])[1 + qn % 3],
       qn % 3 = 0,
       qn % 6 = 0,
       CASE WHEN qn % 8 = 5 THEN 30 ELSE 0 END,
       CASE WHEN qn % 9 = 4 THEN 2 ELSE 0 END,
       CASE WHEN qn % 4 = 1 THEN 604800 ELSE 0 END,
       CASE WHEN qn % 4 = 1 THEN 3600 ELSE 0 END,
       qn % 4 = 1,
       qn % 7 = 3,
       CASE WHEN qn % 5 = 2 THEN 30 ELSE 0 END,
       CASE WHEN qn % 10 = 9 THEN 100000 ELSE 0 END,
       '2025-10-01 00:00:00+00'::timestamptz + qn * INTERVAL '1 hour 7 minutes 13.25 seconds'
FROM generate_series(0, current_setting('pgferry.fx_nq')::integer - 1) AS qn;

-- ----------------------------------------------------------------------------
-- partitions: 10 per queue, global ordinal pn = qn * 10 + k.
-- One statement -> trg_partitions_created_counter fires once and upserts one
-- queue_lag_metrics row per queue for date_trunc('minute', now()).
-- ----------------------------------------------------------------------------
INSERT INTO queen.partitions (id, queue_id, name, created_at, last_activity)
SELECT md5('queen-partition-' || (qn * 10 + k))::uuid,
       md5('queen-queue-' || qn)::uuid,
       CASE WHEN k = 0 THEN 'Default'
            ELSE (ARRAY['customer-', 'tenant-', 'region-', U&'r\00E9gion-', 'user "quoted" ',
                        'shard\', U&'\65E5\672C-', 'p'])[1 + (k + qn) % 8] || k
       END,
       '2025-10-01 00:00:00+00'::timestamptz + qn * INTERVAL '1 hour 7 minutes 13.25 seconds' + k * INTERVAL '1 minute',
       CASE WHEN (qn + k) % 9 = 8 THEN NULL
            ELSE '2025-11-01 08:00:00+00'::timestamptz + ((qn * 10 + k) % 53) * INTERVAL '1 minute 3 seconds'
       END
FROM generate_series(0, current_setting('pgferry.fx_nq')::integer - 1) AS qn
CROSS JOIN generate_series(0, 9) AS k
ORDER BY qn, k;

-- ----------------------------------------------------------------------------
-- messages: the bulk. Message i goes to partition i % np. ids are UUIDv7-like
-- (48-bit ms timestamp prefix) so id order follows created_at, as in Queen.
-- Payloads: 100-300 bytes of varied JSON (nested objects, arrays, unicode,
-- backslashes, quotes, control characters, big numbers, a few top-level
-- non-object values); queues with encryption get {"encrypted","iv","authTag"}.
-- ----------------------------------------------------------------------------
INSERT INTO queen.messages (id, transaction_id, trace_id, partition_id, payload, created_at, is_encrypted, producer_sub)
SELECT (lpad(to_hex(floor(extract(epoch FROM g.ts) * 1000)::bigint), 12, '0')
        || '7' || substr(g.h, 1, 3) || '8' || substr(g.h, 4, 15))::uuid,
       CASE WHEN g.i % 10 = 7 THEN 'order-' || g.i || '-' || substr(g.h, 20, 6)
            ELSE md5('queen-txn-' || g.i)::uuid::text END,
       CASE WHEN g.i % 20 = 0 THEN NULL ELSE md5('queen-trace-' || g.i)::uuid END,
       md5('queen-partition-' || g.pn)::uuid,
       CASE
         WHEN g.qn % 7 = 3 THEN jsonb_build_object(
              'encrypted', translate(encode(decode(g.h || md5(g.h) || substr(md5(g.h || 'x'), 1, (random() * 32)::integer * 2), 'hex'), 'base64'), E'\n', ''),
              'iv', encode(decode(substr(md5(g.h || 'iv'), 1, 24), 'hex'), 'base64'),
              'authTag', encode(decode(md5(g.h || 'tag'), 'hex'), 'base64'))
         WHEN g.i % 997 = 11 THEN 'null'::jsonb
         WHEN g.i % 251 = 5 THEN to_jsonb('plain string payload: "quoted", back\slash, tab' || chr(9) || 'end #' || g.i)
         WHEN g.i % 251 = 6 THEN jsonb_build_array(g.i, 'two', 3.5, true, NULL, jsonb_build_object('k', 'v'), jsonb_build_array())
         WHEN g.i % 6 = 0 THEN jsonb_build_object(
              'type', 'order.created',
              'orderId', g.i,
              'customer', jsonb_build_object(
                  'name', (ARRAY[U&'Jos\00E9 M\00FCller', 'Ada Lovelace', U&'\5C71\7530 \82B1\5B50', U&'Zo\00EB O''Brien'])[1 + g.i % 4],
                  'email', 'c' || g.i || '@example.com',
                  'vip', g.i % 3 = 0),
              'items', (SELECT jsonb_agg(jsonb_build_object('sku', 'SKU-' || ((g.i + n) % 977),
                                                            'qty', 1 + (g.i + n) % 4,
                                                            'price', round((random() * 200)::numeric, 2)))
                        FROM generate_series(1, 1 + g.i % 3) AS n),
              'currency', (ARRAY['EUR', 'USD', 'JPY'])[1 + g.i % 3],
              'ref', substr(g.h || md5(g.h), 1, (random() * 40)::integer))
         WHEN g.i % 6 = 1 THEN jsonb_build_object(
              'event', 'user.signup',
              'locale', 'ja-JP',
              'displayName', U&'\65E5\672C \592A\90CE',
              'city', U&'S\00E3o Paulo / K\00F8benhavn',
              'bio', 'line one' || chr(10) || 'line two' || chr(9) || 'tabbed ' || U&'caf\00E9',
              'badge', U&'\+01F451',
              'tags', jsonb_build_array('new', U&'\00E9t\00E9', 'beta-' || g.i % 7),
              'ref', substr(md5(g.h) || g.h, 1, (random() * 60)::integer))
         WHEN g.i % 6 = 2 THEN jsonb_build_object(
              'path', 'C:\Users\queen\inbox\' || g.i || '.eml',
              'quote', 'He said "hi" and left',
              'regex', '^\d{3}-\w+$',
              'embedded', '{"nested": "json \"escaped\""}',
              'crlf', 'first' || chr(13) || chr(10) || 'second',
              'ref', substr(g.h, 1, (random() * 32)::integer))
         WHEN g.i % 6 = 3 THEN jsonb_build_object(
              'sensor', 'temp-' || g.i % 50,
              'readings', jsonb_build_array(round((random() * 100 - 50)::numeric, 3), -0.0, 1e-7,
                                            12345678901234567890.123, (random() * 1000)::integer),
              'ok', g.i % 2 = 0,
              'missing', NULL,
              'unit', U&'\00B0C',
              'ref', substr(g.h || md5(g.h), 1, (random() * 64)::integer))
         WHEN g.i % 6 = 4 THEN jsonb_build_object(
              'a', jsonb_build_object('b', jsonb_build_object('c', jsonb_build_object(
                       'd', jsonb_build_array(1, jsonb_build_object('e', 'deep'), jsonb_build_array(2, 3))))),
              'emptyObject', '{}'::jsonb,
              'emptyArray', '[]'::jsonb,
              'emptyString', '',
              'seq', g.i,
              'ref', substr(md5(g.h), 1, (random() * 32)::integer))
         ELSE jsonb_build_object(
              'headers', jsonb_build_object('Content-Type', 'application/json',
                                            'X-Request-Id', md5('req' || g.i)::uuid,
                                            'User-Agent', 'queen-client/0.13 (+https://example.com)'),
              'body', 'status=ok&note=' || replace(substr(g.h, 1, 12), 'a', '%20'),
              'attempt', 1 + g.i % 3,
              'ref', substr(g.h || md5(g.h), 1, (random() * 64)::integer))
       END,
       g.ts,
       g.qn % 7 = 3,
       CASE WHEN g.i % 4 = 0 THEN 'svc-' || g.i % 5
            WHEN g.i % 97 = 1 THEN U&'user-j\00F6rg@example.com'
            ELSE NULL END
FROM (
    SELECT i,
           i % np AS pn,
           (i % np) / 10 AS qn,
           md5('queen-msg-' || i) AS h,
           '2025-11-01 08:00:00+00'::timestamptz
               + make_interval(secs => i * 0.15 + get_byte(decode(md5('queen-msg-' || i), 'hex'), 0) / 2000.0) AS ts
    FROM generate_series(0, current_setting('pgferry.fx_nm')::bigint - 1) AS i
    CROSS JOIN (SELECT current_setting('pgferry.fx_np')::integer AS np) c
    ORDER BY i
) g
ORDER BY g.i;

-- ----------------------------------------------------------------------------
-- partition_lookup: newest message per partition (only partitions with messages)
-- ----------------------------------------------------------------------------
INSERT INTO queen.partition_lookup (id, queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
SELECT md5('queen-lookup-' || x.partition_id)::uuid, q.name, x.partition_id, x.id, x.created_at,
       x.created_at + INTERVAL '3 milliseconds'
FROM (
    SELECT DISTINCT ON (m.partition_id) m.partition_id, m.id, m.created_at
    FROM queen.messages m
    ORDER BY m.partition_id, m.created_at DESC, m.id DESC
) x
JOIN queen.partitions p ON p.id = x.partition_id
JOIN queen.queues q ON q.id = p.queue_id
ORDER BY x.partition_id;

-- ----------------------------------------------------------------------------
-- partition_consumers: one row per partition x consumer group of its queue.
-- Groups: every queue has queue mode; qn%3=0 adds analytics + audit-log,
-- qn%3=1 adds search-indexer. CHECK: zero cursor <=> NULL cursor timestamp.
-- ----------------------------------------------------------------------------
INSERT INTO queen.partition_consumers (id, partition_id, consumer_group, last_consumed_id, last_consumed_created_at,
                                       total_messages_consumed, total_batches_consumed, last_consumed_at,
                                       lease_expires_at, lease_acquired_at, message_batch, batch_size, acked_count,
                                       worker_id, pending_estimate, last_stats_update, batch_retry_count, created_at)
SELECT md5('queen-pc-' || x.pn || '-' || x.grp)::uuid,
       md5('queen-partition-' || x.pn)::uuid,
       x.grp,
       CASE WHEN x.b0 < 200 THEN md5('queen-cursor-' || x.pn || x.grp)::uuid
            ELSE '00000000-0000-0000-0000-000000000000'::uuid END,
       CASE WHEN x.b0 < 200 THEN '2025-11-01 08:00:00+00'::timestamptz + x.b1 * INTERVAL '11 seconds' END,
       CASE WHEN x.b0 < 200 THEN x.b1 * 7 ELSE 0 END,
       CASE WHEN x.b0 < 200 THEN x.b1 ELSE 0 END,
       CASE WHEN x.b0 < 200 THEN '2025-11-01 08:00:00+00'::timestamptz + x.b1 * INTERVAL '11 seconds' + INTERVAL '40 ms' END,
       CASE WHEN x.b2 < 26 THEN '2025-11-01 09:00:00+00'::timestamptz + x.b3 * INTERVAL '1 second' END,
       CASE WHEN x.b2 < 26 THEN '2025-11-01 08:55:00+00'::timestamptz + x.b3 * INTERVAL '1 second' END,
       CASE WHEN x.b2 < 26 THEN (
           SELECT jsonb_agg(jsonb_build_object('id', md5('queen-batch-' || x.pn || x.grp || n)::uuid,
                                               'transactionId', md5('queen-batch-txn-' || x.pn || n)::uuid::text,
                                               'retry', n % 2 = 0))
           FROM generate_series(1, 1 + x.b3 % 5) AS n) END,
       CASE WHEN x.b2 < 26 THEN 1 + x.b3 % 5 ELSE 0 END,
       CASE WHEN x.b2 < 26 THEN x.b3 % 3 ELSE 0 END,
       CASE WHEN x.b2 < 26 THEN 'queen-' || x.b3 % 2 || ':worker-' || x.b3 % 4 END,
       x.b3 * 3,
       CASE WHEN x.b1 % 4 <> 0 THEN '2025-11-01 09:30:00+00'::timestamptz END,
       CASE WHEN x.b2 < 26 THEN x.b1 % 3 ELSE 0 END,
       '2025-10-01 00:00:00+00'::timestamptz + x.pn * INTERVAL '7 minutes'
FROM (
    SELECT pn, grp,
           get_byte(decode(md5('queen-pc-' || pn || grp), 'hex'), 0) AS b0,
           get_byte(decode(md5('queen-pc-' || pn || grp), 'hex'), 1) AS b1,
           get_byte(decode(md5('queen-pc-' || pn || grp), 'hex'), 2) AS b2,
           get_byte(decode(md5('queen-pc-' || pn || grp), 'hex'), 3) AS b3
    FROM generate_series(0, current_setting('pgferry.fx_np')::integer - 1) AS pn
    CROSS JOIN LATERAL unnest(CASE (pn / 10) % 3
                                  WHEN 0 THEN ARRAY['__QUEUE_MODE__', 'analytics', 'audit-log']
                                  WHEN 1 THEN ARRAY['__QUEUE_MODE__', 'search-indexer']
                                  ELSE ARRAY['__QUEUE_MODE__'] END) AS grp
) x
ORDER BY x.pn, x.grp;

-- ----------------------------------------------------------------------------
-- consumer_groups_metadata: queue-scoped subscriptions of the named groups,
-- one partition-scoped one, plus namespace- and task-wide subscriptions.
-- ----------------------------------------------------------------------------
INSERT INTO queen.consumer_groups_metadata (id, consumer_group, queue_name, partition_name, namespace, task,
                                            subscription_mode, subscription_timestamp, created_at)
SELECT md5('queen-cgm-' || x.grp || '/' || x.queue_name || '/' || x.partition_name || '/' || x.namespace || '/' || x.task)::uuid,
       x.grp, x.queue_name, x.partition_name, x.namespace, x.task,
       x.mode, x.sub_ts, x.sub_ts + INTERVAL '250 ms'
FROM (
    SELECT g.grp, q.name AS queue_name, '' AS partition_name, '' AS namespace, '' AS task,
           (ARRAY['all', 'new', 'timestamp'])[1 + (qn + length(g.grp)) % 3] AS mode,
           '2025-10-15 12:00:00+00'::timestamptz + qn * INTERVAL '1 hour' AS sub_ts
    FROM generate_series(0, current_setting('pgferry.fx_nq')::integer - 1) AS qn
    JOIN queen.queues q ON q.id = md5('queen-queue-' || qn)::uuid
    CROSS JOIN LATERAL unnest(CASE qn % 3
                                  WHEN 0 THEN ARRAY['analytics', 'audit-log']
                                  WHEN 1 THEN ARRAY['search-indexer']
                                  ELSE ARRAY[]::text[] END) AS g(grp)
    UNION ALL
    SELECT 'analytics', q.name, 'Default', '', '', 'new', '2025-10-20 00:00:00+00'::timestamptz
    FROM queen.queues q WHERE q.id = md5('queen-queue-0')::uuid
    UNION ALL
    SELECT 'ns-watcher', '', '', ns, '', 'all', '2025-10-02 00:00:00+00'::timestamptz
    FROM (SELECT DISTINCT namespace AS ns FROM queen.queues WHERE namespace IS NOT NULL) n
    UNION ALL
    SELECT 'task-watcher', '', '', '', t, 'timestamp', '2025-10-03 00:00:00+00'::timestamptz
    FROM (SELECT DISTINCT task AS t FROM queen.queues WHERE task IS NOT NULL) t
) x
ORDER BY 1;

-- consumer_watermarks: per queue x group (some still at the epoch default)
INSERT INTO queen.consumer_watermarks (queue_name, consumer_group, last_empty_scan_at, updated_at)
SELECT q.name, g.grp,
       CASE WHEN (qn + g.ord) % 4 = 0 THEN '1970-01-01 00:00:00+00'::timestamptz
            ELSE '2025-11-01 09:00:00+00'::timestamptz + (qn * 13 + g.ord) * INTERVAL '1 second' END,
       '2025-11-01 09:00:00+00'::timestamptz + (qn * 13 + g.ord) * INTERVAL '1 second'
FROM generate_series(0, current_setting('pgferry.fx_nq')::integer - 1) AS qn
JOIN queen.queues q ON q.id = md5('queen-queue-' || qn)::uuid
CROSS JOIN LATERAL unnest(CASE qn % 3
                              WHEN 0 THEN ARRAY['__QUEUE_MODE__', 'analytics', 'audit-log']
                              WHEN 1 THEN ARRAY['__QUEUE_MODE__', 'search-indexer']
                              ELSE ARRAY['__QUEUE_MODE__'] END) WITH ORDINALITY AS g(grp, ord)
ORDER BY q.name, g.grp;

-- ----------------------------------------------------------------------------
-- messages_consumed: one row per ack, about as many as messages
-- ----------------------------------------------------------------------------
INSERT INTO queen.messages_consumed (id, partition_id, consumer_group, messages_completed, messages_failed, acked_at)
SELECT md5('queen-ack-' || j)::uuid,
       md5('queen-partition-' || pn)::uuid,
       CASE (pn / 10) % 3
           WHEN 0 THEN (ARRAY['__QUEUE_MODE__', 'analytics', 'audit-log'])[1 + (j / np) % 3]
           WHEN 1 THEN (ARRAY['__QUEUE_MODE__', 'search-indexer'])[1 + (j / np) % 2]
           ELSE '__QUEUE_MODE__' END,
       1 + (random() * 49)::integer,
       CASE WHEN random() < 0.1 THEN 1 + (random() * 3)::integer ELSE 0 END,
       '2025-11-01 08:00:02+00'::timestamptz + make_interval(secs => j * 0.15 + random())
FROM (
    SELECT j, j % np AS pn, np
    FROM generate_series(0, current_setting('pgferry.fx_nc')::bigint - 1) AS j
    CROSS JOIN (SELECT current_setting('pgferry.fx_np')::integer AS np) c
    ORDER BY j
) x
ORDER BY j;

-- ----------------------------------------------------------------------------
-- dead_letter_queue: every k-th message (by created_at order)
-- ----------------------------------------------------------------------------
INSERT INTO queen.dead_letter_queue (id, message_id, partition_id, consumer_group, error_message, retry_count,
                                     original_created_at, failed_at)
SELECT md5('queen-dlq-' || m.id)::uuid,
       m.id,
       m.partition_id,
       (ARRAY['__QUEUE_MODE__', 'analytics', NULL, 'search-indexer'])[1 + m.rn % 4],
       CASE m.rn % 5
           WHEN 0 THEN 'Error: handler failed' || chr(10) || chr(9) || 'at process (C:\srv\worker\handler.js:42:13)'
                       || chr(10) || chr(9) || 'at async Queue.pop'
           WHEN 1 THEN 'timeout after 30000 ms; payload said "retry later"'
           WHEN 2 THEN U&'validation: field \00AB\540D\524D\00BB is required'
           WHEN 3 THEN NULL
           ELSE 'lease expired (retry_limit reached) \N is not null'
       END,
       m.rn % 6,
       m.created_at,
       m.created_at + (1 + m.rn % 600) * INTERVAL '1 second'
FROM (
    SELECT id, partition_id, created_at, rn
    FROM (SELECT id, partition_id, created_at,
                 row_number() OVER (ORDER BY created_at, id) - 1 AS rn
          FROM queen.messages) a
    CROSS JOIN (SELECT greatest(1, current_setting('pgferry.fx_nm')::bigint
                                   / greatest(1, current_setting('pgferry.fx_nd')::bigint)) AS step) st
    WHERE rn % step = 3 % step
    ORDER BY rn
    LIMIT current_setting('pgferry.fx_nd')::bigint
) m
ORDER BY m.rn;

-- ----------------------------------------------------------------------------
-- message_traces: 10% of messages; message_trace_names: 1-3 names per trace
-- ----------------------------------------------------------------------------
INSERT INTO queen.message_traces (id, message_id, partition_id, transaction_id, consumer_group, event_type,
                                  data, created_at, worker_id)
SELECT md5('queen-mtrace-' || m.id)::uuid,
       m.id,
       m.partition_id,
       m.transaction_id,
       CASE WHEN m.rn % 30 = 3 THEN NULL ELSE (ARRAY['__QUEUE_MODE__', 'analytics', 'search-indexer'])[1 + m.rn % 3] END,
       (ARRAY['info', 'processing', 'error', 'step', NULL])[1 + (m.rn / 10) % 5],
       jsonb_build_object(
           'text', (ARRAY['picked up', 'calling "billing" API', U&'r\00E9essai programm\00E9',
                          'step 2/3' || chr(10) || 'ok'])[1 + (m.rn / 10) % 4],
           'data', jsonb_build_object('attempt', 1 + m.rn % 3, 'durationMs', (m.rn * 37) % 900,
                                      'tags', jsonb_build_array('t' || m.rn % 5, 'trace'))),
       m.created_at + INTERVAL '120 ms',
       CASE WHEN m.rn % 7 = 0 THEN NULL ELSE 'queen-' || m.rn % 2 || ':worker-' || m.rn % 4 END
FROM (
    SELECT id, partition_id, transaction_id, created_at, rn
    FROM (SELECT id, partition_id, transaction_id, created_at,
                 row_number() OVER (ORDER BY created_at, id) - 1 AS rn
          FROM queen.messages) a
    WHERE rn % 10 = 3
) m
ORDER BY m.rn;

INSERT INTO queen.message_trace_names (trace_id, trace_name)
SELECT t.id,
       (ARRAY['order-flow', 'tenant:acme', U&'r\00E9sum\00E9', 'checkout', 'retry path', 'slow\consumer'])
           [1 + (get_byte(decode(md5(t.id::text), 'hex'), 1) + k) % 6]
FROM queen.message_traces t
CROSS JOIN LATERAL generate_series(0, get_byte(decode(md5(t.id::text), 'hex'), 0) % 3) AS k
ORDER BY t.id, k;

-- ----------------------------------------------------------------------------
-- retention_history
-- ----------------------------------------------------------------------------
INSERT INTO queen.retention_history (id, partition_id, messages_deleted, retention_type, executed_at)
SELECT md5('queen-retention-' || r)::uuid,
       md5('queen-partition-' || ((r * 7) % current_setting('pgferry.fx_np')::integer))::uuid,
       (random() * 5000)::integer,
       (ARRAY['retention', 'completed_retention', 'eviction', NULL])[1 + r % 4],
       '2025-10-25 00:00:00+00'::timestamptz + r * INTERVAL '5 minutes' + make_interval(secs => random() * 60)
FROM generate_series(0, current_setting('pgferry.fx_nr')::bigint - 1) AS r
ORDER BY r;

-- ----------------------------------------------------------------------------
-- stats: partition, queue, namespace, task and system rows
-- ----------------------------------------------------------------------------
INSERT INTO queen.stats (stat_type, stat_key, queue_id, partition_id, consumer_group, child_count,
                         total_messages, pending_messages, processing_messages, completed_messages,
                         dead_letter_messages, oldest_pending_at, newest_message_at, avg_lag_seconds,
                         max_lag_seconds, median_lag_seconds, avg_offset_lag, max_offset_lag,
                         ingested_per_second, processed_per_second, prev_total_messages,
                         prev_completed_messages, prev_snapshot_at, last_scanned_at,
                         last_scanned_message_id, last_computed_at)
SELECT 'partition', p.id::text, p.queue_id, p.id, '__QUEUE_MODE__', 0,
       coalesce(m.total, 0),
       coalesce(m.total, 0) - coalesce(m.total, 0) * b.b0 / 255 - coalesce(m.total, 0) * b.b1 / 2550,
       coalesce(m.total, 0) * b.b1 / 2550,
       coalesce(m.total, 0) * b.b0 / 255,
       coalesce(d.dlq, 0),
       CASE WHEN m.total IS NOT NULL AND b.b0 < 250 THEN m.oldest END,
       m.newest,
       b.b2, b.b2 * 3, b.b2 / 2, b.b3, b.b3 * 2,
       round(coalesce(m.total, 0) / 3600.0, 2),
       round(coalesce(m.total, 0) * b.b0 / 255 / 3600.0, 2),
       greatest(coalesce(m.total, 0) - b.b3, 0),
       greatest(coalesce(m.total, 0) * b.b0 / 255 - b.b3, 0),
       '2025-11-01 09:59:00+00'::timestamptz,
       CASE WHEN m.total IS NOT NULL THEN '2025-11-01 10:00:00+00'::timestamptz END,
       m.last_id,
       '2025-11-01 10:00:00+00'::timestamptz
FROM queen.partitions p
CROSS JOIN LATERAL (
    SELECT get_byte(decode(md5(p.id::text), 'hex'), 0) AS b0,
           get_byte(decode(md5(p.id::text), 'hex'), 1) AS b1,
           get_byte(decode(md5(p.id::text), 'hex'), 2) AS b2,
           get_byte(decode(md5(p.id::text), 'hex'), 3) AS b3
) b
LEFT JOIN (
    SELECT partition_id, count(*) AS total, min(created_at) AS oldest, max(created_at) AS newest,
           (array_agg(id ORDER BY created_at DESC, id DESC))[1] AS last_id
    FROM queen.messages GROUP BY partition_id
) m ON m.partition_id = p.id
LEFT JOIN (
    SELECT partition_id, count(*) AS dlq FROM queen.dead_letter_queue GROUP BY partition_id
) d ON d.partition_id = p.id
ORDER BY p.id;

INSERT INTO queen.stats (stat_type, stat_key, queue_id, partition_id, consumer_group, child_count,
                         total_messages, pending_messages, processing_messages, completed_messages,
                         dead_letter_messages, oldest_pending_at, newest_message_at, avg_lag_seconds,
                         max_lag_seconds, median_lag_seconds, avg_offset_lag, max_offset_lag,
                         ingested_per_second, processed_per_second, prev_total_messages,
                         prev_completed_messages, prev_snapshot_at, last_computed_at)
SELECT 'queue', q.name, q.id, NULL, CASE WHEN q.namespace IS NULL THEN NULL ELSE '__QUEUE_MODE__' END,
       count(*)::integer,
       sum(s.total_messages), sum(s.pending_messages), sum(s.processing_messages),
       sum(s.completed_messages), sum(s.dead_letter_messages),
       min(s.oldest_pending_at), max(s.newest_message_at),
       avg(s.avg_lag_seconds)::integer, max(s.max_lag_seconds), avg(s.median_lag_seconds)::integer,
       avg(s.avg_offset_lag)::integer, max(s.max_offset_lag),
       sum(s.ingested_per_second), sum(s.processed_per_second),
       sum(s.prev_total_messages), sum(s.prev_completed_messages),
       '2025-11-01 09:59:00+00'::timestamptz, '2025-11-01 10:00:01+00'::timestamptz
FROM queen.stats s
JOIN queen.queues q ON q.id = s.queue_id
WHERE s.stat_type = 'partition'
GROUP BY q.id, q.name, q.namespace
ORDER BY q.name;

INSERT INTO queen.stats (stat_type, stat_key, consumer_group, child_count, total_messages, pending_messages,
                         processing_messages, completed_messages, dead_letter_messages, oldest_pending_at,
                         newest_message_at, max_lag_seconds, ingested_per_second, processed_per_second,
                         last_computed_at)
SELECT x.stat_type, x.stat_key, NULL, count(*)::integer,
       sum(s.total_messages), sum(s.pending_messages), sum(s.processing_messages),
       sum(s.completed_messages), sum(s.dead_letter_messages),
       min(s.oldest_pending_at), max(s.newest_message_at), max(s.max_lag_seconds),
       sum(s.ingested_per_second), sum(s.processed_per_second),
       '2025-11-01 10:00:02+00'::timestamptz
FROM queen.stats s
JOIN queen.queues q ON q.id = s.queue_id
CROSS JOIN LATERAL (VALUES ('namespace', q.namespace), ('task', q.task), ('system', 'global')) AS x(stat_type, stat_key)
WHERE s.stat_type = 'queue' AND x.stat_key IS NOT NULL
GROUP BY x.stat_type, x.stat_key
ORDER BY x.stat_type, x.stat_key;

-- stats_history: 60 one-minute buckets for every queue row and the system row
INSERT INTO queen.stats_history (stat_type, stat_key, bucket_time, total_messages, pending_messages,
                                 processing_messages, completed_messages, dead_letter_messages,
                                 messages_ingested, messages_processed, max_lag_seconds)
SELECT s.stat_type, s.stat_key,
       '2025-11-01 09:00:00+00'::timestamptz + mi * INTERVAL '1 minute',
       s.total_messages * (mi + 1) / 60,
       s.pending_messages * (mi + 1) / 60,
       s.processing_messages,
       s.completed_messages * (mi + 1) / 60,
       s.dead_letter_messages * (mi + 1) / 60,
       (s.total_messages / 60)::integer + (mi * 7) % 13,
       (s.completed_messages / 60)::integer + (mi * 5) % 11,
       CASE WHEN mi % 17 = 16 THEN NULL ELSE s.max_lag_seconds * (mi % 10) / 9 END
FROM queen.stats s
CROSS JOIN generate_series(0, 59) AS mi
WHERE s.stat_type IN ('queue', 'system')
ORDER BY s.stat_type, s.stat_key, mi;

-- ----------------------------------------------------------------------------
-- system_metrics: per replica (2 hosts x 2 workers) per minute, ~1.3 KB jsonb.
-- The "+ 0 * i" terms correlate the sub-selects so they are re-evaluated per
-- row instead of once as an InitPlan.
-- ----------------------------------------------------------------------------
INSERT INTO queen.system_metrics (id, "timestamp", hostname, port, worker_id, sample_count, metrics)
SELECT md5('queen-sysmetric-' || i)::uuid,
       '2025-11-01 00:00:00+00'::timestamptz + (i / 4) * INTERVAL '1 minute',
       'queen-' || (i / 2) % 2 || '.queen-headless.svc.cluster.local',
       6632,
       'worker-' || i % 2,
       CASE WHEN i % 50 = 7 THEN 59 ELSE 60 END,
       jsonb_build_object(
           'cpu', jsonb_build_object('userUs', (random() * 1e7)::bigint, 'systemUs', (random() * 1e6)::bigint,
                                     'percent', round((random() * 100)::numeric, 2)),
           'memory', jsonb_build_object('rss', 200000000 + (random() * 1e8)::bigint,
                                        'heapUsed', (random() * 1e8)::bigint,
                                        'heapTotal', 150000000, 'external', (random() * 1e6)::bigint),
           'eventLoop', jsonb_build_object('avgLagMs', round((random() * 5)::numeric, 3),
                                           'maxLagMs', round((random() * 80)::numeric, 3),
                                           'p99', round((random() * 40)::numeric, 3)),
           'database', jsonb_build_object('pool', jsonb_build_object('size', 50, 'idle', (random() * 50)::integer,
                                                                     'waiting', (random() * 3)::integer),
                                          'queries', (random() * 100000)::integer,
                                          'errors', CASE WHEN random() < 0.05 THEN 1 ELSE 0 END),
           'queues', (SELECT jsonb_agg(jsonb_build_object('name', 'queue-' || k, 'pushed', (random() * 5000)::integer,
                                                          'popped', (random() * 5000)::integer,
                                                          'lagMs', round((random() * 900)::numeric, 1),
                                                          'parked', (random() * 20)::integer))
                      FROM generate_series(0, 7 + 0 * i) AS k),
           'latencyHistogramMs', (SELECT jsonb_agg((random() * 250)::integer) FROM generate_series(1, 24 + 0 * i)),
           'labels', jsonb_build_object('region', 'eu-west-1', 'version', '0.13.0', 'build', 'ab23212',
                                        'note', U&'r\00E9plica \2116' || (i / 2) % 2)
       )
FROM generate_series(0, current_setting('pgferry.fx_nsm')::bigint - 1) AS i
ORDER BY i;

-- ----------------------------------------------------------------------------
-- worker_metrics: per worker per minute. Each row fires
-- trg_update_worker_metrics_summary, which accumulates into the singleton.
-- ----------------------------------------------------------------------------
INSERT INTO queen.worker_metrics (id, hostname, worker_id, pid, bucket_time, avg_event_loop_lag_ms,
                                  max_event_loop_lag_ms, avg_free_slots, min_free_slots, db_connections,
                                  avg_job_queue_size, max_job_queue_size, backoff_size, jobs_done,
                                  push_request_count, pop_request_count, ack_request_count, transaction_count,
                                  push_message_count, pop_message_count, ack_message_count, ack_success_count,
                                  ack_failed_count, lag_count, avg_lag_ms, max_lag_ms, db_error_count,
                                  dlq_count, created_at)
SELECT md5('queen-wm-' || i)::uuid,
       'queen-' || (i / 2) % 2,
       i % 2,
       4000 + 17 * ((i / 2) % 2) + i % 2,
       '2025-11-01 08:00:00+00'::timestamptz + (i / 4) * INTERVAL '1 minute',
       (random() * 5)::integer,
       (random() * 60)::integer,
       (random() * 40)::integer,
       (random() * 10)::integer,
       50,
       (random() * 20)::integer,
       (random() * 200)::integer,
       CASE WHEN i % 25 = 0 THEN NULL ELSE (random() * 3)::integer END,
       w.push_req + w.pop_req + w.ack_req,
       w.push_req, w.pop_req, w.ack_req,
       (random() * 30)::integer,
       w.push_req * 8, w.pop_req * 7, w.ack_req * 7,
       w.ack_req * 7 - w.ack_req / 10,
       w.ack_req / 10,
       w.pop_req,
       (random() * 400)::bigint,
       (random() * 4000)::bigint,
       CASE WHEN random() < 0.05 THEN 1 ELSE 0 END,
       CASE WHEN i % 50 = 0 THEN NULL ELSE (random() * 4)::bigint END,
       '2025-11-01 08:01:00+00'::timestamptz + (i / 4) * INTERVAL '1 minute' + make_interval(secs => random())
FROM generate_series(0, current_setting('pgferry.fx_nw')::bigint - 1) AS i
CROSS JOIN LATERAL (   -- evaluated once per row (references i), so the three counts stay consistent
    SELECT (500 + random() * 2000)::bigint AS push_req,
           (400 + random() * 2000)::bigint AS pop_req,
           (400 + random() * 2000)::bigint AS ack_req,
           i AS ii
) w
ORDER BY i;

-- ----------------------------------------------------------------------------
-- queue_lag_metrics history: 30 minute buckets per queue (the trigger has
-- already added one row per queue for the current minute).
-- ----------------------------------------------------------------------------
INSERT INTO queen.queue_lag_metrics (id, bucket_time, queue_name, pop_count, avg_lag_ms, max_lag_ms, created_at,
                                     push_request_count, push_message_count, pop_empty_count, ack_request_count,
                                     ack_success_count, ack_failed_count, transaction_count, partitions_created,
                                     partitions_deleted, partition_count, parked_count)
SELECT md5('queen-qlm-' || qn || '-' || mi)::uuid,
       '2025-11-01 08:00:00+00'::timestamptz + mi * INTERVAL '1 minute',
       q.name,
       (random() * 3000)::bigint,
       (random() * 500)::bigint,
       (random() * 5000)::bigint,
       '2025-11-01 08:01:00+00'::timestamptz + mi * INTERVAL '1 minute',
       (random() * 400)::bigint,
       (random() * 3000)::bigint,
       (random() * 50)::bigint,
       (random() * 400)::bigint,
       (random() * 3000)::bigint,
       (random() * 20)::bigint,
       (random() * 10)::bigint,
       CASE WHEN mi = 0 THEN 10 ELSE 0 END,
       0,
       CASE WHEN mi % 5 = 0 THEN 10 END,
       (random() * 12)::integer
FROM generate_series(0, current_setting('pgferry.fx_nq')::integer - 1) AS qn
JOIN queen.queues q ON q.id = md5('queen-queue-' || qn)::uuid
CROSS JOIN generate_series(0, 29) AS mi
ORDER BY qn, mi;

-- queue_parked_replica: per queue x host x worker, 5 minute buckets
INSERT INTO queen.queue_parked_replica (bucket_time, queue_name, hostname, worker_id, parked_count)
SELECT '2025-11-01 08:00:00+00'::timestamptz + mi * INTERVAL '1 minute',
       q.name,
       'queen-' || h,
       w,
       CASE WHEN (qn + mi + w) % 6 = 5 THEN NULL ELSE (qn * 3 + mi * 5 + h * 7 + w) % 17 END
FROM generate_series(0, current_setting('pgferry.fx_nq')::integer - 1) AS qn
JOIN queen.queues q ON q.id = md5('queen-queue-' || qn)::uuid
CROSS JOIN generate_series(0, 1) AS h
CROSS JOIN generate_series(0, 1) AS w
CROSS JOIN generate_series(0, 4) AS mi
ORDER BY qn, h, w, mi;
