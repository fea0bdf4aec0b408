import FawangCatalog
import FawangHost
import FawangTestSupport
import Foundation
import Testing

/// Clients that share none of our code: Python grpcio with stubs generated from our .proto files,
/// and plain Python HTTP against the gateway.
@Suite struct IndependentClientTests {
    @Test func pythonGrpcioClientRunsTheLegalAidPath() async throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/legal_aid_client.py")
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let (status, text) = try await runChildProcess(
                URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, "--server", "127.0.0.1:\(platform.ports.grpc)"])
            #expect(status == 0, "\(text)")
            #expect(text.contains("checks passed"), "\(text)")
        }
    }

    /// Plain HTTP from Python (no Fawang code) through the gateway: Connect JSON and protobuf,
    /// Connect streaming, gRPC-Web binary and text, errors with their field violations, the
    /// access gate, per-address rate limits and the gateway's own refusals.
    @Test func pythonHTTPClientSpeaksConnectAndGRPCWeb() async throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/gateway_client.py")
        try await TestPlatform.with(extraConfig: "limits.public.burst: 3\nlimits.public.calls_per_minute: 1\n", plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            let (status, text) = try await runChildProcess(
                URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, "--http", "127.0.0.1:\(http)"])
            #expect(status == 0, "\(text)")
            #expect(text.contains("checks passed"), "\(text)")
        }
    }
}
