import DequeModule
import Foundation

/// A bounded, byte-limited queue of COPY chunks between one reader thread and one writer thread.
///
/// `push` blocks while the ring holds `capacity` bytes or more (back-pressure on the source),
/// `pop` blocks while it is empty. A chunk is always admitted into an empty ring, so one row
/// larger than the capacity still passes. Either side can `fail` the ring: both sides then stop
/// waiting and see the error, so a dead writer never leaves the reader blocked on a full ring.
public final class ChunkRing: @unchecked Sendable {  // safe: all state under `condition`
    public let capacity: Int
    private let condition = NSCondition()
    private var chunks = Deque<[UInt8]>()
    private var bufferedBytes = 0
    private var finished = false
    private var failure: (any Error)?

    public init(capacity: Int) {
        precondition(capacity > 0, "ring capacity must be positive")
        self.capacity = capacity
    }

    /// Adds a chunk, waiting while the ring is full; throws the ring's failure if there is one.
    public func push(_ chunk: [UInt8]) throws {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && bufferedBytes > 0 && bufferedBytes + chunk.count > capacity {
            condition.wait()
        }
        if let failure { throw failure }
        precondition(!finished, "push after finish")
        chunks.append(chunk)
        bufferedBytes += chunk.count
        condition.broadcast()
    }

    /// Marks the end of the data: `pop` returns nil once the ring is drained.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the pipe with an error seen by both sides; the first failure wins.
    public func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// Takes the next chunk, waiting while the ring is empty; nil after `finish` and a full drain.
    public func pop() throws -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && chunks.isEmpty && !finished {
            condition.wait()
        }
        if let failure { throw failure }
        guard let chunk = chunks.popFirst() else { return nil }
        bufferedBytes -= chunk.count
        condition.broadcast()
        return chunk
    }

    /// Bytes waiting in the ring now.
    public var bytesBuffered: Int {
        condition.lock()
        defer { condition.unlock() }
        return bufferedBytes
    }
}
