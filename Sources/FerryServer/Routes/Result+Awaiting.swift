extension Result where Failure == any Error {
    /// The outcome of async work, so that cleanup (closing a connection) can be awaited before the
    /// outcome is returned or rethrown — a `defer { Task { … } }` would run it after the answer.
    init(awaiting body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
