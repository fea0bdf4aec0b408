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
        try await TestPlatform.with { platform in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, "--server", "127.0.0.1:\(platform.ports.grpc)"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            // Read while it runs so a full pipe cannot block the script.
            let data = try await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("checks passed"), "\(text)")
        }
    }
}
