import Foundation
import Hummingbird

/// Refuses a `Host` the server does not answer to (421): a DNS-rebinding page reaches a loopback
/// server under its own domain name, which this turns away. IP addresses and `localhost` are
/// always accepted; other names only with `--allow-host`.
struct HostGuard<Context: RequestContext>: RouterMiddleware {
    let policy: ServerPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, !authority.isEmpty else {
            throw APIError(.badRequest, "a Host header is required")
        }
        guard let name = HostName(authority: authority), policy.acceptsHost(name) else {
            throw APIError(.misdirectedRequest,
                           "Host \(authority.debugDescription) is not a name this server answers to: use its IP address or "
                               + "localhost, or start pgferry serve with --allow-host NAME")
        }
        return try await next(request, context)
    }
}

/// Keeps other web pages from driving the API through the operator's browser: a present `Origin`
/// must be the server's own (or `--allow-origin`), and a POST body must be declared
/// `application/json` — the types a page may send cross-site without a CORS preflight
/// (`text/plain`, forms) and bodies without a type are refused. A POST without a body (cancel,
/// reset) needs no Content-Type.
struct CrossSiteGuard<Context: RequestContext>: RouterMiddleware {
    let policy: ServerPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let origin = request.headers[.origin] {
            let host = request.head.authority.flatMap(HostName.init(authority:))
            guard policy.acceptsOrigin(origin, host: host) else {
                throw APIError(.forbidden, "Origin \(origin.debugDescription) may not call this API: only pages served by this "
                    + "server may, or origins allowed with pgferry serve --allow-origin ORIGIN")
            }
        }
        var request = request
        if request.method == .post {
            if let contentType = request.headers[.contentType] {
                let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard mediaType == "application/json" else {
                    throw APIError(.unsupportedMediaType,
                                   "Content-Type must be application/json, got \(contentType.debugDescription)")
                }
            } else if try await BodyReader.collect(&request).readableBytes > 0 {
                throw APIError(.unsupportedMediaType, "a request body needs Content-Type: application/json")
            }
        }
        return try await next(request, context)
    }
}
