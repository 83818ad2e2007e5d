import FerryCore
import PGClient

/// The rows of extensions' configuration tables (`pg_extension_config_dump`) that their
/// condition selects, copied into the tables CREATE EXTENSION made on the target, and their
/// configuration sequences' positions: what pg_dump carries as the extensions' data. In the
/// extensions' declared order (parents first, as their scripts declare them).
struct ExtensionConfigurationCopy {
    let source: PGConnection
    let target: PGConnection
    let chunkSize: Int
    let ringCapacity: Int
    let stallTimeout: Duration?

    func run(_ configurations: [ExtensionConfiguration]) async throws {
        for configuration in configurations {
            do {
                if configuration.isSequence {
                    let row = try await source.query("SELECT last_value::text AS value, is_called FROM \(unescaped: configuration.table.sql)").rows[0]
                    try await target.execute("SELECT pg_catalog.setval(\(SQL.literal(configuration.table.sql)), "
                        + "\(try row.string("value")), \(try row.bool("is_called")))")
                } else {
                    try await copy(configuration)
                }
            } catch {
                throw FerryError("copying the configuration rows of extension \(configuration.extensionName) "
                    + "(\(configuration.table)) failed: \(error)", sqlState: (error as? PGError)?.sqlState)
            }
        }
    }

    private func copy(_ configuration: ExtensionConfiguration) async throws {
        let ring = ChunkRing(capacity: ringCapacity)
        let (chunkSize, stallTimeout, source, target) = (chunkSize, stallTimeout, source, target)
        // Either side's failure fails the ring, so the other side stops waiting on it.
        @Sendable func failing<T>(_ body: () async throws -> T) async throws -> T {
            do { return try await body() } catch {
                ring.fail(error)
                throw error
            }
        }
        try await withTaskCancellationHandler {
            async let stored = failing { try await target.copyIn(configuration.copyInSQL, stall: stallTimeout) { try ring.pop() } }
            async let sent = failing {
                let rows = try await source.copyOut(configuration.copyOutSQL, chunkSize: chunkSize, stall: stallTimeout) { chunk, _ in
                    try ring.push(chunk)
                }
                ring.finish()
                return rows
            }
            _ = try await (sent, stored)
        } onCancel: {
            ring.fail(CancellationError())
        }
    }
}
