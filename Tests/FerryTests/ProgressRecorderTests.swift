@testable import Ferry
import Testing

@Suite struct ProgressRecorderTests {
    @Test func aFailedRunCallsOnlyTheTablesInFlightFailed() {
        let recorder = ProgressRecorder()
        recorder.begin()
        recorder.update { progress in
            progress.tables = [
                TableProgress(table: "s.copying", state: .copying, format: .text, sourceBytes: 1),
                TableProgress(table: "s.indexing", state: .indexing, format: .text, sourceBytes: 1),
                TableProgress(table: "s.done", state: .done, format: .text, sourceBytes: 1),
                TableProgress(table: "s.pending", state: .pending, format: .text, sourceBytes: 1),
            ]
        }
        recorder.finish(error: FerryError("boom"))
        let states = recorder.snapshot.tables.map(\.state)
        #expect(states == [.failed, .copied, .done, .pending])
        #expect(recorder.snapshot.status == .error)
    }
}
