import ArgumentParser
import FawangPluginKit
import FawangProto
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

/// Parses `--flag value` as the proto enum `PREFIX_VALUE` through SwiftProtobuf's JSON names, e.g.
/// `--kind no_criminal_record` as `KIND_NO_CRIMINAL_RECORD`.
func protoEnum<M: SwiftProtobuf.Message, V>(
    _ text: String, field: String, prefix: String, flag: String, in _: M.Type, _ read: (M) -> V
) throws -> V {
    guard let partial = try? M(jsonString: "{\"\(field)\": \"\(prefix)\(text.uppercased())\"}") else {
        throw ValidationError("\(flag): unknown value \(text)")
    }
    return read(partial)
}

/// Runs one staff action through the service client `wrap` makes, and prints the matter it returns.
func runMatterAction<Service: Sendable>(
    _ options: ClientOptions, _ wrap: @escaping @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) -> Service,
    _ call: @escaping @Sendable (Service) async throws -> Fawang_Matter_V1_Matter
) async throws {
    let matter = try await options.withClient { grpc in try await call(wrap(grpc)) }
    try options.emit(matter) { Render.matter(matter) }
}
