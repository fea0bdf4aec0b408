import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP gateway keeps the gRPC rules because it calls the gRPC services: module switches,
/// the caller's address for limits and audit, and the generated API description. (The access
/// matrix runs over it too: `AccessMatrixTests`; Python speaks to it: `IndependentClientTests`.)
@Suite struct GatewayTests {
    static func post(_ port: Int, _ method: String, json: String, headers: [String: String] = [:]) async throws -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(method)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(json.utf8)
        let (data, response) = try await URLSession.isolated().data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    @Test func aModuleSwitchedOffAnswersUnavailableOverHTTPToo() async throws {
        try await TestPlatform.with(extraConfig: "modules:\n  legal-aid:\n    enabled: false\n", plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            let (status, body) = try await Self.post(port, "fawang.legalaid.v1.LegalAidService/ListProviders", json: #"{"regionCode": "640104"}"#)
            #expect(status == 503)
            #expect(body["code"] as? String == "unavailable")
            #expect((body["message"] as? String)?.contains("已停用") == true, "\(body)")
            // Other lines still serve.
            let other = try await Self.post(port, "fawang.notarization.v1.NotarizationService/ListOffices", json: #"{"regionCode": "640104"}"#)
            #expect(other.status == 200, "\(other.body)")
        }
    }

    @Test func theAuditTrailRecordsTheHTTPClientsAddress() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            var application = LegalAidSamples.application()
            application.context.operatorID = ""
            application.context.channel = .web
            // No proxy is trusted: a client's own X-Forwarded-For changes nothing.
            let (status, body) = try await Self.post(
                port, "fawang.legalaid.v1.LegalAidService/SubmitApplication", json: try application.jsonString(),
                headers: ["X-Forwarded-For": "203.0.113.99"])
            #expect(status == 200, "\(body)")
            let peers = try await platform.query("SELECT peer FROM audit_log WHERE method = 'fawang.legalaid.v1.LegalAidService/SubmitApplication'")
            #expect(peers.hasPrefix("ipv4:127.0.0.1:"), "\(peers)")
        }
    }

