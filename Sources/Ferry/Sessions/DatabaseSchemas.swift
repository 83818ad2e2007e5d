import FerryCore
import PGClient

/// The schemas a whole-database move takes: what `pg_dump` without `-n` dumps.
public enum DatabaseSchemas {
    /// Every schema of the source's database that is neither a system schema (`pg_*`,
    /// `information_schema`) nor one an extension created (it comes back with the extension).
    public static func all(of source: ConnectionConfiguration) async throws -> [String] {
        try await Connections.with(source, side: .source) { connection in
            try await connection.query("""
                SELECT n.nspname FROM pg_catalog.pg_namespace n
                WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
                  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                  WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objid = n.oid
                                    AND d.deptype = 'e')
                ORDER BY 1
                """).rows.map { try $0.string("nspname") }
        }
    }
}
