import FawangCatalog
import FawangHost
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// `limits.calls_in_flight.*` (issue 14): one client's calls in flight are capped where each
/// HTTP/2 stream starts, so a flood from one client is refused before it costs the host a
/// handler, and other clients go on.
@Suite struct CallAdmissionTests {
    typealias Health = Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>

    @Test("同一客户端同时进行的调用有上限：超出即以 RESOURCE_EXHAUSTED 拒绝，其他客户端不受影响，调用结束即释放")
    func callsInFlightAreCappedPerClient() async throws {
        let limits = "limits:\n  calls_in_flight:\n    per_client: 2\n    total: 100\n"
        try await TestPlatform.with(extraConfig: limits, plugins: PluginCatalog.all) { platform in
            // Signed in first: Login itself is an anonymous call from this address.
            _ = try await platform.accessToken("staff-640100-reviewer")
            try await platform.withClient { anonymous in
                let health = Health(wrapping: anonymous)
                // Two long calls from this address fill its two places.
                let first = try await StreamWatcherTests.openWatch(health)
                let second = try await StreamWatcherTests.openWatch(health)
                await expectStatus(.resourceExhausted, containing: ["当前请求过多，请稍后再试"]) {
                    _ = try await health.check(.with { $0.service = "" })
                }
                // A signed-in session is a client of its own, even from the same address.
                let status = try await platform.withClient(as: "staff-640100-reviewer") { signedIn in
                    try await Health(wrapping: signedIn).check(.with { $0.service = "" }).status
                }
                #expect(status == .serving)
                let text = try await StreamWatcherTests.metrics(platform)
                #expect(text.contains("fawang_rpc_refused_total "), "\(text)")
                #expect(text.contains("fawang_rpc_in_flight 2"), "\(text)")
                // The refused call never reached a handler, so the per-method counts do not have it.
                #expect(!text.contains("method=\"grpc.health.v1.Health/Check\",module=\"platform\",code=\"resourceExhausted\""))
                // A call that ends frees its place (the connection may be paused 250 ms after a refusal).
                first.cancel()
                try await eventually(timeout: .seconds(5), "the freed place is taken again") {
                    (try? await health.check(.with { $0.service = "" }).status) == .serving
                }
                second.cancel()
            }
        }
    }

    @Test("全平台同时进行的调用也有上限")
    func callsInFlightAreCappedInTotal() async throws {
        let limits = "limits:\n  calls_in_flight:\n    per_client: 10\n    total: 1\n"
        try await TestPlatform.with(extraConfig: limits, plugins: PluginCatalog.all) { platform in
            _ = try await platform.accessToken("staff-640100-reviewer")
            try await platform.withClient { anonymous in
                let watch = try await StreamWatcherTests.openWatch(Health(wrapping: anonymous))
                defer { watch.cancel() }
                try await platform.withClient(as: "staff-640100-reviewer") { signedIn in
                    await expectStatus(.resourceExhausted, containing: ["当前请求过多"]) {
                        _ = try await Health(wrapping: signedIn).check(.with { $0.service = "" })
                    }
                }
            }
        }
    }
}
