import FerryCore
import Testing

@Suite struct ProgressTests {
    @Test func lifecycleRefusesSecondStartAndResetWhileRunning() throws {
        var lifecycle = RunLifecycle()
        try lifecycle.start()
        #expect(throws: RunLifecycle.Refusal.alreadyRunning) { try lifecycle.start() }
        #expect(throws: RunLifecycle.Refusal.resetWhileRunning) { try lifecycle.reset() }
        lifecycle.finish(success: false)
        #expect(lifecycle.status == .error)
        try lifecycle.start()
        lifecycle.finish(success: true)
        #expect(lifecycle.status == .complete)
        try lifecycle.reset()
        #expect(lifecycle.status == .idle)
    }

    @Test func totalsAndETA() {
        var progress = MigrationProgress()
        progress.status = .restoring
        progress.tables = [
            TableProgress(table: "s.a", state: .copying, format: .text, sourceBytes: 1000),
            TableProgress(table: "s.b", state: .skipped, format: .text, sourceBytes: 5000),
        ]
        progress.updateTable("s.a") {
            $0.rows = 10
            $0.bytes = 250
        }
        progress.elapsedSeconds = 1
        #expect(progress.totalRows == 10)
        #expect(progress.plannedBytes == 1000)
        #expect(progress.etaSeconds == 3)
        progress.status = .complete
        #expect(progress.etaSeconds == nil)
    }

    @Test func summaryShowsEveryTableAndPhase() {
        var progress = MigrationProgress()
        progress.status = .complete
        progress.currentStep = "Migration complete"
        progress.tables = [TableProgress(table: "s.a", state: .done, format: .binary, sourceBytes: 1)]
        progress.phases = [PhaseTiming(phase: "data", seconds: 1.25)]
        let text = ProgressText.summary(progress).joined(separator: "\n")
        #expect(text.contains("s.a"))
        #expect(text.contains("data 1.2s") || text.contains("data 1.3s"))
        #expect(ProgressText.bytes(1_500_000) == "1.5 MB")
    }
}
