import Benchmark
import FerryCore
import Foundation
import PGClient

// Micro benchmarks for the hot loop of a table pipe. Run from the package root:
//   PGFERRY_BENCHMARKS=1 swift package benchmark --target FerryBenchmarks
// Wall-clock figures on a shared 2-core machine are noise; watch mallocs and throughput ratios.
// The live benchmark also needs PGFERRY_BENCH_URL (a throw-away database it may write to).

/// Bytes one benchmark iteration moves through a ring (64 MiB).
private let bytesPerIteration = 64 << 20
/// A Queen `messages` row in binary COPY is about 330 bytes.
private let rowSize = 330

let benchmarks: @Sendable () -> Void = {
    let throughput = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds, scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 20)

    // ChunkRing alone: one producer thread pushes ready chunks, the benchmark thread pops them.
    for (chunkSize, capacity) in [(16 << 10, 4 << 20), (128 << 10, 4 << 20), (1 << 20, 4 << 20), (128 << 10, 512 << 10)] {
        Benchmark("ChunkRing push/pop 64 MiB, chunk \(chunkSize >> 10) KiB, ring \(capacity >> 10) KiB",
                  configuration: throughput) { benchmark in
            let chunk = [UInt8](repeating: 0x2A, count: chunkSize)
            let count = bytesPerIteration / chunkSize
            for _ in benchmark.scaledIterations {
                let ring = ChunkRing(capacity: capacity)
                let producer = Thread {
                    for _ in 0..<count { try? ring.push(chunk) }
                    ring.finish()
                }
                producer.start()
                var received = 0
                while let next = try? ring.pop() { received += next.count }
                blackHole(received)
            }
        }
    }

    // The chunk path as copyOut and copyIn run it, without the servers: rows (as libpq hands
    // them out, one malloc'd buffer each) are appended to a chunk until it reaches the chunk
    // size, the chunk goes through the ring, and the consumer touches every chunk once.
    for chunkSize in [16 << 10, 128 << 10, 1 << 20] {
        Benchmark("chunk path 64 MiB of \(rowSize)-byte rows, chunk \(chunkSize >> 10) KiB, ring 4 MiB",
                  configuration: throughput) { benchmark in
            let rows = bytesPerIteration / rowSize
            for _ in benchmark.scaledIterations {
                let ring = ChunkRing(capacity: 4 << 20)
                let producer = Thread {
                    var chunk = [UInt8]()
                    chunk.reserveCapacity(chunkSize)
                    for index in 0..<rows {
                        let row = UnsafeMutableRawBufferPointer.allocate(byteCount: rowSize, alignment: 1)
                        row.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: index))
                        chunk.append(contentsOf: row)
                        row.deallocate()
                        if chunk.count >= chunkSize {
                            try? ring.push(chunk)
                            chunk = []
                            chunk.reserveCapacity(chunkSize)
                        }
                    }
                    if !chunk.isEmpty { try? ring.push(chunk) }
                    ring.finish()
                }
                producer.start()
                var checksum = 0
                while let next = try? ring.pop() {
                    checksum &+= next.withUnsafeBytes { Int($0[0]) &+ $0.count }
                }
                blackHole(checksum)
            }
        }
    }

    // The real copyOut → ChunkRing → copyIn on a live server (loopback), when one is given.
    if let url = ProcessInfo.processInfo.environment["PGFERRY_BENCH_URL"],
       let configuration = try? ConnectionConfiguration(url: url) {
        let live = Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident, .cpuUser, .cpuSystem],
            timeUnits: .milliseconds, scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 5)
        for format in ["binary", "text"] {
            Benchmark("live copyOut→ring→copyIn, 200k Queen-like rows, \(format)", configuration: live) { benchmark in
                let source = try await PGConnection.connect(configuration)
                let target = try await PGConnection.connect(configuration)
                _ = try await source.execute("""
                    DROP TABLE IF EXISTS pgferry_bench_src, pgferry_bench_dst;
                    CREATE TABLE pgferry_bench_src AS
                    SELECT md5(i::text)::uuid AS id, md5('t' || i) AS transaction_id, md5('p' || i % 200)::uuid AS partition_id,
                           jsonb_build_object('orderId', i, 'note', repeat(md5(i::text), 3), 'items', jsonb_build_array(1, 2, 3)) AS payload,
                           now() AS created_at, false AS is_encrypted
                    FROM generate_series(1, 200000) AS i;
                    CREATE TABLE pgferry_bench_dst (LIKE pgferry_bench_src);
                    """)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    _ = try await target.execute("BEGIN; TRUNCATE pgferry_bench_dst")
                    let ring = ChunkRing(capacity: 4 << 20)
                    async let stored = target.copyIn("COPY pgferry_bench_dst FROM STDIN (FORMAT \(format), FREEZE)") {
                        try ring.pop()
                    }
                    let sent = try await source.copyOut("COPY pgferry_bench_src TO STDOUT (FORMAT \(format))",
                                                        chunkSize: 128 << 10) { chunk, _ in try ring.push(chunk) }
                    ring.finish()
                    let rows = try await stored
                    precondition(sent == rows, "sent \(sent) rows, stored \(rows)")
                    _ = try await target.execute("COMMIT")
                }
                benchmark.stopMeasurement()
                _ = try await source.execute("DROP TABLE pgferry_bench_src, pgferry_bench_dst")
                await source.close()
                await target.close()
            }
        }
    }
}
