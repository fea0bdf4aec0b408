public import GRPCCore

/// A client interceptor that sends `authorization: Bearer <token>` on every call: how the CLI,
/// front ends and tests present an access token from `IdentityService.Login`.
public struct BearerToken: ClientInterceptor {
    let token: String

    public init(_ token: String) { self.token = token }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString("Bearer \(token)", forKey: "authorization")
        return try await next(request, context)
    }
}
