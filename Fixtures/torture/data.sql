-- Data for the torture schema; scaled by the custom setting pgferry.scale (1 ≈ 2000 people).
DO $$
DECLARE
    scale numeric := coalesce(nullif(current_setting('pgferry.scale', true), ''), '1')::numeric;
    n integer := greatest(20, (2000 * scale)::integer);
BEGIN
    PERFORM setseed(0.17);
    INSERT INTO torture.people (name, nick, mood, moods, home, age, score, span, born, notes, blob)
    SELECT 'Person ' || g || CASE WHEN g % 7 = 0 THEN ' Ünïcødé 日本' ELSE '' END,
           CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END,
           (ARRAY['sad', 'ok', 'happy']::torture.mood[])[1 + g % 3],
           ARRAY[(ARRAY['sad', 'ok', 'happy']::torture.mood[])[1 + g % 3], 'ok'::torture.mood],
           ROW('Street ' || g || E' \\ "quoted"', lpad((g % 99999)::text, 5, '0'), ARRAY['a', NULL, 'c,d'])::torture.address,
           1 + g % 90, (g % 1000) / 7.0, torture.float_range(g, g + 1.5),
           date '1950-01-01' + g, CASE WHEN g % 5 = 0 THEN NULL ELSE repeat(E'line\n\ttab ', g % 20) END,
           CASE WHEN g % 4 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END
    FROM generate_series(1, n) g;
    INSERT INTO torture.people (name, born) VALUES ('legacy row', '1800-01-01');
    -- A check added NOT VALID after a row that violates it: the target must keep it NOT VALID.
    ALTER TABLE torture.people ADD CONSTRAINT people_born_check CHECK (born > '1900-01-01') NOT VALID;
    INSERT INTO torture.serials (code, person)
    SELECT CASE WHEN g = 1 THEN NULL ELSE 'code-' || g END, 1000 + 7 * (g % n) FROM generate_series(1, n / 2) g;
    INSERT INTO torture.scratch SELECT 'k' || g, jsonb_build_object('g', g, 'arr', jsonb_build_array(g, 'x'))
    FROM generate_series(1, n / 4) g;
    INSERT INTO torture.bookings SELECT g, 1 + g % 10, tsrange(timestamp '2024-01-01' + g * interval '1 day',
        timestamp '2024-01-01' + g * interval '1 day' + interval '1 hour') FROM generate_series(1, n / 4) g;
    INSERT INTO torture.events SELECT g, date '2023-06-01' + (g % 900), (ARRAY['click', 'tap', 'view', 'buy'])[1 + g % 4],
        CASE WHEN g % 2 = 0 THEN jsonb_build_object('g', g) END FROM generate_series(1, n * 2) g;
    INSERT INTO torture.event_refs SELECT g, e.id, e.at, e.kind FROM generate_series(1, n / 4) g
        JOIN torture.events e ON e.id = g * 3;
    INSERT INTO torture.shards SELECT g, 'v' || g FROM generate_series(1, n) g;
    INSERT INTO torture.vehicles VALUES (1, 4, 'car'), (2, 6, 'truck');
    INSERT INTO torture.bikes (id, name) SELECT g, 'bike ' || g FROM generate_series(1, 10) g;
    INSERT INTO torture.nodes (id, parent) SELECT g, CASE WHEN g > 1 THEN g / 2 END FROM generate_series(1, n / 10) g;
    INSERT INTO torture.peers SELECT g, n / 10 - g + 1 FROM generate_series(1, n / 10) g;
    UPDATE torture.nodes SET peer = id WHERE id % 3 = 0;
    INSERT INTO torture.evens SELECT 2 * g FROM generate_series(1, 100) g;
    INSERT INTO torture.mood_shards SELECT g, (ARRAY['sad', 'ok', 'happy']::torture.mood[])[1 + g % 3]
    FROM generate_series(1, 300) g;
    INSERT INTO torture.docs SELECT g, 'Document ' || g || ' talks about ' || (ARRAY['ferries', 'the harbour', 'running boats'])[1 + g % 3]
        || ' and ' || g * 7, ARRAY[g % 10, -g], point(g % 17, g % 23) FROM generate_series(1, n / 4) g;
    INSERT INTO torture.columnar SELECT g, 'note ' || g FROM generate_series(1, 20) g;
    INSERT INTO torture.identity_by_index SELECT g, 'code ' || g FROM generate_series(1, 20) g;
    INSERT INTO torture.identity_full SELECT g, 'full ' || g FROM generate_series(1, 20) g;
    INSERT INTO torture.identity_nothing SELECT g, 'nothing ' || g FROM generate_series(1, 20) g;
    PERFORM nextval('torture.free_seq') FROM generate_series(1, 5);
    PERFORM nextval('torture.unlogged_seq');
END $$;
REFRESH MATERIALIZED VIEW torture.mood_stats;
REFRESH MATERIALIZED VIEW torture.columnar_notes;
ANALYZE torture.people;
