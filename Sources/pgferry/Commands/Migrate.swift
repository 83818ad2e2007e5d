import ArgumentParser
import Dispatch
import Ferry
import FerryServer
import Foundation
import Logging
import Synchronization

extension PGFerry {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop and recreate the schema on the target, then copy every table's data from one source snapshot.")

        @OptionGroup var connections: ConnectionOptions
        @OptionGroup var scope: SchemaOptions
        @OptionGroup var prerequisites: PrerequisiteOptions

        @Option(help: "Tables copied at once.")
        var jobs: Int = MigrationRequest.defaultJobs

        @Option(help: "COPY format: auto (binary when all column types are built in and the major versions match), text, binary.")
        var format: FormatPolicy = .auto

        @Option(name: .customLong("orphaned-fk"),
                help: "A kept table whose foreign-key parent's data is excluded: not-valid (keep rows, add the key NOT VALID) or exclude-child.")
        var orphanPolicy: OrphanPolicy = .notValid

        @Flag(name: .customLong("owners"), help: "Recreate owners and grants (off: like --no-owner --no-privileges).")
        var includeOwnership = false

        @Flag(name: .customLong("validate"), help: "Compare row counts of every table afterwards.")
        var validateAfterwards = false

        @Flag(help: "With --validate or --follow: compare an md5 over every table's rows too (at cutover with --follow), not only row counts.")
        var checksums = false

        @Flag(help: "Print the final progress as JSON instead of a table.")
        var json = false

        @Option(help: "Log level on stderr.")
        var logLevel: Logger.Level = .warning

        @Option(name: .customLong("chunk-size"), help: .hidden)
        var chunkSize: Int = MigrationRequest.defaultChunkSize

        @Option(name: .customLong("ring-size"), help: .hidden)
        var ringSize: Int = MigrationRequest.defaultRingCapacity

        @Option(name: .customLong("slice-min-size"),
                help: ArgumentHelp("Copy a table of at least this many bytes that is larger than its share in --jobs block-range slices at once (off by default; PostgreSQL 14+ sources).",
                                   valueName: "bytes"))
        var sliceMinimumBytes: Int64?

        @Option(name: .customLong("stall-timeout"),
                help: ArgumentHelp("Fail the run when a COPY stream moves no byte for this many seconds (0: never).", valueName: "seconds"))
        var stallTimeout: Int = Int(MigrationRequest.defaultStallTimeout.components.seconds)

        @Flag(name: .customLong("drop-dependents"),
              help: "Let DROP SCHEMA … CASCADE on the target also drop objects of other schemas that depend on the schema (otherwise the run lists them and refuses).")
        var dropDependents = false

        @Flag(name: .customLong("no-compare"),
              help: "Skip the schema compare at the end (by default a difference that was not announced fails the run).")
        var skipCompare = false

        @Flag(name: .customLong("large-objects"),
              help: "Copy the source database's large objects too (database-wide, so left out by default, as pg_dump -n does); same OIDs on the target are replaced.")
        var largeObjects = false

        @Option(help: ArgumentHelp(
            "Planner statistics on the target: copy (the source's, restored as pg_dump 18 does; PostgreSQL 18+ targets), analyze (ANALYZE each table after its load) or none. Default: copy on 18+ targets, else analyze.",
            valueName: "mode"))
        var statistics: StatisticsMode?

        @Flag(name: .customLong("no-analyze"), help: .hidden)
        var skipAnalyze = false

        @Flag(help: "Copy from a logical replication slot's snapshot, then apply the source's changes until cutover (--follow-until, or Ctrl-C / SIGTERM; a second one aborts). The source needs wal_level = logical and a role with REPLICATION.")
        var follow = false

        @Option(name: .customLong("follow-until"),
                help: ArgumentHelp("With --follow: cut over by itself once everything up to this source WAL position is applied: now (the position when the copy is done) or an LSN X/Y.",
                                   valueName: "now|LSN"))
        var followUntil: String?

        @Flag(name: .customLong("no-refresh-matviews"),
              help: "With --follow: leave the materialized views as copied at cutover (by default they are refreshed on the target after the last change: no publication carries them).")
        var skipMatviewRefresh = false

        @Flag(name: .customLong("replica-identity-full"),
              help: "With --follow: give the source tables that have no replica identity REPLICA IDENTITY FULL for the run (an ACCESS EXCLUSIVE lock per table, the whole old row in the WAL per UPDATE and DELETE) and put each back at cutover, abort or `pgferry cleanup`.")
        var replicaIdentityFull = false

        func validate() throws {
            guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64, got \(jobs)") }
            guard (1...(64 << 20)).contains(chunkSize) else {
                throw ValidationError("--chunk-size must be between 1 and 67108864 bytes, got \(chunkSize)")
            }
            guard ringSize >= 1 else { throw ValidationError("--ring-size must be at least 1 byte, got \(ringSize)") }
            guard !(skipAnalyze && statistics != nil) else {
                throw ValidationError("--no-analyze is --statistics none: give one of them")
            }
            if let followUntil {
                guard follow else { throw ValidationError("--follow-until needs --follow") }
                guard FollowEnd(followUntil) != nil else {
                    throw ValidationError("--follow-until must be now or an LSN such as 0/1A2B3C4, got \(followUntil)")
                }
            }
            guard follow || (!skipMatviewRefresh && !replicaIdentityFull) else {
                throw ValidationError("--no-refresh-matviews and --replica-identity-full need --follow")
            }
            guard !checksums || validateAfterwards || follow else {
                throw ValidationError("--checksums needs --validate (compare after the run) or --follow (compare at cutover)")
            }
            guard stallTimeout >= 0 else { throw ValidationError("--stall-timeout must be 0 (never) or a number of seconds, got \(stallTimeout)") }
        }