    /// Behind a trusted reverse proxy (`http.trusted_proxies`), the client it forwards is the
    /// caller: its own rate-limit bucket and its address in the audit trail.
    @Test func behindATrustedProxyTheForwardedClientIsTheCaller() async throws {
        let config = "limits.public.burst: 1\nlimits.public.calls_per_minute: 1\nhttp.trusted_proxies: \"127.0.0.1, 10.0.0.0/8\"\n"
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            let query = #"{"trackingNumber": "1234", "phoneLast4": "1234"}"#
            let method = "fawang.matter.v1.MatterService/QueryProgress"
            // 203.0.113.5 through an inner proxy (10.1.2.3, trusted too): one call, then limited.
            let first = try await Self.post(port, method, json: query, headers: ["X-Forwarded-For": "198.51.100.7, 203.0.113.5, 10.1.2.3"])
            #expect(first.status == 400, "\(first.body)")
            let second = try await Self.post(port, method, json: query, headers: ["X-Forwarded-For": "203.0.113.5"])
            #expect(second.status == 429, "\(second.body)")
            // Another visitor behind the same proxy has a bucket of its own.
            let other = try await Self.post(port, method, json: query, headers: ["X-Forwarded-For": "203.0.113.6"])
            #expect(other.status == 400, "\(other.body)")
            var application = LegalAidSamples.application()
            application.context = .with { $0.channel = .web }
            let filed = try await Self.post(
                port, "fawang.legalaid.v1.LegalAidService/SubmitApplication", json: try application.jsonString(),
                headers: ["X-Forwarded-For": "2001:db8::7"])
            #expect(filed.status == 200, "\(filed.body)")
            let peers = try await platform.query("SELECT peer FROM audit_log WHERE method = 'fawang.legalaid.v1.LegalAidService/SubmitApplication'")
            #expect(peers == "ipv6:[2001:db8::7]:0", "\(peers)")
        }
    }

    @Test func theClientIsTheRightMostAddressNoTrustedProxyAdded() throws {
        guard case .success(let proxies) = TrustedProxies.parse("10.0.0.1, 10.1.0.0/16, ::1") else {
            Issue.record("a valid list was refused")
            return
        }
        #expect(proxies.client(remote: "10.0.0.1", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        #expect(proxies.client(remote: "10.0.0.1", forwardedFor: ["198.51.100.1, 203.0.113.9", "10.1.2.3"]) == "203.0.113.9",
                "what the client wrote further left is not believed")
        #expect(proxies.client(remote: "192.0.2.1", forwardedFor: ["203.0.113.9"]) == nil, "an untrusted peer keeps its own address")
        #expect(proxies.client(remote: "10.0.0.1", forwardedFor: ["unknown"]) == nil)
        #expect(proxies.client(remote: "10.0.0.1", forwardedFor: []) == nil)
        #expect(proxies.client(remote: "::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
        #expect(proxies.trusts("10.1.255.255") && !proxies.trusts("10.2.0.1"))
        for bad in ["10.0.0.300", "10.0.0.0/33", "proxy.example.cn"] {
            guard case .failure = TrustedProxies.parse(bad) else {
                Issue.record("\(bad) was accepted")
                continue
            }
        }
        #expect(throws: PlatformConfig.ConfigError.self) { try PlatformConfig.parse(yaml: "http.trusted_proxies: 10.0.0.1, nginx\n") }
    }

    /// Only the gateway's in-process calls may name the caller's address: a network client's
    /// `fawang-forwarded-peer` metadata is ignored, so it cannot escape its rate limit.
    @Test func aGRPCClientCannotClaimAnotherAddress() async throws {
        try await TestPlatform.with(extraConfig: "limits.public.burst: 1\nlimits.public.calls_per_minute: 1\n", plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
                let query = Fawang_Matter_V1_QueryProgressRequest.with {
                    $0.trackingNumber = "not-a-number"
                    $0.phoneLast4 = "1234"
                }
                // The first passes the limit (and is refused for its number); the second, claiming
                // another address, is still this client's second call.
                await expectStatus(.invalidArgument) { _ = try await matters.queryProgress(query, metadata: ["fawang-forwarded-peer": "ipv4:10.9.9.1:1"]) }
                await expectStatus(.resourceExhausted) { _ = try await matters.queryProgress(query, metadata: ["fawang-forwarded-peer": "ipv4:10.9.9.2:1"]) }
            }
        }
    }

    @Test func openAPIDescribesEveryMethodWithItsSchemasAndErrors() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            let (data, _) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(port)/openapi.json")!)
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let served = FawangMethods.all.map { "/" + $0.descriptor.fullyQualifiedMethod }
            #expect(Set(paths.keys) == Set(served))
            var unresolved: [String] = []
            for (path, item) in paths {
                let post = try #require(item["post"] as? [String: Any])
                let responses = try #require(post["responses"] as? [String: Any])
                #expect(responses["400"] != nil && responses["500"] != nil && responses["503"] != nil, "\(path)")
                // Every $ref in the document names a schema it defines.
                let text = String(decoding: try JSONSerialization.data(withJSONObject: post), as: UTF8.self)
                for piece in text.components(separatedBy: "#\\/components\\/schemas\\/").dropFirst() {
                    let name = String(piece.prefix { $0 != "\"" })
                    if schemas[name] == nil { unresolved.append("\(path): \(name)") }
                }
            }
            #expect(unresolved.isEmpty, "\(unresolved)")
            // Staff methods need a bearer token and can answer 401/403; public ones can answer 429.
            let getMatter = try #require(paths["/fawang.matter.v1.MatterService/GetMatter"]?["post"] as? [String: Any])
            #expect((getMatter["responses"] as? [String: Any])?["403"] != nil)
            #expect((getMatter["security"] as? [[String: Any]])?.first?["bearer"] != nil)
            let progress = try #require(paths["/fawang.matter.v1.MatterService/QueryProgress"]?["post"] as? [String: Any])
            #expect((progress["responses"] as? [String: Any])?["429"] != nil)
            let request = try #require(schemas["fawang.matter.v1.QueryProgressRequest"] as? [String: Any])
            #expect((request["properties"] as? [String: Any])?["phoneLast4"] != nil, "proto3 JSON names")
        }
    }

    /// A watch stream has no end of its own: at shutdown the gateway ends it (the client gets the
    /// messages so far and an end of stream) instead of the host waiting out its grace period.
    @Test func anOpenWatchStreamDoesNotHoldUpShutdown() async throws {
        let platform = try await TestPlatform.start(plugins: PluginCatalog.all)
        let http = try #require(platform.ports.http)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/grpc.health.v1.Health/Watch")!)
        request.httpMethod = "POST"
        request.setValue("application/connect+json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data([0, 0, 0, 0, 2] + Array("{}".utf8))
        request.timeoutInterval = 120
        let watch = Task { try await URLSession(configuration: .ephemeral).data(for: request) }
        try await Task.sleep(for: .seconds(1))
        // Before the gateway ended its relays, this stop ran out the host's grace period and threw
        // (the group was cancelled); no clock is read here, the machine may be loaded.
        try await platform.stop()
        let (data, _) = try await watch.value
        #expect(String(decoding: data, as: UTF8.self).contains("SERVING"), "the messages so far reached the client")
    }

    @Test func theGatewayCanBeSwitchedOff() async throws {
        try await TestPlatform.with(extraConfig: "http.enabled: false\n", plugins: PluginCatalog.all) { platform in
            #expect(platform.ports.http == nil)
        }
    }
}
