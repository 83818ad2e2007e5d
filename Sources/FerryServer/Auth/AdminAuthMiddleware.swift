import Hummingbird

/// Lets a request through only with admin credentials: 401 without (or with bad ones), 403 for a
/// valid token without the admin role.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: AdminAuth

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch await auth.check(authorization: request.headers[.authorization]) {
        case .allowed:
            return try await next(request, context)
        case .unauthorized(let message):
            var response = try JSONBody.response(ErrorBody(error: message), status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        case .forbidden(let message):
            return try JSONBody.response(ErrorBody(error: message), status: .forbidden)
        }
    }
}