        func run() async throws {
            let logger = bootstrapLogging(logLevel)
            let source = try connections.sourceConfiguration()
            let request = MigrationRequest(
                source: source, target: try connections.targetConfiguration(),
                schemas: try await scope.resolvedSchemas(source: source), excludeTableData: scope.excludeTableData, toleratedExclusions: QueenContract.excludableTables, jobs: jobs, format: format,
                orphanPolicy: orphanPolicy, includeOwnership: includeOwnership, chunkSize: chunkSize,
                ringCapacity: ringSize, sliceMinimumBytes: sliceMinimumBytes ?? MigrationRequest.defaultSliceMinimumBytes,
                statistics: skipAnalyze ? StatisticsMode.none : statistics, stallTimeout: stallTimeout == 0 ? nil : .seconds(stallTimeout),
                dropDependents: dropDependents, largeObjects: largeObjects, compareAfterwards: !skipCompare,
                follow: follow, followUntil: followUntil.flatMap(FollowEnd.init), cutoverChecksums: follow && checksums,
                refreshMaterializedViews: !skipMatviewRefresh, replicaIdentityFull: replicaIdentityFull,
                roles: prerequisites.roles, rolePasswords: prerequisites.rolePasswords,
                createPrerequisites: prerequisites.createPrerequisites, wholeDatabase: scope.allSchemas)
            let migration = Migration(request: request, logger: logger)
            // Following, the first signal cuts over and a second aborts (dropping the slot).
            let interrupt = follow
                ? InterruptHandler(message: "pgferry: cutting over… (again to abort)", { migration.cutover() },
                                   again: { migration.cancel() })
                : InterruptHandler { migration.cancel() }

            let display = LiveDisplay(enabled: !json && isatty(STDOUT_FILENO) == 1)
            let redraw = Task {
                while !Task.isCancelled {
                    display.show(migration.progress)
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            // The run's end, not the next redraw, decides when the command returns.
            let outcome = await Task { try await migration.run() }.result
            redraw.cancel()
            await redraw.value
            let progress = migration.progress
            display.clear()
            if json {
                try progress.printJSON()
            } else {
                for hazard in progress.hazards { print("note: \(hazard)") }
                ProgressText.summary(progress).forEach { print($0) }
                if let comparison = progress.comparison, !comparison.isEqual || !comparison.notes.isEmpty {
                    comparison.lines.forEach { print("compare: \($0)") }
                }
            }
            if case .failure(let error) = outcome {
                // Like other command-line tools: 128 + the signal that stopped the run.
                if let signal = interrupt.received {
                    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                    throw ExitCode(128 + signal)
                }
                throw CommandFailure("\(error)")
            }
            if validateAfterwards {
                let report = try await Validator(source: request.source, target: request.target, schemas: request.schemas,
                                                 excludedTables: request.excludeTableData, toleratedExclusions: request.toleratedExclusions, checksums: checksums,
                                                 largeObjects: request.largeObjects).validate()
                try printValidation(report, json: json)
            }
        }
    }
}

/// Redraws the progress table in place on a terminal.
final class LiveDisplay: @unchecked Sendable {  // safe: used from the command's task only
    let enabled: Bool
    private var linesShown = 0

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: MigrationProgress) {
        guard enabled else { return }
        let lines = [ProgressText.statusLine(progress)] + ProgressText.tableLines(progress)
        var output = linesShown > 0 ? "\u{1B}[\(linesShown)A" : ""
        for line in lines { output += "\u{1B}[2K" + line + "\n" }
        FileHandle.standardOutput.write(Data(output.utf8))
        linesShown = lines.count
    }

    func clear() {
        guard enabled, linesShown > 0 else { return }
        FileHandle.standardOutput.write(Data("\u{1B}[\(linesShown)A\u{1B}[J".utf8))
        linesShown = 0
    }
}

/// A failure reported as one line, `Error: …`, with exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Calls `handler` on Ctrl-C or SIGTERM (once; a second Ctrl-C ends the process) and remembers
/// which signal came.
final class InterruptHandler {
    private final class Received: Sendable {
        let signal = Mutex<Int32?>(nil)
        let count = Mutex(0)
    }

    private let sources: [any DispatchSourceSignal]
    private let signalReceived = Received()

    /// - Parameter again: called on a second signal instead of ending the process (which a
    ///   third one then does).
    init(message: String = "pgferry: cancelling…", _ handler: @escaping @Sendable () -> Void,
         again: (@Sendable () -> Void)? = nil) {
        var sources: [any DispatchSourceSignal] = []
        let received = signalReceived
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                let seen = received.count.withLock { $0 += 1; return $0 }
                if seen == 1 {
                    FileHandle.standardError.write(Data("\(message)\n".utf8))
                    handler()
                } else if let again {
                    FileHandle.standardError.write(Data("pgferry: cancelling…\n".utf8))
                    received.signal.withLock { $0 = $0 ?? number }
                    again()
                }
                if again == nil { received.signal.withLock { $0 = $0 ?? number } }
                if again == nil || seen > 1 { signal(number, SIG_DFL) }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// The signal that asked the run to stop, if any.
    var received: Int32? { signalReceived.signal.withLock { $0 } }

    deinit { sources.forEach { $0.cancel() } }
}
