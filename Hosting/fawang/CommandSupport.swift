import FawangPluginKit
import FawangProto
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

/// Runs one staff action through the service client `wrap` makes, and prints the matter it returns.
func runMatterAction<Service: Sendable>(
    _ options: ClientOptions, _ wrap: @escaping @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) -> Service,
    _ call: @escaping @Sendable (Service) async throws -> Fawang_Matter_V1_Matter
) async throws {
    let matter = try await options.withClient { grpc in try await call(wrap(grpc)) }
    try options.emit(matter) { Render.matter(matter) }
}
