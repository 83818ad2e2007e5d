-- Casts and a transform on the torture schema's types and functions, loaded right after
-- schema.sql. They are database-wide: pg_dump -n leaves them out, but DROP SCHEMA … CASCADE
-- takes them with the schema, so pgferry recreates them. Kept apart so that the cross-version
-- oracle can replay them after restoring the source schema (VersionPair, rule 6).
CREATE CAST (torture.mood AS integer) WITH FUNCTION torture.mood_score(torture.mood) AS ASSIGNMENT;
CREATE CAST (torture.address AS text) WITH INOUT;
COMMENT ON CAST (torture.mood AS integer) IS 'a mood as its score';
CREATE TRANSFORM FOR torture.mood LANGUAGE sql (FROM SQL WITH FUNCTION torture.mood_from_sql(internal));
