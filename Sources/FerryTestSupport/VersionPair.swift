import Foundation

/// The major versions of the two test servers, and how the pg_dump oracle copes when they differ
/// (catalog-ddl.md §4.3: deparsed text legitimately changes between releases).
///
/// Rules, and why each one can hide no real difference:
///
/// 1. **Reference dump through the target server.** For a cross-version pair, the dump of a
///    database on the *source* server is restored (`psql`, same version as the oracle pg_dump)
///    into a scratch database on the *target* server and dumped from there. Both sides of the
///    comparison are then deparsed by the same server version, so view bodies, defaults, CHECK
///    and index expressions are compared byte for byte in the target's formatting (e.g. 16+ no
///    longer qualifies column names in single-relation views: `SELECT kind` instead of
///    `SELECT events.kind`). The reference is exactly "what `pg_dump | psql` gives on the target",
///    which is the bar pgferry must meet; no text is rewritten by this rule. If the source's
///    schema cannot be restored on the target at all (a feature the target lacks), the dump
///    throws with psql's error: that is a server limitation, not noise.
/// 2. **`SET transaction_timeout = 0;` is removed from the script before that restore** when the
///    target is older than 17. pg_dump ≥ 17 writes this preamble line into every plain-format
///    dump whatever the server's version; a server < 17 rejects the unknown setting. It only
///    resets a session timeout for the restore session and creates nothing.
/// 3. **Inline NOT NULL constraint names are dropped** (`col type CONSTRAINT x NOT NULL` →
///    `col type NOT NULL`, in CREATE TABLE column lines only) when the source is older than 18 and
///    the target is 18 or newer. Before 18 a NOT NULL is a column flag (`attnotnull`) with no
///    name and no pg_constraint row, so the source holds no name that could have been lost or
///    changed; which name 18 invents depends only on how the table was created (`PARTITION OF`
///    inherits the parent's name, `CREATE TABLE` + `ATTACH PARTITION` gets the child's default).
///    The NOT NULL itself, and every other NOT NULL form (`ALTER TABLE … ADD CONSTRAINT … NOT
///    NULL`, `NO INHERIT`, `NOT VALID`), stays in the text and is compared.
///
/// 4. **`CREATE SCHEMA public;` is removed from the script before that restore.** pg_dump writes
///    it when `--schema=public` is asked for, but every database made by CREATE DATABASE already
///    has `public`, so the statement fails ("schema "public" already exists"); a plain
///    `pg_dump | psql` restore reports that error and goes on, applying the dump's
///    `ALTER SCHEMA public OWNER`, `COMMENT ON SCHEMA public` and GRANT/REVOKE lines to the
///    existing schema. Removing the line reproduces exactly that; the owner, comment and ACL
///    lines stay and are compared.
/// 5. **Prerequisites are replayed first.** The objects outside the compared schemas that a test
///    created for them (`TestDatabase.executePrerequisites`: a foreign server…), which
///    `pg_dump -n` leaves out as every target must already hold them, are created in the scratch
///    database before the restore, as the test created them on its target. They are not dumped.
/// 6. **Casts and transforms are replayed after.** The ones a test created for its schemas
///    (`TestDatabase.executeDatabaseWideObjects`) are database-wide, so `pg_dump -n` leaves them
///    out, but pgferry recreates them, and pg_dump sorts a schema's objects around them (a
///    transform pulls its type and functions forward, a cast its function). They are created in
///    the scratch database after the restore, as on the source; they are not dumped.
///
/// Same-version pairs get none of this: their dumps must be byte-equal after the §4.2 header
/// removal done by `TestDatabase.schemaDump`.
public struct VersionPair: Sendable {
    public let sourcePort: Int
    public let targetPort: Int
    /// `server_version_num / 10000`, e.g. 14 or 18.
    public let sourceMajor: Int
    public let targetMajor: Int

    public var isCrossVersion: Bool { sourceMajor != targetMajor }

    /// The pair named by `PGFERRY_TEST_SOURCE_PORT` / `PGFERRY_TEST_TARGET_PORT`, or nil when the
    /// tests started their own clusters (always the same version) or `PGFERRY_TEST_ORACLE=plain`
    /// turns the cross-version rules off.
    public static var current: VersionPair? {
        cached.withLock { cache in
            if let cache { return cache.pair }
            let pair = try? detect()
            cache = Cache(pair: pair)
            return pair
        }
    }

    private struct Cache: Sendable { let pair: VersionPair? }
    private static let cached = LockedBox<Cache?>(nil)

