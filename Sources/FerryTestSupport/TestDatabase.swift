import Foundation
import PGClient

/// A database of its own for one test, created on a test server.
public struct TestDatabase: Sendable {
    public let server: TestServers.Server
    public let name: String

    public var configuration: ConnectionConfiguration { server.configuration(database: name) }

    /// A database that exists already.
    public init(server: TestServers.Server, name: String) {
        self.server = server
        self.name = name
    }

    /// Creates a fresh database `pgferry_<prefix>_<random>`.
    public static func create(on server: TestServers.Server, _ prefix: String) async throws -> TestDatabase {
        let name = "pgferry_\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        try await PGConnection.withConnection(server.configuration()) { try await $0.execute("CREATE DATABASE \"\(name)\"") }
        return TestDatabase(server: server, name: name)
    }

    /// Runs SQL in the database (several statements allowed).
    public func execute(_ sql: String) async throws {
        try await PGConnection.withConnection(configuration) { try await $0.execute(sql) }
    }

    public func query(_ query: PGQuery) async throws -> QueryResult {
        try await PGConnection.withConnection(configuration) { try await $0.query(query) }
    }

    /// Loads `Fixtures/<name>/prerequisites.sql` when there is one, `schema.sql`,
    /// `database-objects.sql` when there is one, and then `data.sql` at the given scale
    /// (`pgferry.scale`).
    public func loadFixture(_ fixture: String, scale: Double = 1) async throws {
        let folder = TestServers.repositoryRoot.appendingPathComponent("Fixtures/\(fixture)")
        let schema = try String(contentsOf: folder.appendingPathComponent("schema.sql"), encoding: .utf8)
        let data = try String(contentsOf: folder.appendingPathComponent("data.sql"), encoding: .utf8)
        try await loadFixturePrerequisites(fixture)
        let icu = try await TestServers.icuOnBothServers
        try await PGConnection.withConnection(configuration) { connection in
            // Fixtures may read `pgferry.icu` (see `TestServers.icuOnBothServers`).
            try await connection.execute("SET pgferry.icu = '\(icu ? "on" : "off")'")
            try await connection.execute(schema)
            let databaseObjects = folder.appendingPathComponent("database-objects.sql")
            if FileManager.default.fileExists(atPath: databaseObjects.path) {
                try await executeDatabaseWideObjects(try String(contentsOf: databaseObjects, encoding: .utf8))
            }
            try await connection.execute("SET pgferry.scale = '\(scale)'")
            try await connection.execute(data)
        }
    }

    /// Loads `Fixtures/<name>/prerequisites.sql`, if any: the objects outside the fixture's schema
    /// that it needs (a foreign server…), which a migration target must hold too.
    public func loadFixturePrerequisites(_ fixture: String) async throws {
        let file = TestServers.repositoryRoot.appendingPathComponent("Fixtures/\(fixture)/prerequisites.sql")
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        try await executePrerequisites(try String(contentsOf: file, encoding: .utf8))
    }

    /// SQL each database ran through `executePrerequisites` and `executeDatabaseWideObjects`.
    static let prerequisites = LockedBox<[String: String]>([:])
    static let databaseWideObjects = LockedBox<[String: String]>([:])

    /// Runs SQL that creates objects outside the schemas under test which those schemas need (a
    /// foreign server…), and remembers it for the cross-version oracle (`VersionPair`, rule 5).
    public func executePrerequisites(_ sql: String) async throws {
        try await execute(sql)
        Self.prerequisites.withLock { $0[name, default: ""] += sql + "\n" }
    }

    /// Runs SQL that creates casts and transforms of the schemas under test: database-wide
    /// objects that `pg_dump -n` leaves out and pgferry recreates. Remembered for the
    /// cross-version oracle (`VersionPair`, rule 6).
    public func executeDatabaseWideObjects(_ sql: String) async throws {
        try await execute(sql)
        Self.databaseWideObjects.withLock { $0[name, default: ""] += sql + "\n" }
    }

    /// `pg_dump --schema-only` of the schemas, normalised (catalog-ddl.md §4.2): the per-run
    /// `\restrict` key and the version header are removed. pg_dump is a test oracle only.
    ///
    /// When the two test servers run different major versions (the version matrix,
    /// `scripts/matrix.sh`), a database on the source server is dumped through the target
    /// server (`VersionPair.referenceDump`) so that both sides of a comparison are deparsed by
    /// the same server version; see `VersionPair` for the exact rules.
    public func schemaDump(_ schemas: [String], extraArguments: [String] = []) throws -> String {
        let pair = VersionPair.current
        let text: String
        if let pair, pair.isCrossVersion, server.port == pair.sourcePort {
            text = try pair.referenceDump(database: name, schemas: schemas, extraArguments: extraArguments)
        } else {
            text = try PGDump.dump(port: server.port, database: name, schemas: schemas, extraArguments: extraArguments,
                                   bindir: server.bindir)
        }
        let dump = (pair?.normalise(text) ?? text).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") && !$0.hasPrefix("-- Dumped ") }
            .joined(separator: "\n")
        // PGFERRY_TEST_DUMP_DIR keeps every compared dump as <database>.sql, to diff after a failure.
        if let folder = ProcessInfo.processInfo.environment["PGFERRY_TEST_DUMP_DIR"], !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try? dump.write(toFile: "\(folder)/\(name).sql", atomically: true, encoding: .utf8)
        }
        return dump
    }
}

