import FawangCatalog
import FawangHost
import FawangTestSupport
import Foundation
import Testing

/// Python grpcio, with stubs generated from our .proto files, runs the legal aid path: the
/// contract holds for a client that shares none of our code.
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
}
