import ArgumentParser
import Ferry
import Logging

@main
struct PGFerry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgferry",
        abstract: "Move a PostgreSQL schema, DDL and data, from one server to another with nothing but libpq.",
        version: BuildInfo.versionLine,
        subcommands: [Migrate.self, Validate.self, Compare.self, Plan.self, Cleanup.self, TestConnection.self, Serve.self])

    /// One malloc arena: at 3 000 tables, memory the catalog reads freed stayed in the arenas of
    /// the threads that read it, peak RSS 86 MiB with glibc's default, 71 MiB so (Benchmarks/README.md).
    static func main() async {
        ProcessHeap.limitArenas(to: 1)
        await main(nil)
    }
}

/// Logging to stderr at the chosen level; the only place that bootstraps swift-log.
func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "pgferry")
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension FormatPolicy: ExpressibleByArgument {}
extension OrphanPolicy: ExpressibleByArgument {}
extension StatisticsMode: ExpressibleByArgument {}
