-- A schema that uses every object kind pgferry must recreate (issue 3), for round-trip tests.
-- Runs as one multi-statement string on PostgreSQL 14 and later, in an empty database.
CREATE SCHEMA torture;
COMMENT ON SCHEMA torture IS 'every object kind';

-- Types
CREATE TYPE torture.mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE torture.mood IS 'an enum';
CREATE TYPE torture.address AS (street text, zip varchar(10), tags text[]);
COMMENT ON COLUMN torture.address.zip IS 'composite column comment';
CREATE DOMAIN torture.positive_int AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_int_check CHECK (VALUE > 0);
CREATE DOMAIN torture.short_text AS varchar(20) COLLATE "C";
ALTER DOMAIN torture.short_text ADD CONSTRAINT short_text_not_empty CHECK (VALUE <> '') NOT VALID;
COMMENT ON DOMAIN torture.positive_int IS 'a domain';
CREATE TYPE torture.float_range AS RANGE (subtype = float8, subtype_diff = float8mi);
DO $$ BEGIN
    IF current_setting('pgferry.icu', true) IS DISTINCT FROM 'off' THEN
        CREATE COLLATION torture.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    ELSE  -- a test server without ICU (the matrix's PyPI builds): a libc collation under the same name
        CREATE COLLATION torture.nocase (provider = libc, locale = 'C');
    END IF;
END $$;
CREATE COLLATION torture.c_copy (lc_collate = 'C', lc_ctype = 'C');

-- Sequences
CREATE SEQUENCE torture.free_seq AS smallint INCREMENT BY -3 MINVALUE -1000 MAXVALUE 100 START WITH 99 CACHE 5 CYCLE;
DO $$ BEGIN  -- UNLOGGED sequences: 15+
    EXECUTE CASE WHEN current_setting('server_version_num')::int >= 150000
        THEN 'CREATE UNLOGGED SEQUENCE torture.unlogged_seq' ELSE 'CREATE SEQUENCE torture.unlogged_seq' END;
END $$;
COMMENT ON SEQUENCE torture.free_seq IS 'descending smallint';

-- Functions: plpgsql, sql, SQL-standard bodies that depend on tables (created further down), window, aggregates
CREATE FUNCTION torture.add_one(i integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT i + 1 $$;
CREATE FUNCTION torture.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE FUNCTION torture.audit() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO torture.audit_log (table_name, n) SELECT TG_TABLE_NAME, count(*) FROM new_rows; RETURN NULL; END $$;
CREATE FUNCTION torture.mood_score(m torture.mood) RETURNS integer LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE m WHEN 'sad' THEN 0 WHEN 'ok' THEN 1 ELSE 2 END $$;
CREATE FUNCTION torture.sum_state(state numeric, value numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
    AS $$ SELECT coalesce(state, 0) + coalesce(value, 0) $$;
CREATE AGGREGATE torture.total(numeric) (SFUNC = torture.sum_state, STYPE = numeric, INITCOND = '0');
CREATE AGGREGATE torture.total_all(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0');
COMMENT ON AGGREGATE torture.total(numeric) IS 'an aggregate';
CREATE FUNCTION torture.ring(n integer, OUT pos integer, OUT label text) RETURNS SETOF record LANGUAGE sql ROWS 10 COST 5
    AS $$ SELECT g, 'item ' || g FROM generate_series(1, n) g $$;
CREATE PROCEDURE torture.reset_counter(IN target text DEFAULT 'x') LANGUAGE plpgsql
    AS $$ BEGIN RAISE NOTICE 'reset %', target; END $$;
COMMENT ON PROCEDURE torture.reset_counter(text) IS 'a procedure';
CREATE FUNCTION torture.abs_diff(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT abs(a - b) $$;
CREATE OPERATOR torture.<-> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = torture.abs_diff, COMMUTATOR = OPERATOR(torture.<->));
COMMENT ON OPERATOR torture.<-> (integer, integer) IS 'distance';

-- Tables with every column feature
CREATE TABLE torture.people (
    id integer GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 7 CACHE 2) PRIMARY KEY,
    name text COLLATE torture.nocase NOT NULL,
    nick torture.short_text,
    mood torture.mood DEFAULT 'ok'::torture.mood,
    moods torture.mood[],
    home torture.address,
    age torture.positive_int,
    score numeric(8,3) DEFAULT 0.5,
    span torture.float_range,
    born date,
    updated_at timestamp(3) with time zone DEFAULT now(),
    name_length integer GENERATED ALWAYS AS (length(name)) STORED,
    notes text,
    to_drop integer,
    blob bytea,
    CONSTRAINT people_score_check CHECK (score >= 0)
) WITH (fillfactor = 80, autovacuum_enabled = false);
ALTER TABLE torture.people DROP COLUMN to_drop;
ALTER TABLE torture.people ALTER COLUMN notes SET STORAGE EXTERNAL;
ALTER TABLE torture.people ALTER COLUMN notes SET STATISTICS 500;
ALTER TABLE torture.people ALTER COLUMN blob SET COMPRESSION pglz;
ALTER TABLE torture.people ALTER COLUMN born SET (n_distinct = 100);
COMMENT ON TABLE torture.people IS 'people';
COMMENT ON COLUMN torture.people.name IS 'case-insensitive';
COMMENT ON CONSTRAINT people_score_check ON torture.people IS 'non-negative';

CREATE TABLE torture.serials (
    id bigserial PRIMARY KEY,
    small smallserial,
    code text,
    person integer REFERENCES torture.people (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED
);
DO $$ BEGIN  -- NULLS NOT DISTINCT: 15+
    EXECUTE 'ALTER TABLE torture.serials ADD CONSTRAINT serials_code_key UNIQUE '
        || CASE WHEN current_setting('server_version_num')::int >= 150000 THEN 'NULLS NOT DISTINCT ' ELSE '' END || '(code)';
END $$;
CREATE UNLOGGED TABLE torture.scratch (k text PRIMARY KEY, v jsonb);

CREATE TABLE torture.audit_log (id bigint GENERATED BY DEFAULT AS IDENTITY, table_name text, n bigint, at timestamptz DEFAULT now());

-- A SQL-standard body that depends on a table: must come after it.
CREATE FUNCTION torture.people_count() RETURNS bigint LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT count(*) FROM torture.people; END;
CREATE FUNCTION torture.person_name(pid integer) RETURNS text LANGUAGE sql STABLE
    RETURN (SELECT name FROM torture.people WHERE id = pid);

-- EXCLUDE, partial/expression/INCLUDE/DESC/covering indexes, clustering
CREATE TABLE torture.bookings (
    id int PRIMARY KEY,
    room int NOT NULL,
    during tsrange NOT NULL,
    CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&) WHERE (room > 0) DEFERRABLE
);
CREATE INDEX bookings_room_desc ON torture.bookings (room DESC NULLS LAST) INCLUDE (during) WITH (fillfactor = 70);
CREATE INDEX people_lower_name ON torture.people (lower(name COLLATE "C")) WHERE notes IS NOT NULL;
CREATE INDEX people_moods ON torture.people USING gin (moods);
CREATE UNIQUE INDEX people_nick ON torture.people (nick) WHERE nick IS NOT NULL;
ALTER TABLE torture.people CLUSTER ON people_pkey;
COMMENT ON INDEX torture.people_lower_name IS 'partial expression index';
ALTER INDEX torture.people_lower_name ALTER COLUMN 1 SET STATISTICS 400;

-- Partitioning: range with sub-partitions and default, list, hash; partitioned indexes and keys; FK to a partitioned table
CREATE TABLE torture.events (id bigint NOT NULL, at date NOT NULL, kind text NOT NULL, payload jsonb, PRIMARY KEY (id, at, kind))
    PARTITION BY RANGE (at);
CREATE TABLE torture.events_2024 PARTITION OF torture.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE torture.events_2024_click PARTITION OF torture.events_2024 FOR VALUES IN ('click', 'tap');
CREATE TABLE torture.events_2024_other PARTITION OF torture.events_2024 DEFAULT;
CREATE TABLE torture.events_2025 PARTITION OF torture.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE torture.events_default PARTITION OF torture.events DEFAULT;
CREATE INDEX events_kind ON torture.events (kind);
CREATE TABLE torture.event_refs (id int PRIMARY KEY, event_id bigint, event_at date, event_kind text,
    FOREIGN KEY (event_id, event_at, event_kind) REFERENCES torture.events (id, at, kind));
CREATE TABLE torture.shards (id int NOT NULL, v text, serial_no bigint GENERATED BY DEFAULT AS IDENTITY) PARTITION BY HASH (id);
CREATE TABLE torture.shards_0 PARTITION OF torture.shards FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE torture.shards_1 PARTITION OF torture.shards FOR VALUES WITH (MODULUS 2, REMAINDER 1);

-- Inheritance: a child with its own column, an inherited CHECK, and a local default override
CREATE TABLE torture.vehicles (id int, wheels int DEFAULT 4 CHECK (wheels >= 0), name text);
CREATE TABLE torture.bikes (bell boolean DEFAULT true) INHERITS (torture.vehicles);
ALTER TABLE torture.bikes ALTER COLUMN wheels SET DEFAULT 2;

-- Views: chains, check option, security_barrier; materialized views populated and not
CREATE VIEW torture.happy_people AS SELECT id, name, mood FROM torture.people WHERE mood = 'happy'
    WITH LOCAL CHECK OPTION;
CREATE VIEW torture.happy_names WITH (security_barrier = true) AS SELECT name FROM torture.happy_people;
COMMENT ON VIEW torture.happy_names IS 'view on a view';
COMMENT ON COLUMN torture.happy_names.name IS 'view column';
ALTER VIEW torture.happy_people ALTER COLUMN id SET DEFAULT nextval('torture.free_seq');
CREATE VIEW torture.people_counts AS SELECT torture.people_count() AS n, torture.total(score) AS total FROM torture.people;
CREATE MATERIALIZED VIEW torture.mood_stats AS SELECT mood, count(*) AS n FROM torture.people GROUP BY mood;
CREATE UNIQUE INDEX mood_stats_mood ON torture.mood_stats (mood);
ALTER MATERIALIZED VIEW torture.mood_stats ALTER COLUMN n SET STATISTICS 200;
ALTER MATERIALIZED VIEW torture.mood_stats ALTER COLUMN n SET (n_distinct = -0.5);
CREATE MATERIALIZED VIEW torture.empty_stats AS SELECT kind, count(*) AS n FROM torture.events GROUP BY kind WITH NO DATA;

-- Triggers, rules, RLS, policies, statistics
CREATE TRIGGER people_touch BEFORE UPDATE ON torture.people FOR EACH ROW WHEN (OLD.notes IS DISTINCT FROM NEW.notes)
    EXECUTE FUNCTION torture.touch();
CREATE TRIGGER serials_audit AFTER INSERT ON torture.serials REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION torture.audit();
CREATE TRIGGER bookings_audit AFTER INSERT ON torture.bookings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION torture.audit();
ALTER TABLE torture.bookings DISABLE TRIGGER bookings_audit;
COMMENT ON TRIGGER people_touch ON torture.people IS 'keeps updated_at';
CREATE RULE scratch_no_delete AS ON DELETE TO torture.scratch DO INSTEAD NOTHING;
COMMENT ON RULE scratch_no_delete ON torture.scratch IS 'a rule';
ALTER TABLE torture.serials ENABLE ROW LEVEL SECURITY;
ALTER TABLE torture.serials FORCE ROW LEVEL SECURITY;
CREATE POLICY serials_read ON torture.serials FOR SELECT USING (true);
CREATE POLICY serials_write ON torture.serials AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK (code IS NOT NULL);
COMMENT ON POLICY serials_read ON torture.serials IS 'a policy';
CREATE STATISTICS torture.people_stats (dependencies, ndistinct) ON mood, age FROM torture.people;
ALTER STATISTICS torture.people_stats SET STATISTICS 200;
COMMENT ON STATISTICS torture.people_stats IS 'extended statistics';

-- Objects that rely on a key (issue 9, item 2): grouping by a primary key and selecting other
-- columns (functional dependency) and ON CONFLICT ON CONSTRAINT need the key to exist, so they
-- are created after it; a view on such a view waits with it.
CREATE TABLE torture.ledger (id int PRIMARY KEY, code text CONSTRAINT ledger_code_key UNIQUE, holder text, amount numeric);
INSERT INTO torture.ledger SELECT g, 'c' || g, 'holder ' || (g % 7), g * 2.5 FROM generate_series(1, 40) g;
CREATE VIEW torture.ledger_totals AS SELECT id, holder, sum(amount) AS total FROM torture.ledger GROUP BY id;
CREATE VIEW torture.ledger_big AS SELECT id, holder FROM torture.ledger_totals WHERE total > 50;
CREATE MATERIALIZED VIEW torture.ledger_snapshot AS SELECT id, holder, count(*) AS n FROM torture.ledger GROUP BY id;
CREATE UNIQUE INDEX ledger_snapshot_id ON torture.ledger_snapshot (id);
CREATE FUNCTION torture.ledger_holders() RETURNS SETOF text LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT holder FROM torture.ledger GROUP BY id ORDER BY id;
END;
CREATE FUNCTION torture.ledger_touch(c text) RETURNS void LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO torture.ledger (id, code) VALUES (0, c) ON CONFLICT ON CONSTRAINT ledger_code_key DO NOTHING;
END;

-- Foreign-key cycles: a self-reference, and two tables that reference each other.
CREATE TABLE torture.nodes (id int PRIMARY KEY, parent int REFERENCES torture.nodes (id), peer int);
CREATE TABLE torture.peers (id int PRIMARY KEY, node int REFERENCES torture.nodes (id));
ALTER TABLE torture.nodes ADD CONSTRAINT nodes_peer_fkey FOREIGN KEY (peer) REFERENCES torture.peers (id);
-- A CHECK that calls a function of the schema.
CREATE FUNCTION torture.is_even(i integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT i % 2 = 0';
CREATE TABLE torture.evens (n integer CONSTRAINT evens_n_check CHECK (torture.is_even(n)));
-- A table and a materialized view in another table access method (issue 17), and a table with
-- each non-default replica identity: an index of its own, FULL, NOTHING.
CREATE TABLE torture.columnar (id int PRIMARY KEY, note text) USING torture_heap;
CREATE MATERIALIZED VIEW torture.columnar_notes USING torture_heap AS SELECT id, note FROM torture.columnar;
CREATE TABLE torture.identity_by_index (id int NOT NULL, code text NOT NULL, CONSTRAINT identity_by_index_pkey PRIMARY KEY (id));
CREATE UNIQUE INDEX identity_by_index_code ON torture.identity_by_index (code);
ALTER TABLE torture.identity_by_index REPLICA IDENTITY USING INDEX identity_by_index_code;
CREATE TABLE torture.identity_full (id int, payload text);
ALTER TABLE torture.identity_full REPLICA IDENTITY FULL;
CREATE TABLE torture.identity_nothing (id int PRIMARY KEY, payload text);
ALTER TABLE torture.identity_nothing REPLICA IDENTITY NOTHING;
-- A sequence never used (is_called = false), and comments on the remaining kinds.
CREATE SEQUENCE torture.unused_seq START WITH 42;
COMMENT ON COLLATION torture.nocase IS 'case-insensitive ICU collation';
COMMENT ON MATERIALIZED VIEW torture.mood_stats IS 'populated';
COMMENT ON CONSTRAINT positive_int_check ON DOMAIN torture.positive_int IS 'domain check';
COMMENT ON FUNCTION torture.people_count() IS 'SQL-standard body';
COMMENT ON TYPE torture.float_range IS 'a range';
-- Hash partitioning on an enum: enum OIDs differ on the target, so rows must be routed through the root.
CREATE TABLE torture.mood_shards (id int, mood torture.mood) PARTITION BY HASH (mood);
CREATE TABLE torture.mood_shards_0 PARTITION OF torture.mood_shards FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE torture.mood_shards_1 PARTITION OF torture.mood_shards FOR VALUES WITH (MODULUS 2, REMAINDER 1);
-- Text search: a parser and a template over the server's C functions (superuser only), a
-- dictionary with options, configurations with their mappings (one copied from a built-in),
-- and a GIN index on the schema's own configuration.
CREATE TEXT SEARCH PARSER torture.words (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end,
                                         LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH TEMPLATE torture.plain (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH TEMPLATE torture.no_init (LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY torture.plain_dict (TEMPLATE = torture.plain, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY torture.english_stem (TEMPLATE = snowball, LANGUAGE = english, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION torture.docs_config (PARSER = torture.words);
ALTER TEXT SEARCH CONFIGURATION torture.docs_config
    ADD MAPPING FOR asciiword, word WITH torture.plain_dict, torture.english_stem;
ALTER TEXT SEARCH CONFIGURATION torture.docs_config ADD MAPPING FOR int, uint WITH simple;
CREATE TEXT SEARCH CONFIGURATION torture.english_copy (COPY = pg_catalog.english);
COMMENT ON TEXT SEARCH PARSER torture.words IS 'the default parser again';
COMMENT ON TEXT SEARCH TEMPLATE torture.plain IS 'simple';
COMMENT ON TEXT SEARCH DICTIONARY torture.plain_dict IS 'stop words only';
COMMENT ON TEXT SEARCH CONFIGURATION torture.docs_config IS 'the schema''s own configuration';
-- Operator families and classes: a class in an explicit family with a loose cross-type member
-- (ALTER OPERATOR FAMILY … ADD), a class that makes its family implicitly, a GIN class with
-- STORAGE, an empty family; indexes that use them.
CREATE FUNCTION torture.abs_eq(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) = abs(b)';
CREATE FUNCTION torture.abs_eq8(a integer, b bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) = abs(b)';
CREATE FUNCTION torture.abs_hash(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT hashint4(abs(a))';
CREATE OPERATOR torture.=~= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = torture.abs_eq, COMMUTATOR = OPERATOR(torture.=~=));
CREATE OPERATOR torture.=~= (LEFTARG = integer, RIGHTARG = bigint, FUNCTION = torture.abs_eq8);
CREATE OPERATOR FAMILY torture.abs_ops USING hash;
CREATE OPERATOR CLASS torture.abs_int4_ops FOR TYPE integer USING hash FAMILY torture.abs_ops AS
    OPERATOR 1 torture.=~=, FUNCTION 1 torture.abs_hash(integer);
ALTER OPERATOR FAMILY torture.abs_ops USING hash ADD OPERATOR 1 torture.=~= (integer, bigint);
CREATE OPERATOR CLASS torture.int4_plain_ops FOR TYPE integer USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 btint4cmp(integer, integer);
CREATE OPERATOR CLASS torture.int_array_ops FOR TYPE integer[] USING gin AS STORAGE integer,
    OPERATOR 1 &&(anyarray, anyarray), OPERATOR 2 @>(anyarray, anyarray), OPERATOR 3 <@(anyarray, anyarray),
    OPERATOR 4 =(anyarray, anyarray), FUNCTION 2 ginarrayextract(anyarray, internal, internal),
    FUNCTION 3 ginqueryarrayextract(anyarray, internal, smallint, internal, internal, internal, internal),
    FUNCTION 4 ginarrayconsistent(internal, smallint, anyarray, integer, internal, internal, internal, internal);
-- A GiST class with STORAGE and an ordering operator (FOR ORDER BY a btree family).
CREATE OPERATOR CLASS torture.point_near_ops FOR TYPE point USING gist AS STORAGE box,
    OPERATOR 1 <<(point, point), OPERATOR 15 <->(point, point) FOR ORDER BY pg_catalog.float_ops,
    FUNCTION 1 gist_point_consistent(internal, point, smallint, oid, internal), FUNCTION 2 gist_box_union(internal, internal),
    FUNCTION 3 gist_point_compress(internal), FUNCTION 5 gist_box_penalty(internal, internal, internal),
    FUNCTION 6 gist_box_picksplit(internal, internal), FUNCTION 7 gist_box_same(box, box, internal),
    FUNCTION 8 gist_point_distance(internal, point, smallint, oid, internal), FUNCTION 9 gist_point_fetch(internal);
CREATE OPERATOR FAMILY torture.empty_ops USING btree;
COMMENT ON OPERATOR CLASS torture.abs_int4_ops USING hash IS 'equal up to sign';
COMMENT ON OPERATOR FAMILY torture.abs_ops USING hash IS 'a family with a loose member';
CREATE TABLE torture.docs (id integer PRIMARY KEY, body text, tags integer[], spot point);
CREATE INDEX docs_body_search ON torture.docs USING gin (to_tsvector('torture.docs_config', body));
CREATE INDEX docs_abs ON torture.docs USING hash (id torture.abs_int4_ops);
CREATE INDEX docs_plain ON torture.docs (id torture.int4_plain_ops);
CREATE INDEX docs_tags ON torture.docs USING gin (tags torture.int_array_ops);
CREATE INDEX docs_spot ON torture.docs USING gist (spot torture.point_near_ops);
-- A conversion, and foreign tables on the server of prerequisites.sql (casts and a transform on
-- the schema's types and functions are in database-objects.sql).
CREATE FUNCTION torture.mood_from_sql(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT AS 'gtsvector_compress';
CREATE CONVERSION torture.latin1_to_utf8 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
COMMENT ON CONVERSION torture.latin1_to_utf8 IS 'a conversion';
CREATE FOREIGN TABLE torture.remote_people (
    id integer OPTIONS (column_name 'ID') NOT NULL,
    name text COLLATE "C",
    mood torture.mood DEFAULT 'ok',
    CONSTRAINT remote_people_id_check CHECK (id > 0)
) SERVER torture_server OPTIONS (schema_name 'crm', table_name 'People');
ALTER FOREIGN TABLE torture.remote_people ALTER COLUMN name SET STATISTICS 50;
COMMENT ON FOREIGN TABLE torture.remote_people IS 'a foreign table';
-- A foreign partition (an inheritance child would make ANALYZE of its parent call the wrapper).
CREATE TABLE torture.archive (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE torture.archive_recent PARTITION OF torture.archive FOR VALUES FROM ('2024-01-01') TO (MAXVALUE);
CREATE FOREIGN TABLE torture.archive_old PARTITION OF torture.archive FOR VALUES FROM (MINVALUE) TO ('2024-01-01')
    SERVER torture_server OPTIONS (table_name 'archive');
