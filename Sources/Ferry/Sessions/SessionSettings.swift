/// Session settings on every connection, as pg_dump and pg_restore set them (catalog-ddl.md §3).
enum SessionSettings {
    /// Source side: deparse with an empty search_path, stable text output for COPY, no
    /// timeouts, and `row_security = off` so RLS makes COPY fail rather than silently filter.
    static func source(version: Int, encoding: String) -> String {
        (common(version: version, encoding: encoding) + [
            "SET synchronize_seqscans = off",
            "SET row_security = off",
        ]).joined(separator: "; ")
    }

    /// Target side: parses what the source printed, creates functions without checking their
    /// bodies, and loads fast (no synchronous commit, more memory for index builds).
    static func target(version: Int, encoding: String) -> String {
        (common(version: version, encoding: encoding) + [
            "SET check_function_bodies = false",
            "SET xmloption = content",
            "SET client_min_messages = warning",
            "SET row_security = off",
            "SET synchronous_commit = off",
            "SET maintenance_work_mem = '256MB'",
            // A table created without USING is heap, whatever the target database's default (as pg_dump).
            "SET default_table_access_method = heap",
        ]).joined(separator: "; ")
    }

    private static func common(version: Int, encoding: String) -> [String] {
        var settings = [
            "SELECT pg_catalog.set_config('search_path', '', false)",
            // Before any literal: SQL.literal quotes for standard_conforming_strings = on.
            "SET standard_conforming_strings = on",
            "SET client_encoding = \(SQL.literal(encoding))",
            "SET DateStyle = ISO",
            "SET IntervalStyle = postgres",
            "SET extra_float_digits = 3",
            "SET statement_timeout = 0",
            "SET lock_timeout = 0",
            "SET idle_in_transaction_session_timeout = 0",
            // As pg_dump: the catalog reads are large queries over small catalogs, and on a
            // freshly changed catalog (stale statistics) their estimates pass jit_above_cost:
            // 8.4 s of a 9.9 s inventory read at 3 000 tables went to compiling it (issue 18).
            "SET jit = off",
        ]
        if version >= 170000 { settings.append("SET transaction_timeout = 0") }
        // The server's half of the connection's bounds: when pgferry or the network vanishes
        // without a FIN, the server ends the session (and frees its locks) in about 30 s
        // instead of the OS default of two hours; a closed client ends a long statement too.
        settings += [
            "SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5", "SET tcp_keepalives_count = 3",
            "SET tcp_user_timeout = 30000",
        ]
        if version >= 140000 { settings.append("SET client_connection_check_interval = 10000") }
        return settings
    }

    /// A timeout setting's value: whole milliseconds, PostgreSQL's unit, at most its limit
    /// (2^31 - 1, about 24 days); 0 turns the timeout off.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let limit = Int64(Int32.max)
        let (seconds, attoseconds) = duration.components
        guard seconds < limit / 1000 else { return limit }
        return max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
