#!/usr/bin/env python3
"""Prints the SQL that creates one of run.sh's many-objects schemas (issue 18), for psql -f -.

    generate-many.py tables N SCHEMA      N tables (id bigint PRIMARY KEY, parent bigint
                                          REFERENCES the previous table, name text NOT NULL,
                                          created timestamptz DEFAULT now(), payload jsonb),
                                          an index on name each, 20 rows each
    generate-many.py partitions N SCHEMA  one table list-partitioned by tenant into N partitions,
                                          an index on name and a foreign key to a tenants table
                                          on the parent, 20 rows per partition

Each batch of 100 tables is its own transaction: one transaction creating thousands of tables
runs out of the server's lock table (max_locks_per_transaction x max_connections)."""
import sys

BATCH = 100
ROWS = 20


def many_tables(n, schema):
    yield f'DROP SCHEMA IF EXISTS "{schema}" CASCADE;\nCREATE SCHEMA "{schema}";\n'
    for start in range(1, n + 1, BATCH):
        yield "BEGIN;\n"
        for i in range(start, min(n, start + BATCH - 1) + 1):
            t = f'"{schema}".t{i:05d}'
            parent = f' REFERENCES "{schema}".t{i - 1:05d} (id)' if i > 1 else ""
            yield (f"CREATE TABLE {t} (id bigint PRIMARY KEY, parent bigint{parent}, name text NOT NULL,"
                   f" created timestamptz DEFAULT now(), payload jsonb);\n"
                   f"CREATE INDEX ON {t} (name);\n"
                   f"INSERT INTO {t} (id, parent, name, payload) SELECT g, {'g' if i > 1 else 'NULL'},"
                   f" 'row ' || g, jsonb_build_object('table', {i}, 'row', g) FROM generate_series(1, {ROWS}) g;\n")
        yield "COMMIT;\n"


def partitions(n, schema):
    yield (f'DROP SCHEMA IF EXISTS "{schema}" CASCADE;\nCREATE SCHEMA "{schema}";\n'
           f'CREATE TABLE "{schema}".tenants (id int PRIMARY KEY, name text NOT NULL);\n'
           f'INSERT INTO "{schema}".tenants SELECT g, \'tenant \' || g FROM generate_series(1, {n}) g;\n'
           f'CREATE TABLE "{schema}".events (tenant int NOT NULL REFERENCES "{schema}".tenants (id), id bigint NOT NULL,'
           f' name text NOT NULL, created timestamptz DEFAULT now(), payload jsonb, PRIMARY KEY (tenant, id))'
           f' PARTITION BY LIST (tenant);\n'
           f'CREATE INDEX ON "{schema}".events (name);\n')
    for start in range(1, n + 1, BATCH):
        yield "BEGIN;\n"
        for i in range(start, min(n, start + BATCH - 1) + 1):
            yield f'CREATE TABLE "{schema}".events_{i:05d} PARTITION OF "{schema}".events FOR VALUES IN ({i});\n'
        yield "COMMIT;\n"
    yield (f'INSERT INTO "{schema}".events (tenant, id, name, payload) SELECT t, g, \'row \' || g,'
           f" jsonb_build_object('tenant', t, 'row', g) FROM generate_series(1, {n}) t, generate_series(1, {ROWS}) g;\n")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("tables", "partitions") or not sys.argv[2].isdigit():
        sys.exit("usage: generate-many.py tables|partitions N SCHEMA (N a positive whole number)")
    shape, n, schema = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for chunk in (many_tables if shape == "tables" else partitions)(n, schema):
        sys.stdout.write(chunk)


if __name__ == "__main__":
    main()
