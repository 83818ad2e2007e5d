import CLibPQ

/// A logical replication connection (`replication=database`) to one database.
///
/// It speaks the replication protocol's commands with the simple query protocol only
/// (`PQsendQuery`), driven like every `PGConnection`: on the connection's own thread, every wait
/// bounded and cancellable. Once `startLogicalReplication` returns a stream, the connection
/// belongs to the stream until `ReplicationStream.end()`.
public final class PGReplicationConnection: Sendable {
    let connection: PGConnection

    /// The server version as `PQserverVersion` reports it, e.g. 150018.
    public var serverVersion: Int { connection.serverVersion }
    /// The WAL sender process serving this connection.
    public var backendPID: Int { connection.backendPID }

    private init(_ connection: PGConnection) { self.connection = connection }

    /// Opens a replication connection with `configuration` plus `replication=database`.
    /// The server's pg_hba.conf rules for the database apply, and the role needs the REPLICATION
    /// attribute (or superuser); the server also needs a free WAL sender (`max_wal_senders`).
    ///
    /// The corresponding libpq functions are `PQconnectStartParams` and `PQconnectPoll`.
    public static func connect(_ configuration: ConnectionConfiguration) async throws -> PGReplicationConnection {
        var configuration = configuration
        configuration["replication"] = "database"
        return PGReplicationConnection(try await PGConnection.connect(configuration))
    }

    /// Closes the connection; a slot it created stays (slots are not temporary).
    public func close() async { await connection.close() }

    /// Runs `body` with this connection and closes it afterwards, awaited, however `body` ends.
    public func closing<T>(_ body: (PGReplicationConnection) async throws -> T) async throws -> T {
        try await connection.closing { _ in try await body(self) }
    }

    /// What `IDENTIFY_SYSTEM` reports.
    public struct SystemIdentification: Sendable, Equatable {
        /// The cluster's system identifier (a 64-bit number, as text).
        public var systemID: String
        public var timeline: Int
        /// The current WAL flush position, as the server writes it (`X/Y`; parsing it is the
        /// caller's, with its own LSN type).
        public var walPosition: String
        /// The database the connection is bound to.
        public var database: String?
    }

    /// `IDENTIFY_SYSTEM`: which cluster this is and where its WAL stands.
    public func identifySystem() async throws -> SystemIdentification {
        let row = try await command("IDENTIFY_SYSTEM", expectingColumns: ["systemid", "timeline", "xlogpos", "dbname"])
        return try SystemIdentification(systemID: row.string("systemid"), timeline: row.int("timeline"),
                                        walPosition: row.string("xlogpos"),
                                        database: row.optionalString("dbname"))
    }

    /// What `CREATE_REPLICATION_SLOT` reports.
    public struct CreatedSlot: Sendable, Equatable {
        public var name: String
        /// Every transaction that commits after this LSN is decoded from the slot; none before.
        /// As the server writes it (`X/Y`).
        public var consistentPoint: String
        /// The exported snapshot (see `createLogicalSlot`), nil when none was asked for.
        public var snapshotName: String?
        public var outputPlugin: String?
    }

    /// `CREATE_REPLICATION_SLOT name LOGICAL plugin`, with the slot's starting point exported as a
    /// snapshot: ordinary connections see the database exactly as of `consistentPoint` with
    /// `BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '…'`.
    ///
    /// - Important: the snapshot stays importable only until this connection runs its next
    ///   command (or closes): import it in every connection that needs it before calling anything
    ///   else here, `startLogicalReplication` included. A transaction that imported it keeps it.
    /// - Parameter exportSnapshot: false creates the slot without a snapshot (`NOEXPORT_SNAPSHOT`).
    public func createLogicalSlot(_ name: String, plugin: String = "pgoutput",
                                  exportSnapshot: Bool = true) async throws -> CreatedSlot {
        let slot = try ReplicationCommand.validSlotName(name)
        var sql = "CREATE_REPLICATION_SLOT \(ReplicationCommand.identifier(slot)) LOGICAL \(ReplicationCommand.identifier(plugin))"
        // 15 has the option list; the bare keywords before it are still accepted, but not forever.
        if serverVersion >= 150_000 {
            sql += exportSnapshot ? " (SNAPSHOT 'export')" : " (SNAPSHOT 'nothing')"
        } else {
            sql += exportSnapshot ? " EXPORT_SNAPSHOT" : " NOEXPORT_SNAPSHOT"
        }
        let row = try await command(sql, expectingColumns: ["slot_name", "consistent_point", "snapshot_name", "output_plugin"])
        return try CreatedSlot(name: row.string("slot_name"), consistentPoint: row.string("consistent_point"),
                               snapshotName: row.optionalString("snapshot_name"), outputPlugin: row.optionalString("output_plugin"))
    }

    /// `DROP_REPLICATION_SLOT name [WAIT]`. With `wait`, a slot that another connection is
    /// streaming from is dropped once that connection lets go (cancel the task to stop waiting);
    /// without, that fails at once.
    public func dropSlot(_ name: String, wait: Bool = true) async throws {
        let slot = try ReplicationCommand.validSlotName(name)
        try await connection.execute("DROP_REPLICATION_SLOT \(ReplicationCommand.identifier(slot))" + (wait ? " WAIT" : ""))
    }

    /// `START_REPLICATION SLOT name LOGICAL X/Y (options)`: the server streams the slot's changes
    /// from `lsn` (0 starts at the slot's confirmed position) as CopyData messages.
    ///
    /// - Parameter options: the output plugin's options, e.g. for pgoutput
    ///   `("proto_version", "1"), ("publication_names", "\"p\"")`; each value is sent as a literal.
    /// - Parameter stall: a read fails when no byte has moved either way for this long (the
    ///   server answers a standby status that asks for a reply, so a live server is never
    ///   silent for longer than the caller's status interval); nil for no limit.
    public func startLogicalReplication(slot name: String, from lsn: UInt64 = 0, options: [(name: String, value: String)],
                                        stall: Duration? = nil) async throws -> ReplicationStream {
        let slot = try ReplicationCommand.validSlotName(name)
        var sql = "START_REPLICATION SLOT \(ReplicationCommand.identifier(slot)) LOGICAL \(ReplicationCommand.lsnText(lsn))"
        if !options.isEmpty {
            sql += " (" + options.map { ReplicationCommand.identifier($0.name) + " " + ReplicationCommand.literal($0.value) }
                .joined(separator: ", ") + ")"
        }
        let command = sql
        try await connection.perform { conn, waiter in
            try PGConnection.start(command, expecting: PGRES_COPY_BOTH, conn: conn, &waiter, stall: stall)
        }
        return ReplicationStream(connection: connection, stall: stall)
    }

    /// Runs a replication command that answers with one row of the columns named.
    private func command(_ sql: String, expectingColumns columns: [String]) async throws -> QueryResult.Row {
        let result = try await connection.execute(sql)
        guard let row = result.rows.first, result.rows.count == 1, Set(columns).isSubset(of: result.columns) else {
            throw PGError(code: .protocolViolation, message: "\(sql.prefix { $0 != " " }) answered \(result.rows.count) rows "
                + "with columns \(result.columns.joined(separator: ", ")); expected one row with \(columns.joined(separator: ", "))")
        }
        return row
    }
}
