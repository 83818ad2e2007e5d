-- The --follow benchmark's source schema (Benchmarks/run.sh --follow): a queue shaped like
-- Queen's hot path. `messages` is the queue (pushed, leased, acknowledged), `consumed` the log an
-- acknowledgement appends to, `bench_marker` the row the harness bumps after a backlog: once a
-- follower's target shows the new value, everything committed before it is applied (commit order).
-- psql variable: preload (rows of messages to start with; ids 1..preload are only ever updated).
CREATE SCHEMA follow;
CREATE TABLE follow.messages (
    id bigserial PRIMARY KEY,
    queue text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'ready',
    attempts integer NOT NULL DEFAULT 0,
    lease_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_queue_status ON follow.messages (queue, status);
CREATE TABLE follow.consumed (
    id bigserial PRIMARY KEY,
    message_id bigint NOT NULL,
    queue text NOT NULL,
    consumed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE follow.bench_marker (id integer PRIMARY KEY, value bigint NOT NULL);
INSERT INTO follow.bench_marker VALUES (1, 0);
INSERT INTO follow.messages (queue, payload)
SELECT 'queue-' || (g % 16), jsonb_build_object('n', g, 'body', repeat('x', 150))
FROM generate_series(1, :preload) g;
VACUUM (FREEZE, ANALYZE);
