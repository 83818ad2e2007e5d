import Foundation
import Hummingbird

/// A refusal thrown from a middleware or route and answered as Queen's `{"error": "…"}` with its
/// status (Hummingbird's own error bodies have another shape, and its 413 has none).
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(ErrorBody(error: message), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// Request bodies are read whole, up to a limit.
enum BodyReader {
    static let limit = 1 << 20

    /// Reads the body and keeps it on the request for whoever reads it next.
    static func collect(_ request: inout Request) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {  // NIO's NIOTooManyBytesError
            throw APIError(.contentTooLarge, "request body is larger than the limit of \(limit) bytes (1 MiB)")
        }
    }
}
