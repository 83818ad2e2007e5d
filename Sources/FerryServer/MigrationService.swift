import Ferry
import Logging
import ServiceLifecycle
import Synchronization

/// The migration controller as a service of the server's group: it idles while the server runs,
/// and on graceful shutdown (SIGTERM/SIGINT) or cancellation cancels a running migration and
/// returns only once the run has ended and cleaned up, so the process never exits mid-cleanup.
public struct MigrationService: Service {
    let controller: MigrationController
    let shutdown: ShutdownLatch
    let logger: Logger

    public init(controller: MigrationController, logger: Logger) {
        self.init(controller: controller, shutdown: ShutdownLatch(), logger: logger)
    }

    init(controller: MigrationController, shutdown: ShutdownLatch, logger: Logger) {
        self.controller = controller
        self.shutdown = shutdown
        self.logger = logger
    }

    public func run() async throws {
        // Returns on graceful shutdown, throws on cancellation: both end the same way.
        try? await gracefulShutdown()
        shutdown.close()  // from now on start answers 503
        guard controller.status.status.isRunning else { return }
        logger.notice("shutting down: cancelling the running migration and waiting for its cleanup")
        var final = controller.status
        // Again if a start slipped in between the latch and the first cancel.
        while controller.status.status.isRunning {
            controller.cancel()
            final = await controller.waitUntilFinished()
        }
        logger.notice("migration ended on shutdown", metadata: [
            "status": "\(final.status.rawValue)", "error": "\(final.error ?? "")",
        ])
    }
}

/// Closed once the server begins shutting down, so no new migration starts that shutdown would cut.
final class ShutdownLatch: Sendable {
    private let closed = Atomic(false)
    var isClosed: Bool { closed.load(ordering: .acquiring) }
    func close() { closed.store(true, ordering: .releasing) }
}