    private static func detect() throws -> VersionPair? {
        let environment = ProcessInfo.processInfo.environment
        guard environment["PGFERRY_TEST_ORACLE"] != "plain",
              let source = environment["PGFERRY_TEST_SOURCE_PORT"].flatMap(Int.init),
              let target = environment["PGFERRY_TEST_TARGET_PORT"].flatMap(Int.init), source != target
        else { return nil }
        return VersionPair(sourcePort: source, targetPort: target,
                           sourceMajor: try major(port: source), targetMajor: try major(port: target))
    }

    /// The major versions of the test servers, for version-gated tests:
    /// `@Test(.enabled("needs an 18 source") { try await VersionPair.sourceMajor >= 18 })`.
    public static var sourceMajor: Int { get async throws { try major(port: try await TestServers.source.port) } }
    public static var targetMajor: Int { get async throws { try major(port: try await TestServers.target.port) } }

    /// The major version of the server on 127.0.0.1:`port`.
    public static func major(port: Int) throws -> Int {
        let output = try psql(port: port, database: "postgres", ["-c", "SHOW server_version_num"])
        guard let number = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("unexpected server_version_num on port \(port): \(output)")
        }
        return number / 10000
    }

    /// Rule 1: the dump of `database` (on the source server) as the target server deparses it.
    public func referenceDump(database: String, schemas: [String], extraArguments: [String]) throws -> String {
        var script = try PGDump.dump(port: sourcePort, database: database, schemas: schemas, extraArguments: extraArguments)
        let targetMajor = targetMajor
        script = script.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            !(targetMajor < 17 && line == "SET transaction_timeout = 0;")  // rule 2
                && line != "CREATE SCHEMA public;"  // rule 4
        }.joined(separator: "\n")
        let scratch = "pgferry_oracle_\(UInt32.random(in: 0...UInt32.max))"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(scratch).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // The scratch database is left behind, like every test database: the test clusters are
        // throw-away. Dropping it here hung the suite: DROP DATABASE (15+) waits on a
        // ProcSignalBarrier that a backend blocked in COPY FROM STDIN of a concurrently running
        // migration does not absorb, while this synchronous call holds a cooperative thread that
        // migration needs to make progress.
        try Self.psql(port: targetPort, database: "postgres", ["-c", "CREATE DATABASE \"\(scratch)\""])
        if let prerequisites = TestDatabase.prerequisites.withLock({ $0[database] }) {  // rule 5
            try Self.psql(port: targetPort, database: scratch, ["-v", "ON_ERROR_STOP=1", "-c", prerequisites])
        }
        do {
            try Self.psql(port: targetPort, database: scratch, ["-v", "ON_ERROR_STOP=1", "-f", file.path])
        } catch {
            throw TestSupportError("the source schema does not restore with pg_dump | psql on the PostgreSQL \(targetMajor) "
                + "target (a server limitation, not pgferry's): \(error)")
        }
        if let databaseWide = TestDatabase.databaseWideObjects.withLock({ $0[database] }) {  // rule 6
            try Self.psql(port: targetPort, database: scratch, ["-v", "ON_ERROR_STOP=1", "-c", databaseWide])
        }
        return try PGDump.dump(port: targetPort, database: scratch, schemas: schemas, extraArguments: extraArguments)
    }

    /// Rule 3, applied to every dump while this pair is in force.
    public func normalise(_ dump: String) -> String {
        guard sourceMajor < 18, targetMajor >= 18 else { return dump }
        var insideTable = false
        return dump.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("CREATE ") && line.contains(" TABLE ") && line.hasSuffix(" (") { insideTable = true }
            else if line.hasPrefix(")") { insideTable = false }
            guard insideTable, line.hasPrefix("    ") else { return String(line) }
            let text = String(line)
            return Self.inlineNotNullName.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1 NOT NULL")
        }.joined(separator: "\n")
    }

    /// A CREATE TABLE column line (pg_dump indents them by four spaces) with
    /// `CONSTRAINT <identifier> NOT NULL`; the identifier is plain or double-quoted.
    private static let inlineNotNullName = try! NSRegularExpression(  // safe: constant pattern
        pattern: #"^(    .*?) CONSTRAINT (?:[A-Za-z_\x{80}-\x{10FFFF}][A-Za-z0-9_$\x{80}-\x{10FFFF}]*|"(?:[^"]|"")+") NOT NULL"#)

    @discardableResult
    static func psql(port: Int, database: String, _ arguments: [String]) throws -> String {
        try TestServers.run(PGDump.psqlExecutable(),
                            ["-X", "-q", "-A", "-t", "--host=127.0.0.1", "--port=\(port)", "--username=postgres",
                             "--dbname=\(database)"] + arguments)
    }
}
