import ArgumentParser
import Ferry
import Foundation

extension PGFerry {
    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop what an abandoned --follow run left on the source: its replication slots (which retain WAL) and publications.")

        @Option(help: "Source connection: postgresql:// URL or key=value string (or PGFERRY_SOURCE_URL).")
        var source: String?

        @Option(help: "Target connection (or PGFERRY_TARGET_URL): also drop the dropped slots' replication origins there (each takes one of the target's max_replication_slots).")
        var target: String?

        @Flag(help: "Only list the leftovers and the WAL each slot retains; drop nothing.")
        var dryRun = false

        func run() async throws {
            let configuration = try ConnectionOptions.configuration(
                source ?? ProcessInfo.processInfo.environment[ConnectionOptions.sourceVariable], name: "source",
                variable: ConnectionOptions.sourceVariable)
            try await PGConnection.withConnection(configuration) { connection in
                if dryRun {
                    let leftovers = try await ReplicationCleanup.find(connection)
                    for slot in leftovers.slots { print("slot \(slot.name): \(Self.describe(slot))") }
                    for publication in leftovers.publications { print("publication \(publication)") }
                    for table in leftovers.replicaIdentitiesToRestore { print("replica identity of \(table) to put back") }
                    if leftovers.slots.isEmpty && leftovers.publications.isEmpty { print("nothing to clean up") }
                    return
                }
                let report = try await ReplicationCleanup.drop(connection)
                for slot in report.droppedSlots { print("dropped slot \(slot.name) (\(Self.describe(slot)))") }
                for publication in report.droppedPublications { print("dropped publication \(publication)") }
                for table in report.restoredReplicaIdentities { print("put back the replica identity of \(table)") }
                if let targetURL = target ?? ProcessInfo.processInfo.environment[ConnectionOptions.targetVariable],
                   !report.droppedSlots.isEmpty {
                    let targetConfiguration = try ConnectionOptions.configuration(
                        targetURL, name: "target", variable: ConnectionOptions.targetVariable)
                    try await PGConnection.withConnection(targetConfiguration) { target in
                        // A follow run's origin on the target has its slot's name.
                        for slot in report.droppedSlots where try await ReplicationCleanup.dropOrigin(slot.name, on: target) {
                            print("dropped replication origin \(slot.name) on the target")
                        }
                    }
                }
                for slot in report.slotsInUse {
                    print("kept slot \(slot.name): a connection streams from it (pid \(slot.activePID.map(String.init) ?? "?"), \(Self.describe(slot)))")
                }
                if report.droppedSlots.isEmpty && report.droppedPublications.isEmpty && report.slotsInUse.isEmpty {
                    print("nothing to clean up")
                }
            }
        }

        static func describe(_ slot: ReplicationCleanup.Slot) -> String {
            let retained = slot.retainedBytes.map { "retains \(ProgressText.bytes($0)) of WAL" } ?? "no restart position"
            return slot.walStatus.map { "\(retained), wal_status \($0)" } ?? retained
        }
    }
}
