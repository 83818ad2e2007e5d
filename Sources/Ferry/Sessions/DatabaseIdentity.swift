/// Which database a connection reaches, to refuse a target that is the source itself.
///
/// Host names cannot tell (`localhost`, `127.0.0.1`, a DNS alias and a proxy reach one server),
/// so each side reports what the server says about itself. A role may lack the right to one of
/// those facts (`pg_control_system()` is often revoked on managed services), so each is read on
/// its own and two identities are compared only on the facts both sides could read.
struct DatabaseIdentity: Sendable, Equatable {
    /// The cluster's system identifier; nil when this role may not run `pg_control_system()`.
    /// A physical copy (a standby, a restored base backup) shares it.
    var systemIdentifier: String?
    /// When the postmaster started, in seconds since the epoch to the microsecond (independent of
    /// the session's time zone); nil when this role may not run `pg_postmaster_start_time()`.
    var postmasterStart: String?
    /// The server's own `port` setting, not the port dialled: a proxy may sit in between.
    var port: String
    var databaseOID: UInt32
    var databaseName: String

    /// Reads the identity; run it outside a transaction (a denied function ends a transaction).
    static func read(_ connection: PGConnection) async throws -> DatabaseIdentity {
        let database = try await connection.query("""
            SELECT d.oid, d.datname, pg_catalog.current_setting('port') AS port
            FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
            """).rows[0]
        return try await DatabaseIdentity(
            systemIdentifier: optional(connection, "SELECT system_identifier::text AS fact FROM pg_catalog.pg_control_system()"),
            postmasterStart: optional(connection, "SELECT extract(epoch FROM pg_catalog.pg_postmaster_start_time())::text AS fact"),
            port: database.string("port"), databaseOID: database.oid("oid"), databaseName: database.string("datname"))
    }

    /// One fact, or nil when the server refuses this role (a permission or a missing function);
    /// a lost connection still throws.
    private static func optional(_ connection: PGConnection, _ sql: PGQuery) async throws -> String? {
        do {
            return try await connection.query(sql).rows.first?.optionalString("fact")
        } catch let error as PGError where error.code == .server {
            return nil
        }
    }

    /// Whether both reach the same database: nil when the facts both sides could read do not tell.
    func isSame(as other: DatabaseIdentity) -> Bool? {
        // Another database of the same cluster is another database.
        guard databaseOID == other.databaseOID, databaseName == other.databaseName else { return false }
        if let mine = systemIdentifier, let theirs = other.systemIdentifier, mine != theirs { return false }
        // One postmaster, one start instant and one port: equal means the same server, and a
        // physical copy sharing the system identifier started at another instant.
        if let mine = postmasterStart, let theirs = other.postmasterStart {
            return mine == theirs && port == other.port
        }
        if systemIdentifier != nil && systemIdentifier == other.systemIdentifier { return true }
        return nil
    }

    /// Refuses a target that is, or may be, the source database.
    static func requireDistinct(target: DatabaseIdentity, source: DatabaseIdentity) throws {
        switch target.isSame(as: source) {
        case false?:
            return
        case true?:
            throw FerryError("the target is the source database itself (\(source.databaseName) on the same server); "
                + "pgferry refuses to drop the schema it reads from: give a target on another server or another database")
        case nil:
            throw FerryError("cannot tell whether the target is the source database \(source.databaseName): the connecting roles "
                + "may run neither pg_catalog.pg_control_system() nor pg_catalog.pg_postmaster_start_time() on both servers, "
                + "which pgferry compares; grant EXECUTE on one of them to both roles, or connect as roles that have it")
        }
    }
}
