-- The --follow benchmark's source schema (Benchmarks/run.sh --follow): a queue shaped like
-- Queen's hot path. `messages` is the queue (pushed, leased, acknowledged), `consumed` the log an
-- acknowledgement appends to, `bench_marker` the row the harness bumps after a backlog: once a
-- follower's target shows the new value, everything committed before it is applied (commit order).
-- `events` is an audit log keyed by an identity column (GENERATED ALWAYS, as frameworks emit it:
-- the apply must insert the source's values), `queue_depth` a materialized view the load refreshes
-- (no publication carries it: a follower refreshes it at cutover, or leaves it stale).
-- psql variables: preload (rows of messages to start with; ids 1..preload are only ever updated),
-- identity (ALWAYS, or BY DEFAULT for a follower that cannot insert into an ALWAYS column).
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
CREATE TABLE follow.events (
    id bigint GENERATED :identity AS IDENTITY PRIMARY KEY,
    message_id bigint NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE follow.bench_marker (id integer PRIMARY KEY, value bigint NOT NULL);
INSERT INTO follow.bench_marker VALUES (1, 0);
INSERT INTO follow.messages (queue, payload)
SELECT 'queue-' || (g % 16), jsonb_build_object('n', g, 'body', repeat('x', 150))
FROM generate_series(1, :preload) g;
CREATE MATERIALIZED VIEW follow.queue_depth AS
SELECT queue, status, count(*) AS messages, max(attempts) AS max_attempts FROM follow.messages GROUP BY queue, status;
VACUUM (FREEZE, ANALYZE);
