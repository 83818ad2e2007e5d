import Hummingbird

/// The dashboard: one page, its style sheet and its script (`Assets/`, embedded in the binary by
/// SwiftPM, no build step, no external assets). It follows Queen's migration page (queen.md §1.8):
/// target connection, data groups, start with a confirmation, live progress polled every 2 s,
/// cancel, validate, reset. A run that follows the source shows its lag, positions and apply rates
/// live, with a "Cut over" button. The admin token is asked for on the page and kept in
/// sessionStorage.
enum DashboardPage {
    /// Scripts only from the server itself (no inline script can run); inline style attributes stay.
    private static let headers: HTTPFields = [
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src data:",
        .init("X-Frame-Options")!: "DENY",
    ]

    static func page() -> Response { response(PackageResources.dashboard_html, type: "text/html; charset=utf-8") }
    static func styleSheet() -> Response { response(PackageResources.dashboard_css, type: "text/css; charset=utf-8") }
    static func script() -> Response { response(PackageResources.dashboard_js, type: "text/javascript; charset=utf-8") }

    private static func response(_ bytes: [UInt8], type: String) -> Response {
        var headers = headers
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
