-- ============================================================================
-- pgferry test fixture: schema `queen`, shaped like Queen MQ's schema
-- (queen-mq/queen, lib/schema/schema.sql + procedures/*.sql; inventory in
-- queen.md section 2).
--
-- 20 tables (212 columns), 20 PKs (5 composite), 8 UNIQUE constraints,
-- 14 FKs (all ON DELETE CASCADE, one targeting the UNIQUE queues.name),
-- 2 CHECKs, 41 explicit indexes (Queen's 40 + 1 INCLUDE index added for
-- coverage), reloptions on 3 tables, PL/pgSQL functions (4 trigger functions),
-- 3 triggers (2 statement-level with transition tables), grants, comments.
--
-- Loading rules: runs in an EMPTY database, either with
--   psql -v ON_ERROR_STOP=1 -f schema.sql
-- or as one multi-statement libpq PQexec() string. Therefore: no psql
-- meta-commands, no COPY FROM STDIN, no transaction control. The file is
-- pure ASCII. PostgreSQL 14..18 (gen_random_uuid() is core since 13).
--
-- Data (incl. the worker_metrics_summary singleton and the system_state
-- maintenance flags) lives in data.sql.
-- ============================================================================

CREATE SCHEMA queen;

-- ============================================================================
-- Core tables
-- ============================================================================

CREATE TABLE queen.queues (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) UNIQUE NOT NULL,
    namespace VARCHAR(255),
    task VARCHAR(255),
    priority INTEGER DEFAULT 0,
    lease_time INTEGER DEFAULT 300,
    retry_limit INTEGER DEFAULT 3,
    retry_delay INTEGER DEFAULT 1000,
    ttl INTEGER DEFAULT 3600,
    dead_letter_queue BOOLEAN DEFAULT FALSE,
    dlq_after_max_retries BOOLEAN DEFAULT FALSE,
    delayed_processing INTEGER DEFAULT 0,
    window_buffer INTEGER DEFAULT 0,
    retention_seconds INTEGER DEFAULT 0,
    completed_retention_seconds INTEGER DEFAULT 0,
    retention_enabled BOOLEAN DEFAULT FALSE,
    encryption_enabled BOOLEAN DEFAULT FALSE,
    max_wait_time_seconds INTEGER DEFAULT 0,
    max_queue_size INTEGER DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE queen.partitions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    queue_id UUID REFERENCES queen.queues(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL DEFAULT 'Default',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    last_activity TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE (queue_id, name)
);

CREATE TABLE queen.messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id VARCHAR(255) NOT NULL,
    trace_id UUID DEFAULT gen_random_uuid(),
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    is_encrypted BOOLEAN DEFAULT FALSE,
    producer_sub TEXT
);

-- Unique INDEX (not a constraint); target of ON CONFLICT (partition_id, transaction_id).
CREATE UNIQUE INDEX messages_partition_transaction_unique
    ON queen.messages (partition_id, transaction_id);

CREATE TABLE queen.partition_consumers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    consumer_group VARCHAR(255) DEFAULT '__QUEUE_MODE__',
    last_consumed_id UUID DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
    last_consumed_created_at TIMESTAMPTZ,
    total_messages_consumed BIGINT DEFAULT 0,
    total_batches_consumed BIGINT DEFAULT 0,
    last_consumed_at TIMESTAMPTZ,
    lease_expires_at TIMESTAMPTZ,
    lease_acquired_at TIMESTAMPTZ,
    message_batch JSONB,
    batch_size INTEGER DEFAULT 0,
    acked_count INTEGER DEFAULT 0,
    worker_id VARCHAR(255),
    pending_estimate BIGINT DEFAULT 0,
    last_stats_update TIMESTAMPTZ,
    batch_retry_count INTEGER DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE (partition_id, consumer_group),
    CHECK (
        (last_consumed_id = '00000000-0000-0000-0000-000000000000'::uuid
         AND last_consumed_created_at IS NULL)
        OR
        (last_consumed_id != '00000000-0000-0000-0000-000000000000'::uuid
         AND last_consumed_created_at IS NOT NULL)
    )
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_vacuum_threshold = 50, autovacuum_vacuum_cost_delay = 0);

CREATE TABLE queen.consumer_groups_metadata (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    consumer_group TEXT NOT NULL,
    queue_name TEXT NOT NULL DEFAULT '',
    partition_name TEXT NOT NULL DEFAULT '',
    namespace TEXT NOT NULL DEFAULT '',
    task TEXT NOT NULL DEFAULT '',
    subscription_mode TEXT NOT NULL,
    subscription_timestamp TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (consumer_group, queue_name, partition_name, namespace, task)
);

CREATE INDEX idx_consumer_groups_metadata_lookup
    ON queen.consumer_groups_metadata (consumer_group, queue_name, namespace, task);

-- Watermark tracking for wildcard POP discovery (no FK, not validated by Queen).
CREATE TABLE queen.consumer_watermarks (
    queue_name VARCHAR(255) NOT NULL,
    consumer_group VARCHAR(255) NOT NULL DEFAULT '__QUEUE_MODE__',
    last_empty_scan_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01 00:00:00+00'::timestamptz,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (queue_name, consumer_group)
);

CREATE TABLE queen.messages_consumed (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    consumer_group VARCHAR(255) NOT NULL,
    messages_completed INTEGER DEFAULT 0,
    messages_failed INTEGER DEFAULT 0,
    acked_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE queen.dead_letter_queue (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id UUID REFERENCES queen.messages(id) ON DELETE CASCADE,
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    consumer_group VARCHAR(255),
    error_message TEXT,
    retry_count INTEGER DEFAULT 0,
    original_created_at TIMESTAMPTZ,
    failed_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE queen.retention_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    messages_deleted INTEGER DEFAULT 0,
    retention_type VARCHAR(50),
    executed_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE queen.system_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    "timestamp" TIMESTAMPTZ NOT NULL,
    hostname TEXT NOT NULL,
    port INTEGER NOT NULL,
    worker_id TEXT NOT NULL,
    sample_count INTEGER NOT NULL DEFAULT 60,
    metrics JSONB NOT NULL,
    CONSTRAINT unique_metric_per_replica
        UNIQUE ("timestamp", hostname, port, worker_id)
);

CREATE TABLE queen.message_traces (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id UUID REFERENCES queen.messages(id) ON DELETE CASCADE,
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    transaction_id VARCHAR(255) NOT NULL,
    consumer_group VARCHAR(255),
    event_type VARCHAR(100),
    data JSONB NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    worker_id VARCHAR(255)
);

CREATE TABLE queen.message_trace_names (
    trace_id UUID REFERENCES queen.message_traces(id) ON DELETE CASCADE,
    trace_name TEXT NOT NULL,
    PRIMARY KEY (trace_id, trace_name)
);

-- Shared configuration across instances (maintenance flags live here).
CREATE TABLE queen.system_state (
    "key" TEXT PRIMARY KEY,
    "value" JSONB NOT NULL,
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- FK queue_name -> queues(name) targets the UNIQUE constraint, not the PK.
CREATE TABLE queen.partition_lookup (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    queue_name VARCHAR(255) NOT NULL REFERENCES queen.queues(name) ON DELETE CASCADE,
    partition_id UUID NOT NULL REFERENCES queen.partitions(id) ON DELETE CASCADE,
    last_message_id UUID NOT NULL,
    last_message_created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE (queue_name, partition_id)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_vacuum_threshold = 50, autovacuum_vacuum_cost_delay = 0);

-- ============================================================================
-- Stats tables
-- ============================================================================

CREATE TABLE queen.stats (
    stat_type VARCHAR(20) NOT NULL,      -- 'system', 'namespace', 'task', 'queue', 'partition'
    stat_key VARCHAR(512) NOT NULL,
    queue_id UUID REFERENCES queen.queues(id) ON DELETE CASCADE,
    partition_id UUID REFERENCES queen.partitions(id) ON DELETE CASCADE,
    consumer_group VARCHAR(255) DEFAULT '__QUEUE_MODE__',
    child_count INTEGER NOT NULL DEFAULT 0,
    total_messages BIGINT NOT NULL DEFAULT 0,
    pending_messages BIGINT NOT NULL DEFAULT 0,
    processing_messages BIGINT NOT NULL DEFAULT 0,
    completed_messages BIGINT NOT NULL DEFAULT 0,
    dead_letter_messages BIGINT NOT NULL DEFAULT 0,
    oldest_pending_at TIMESTAMPTZ,
    newest_message_at TIMESTAMPTZ,
    avg_lag_seconds INTEGER DEFAULT 0,
    max_lag_seconds INTEGER DEFAULT 0,
    median_lag_seconds INTEGER DEFAULT 0,
    avg_offset_lag INTEGER DEFAULT 0,
    max_offset_lag INTEGER DEFAULT 0,
    ingested_per_second NUMERIC(10,2) DEFAULT 0,
    processed_per_second NUMERIC(10,2) DEFAULT 0,
    prev_total_messages BIGINT DEFAULT 0,
    prev_completed_messages BIGINT DEFAULT 0,
    prev_snapshot_at TIMESTAMPTZ,
    last_scanned_at TIMESTAMPTZ,
    last_scanned_message_id UUID,
    last_computed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (stat_type, stat_key)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_vacuum_threshold = 50, autovacuum_vacuum_cost_delay = 0);

CREATE INDEX idx_stats_type ON queen.stats (stat_type);
CREATE INDEX idx_stats_queue_id ON queen.stats (queue_id) WHERE queue_id IS NOT NULL;
CREATE INDEX idx_stats_partition_id ON queen.stats (partition_id) WHERE partition_id IS NOT NULL;
CREATE INDEX idx_stats_computed ON queen.stats (last_computed_at);

CREATE TABLE queen.stats_history (
    stat_type VARCHAR(20) NOT NULL,
    stat_key VARCHAR(512) NOT NULL,
    bucket_time TIMESTAMPTZ NOT NULL,
    total_messages BIGINT DEFAULT 0,
    pending_messages BIGINT DEFAULT 0,
    processing_messages BIGINT DEFAULT 0,
    completed_messages BIGINT DEFAULT 0,
    dead_letter_messages BIGINT DEFAULT 0,
    messages_ingested INTEGER DEFAULT 0,
    messages_processed INTEGER DEFAULT 0,
    max_lag_seconds INTEGER DEFAULT 0,
    PRIMARY KEY (stat_type, stat_key, bucket_time)
);

CREATE INDEX idx_stats_history_time ON queen.stats_history (bucket_time DESC);
CREATE INDEX idx_stats_history_lookup ON queen.stats_history (stat_type, stat_key, bucket_time DESC);

-- ============================================================================
-- Worker metrics tables (procedures/014_worker_metrics.sql)
-- ============================================================================

CREATE TABLE queen.worker_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    hostname VARCHAR(255) NOT NULL,
    worker_id INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    bucket_time TIMESTAMPTZ NOT NULL,
    avg_event_loop_lag_ms INTEGER DEFAULT 0,
    max_event_loop_lag_ms INTEGER DEFAULT 0,
    avg_free_slots INTEGER DEFAULT 0,
    min_free_slots INTEGER DEFAULT 0,
    db_connections INTEGER DEFAULT 0,
    avg_job_queue_size INTEGER DEFAULT 0,
    max_job_queue_size INTEGER DEFAULT 0,
    backoff_size INTEGER DEFAULT 0,
    jobs_done BIGINT DEFAULT 0,
    push_request_count BIGINT DEFAULT 0,
    pop_request_count BIGINT DEFAULT 0,
    ack_request_count BIGINT DEFAULT 0,
    transaction_count BIGINT DEFAULT 0,
    push_message_count BIGINT DEFAULT 0,
    pop_message_count BIGINT DEFAULT 0,
    ack_message_count BIGINT DEFAULT 0,
    ack_success_count BIGINT DEFAULT 0,
    ack_failed_count BIGINT DEFAULT 0,
    lag_count BIGINT DEFAULT 0,
    avg_lag_ms BIGINT DEFAULT 0,
    max_lag_ms BIGINT DEFAULT 0,
    db_error_count BIGINT DEFAULT 0,
    dlq_count BIGINT DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE (hostname, worker_id, pid, bucket_time)
);

CREATE INDEX idx_worker_metrics_bucket ON queen.worker_metrics (bucket_time DESC);
CREATE INDEX idx_worker_metrics_worker ON queen.worker_metrics (hostname, worker_id);
CREATE INDEX idx_worker_metrics_created ON queen.worker_metrics (created_at);

-- In Queen the last 11 columns are added by ALTER TABLE ... ADD COLUMN IF NOT
-- EXISTS; the resulting column order is the same as declared here.
CREATE TABLE queen.queue_lag_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    bucket_time TIMESTAMPTZ NOT NULL,
    queue_name VARCHAR(512) NOT NULL,
    pop_count BIGINT DEFAULT 0,
    avg_lag_ms BIGINT DEFAULT 0,
    max_lag_ms BIGINT DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    push_request_count BIGINT DEFAULT 0,
    push_message_count BIGINT DEFAULT 0,
    pop_empty_count BIGINT DEFAULT 0,
    ack_request_count BIGINT DEFAULT 0,
    ack_success_count BIGINT DEFAULT 0,
    ack_failed_count BIGINT DEFAULT 0,
    transaction_count BIGINT DEFAULT 0,
    partitions_created INTEGER DEFAULT 0,
    partitions_deleted INTEGER DEFAULT 0,
    partition_count INTEGER,
    parked_count INTEGER DEFAULT 0,
    UNIQUE (bucket_time, queue_name)
);

CREATE INDEX idx_queue_lag_bucket ON queen.queue_lag_metrics (bucket_time DESC);
CREATE INDEX idx_queue_lag_queue ON queen.queue_lag_metrics (queue_name);
-- Not in Queen: added so the fixture covers a covering (INCLUDE) index.
CREATE INDEX idx_queue_lag_queue_bucket_incl
    ON queen.queue_lag_metrics (queue_name, bucket_time) INCLUDE (pop_count, avg_lag_ms, max_lag_ms);

CREATE TABLE queen.queue_parked_replica (
    bucket_time TIMESTAMPTZ NOT NULL,
    queue_name VARCHAR(512) NOT NULL,
    hostname VARCHAR(255) NOT NULL,
    worker_id INTEGER NOT NULL,
    parked_count INTEGER DEFAULT 0,
    PRIMARY KEY (bucket_time, queue_name, hostname, worker_id)
);

CREATE INDEX idx_queue_parked_replica_bucket ON queen.queue_parked_replica (bucket_time DESC);
CREATE INDEX idx_queue_parked_replica_queue ON queen.queue_parked_replica (queue_name);

-- System-wide running totals; singleton row (id = 1) is seeded by data.sql.
CREATE TABLE queen.worker_metrics_summary (
    id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    total_push_requests BIGINT DEFAULT 0,
    total_pop_requests BIGINT DEFAULT 0,
    total_ack_requests BIGINT DEFAULT 0,
    total_transactions BIGINT DEFAULT 0,
    total_push_messages BIGINT DEFAULT 0,
    total_pop_messages BIGINT DEFAULT 0,
    total_ack_messages BIGINT DEFAULT 0,
    total_ack_success BIGINT DEFAULT 0,
    total_ack_failed BIGINT DEFAULT 0,
    total_db_errors BIGINT DEFAULT 0,
    total_dlq BIGINT DEFAULT 0,
    last_updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- ============================================================================
-- Remaining explicit indexes (schema.sql "Indexes" section)
-- ============================================================================

CREATE INDEX idx_queues_name ON queen.queues (name);
CREATE INDEX idx_messages_partition_created ON queen.messages (partition_id, created_at, id);
CREATE INDEX idx_messages_consumed_acked_at ON queen.messages_consumed (acked_at DESC);
CREATE INDEX idx_messages_consumed_partition_acked ON queen.messages_consumed (partition_id, acked_at DESC);
CREATE INDEX idx_messages_consumed_consumer_acked ON queen.messages_consumed (consumer_group, acked_at DESC);
CREATE INDEX idx_messages_consumed_partition_id ON queen.messages_consumed (partition_id);
CREATE INDEX idx_dlq_partition ON queen.dead_letter_queue (partition_id);
CREATE INDEX idx_dlq_consumer_group ON queen.dead_letter_queue (consumer_group);
CREATE INDEX idx_dlq_failed_at ON queen.dead_letter_queue (failed_at DESC);
CREATE INDEX idx_dlq_message_consumer ON queen.dead_letter_queue (message_id, consumer_group);
CREATE INDEX idx_retention_history_partition ON queen.retention_history (partition_id);
CREATE INDEX idx_retention_history_executed ON queen.retention_history (executed_at);
CREATE INDEX idx_system_metrics_timestamp ON queen.system_metrics ("timestamp" DESC);
CREATE INDEX idx_system_metrics_replica ON queen.system_metrics (hostname, port);
CREATE INDEX idx_system_metrics_worker ON queen.system_metrics (worker_id);
CREATE INDEX idx_system_metrics_metrics ON queen.system_metrics USING GIN (metrics);
CREATE INDEX idx_message_traces_message_id ON queen.message_traces (message_id);
CREATE INDEX idx_message_traces_transaction_partition ON queen.message_traces (transaction_id, partition_id);
CREATE INDEX idx_message_traces_created_at ON queen.message_traces (created_at DESC);
CREATE INDEX idx_message_traces_partition_id ON queen.message_traces (partition_id);
CREATE INDEX idx_message_trace_names_name ON queen.message_trace_names (trace_name);
-- Redundant with the PK prefix / the PK itself; kept as in Queen.
CREATE INDEX idx_message_trace_names_trace_id ON queen.message_trace_names (trace_id);
CREATE INDEX idx_system_state_key ON queen.system_state ("key");
CREATE INDEX idx_partition_lookup_partition_id ON queen.partition_lookup (partition_id);
CREATE INDEX idx_partition_consumers_worker_id_active
    ON queen.partition_consumers (worker_id)
    WHERE worker_id IS NOT NULL;

-- ============================================================================
-- Trigger functions
-- ============================================================================

-- Kept for rollback; its trigger (trg_update_partition_lookup on messages) is
-- dropped by Queen at every schema apply, so no trigger uses it.
CREATE FUNCTION queen.update_partition_lookup_trigger()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    WITH batch_max AS (
        SELECT DISTINCT ON (partition_id)
            partition_id,
            created_at AS max_created_at,
            id AS max_id
        FROM new_messages
        ORDER BY partition_id, created_at DESC, id DESC
    )
    INSERT INTO queen.partition_lookup (
        queue_name, partition_id, last_message_id, last_message_created_at, updated_at
    )
    SELECT q.name, bm.partition_id, bm.max_id, bm.max_created_at, NOW()
    FROM batch_max bm
    JOIN queen.partitions p ON p.id = bm.partition_id
    JOIN queen.queues q ON q.id = p.queue_id
    ORDER BY bm.partition_id
    ON CONFLICT (queue_name, partition_id)
    DO UPDATE SET
        last_message_id = EXCLUDED.last_message_id,
        last_message_created_at = EXCLUDED.last_message_created_at,
        updated_at = NOW()
    WHERE
        EXCLUDED.last_message_created_at > queen.partition_lookup.last_message_created_at
        OR (EXCLUDED.last_message_created_at = queen.partition_lookup.last_message_created_at
            AND EXCLUDED.last_message_id > queen.partition_lookup.last_message_id);
    RETURN NULL;
END;
$$;

-- Adds each new worker_metrics row's counters into the singleton.
CREATE FUNCTION queen.update_worker_metrics_summary()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE queen.worker_metrics_summary SET
        total_push_requests = total_push_requests + COALESCE(NEW.push_request_count, 0),
        total_pop_requests  = total_pop_requests  + COALESCE(NEW.pop_request_count, 0),
        total_ack_requests  = total_ack_requests  + COALESCE(NEW.ack_request_count, 0),
        total_transactions  = total_transactions  + COALESCE(NEW.transaction_count, 0),
        total_push_messages = total_push_messages + COALESCE(NEW.push_message_count, 0),
        total_pop_messages  = total_pop_messages  + COALESCE(NEW.pop_message_count, 0),
        total_ack_messages  = total_ack_messages  + COALESCE(NEW.ack_message_count, 0),
        total_ack_success   = total_ack_success   + COALESCE(NEW.ack_success_count, 0),
        total_ack_failed    = total_ack_failed    + COALESCE(NEW.ack_failed_count, 0),
        total_db_errors     = total_db_errors     + COALESCE(NEW.db_error_count, 0),
        total_dlq           = total_dlq           + COALESCE(NEW.dlq_count, 0),
        last_updated_at     = NOW()
    WHERE id = 1;
    RETURN NEW;
END;
$$;

-- Statement-level: one upsert per queue per statement, into the current minute.
CREATE FUNCTION queen.bump_partitions_created_trigger()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO queen.queue_lag_metrics (bucket_time, queue_name, partitions_created)
    SELECT date_trunc('minute', NOW()), q.name, COUNT(*)::integer
    FROM new_partitions np
    JOIN queen.queues q ON q.id = np.queue_id
    GROUP BY q.name
    ORDER BY q.name   -- canonical lock order
    ON CONFLICT (bucket_time, queue_name) DO UPDATE
        SET partitions_created = COALESCE(queen.queue_lag_metrics.partitions_created, 0)
                                 + EXCLUDED.partitions_created;
    RETURN NULL;
END;
$$;

CREATE FUNCTION queen.bump_partitions_deleted_trigger()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    -- When the queue itself is being deleted (cascade) the join finds nothing,
    -- which is intended: a vanished queue has no lag series any more.
    INSERT INTO queen.queue_lag_metrics (bucket_time, queue_name, partitions_deleted)
    SELECT date_trunc('minute', NOW()), q.name, COUNT(*)::integer
    FROM old_partitions op
    JOIN queen.queues q ON q.id = op.queue_id
    GROUP BY q.name
    ORDER BY q.name
    ON CONFLICT (bucket_time, queue_name) DO UPDATE
        SET partitions_deleted = COALESCE(queen.queue_lag_metrics.partitions_deleted, 0)
                                 + EXCLUDED.partitions_deleted;
    RETURN NULL;
END;
$$;

-- ============================================================================
-- Regular functions (a representative subset of Queen's "stored procedures")
-- ============================================================================

-- 001_push: batch push; idempotent per (partition_id, transaction_id).
CREATE FUNCTION queen.push_messages_v3(p_items JSONB)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
DECLARE
    v_results JSONB[] := ARRAY[]::JSONB[];
    v_item JSONB;
    v_partition_id UUID;
    v_id UUID;
    v_txn TEXT;
BEGIN
    FOR v_item IN SELECT value FROM jsonb_array_elements(COALESCE(p_items, '[]'::jsonb)) LOOP
        SELECT p.id INTO v_partition_id
        FROM queen.partitions p
        JOIN queen.queues q ON q.id = p.queue_id
        WHERE q.name = v_item->>'queue'
          AND p.name = COALESCE(v_item->>'partition', 'Default');

        IF v_partition_id IS NULL THEN
            INSERT INTO queen.partitions (queue_id, name)
            SELECT q.id, COALESCE(v_item->>'partition', 'Default')
            FROM queen.queues q
            WHERE q.name = v_item->>'queue'
            ON CONFLICT (queue_id, name) DO UPDATE SET last_activity = NOW()
            RETURNING id INTO v_partition_id;
        END IF;

        v_txn := COALESCE(v_item->>'transactionId', gen_random_uuid()::text);

        IF v_partition_id IS NULL THEN
            v_results := v_results || jsonb_build_object(
                'transactionId', v_txn, 'status', 'failed', 'error', 'queue not found');
            CONTINUE;
        END IF;

        INSERT INTO queen.messages (transaction_id, trace_id, partition_id, payload, is_encrypted, producer_sub)
        VALUES (v_txn,
                COALESCE(NULLIF(v_item->>'traceId', '')::uuid, gen_random_uuid()),
                v_partition_id,
                COALESCE(v_item->'payload', 'null'::jsonb),
                COALESCE((v_item->>'isEncrypted')::boolean, FALSE),
                v_item->>'producerSub')
        ON CONFLICT (partition_id, transaction_id) DO NOTHING
        RETURNING id INTO v_id;

        UPDATE queen.partitions SET last_activity = NOW() WHERE id = v_partition_id;

        v_results := v_results || jsonb_build_object(
            'transactionId', v_txn,
            'messageId', v_id,
            'status', CASE WHEN v_id IS NULL THEN 'duplicate' ELSE 'queued' END);
    END LOOP;
    RETURN to_jsonb(v_results);
END;
$$;

-- 006_has_pending: cheap existence probe used by long-poll wakeups.
CREATE FUNCTION queen.has_pending_messages_v1(
    p_queue_name TEXT,
    p_partition_name TEXT DEFAULT NULL,
    p_consumer_group TEXT DEFAULT '__QUEUE_MODE__'
)
RETURNS BOOLEAN
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1
        FROM queen.partition_lookup pl
        JOIN queen.partitions p ON p.id = pl.partition_id
        LEFT JOIN queen.partition_consumers pc
               ON pc.partition_id = pl.partition_id
              AND pc.consumer_group = p_consumer_group
        WHERE pl.queue_name = p_queue_name
          AND (p_partition_name IS NULL OR p.name = p_partition_name)
          AND (pc.id IS NULL
               OR pc.last_consumed_created_at IS NULL
               OR (pl.last_message_created_at, pl.last_message_id)
                  > (pc.last_consumed_created_at, pc.last_consumed_id))
    );
END;
$$;

-- 012_configure: create or update a queue and make sure it has a Default partition.
CREATE FUNCTION queen.configure_queue_v1(
    p_queue_name TEXT,
    p_options JSONB DEFAULT '{}'::jsonb
)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
DECLARE
    v_queue queen.queues%ROWTYPE;
BEGIN
    INSERT INTO queen.queues AS q (name, namespace, task, priority, lease_time, retry_limit,
                                   dead_letter_queue, retention_enabled, retention_seconds,
                                   encryption_enabled)
    VALUES (p_queue_name,
            p_options->>'namespace',
            p_options->>'task',
            COALESCE((p_options->>'priority')::integer, 0),
            COALESCE((p_options->>'leaseTime')::integer, 300),
            COALESCE((p_options->>'retryLimit')::integer, 3),
            COALESCE((p_options->>'deadLetterQueue')::boolean, FALSE),
            COALESCE((p_options->>'retentionEnabled')::boolean, FALSE),
            COALESCE((p_options->>'retentionSeconds')::integer, 0),
            COALESCE((p_options->>'encryptionEnabled')::boolean, FALSE))
    ON CONFLICT (name) DO UPDATE SET
        namespace          = COALESCE(EXCLUDED.namespace, q.namespace),
        task               = COALESCE(EXCLUDED.task, q.task),
        priority           = EXCLUDED.priority,
        lease_time         = EXCLUDED.lease_time,
        retry_limit        = EXCLUDED.retry_limit,
        dead_letter_queue  = EXCLUDED.dead_letter_queue,
        retention_enabled  = EXCLUDED.retention_enabled,
        retention_seconds  = EXCLUDED.retention_seconds,
        encryption_enabled = EXCLUDED.encryption_enabled
    RETURNING * INTO v_queue;

    INSERT INTO queen.partitions (queue_id, name)
    VALUES (v_queue.id, 'Default')
    ON CONFLICT (queue_id, name) DO NOTHING;

    RETURN jsonb_build_object(
        'configured', TRUE,
        'queue', v_queue.name,
        'id', v_queue.id,
        'options', to_jsonb(v_queue) - 'id' - 'name');
END;
$$;

-- 016_partition_lookup: post-commit upsert of each partition's newest message.
-- p_updates: [{"partitionId": uuid, "messageId": uuid, "createdAt": timestamptz}, ...]
CREATE FUNCTION queen.update_partition_lookup_v1(p_updates JSONB)
RETURNS INTEGER
LANGUAGE plpgsql
AS $$
DECLARE
    v_count INTEGER;
BEGIN
    WITH src AS (
        SELECT DISTINCT ON ((u->>'partitionId')::uuid)
               (u->>'partitionId')::uuid      AS partition_id,
               (u->>'messageId')::uuid        AS message_id,
               (u->>'createdAt')::timestamptz AS created_at
        FROM jsonb_array_elements(p_updates) AS u
        ORDER BY (u->>'partitionId')::uuid, (u->>'createdAt')::timestamptz DESC, (u->>'messageId')::uuid DESC
    )
    INSERT INTO queen.partition_lookup (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT q.name, s.partition_id, s.message_id, s.created_at, NOW()
    FROM src s
    JOIN queen.partitions p ON p.id = s.partition_id
    JOIN queen.queues q ON q.id = p.queue_id
    ORDER BY s.partition_id
    ON CONFLICT (queue_name, partition_id) DO UPDATE SET
        last_message_id = EXCLUDED.last_message_id,
        last_message_created_at = EXCLUDED.last_message_created_at,
        updated_at = NOW()
    WHERE (EXCLUDED.last_message_created_at, EXCLUDED.last_message_id)
        > (queen.partition_lookup.last_message_created_at, queen.partition_lookup.last_message_id);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

-- 016_partition_lookup: periodic safety net, driven from partition_lookup.
CREATE FUNCTION queen.reconcile_partition_lookup_v1(p_lookback_seconds INTEGER DEFAULT 60)
RETURNS INTEGER
LANGUAGE plpgsql
AS $$
DECLARE
    v_count INTEGER;
    v_cutoff TIMESTAMPTZ := NOW() - make_interval(secs => p_lookback_seconds);
BEGIN
    WITH stale AS (
        SELECT pl.id, pl.partition_id, pl.last_message_id, pl.last_message_created_at
        FROM queen.partition_lookup pl
        WHERE pl.last_message_created_at >= v_cutoff
           OR pl.updated_at < v_cutoff
    ), newest AS (
        SELECT s.id, m.id AS message_id, m.created_at
        FROM stale s
        CROSS JOIN LATERAL (
            SELECT mm.id, mm.created_at
            FROM queen.messages mm
            WHERE mm.partition_id = s.partition_id
            ORDER BY mm.created_at DESC, mm.id DESC
            LIMIT 1
        ) m
        WHERE (m.created_at, m.id) > (s.last_message_created_at, s.last_message_id)
    )
    UPDATE queen.partition_lookup pl
    SET last_message_id = n.message_id,
        last_message_created_at = n.created_at,
        updated_at = NOW()
    FROM newest n
    WHERE pl.id = n.id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

-- 011_traces
CREATE FUNCTION queen.get_message_traces_v1(p_partition_id UUID, p_transaction_id TEXT)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (
        SELECT COALESCE(jsonb_agg(
            jsonb_build_object(
                'id', t.id,
                'eventType', t.event_type,
                'consumerGroup', t.consumer_group,
                'workerId', t.worker_id,
                'data', t.data,
                'traceNames', COALESCE((SELECT jsonb_agg(n.trace_name ORDER BY n.trace_name)
                                        FROM queen.message_trace_names n
                                        WHERE n.trace_id = t.id), '[]'::jsonb),
                'createdAt', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            ) ORDER BY t.created_at, t.id
        ), '[]'::jsonb)
        FROM queen.message_traces t
        WHERE t.partition_id = p_partition_id
          AND t.transaction_id = p_transaction_id
    );
END;
$$;

-- 010_messages: DLQ browser.
CREATE FUNCTION queen.get_dlq_messages_v1(p_filters JSONB DEFAULT '{}'::jsonb)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
DECLARE
    v_queue TEXT := p_filters->>'queue';
    v_group TEXT := p_filters->>'consumerGroup';
    v_limit INTEGER := LEAST(COALESCE((p_filters->>'limit')::integer, 100), 1000);
    v_offset INTEGER := COALESCE((p_filters->>'offset')::integer, 0);
BEGIN
    RETURN (
        SELECT jsonb_build_object(
            'messages', COALESCE(jsonb_agg(to_jsonb(x) ORDER BY x."failedAt" DESC, x.id), '[]'::jsonb),
            'count', COUNT(*))
        FROM (
            SELECT d.id, m.transaction_id AS "transactionId", q.name AS queue, p.name AS partition,
                   d.consumer_group AS "consumerGroup", d.error_message AS "errorMessage",
                   d.retry_count AS "retryCount", m.payload, d.failed_at AS "failedAt"
            FROM queen.dead_letter_queue d
            JOIN queen.messages m ON m.id = d.message_id
            JOIN queen.partitions p ON p.id = d.partition_id
            JOIN queen.queues q ON q.id = p.queue_id
            WHERE (v_queue IS NULL OR q.name = v_queue)
              AND (v_group IS NULL OR d.consumer_group = v_group)
            ORDER BY d.failed_at DESC, d.id
            LIMIT v_limit OFFSET v_offset
        ) x
    );
END;
$$;

-- 013_stats: leader election for the stats service (advisory lock).
CREATE FUNCTION queen.is_stats_leader(p_worker_id TEXT, p_lock_id BIGINT DEFAULT 737002)
RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
BEGIN
    IF pg_try_advisory_xact_lock(p_lock_id) THEN
        INSERT INTO queen.system_state ("key", "value", updated_at)
        VALUES ('stats_leader', jsonb_build_object('workerId', p_worker_id), NOW())
        ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", updated_at = NOW();
        RETURN TRUE;
    END IF;
    RETURN FALSE;
END;
$$;

-- Retention service. Shares advisory lock id 737001 with eviction.
CREATE FUNCTION queen.apply_retention_v1(p_batch_size INTEGER DEFAULT 1000)
RETURNS JSONB
LANGUAGE plpgsql
SET search_path = queen, pg_catalog
AS $$
DECLARE
    v_queue RECORD;
    v_deleted INTEGER;
    v_total INTEGER := 0;
    v_report JSONB[] := ARRAY[]::JSONB[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(737001) THEN
        RETURN jsonb_build_object('skipped', TRUE, 'reason', 'retention lock held');
    END IF;

    FOR v_queue IN
        SELECT id, name, retention_seconds
        FROM queen.queues
        WHERE retention_enabled AND retention_seconds > 0
        ORDER BY name
    LOOP
        BEGIN
            WITH doomed AS (
                SELECT m.id, m.partition_id
                FROM queen.messages m
                JOIN queen.partitions p ON p.id = m.partition_id
                WHERE p.queue_id = v_queue.id
                  AND m.created_at < NOW() - make_interval(secs => v_queue.retention_seconds)
                ORDER BY m.created_at, m.id
                LIMIT p_batch_size
            ), del AS (
                DELETE FROM queen.messages m
                USING doomed d
                WHERE m.id = d.id
                RETURNING d.partition_id
            ), per_partition AS (
                SELECT partition_id, COUNT(*)::integer AS n FROM del GROUP BY partition_id
            ), hist AS (
                INSERT INTO queen.retention_history (partition_id, messages_deleted, retention_type)
                SELECT partition_id, n, 'retention' FROM per_partition
                RETURNING messages_deleted
            )
            SELECT COALESCE(SUM(messages_deleted), 0)::integer INTO v_deleted FROM hist;

            v_total := v_total + v_deleted;
            v_report := v_report || jsonb_build_object('queue', v_queue.name, 'deleted', v_deleted);
        EXCEPTION WHEN OTHERS THEN
            v_report := v_report || jsonb_build_object('queue', v_queue.name, 'error', SQLERRM);
        END;
    END LOOP;

    RETURN jsonb_build_object('deleted', v_total, 'queues', to_jsonb(v_report));
END;
$$;

-- 014_worker_metrics
CREATE FUNCTION queen.get_worker_throughput_v1(
    p_from TIMESTAMPTZ DEFAULT NOW() - INTERVAL '1 hour',
    p_to TIMESTAMPTZ DEFAULT NOW(),
    p_bucket_minutes INTEGER DEFAULT 1
)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (
        SELECT COALESCE(jsonb_agg(
            jsonb_build_object(
                'timestamp', to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'pushRequestsPerSecond', ROUND(push_request_count::numeric / (60 * p_bucket_minutes), 2),
                'popRequestsPerSecond', ROUND(pop_request_count::numeric / (60 * p_bucket_minutes), 2),
                'ackRequestsPerSecond', ROUND(ack_request_count::numeric / (60 * p_bucket_minutes), 2),
                'pushMessagesPerSecond', ROUND(push_message_count::numeric / (60 * p_bucket_minutes), 2),
                'popMessagesPerSecond', ROUND(pop_message_count::numeric / (60 * p_bucket_minutes), 2),
                'ackMessagesPerSecond', ROUND(ack_message_count::numeric / (60 * p_bucket_minutes), 2),
                'avgLagMs', avg_lag_ms,
                'maxLagMs', max_lag_ms,
                'dbErrors', db_error_count,
                'dlqCount', dlq_count
            ) ORDER BY bucket DESC
        ), '[]'::jsonb)
        FROM (
            SELECT
                date_trunc('minute', bucket_time)
                    - (EXTRACT(minute FROM bucket_time)::integer % GREATEST(p_bucket_minutes, 1))
                      * INTERVAL '1 minute' AS bucket,
                SUM(push_request_count) AS push_request_count,
                SUM(pop_request_count) AS pop_request_count,
                SUM(ack_request_count) AS ack_request_count,
                SUM(push_message_count) AS push_message_count,
                SUM(pop_message_count) AS pop_message_count,
                SUM(ack_message_count) AS ack_message_count,
                CASE WHEN SUM(lag_count) > 0
                     THEN SUM(avg_lag_ms * lag_count) / SUM(lag_count)
                     ELSE 0 END AS avg_lag_ms,
                MAX(max_lag_ms) AS max_lag_ms,
                SUM(db_error_count) AS db_error_count,
                SUM(dlq_count) AS dlq_count
            FROM queen.worker_metrics
            WHERE bucket_time >= p_from AND bucket_time <= p_to
            GROUP BY 1
        ) t
    );
END;
$$;

CREATE FUNCTION queen.get_queue_lag_v1(
    p_from TIMESTAMPTZ DEFAULT NOW() - INTERVAL '1 hour',
    p_to TIMESTAMPTZ DEFAULT NOW(),
    p_queue_name TEXT DEFAULT NULL
)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (
        SELECT COALESCE(jsonb_agg(
            jsonb_build_object(
                'queueName', queue_name,
                'popCount', pop_count,
                'avgLagMs', avg_lag_ms,
                'maxLagMs', max_lag_ms,
                'partitionsCreated', partitions_created,
                'partitionsDeleted', partitions_deleted,
                'parked', parked_count,
                'bucketTime', to_char(bucket_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            ) ORDER BY bucket_time DESC, queue_name
        ), '[]'::jsonb)
        FROM queen.queue_lag_metrics
        WHERE bucket_time >= p_from
          AND bucket_time <= p_to
          AND (p_queue_name IS NULL OR queue_name = p_queue_name)
    );
END;
$$;

CREATE FUNCTION queen.get_worker_health_v1(
    p_from TIMESTAMPTZ DEFAULT NOW() - INTERVAL '5 minutes',
    p_to TIMESTAMPTZ DEFAULT NOW()
)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (
        SELECT COALESCE(jsonb_agg(
            jsonb_build_object(
                'hostname', hostname,
                'workerId', worker_id,
                'pid', pid,
                'avgEventLoopLagMs', avg_evl,
                'maxEventLoopLagMs', max_evl,
                'minFreeSlots', min_free,
                'dbConnections', db_conns,
                'maxJobQueueSize', max_jq,
                'dbErrors', db_errors,
                'lastSeen', to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            ) ORDER BY hostname, worker_id, pid
        ), '[]'::jsonb)
        FROM (
            SELECT hostname, worker_id, pid,
                   AVG(avg_event_loop_lag_ms)::integer AS avg_evl,
                   MAX(max_event_loop_lag_ms) AS max_evl,
                   MIN(min_free_slots) AS min_free,
                   MAX(db_connections) AS db_conns,
                   MAX(max_job_queue_size) AS max_jq,
                   SUM(db_error_count) AS db_errors,
                   MAX(bucket_time) AS last_seen
            FROM queen.worker_metrics
            WHERE bucket_time >= p_from AND bucket_time <= p_to
            GROUP BY hostname, worker_id, pid
        ) t
    );
END;
$$;

-- O(1) system totals from the singleton.
CREATE FUNCTION queen.get_system_totals_v1()
RETURNS JSONB
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (
        SELECT jsonb_build_object(
            'pushRequests', total_push_requests,
            'popRequests', total_pop_requests,
            'ackRequests', total_ack_requests,
            'transactions', total_transactions,
            'pushMessages', total_push_messages,
            'popMessages', total_pop_messages,
            'ackMessages', total_ack_messages,
            'ackSuccess', total_ack_success,
            'ackFailed', total_ack_failed,
            'dbErrors', total_db_errors,
            'dlqCount', total_dlq,
            'pendingMessages', total_push_messages - total_pop_messages,
            'lastUpdatedAt', to_char(last_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        )
        FROM queen.worker_metrics_summary
        WHERE id = 1
    );
END;
$$;

CREATE FUNCTION queen.cleanup_worker_metrics_v1(p_retention_days INTEGER DEFAULT 7)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
DECLARE
    v_deleted_metrics INTEGER := 0;
    v_deleted_lag INTEGER := 0;
    v_deleted_parked INTEGER := 0;
BEGIN
    DELETE FROM queen.worker_metrics
    WHERE bucket_time < NOW() - make_interval(days => p_retention_days);
    GET DIAGNOSTICS v_deleted_metrics = ROW_COUNT;

    DELETE FROM queen.queue_lag_metrics
    WHERE bucket_time < NOW() - make_interval(days => p_retention_days);
    GET DIAGNOSTICS v_deleted_lag = ROW_COUNT;

    DELETE FROM queen.queue_parked_replica
    WHERE bucket_time < NOW() - make_interval(days => p_retention_days);
    GET DIAGNOSTICS v_deleted_parked = ROW_COUNT;

    RETURN jsonb_build_object(
        'deletedMetrics', v_deleted_metrics,
        'deletedLagMetrics', v_deleted_lag,
        'deletedParkedMetrics', v_deleted_parked);
END;
$$;

-- 009_status: dashboard status (throughput, queues, leases, totals).
CREATE FUNCTION queen.get_status_v3(p_filters JSONB DEFAULT '{}'::jsonb)
RETURNS JSONB
LANGUAGE plpgsql
AS $$
DECLARE
    v_from_ts TIMESTAMPTZ;
    v_to_ts TIMESTAMPTZ;
    v_queue TEXT;
    v_namespace TEXT;
    v_task TEXT;
    v_bucket_minutes INTEGER;
    v_throughput JSONB;
    v_queues JSONB;
    v_leases JSONB;
    v_summary queen.worker_metrics_summary%ROWTYPE;
BEGIN
    v_from_ts := COALESCE((p_filters->>'from')::timestamptz, NOW() - INTERVAL '1 hour');
    v_to_ts := COALESCE((p_filters->>'to')::timestamptz, NOW());
    v_queue := p_filters->>'queue';
    v_namespace := p_filters->>'namespace';
    v_task := p_filters->>'task';

    v_bucket_minutes := CASE
        WHEN v_to_ts - v_from_ts <= INTERVAL '1 hour' THEN 1
        WHEN v_to_ts - v_from_ts <= INTERVAL '6 hours' THEN 5
        WHEN v_to_ts - v_from_ts <= INTERVAL '1 day' THEN 15
        WHEN v_to_ts - v_from_ts <= INTERVAL '7 days' THEN 60
        ELSE 360
    END;

    v_throughput := queen.get_worker_throughput_v1(v_from_ts, v_to_ts, v_bucket_minutes);

    SELECT COALESCE(jsonb_agg(
        jsonb_build_object(
            'id', q.id,
            'name', q.name,
            'namespace', q.namespace,
            'task', q.task,
            'partitions', COALESCE(s.child_count, 0),
            'totalMessages', COALESCE(s.total_messages, 0),
            'totalConsumed', COALESCE(s.completed_messages, 0)
        ) ORDER BY q.name
    ), '[]'::jsonb) INTO v_queues
    FROM queen.queues q
    LEFT JOIN queen.stats s ON s.stat_type = 'queue' AND s.queue_id = q.id
    WHERE (v_queue IS NULL OR q.name = v_queue)
      AND (v_namespace IS NULL OR q.namespace = v_namespace)
      AND (v_task IS NULL OR q.task = v_task);

    SELECT jsonb_build_object(
        'active', COUNT(*),
        'partitionsWithLeases', COUNT(DISTINCT partition_id),
        'totalBatchSize', COALESCE(SUM(batch_size), 0),
        'totalAcked', COALESCE(SUM(acked_count), 0)
    ) INTO v_leases
    FROM queen.partition_consumers
    WHERE lease_expires_at IS NOT NULL AND lease_expires_at > v_to_ts - INTERVAL '1 year';

    SELECT * INTO v_summary FROM queen.worker_metrics_summary WHERE id = 1;

    RETURN jsonb_build_object(
        'timeRange', jsonb_build_object('from', v_from_ts, 'to', v_to_ts),
        'bucketMinutes', v_bucket_minutes,
        'throughput', v_throughput,
        'queues', v_queues,
        'messages', jsonb_build_object(
            'total', COALESCE(v_summary.total_push_messages, 0),
            'pending', GREATEST(0, COALESCE(v_summary.total_push_messages - v_summary.total_pop_messages, 0)),
            'completed', COALESCE(v_summary.total_ack_success, 0),
            'failed', COALESCE(v_summary.total_ack_failed, 0),
            'deadLetter', COALESCE(v_summary.total_dlq, 0)),
        'leases', v_leases,
        'statsAge', CASE WHEN v_summary.last_updated_at IS NOT NULL
                         THEN EXTRACT(EPOCH FROM (NOW() - v_summary.last_updated_at))::integer
                         ELSE -1 END
    );
END;
$$;

-- ============================================================================
-- Triggers (3 active)
-- ============================================================================

CREATE TRIGGER trg_update_worker_metrics_summary
    AFTER INSERT ON queen.worker_metrics
    FOR EACH ROW
    EXECUTE FUNCTION queen.update_worker_metrics_summary();

CREATE TRIGGER trg_partitions_created_counter
    AFTER INSERT ON queen.partitions
    REFERENCING NEW TABLE AS new_partitions
    FOR EACH STATEMENT
    EXECUTE FUNCTION queen.bump_partitions_created_trigger();

CREATE TRIGGER trg_partitions_deleted_counter
    AFTER DELETE ON queen.partitions
    REFERENCING OLD TABLE AS old_partitions
    FOR EACH STATEMENT
    EXECUTE FUNCTION queen.bump_partitions_deleted_trigger();

-- ============================================================================
-- Grants (Queen grants EXECUTE to PUBLIC in every procedure file)
-- ============================================================================

GRANT EXECUTE ON FUNCTION queen.push_messages_v3(JSONB) TO PUBLIC;
GRANT EXECUTE ON FUNCTION queen.has_pending_messages_v1(TEXT, TEXT, TEXT) TO PUBLIC;
GRANT EXECUTE ON FUNCTION queen.update_partition_lookup_v1(JSONB) TO PUBLIC;
GRANT EXECUTE ON FUNCTION queen.reconcile_partition_lookup_v1(INTEGER) TO PUBLIC;
GRANT EXECUTE ON FUNCTION queen.get_system_totals_v1() TO PUBLIC;
GRANT EXECUTE ON FUNCTION queen.get_status_v3(JSONB) TO PUBLIC;

-- ============================================================================
-- Comments (Queen itself has none; added so the fixture covers them)
-- ============================================================================

COMMENT ON TABLE queen.messages IS 'One row per pushed message; payload is the client''s JSON (or {"encrypted","iv","authTag"} when the queue encrypts).';
COMMENT ON COLUMN queen.messages.producer_sub IS 'JWT "sub" claim stamped by the server; NULL when auth is disabled.';
COMMENT ON COLUMN queen.system_metrics."timestamp" IS 'Minute bucket of the sample (column name needs quoting).';
COMMENT ON TABLE queen.worker_metrics_summary IS 'Singleton (id = 1) of running totals, maintained by trg_update_worker_metrics_summary.';
COMMENT ON FUNCTION queen.get_system_totals_v1() IS 'O(1) system totals read from queen.worker_metrics_summary.';
