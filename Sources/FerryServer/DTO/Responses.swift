import Ferry
import Foundation
import Hummingbird

/// `{"error": "…"}`, Queen's error shape.
struct ErrorBody: Encodable {
    var error: String
}

struct TestConnectionBody: Encodable {
    var success: Bool
    var message: String
    var version: String?
    var error: String?
}

/// `status` and `message`, the shape of start, reset and cancel answers.
struct MessageBody: Encodable {
    var status: String
    var message: String
}

struct ValidationBody: Encodable {
    var success: Bool
    var allMatch: Bool
    var schema: String
    var tables: [TableValidation]
}

/// `POST compare`'s answer: `equal`, and what is missing, extra or different on the target.
struct CompareBody: Encodable {
    var success: Bool
    var equal: Bool
    var schema: String
    var comparison: SchemaComparison
}

struct ValidationFailureBody: Encodable {
    var success = false
    var error: String
}

struct HealthBody: Encodable {
    var status = "ok"
    var migration: RunStatus
}

enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
