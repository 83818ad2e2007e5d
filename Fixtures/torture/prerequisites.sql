-- Database objects outside the torture schema that it needs, loaded before schema.sql on the
-- source and on its own on the target: the server of the foreign tables and its user mapping.
-- Servers, wrappers and user mappings are not schema objects, so neither pg_dump -n nor pgferry creates them; pgferry names them as
-- prerequisites when the target lacks them.
CREATE FOREIGN DATA WRAPPER torture_wrapper;
CREATE SERVER torture_server FOREIGN DATA WRAPPER torture_wrapper OPTIONS (host 'remote.invalid', dbname 'crm');
CREATE USER MAPPING FOR PUBLIC SERVER torture_server OPTIONS (user 'reader');
-- A table access method: a database object (pg_dump -n leaves it out), named as a prerequisite
-- when the target lacks it. Its handler is heap's, so it stores rows as heap does.
CREATE ACCESS METHOD torture_heap TYPE TABLE HANDLER heap_tableam_handler;
