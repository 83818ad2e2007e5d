import Foundation
import FerryCore
import Testing

@Suite struct ChunkRingTests {
    struct Boom: Error {}

    @Test func deliversChunksInOrderThenNil() throws {
        let ring = ChunkRing(capacity: 100)
        try ring.push([1, 2])
        try ring.push([3])
        ring.finish()
        #expect(try ring.pop() == [1, 2])
        #expect(try ring.pop() == [3])
        #expect(try ring.pop() == nil)
    }

    @Test func pushWaitsWhileFullAndResumesAfterPop() async throws {
        let ring = ChunkRing(capacity: 10)
        try ring.push([UInt8](repeating: 0, count: 8))
        let pushed = LockedFlag()
        let thread = Thread {
            try? ring.push([UInt8](repeating: 1, count: 8))
            pushed.set()
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(100))
        #expect(!pushed.value, "a push over capacity must wait")
        #expect(ring.bytesBuffered == 8)
        _ = try ring.pop()
        for _ in 0..<100 where !pushed.value { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pushed.value)
        #expect(ring.bytesBuffered == 8)
    }

    @Test func aChunkLargerThanTheRingPassesWhenEmpty() throws {
        let ring = ChunkRing(capacity: 4)
        try ring.push([UInt8](repeating: 7, count: 1000))
        ring.finish()
        #expect(try ring.pop()?.count == 1000)
    }

    @Test func failWakesABlockedReaderAndStopsTheWriter() async throws {
        let ring = ChunkRing(capacity: 4)
        let outcome = LockedFlag()
        let thread = Thread {
            do { _ = try ring.pop() } catch is Boom { outcome.set() } catch {}
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(50))
        ring.fail(Boom())
        for _ in 0..<100 where !outcome.value { try await Task.sleep(for: .milliseconds(10)) }
        #expect(outcome.value, "the blocked pop must throw the failure")
        #expect(throws: Boom.self) { try ring.push([1]) }
    }

    @Test func failWakesABlockedWriter() async throws {
        let ring = ChunkRing(capacity: 4)
        try ring.push([1, 2, 3, 4])
        let outcome = LockedFlag()
        let thread = Thread {
            do { try ring.push([5]) } catch is Boom { outcome.set() } catch {}
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(50))
        ring.fail(Boom())
        for _ in 0..<100 where !outcome.value { try await Task.sleep(for: .milliseconds(10)) }
        #expect(outcome.value)
    }
}

final class LockedFlag: @unchecked Sendable {  // safe: under `lock`
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}
