import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// TLS and mutual TLS switched on from the config file.
@Suite struct TLSTests {
    /// A health check. Calls expected to succeed get a patient timeout (the suite runs beside many
    /// others on two cores); calls expected to fail a short one, since a refused handshake may
    /// surface only as the call timing out.
    func check(
        port: Int, security: HTTP2ClientTransport.Posix.TransportSecurity, timeout: Duration = .seconds(60)
    ) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security)) { client in
            var options = CallOptions.defaults
            options.timeout = timeout
            return try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init(), options: options).status
        }
    }

    func trusting(_ certificates: TestCertificates, withClientCertificate: Bool) -> HTTP2ClientTransport.Posix.TransportSecurity {
        let configure: (inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) -> Void = { tls in
            tls.trustRoots = .certificates([.file(path: certificates.caCertificate, format: .pem)])
        }
        guard withClientCertificate else { return .tls(configure: configure) }
        return .mTLS(
            certificateChain: [.file(path: certificates.clientCertificate, format: .pem)],
            privateKey: .file(path: certificates.clientKey, format: .pem), configure: configure)
    }

    @Test func tlsFromConfig() async throws {
        let certificates = try TestCertificates(in: FileManager.default.temporaryDirectory.appendingPathComponent("fawang-tls-\(UUID().uuidString)"))
        let config = """
            grpc.tls.certificate_chain: \(certificates.serverCertificate)
            grpc.tls.private_key: \(certificates.serverKey)
            """
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            let status = try await check(port: platform.ports.grpc, security: trusting(certificates, withClientCertificate: false))
            #expect(status == .serving)
            // A plaintext client gets no connection: the handshake fails (or times out waiting for one).
            await expectStatus(among: [.unavailable, .deadlineExceeded]) { _ = try await check(port: platform.ports.grpc, security: .plaintext, timeout: .seconds(5)) }
        }
    }

    @Test func mutualTLSRequiresAClientCertificateFromTheCA() async throws {
        let certificates = try TestCertificates(in: FileManager.default.temporaryDirectory.appendingPathComponent("fawang-mtls-\(UUID().uuidString)"))
        let config = """
            grpc.tls.certificate_chain: \(certificates.serverCertificate)
            grpc.tls.private_key: \(certificates.serverKey)
            grpc.tls.client_ca: \(certificates.caCertificate)
            """
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            let status = try await check(port: platform.ports.grpc, security: trusting(certificates, withClientCertificate: true))
            #expect(status == .serving)
            await expectStatus(among: [.unavailable, .deadlineExceeded]) {
                _ = try await check(port: platform.ports.grpc, security: trusting(certificates, withClientCertificate: false), timeout: .seconds(5))
            }
        }
    }

    @Test func aServiceAccountSignsInWithItsClientCertificate() async throws {
        let certificates = try TestCertificates(
            in: FileManager.default.temporaryDirectory.appendingPathComponent("fawang-svc-\(UUID().uuidString)"), clientCommonName: "hotline-frontend")
        let config = """
            grpc.tls.certificate_chain: \(certificates.serverCertificate)
            grpc.tls.private_key: \(certificates.serverKey)
            grpc.tls.client_ca: \(certificates.caCertificate)
            """
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            let me = try await withGRPCClient(
                transport: .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: platform.ports.grpc),
                    transportSecurity: trusting(certificates, withClientCertificate: true))
            ) { client in
                try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).whoAmI(.init())
            }
            #expect(me.accountID == "service-hotline")
            #expect(me.role == .service)
        }
    }
}
