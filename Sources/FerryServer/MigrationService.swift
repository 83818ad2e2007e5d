import Ferry
import Logging
import ServiceLifecycle

/// The migration controller as a service of the server's group: it idles while the server runs,
/// and on graceful shutdown (SIGTERM/SIGINT) or cancellation cancels a running migration and
/// returns only once the run has ended and cleaned up, so the process never exits mid-cleanup.
public struct MigrationService: Service {
    let controller: MigrationController
    let logger: Logger

    public init(controller: MigrationController, logger: Logger) {
        self.controller = controller
        self.logger = logger
    }

    public func run() async throws {
        // Returns on graceful shutdown, throws on cancellation: both end the same way.
        try? await gracefulShutdown()
        guard controller.status.status.isRunning else { return }
        logger.notice("shutting down: cancelling the running migration and waiting for its cleanup")
        controller.cancel()
        let final = await controller.waitUntilFinished()
        logger.notice("migration ended on shutdown", metadata: [
            "status": "\(final.status.rawValue)", "error": "\(final.error ?? "")",
        ])
    }
}
