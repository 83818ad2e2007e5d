import Hummingbird
import Logging

/// The request context of pgferry's routes.
public struct FerryRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// A context without a channel, for calling the responder directly (tests).
    public init(logger: Logger) {
        coreContext = .init(source: LoggerSource(logger: logger))
    }

    private struct LoggerSource: RequestContextSource {
        let logger: Logger
    }
}