extension TestDatabase {
    /// `pg_dump -n S … | psql` from `source` into this database, schema and rows, as a user
    /// restores (catalog-ddl.md's oracle): errors about what exists already go by, as psql does.
    /// The casts and transforms `source` made (`executeDatabaseWideObjects`) are replayed after.
    public func restore(from source: TestDatabase, schemas: [String], extraArguments: [String] = []) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgferry-restore-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: file) }
        try TestServers.run(PGDump.executable(bindir: source.server.bindir),
            ["--host=127.0.0.1", "--port=\(source.server.port)", "--username=postgres", "--file=\(file.path)"]
                + schemas.map { "--schema=\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } + extraArguments
                + [source.name])
        try TestServers.run(PGDump.psqlExecutable(bindir: source.server.bindir),
            ["--host=127.0.0.1", "--port=\(server.port)", "--username=postgres", "--no-psqlrc", "--quiet", "--output=/dev/null",
             "--command=SET client_min_messages = error", "--file=\(file.path)", name])
        if let objects = Self.databaseWideObjects.withLock({ $0[source.name] }) { try await execute(objects) }
    }
}

public enum PGDump {
    /// The newest PostgreSQL bin folder on this machine (pg_dump must be at least the server's version).
    public static func newestBindir() -> String {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = folders.compactMap(Int.init).max().map(String.init) ?? "15"
        return "/usr/lib/postgresql/\(newest)/bin"
    }

    /// The pg_dump used as the oracle: `PGFERRY_TEST_PG_DUMP` when set (the version matrix points
    /// it at the newest pg_dump, which must be at least both servers' versions), else the one in
    /// `bindir`, else the newest Debian one.
    public static func executable(bindir: String? = nil) -> String {
        if let path = ProcessInfo.processInfo.environment["PGFERRY_TEST_PG_DUMP"], !path.isEmpty { return path }
        return "\(bindir ?? newestBindir())/pg_dump"
    }

    /// psql from the same folder as the oracle pg_dump (the same version).
    public static func psqlExecutable(bindir: String? = nil) -> String {
        URL(fileURLWithPath: executable(bindir: bindir)).deletingLastPathComponent().appendingPathComponent("psql").path
    }

    /// Raw `pg_dump --schema-only` output of `schemas` in `database` on 127.0.0.1:`port`.
    public static func dump(port: Int, database: String, schemas: [String], extraArguments: [String] = [],
                            bindir: String? = nil) throws -> String {
        try TestServers.run(executable(bindir: bindir),
            ["--schema-only", "--host=127.0.0.1", "--port=\(port)", "--username=postgres"]
                + schemas.map { "--schema=\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } + extraArguments
                + [database])
    }
}
