import CourtFeesContract
import FawangCore
import FawangCatalog
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every RPC method the host serves × every kind of caller. The platform's rows are written here
/// by hand (a policy that drifts fails); each plugin's rows come from its RPC table, the one place
/// a department declares who may call a method, so this checks that the gate enforces exactly
/// what every plugin declares, and that every method of every `.proto` service has a row.
@Suite struct AccessMatrixTests {
    enum Outcome: String { case passed, denied, unauthenticated }

    enum Caller: String, CaseIterable {
        case anonymous, citizen, professional, staff, departmentAdmin, platformAdmin, service
        case expiredToken, forgedToken, revokedToken

        /// The role the caller's account has (none for the anonymous and the bad tokens).
        var role: Role? {
            switch self {
            case .citizen: .citizen
            case .professional: .professional
            case .staff: .staff
            case .departmentAdmin: .departmentAdmin
            case .platformAdmin: .platformAdmin
            case .service: .service
            default: nil
            }
        }

        var login: String? {
            switch self {
            case .citizen: "13951001234"
            case .professional: "lap-640100-1"
            case .staff: "staff-640100-reviewer"
            case .departmentAdmin: "legal-aid-admin"
            case .platformAdmin: "admin"
            case .service: "hotline-frontend"
            default: nil
            }
        }
    }

    /// Who gets past the gate, by method: the expected access table.
    static let anyone: Set<Caller> = [.anonymous, .citizen, .professional, .staff, .departmentAdmin, .platformAdmin, .service]
    static let readers: Set<Caller> = [.citizen, .professional, .staff, .departmentAdmin, .platformAdmin]
    static let handlers: Set<Caller> = [.staff, .departmentAdmin, .platformAdmin]
    static let platform: [String: Set<Caller>] = [
        "grpc.health.v1.Health/Check": anyone,
        "grpc.health.v1.Health/List": anyone,
        "grpc.health.v1.Health/Watch": anyone,
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo": anyone,
        "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": anyone,
        "fawang.platform.v1.PlatformService/ListModules": anyone,
        "fawang.platform.v1.PlatformService/ListDivisions": anyone,
        "fawang.identity.v1.IdentityService/Login": anyone,
        "fawang.identity.v1.IdentityService/Register": anyone,
        "fawang.identity.v1.IdentityService/Refresh": anyone,
        "fawang.identity.v1.IdentityService/Logout": anyone,
        // Open to all, but says UNAUTHENTICATED to a caller with no token.
        "fawang.identity.v1.IdentityService/WhoAmI": anyone.subtracting([.anonymous]),
        "fawang.matter.v1.MatterService/QueryProgress": anyone,
        "fawang.matter.v1.MatterService/GetMatter": readers,
        "fawang.matter.v1.MatterService/ListMatters": readers,
        "fawang.matter.v1.MatterService/TransferMatter": handlers,
        // The applicant's step, with the phone's last four digits; the handler checks them.
        "fawang.matter.v1.MatterService/RateMatter": anyone,
        "fawang.matter.v1.MatterService/CloseCallback": handlers,
        // Anyone with the tracking number and the phone's last four digits; the handler checks them.
        "fawang.matter.v1.MaterialService/UploadMaterial": anyone,
        "fawang.matter.v1.MaterialService/ListMaterials": readers,
        "fawang.matter.v1.MaterialService/DownloadMaterial": readers,
        "fawang.laws.v1.LawService/SearchLaws": anyone,
        "fawang.laws.v1.LawService/GetArticle": anyone,
        "fawang.directory.v1.DirectoryService/SearchDirectory": anyone,
        "fawang.directory.v1.DirectoryService/GetEntry": anyone,
        "fawang.directory.v1.DirectoryService/ListKinds": anyone,
        "fawang.directory.v1.DirectoryService/GetMap": anyone,
        "fawang.guidance.v1.GuidanceService/ListCategories": anyone,
        "fawang.guidance.v1.GuidanceService/FindServices": anyone,
        "fawang.deadline.v1.DeadlineService/ListAlerts": handlers,
        "fawang.deadline.v1.DeadlineService/WatchAlerts": handlers,
        "fawang.deadline.v1.DeadlineService/ListEscalations": handlers,
        "fawang.deadline.v1.DeadlineService/PauseClock": handlers,
        "fawang.deadline.v1.DeadlineService/ResumeClock": handlers,
        // The head's approval: department and platform admins only.
        "fawang.deadline.v1.DeadlineService/ExtendDeadline": [.departmentAdmin, .platformAdmin],
        "fawang.deadline.v1.DeadlineService/GetCalendar": anyone,
        "fawang.deadline.v1.DeadlineService/ComputeDueDate": anyone,
    ]

    /// The example external plugin's methods (`fawang-court-fees`, its own process), written by
    /// hand as the platform's are: its handshake declares the policies, and the host's gate must
    /// answer exactly as for a compiled-in method.
    static let external: [String: Set<Caller>] = [
        "fawang.courtfees.v1.CourtFeeService/GetSchedule": anyone,
        "fawang.courtfees.v1.CourtFeeService/Calculate": anyone,
        "fawang.courtfees.v1.CourtFeeService/IssueFeeSlip": handlers,
        "fawang.courtfees.v1.CourtFeeService/GetFeeSlip": handlers,
    ]

    /// Where a handler narrows what the gate lets through, for the matrix's callers: the gate lets
    /// handlers call GetStats and write publicity; the handler then refuses staff of other
    /// departments, and the matrix's staff and department admin belong to legal aid.
    static let narrowedByHandler: [String: Set<Caller>] = [
        "fawang.petitions.v1.PetitionService/GetStats": [.platformAdmin],
        // Writing and reviewing publicity is the publicity line's (and the platform admin's).
        "fawang.publicity.v1.PublicityService/CreateArticle": [.platformAdmin],
        "fawang.publicity.v1.PublicityService/UpdateArticle": [.platformAdmin],
        "fawang.publicity.v1.PublicityService/SubmitArticle": [.platformAdmin],
        "fawang.publicity.v1.PublicityService/ReviewArticle": [.platformAdmin],
        "fawang.publicity.v1.PublicityService/WithdrawArticle": [.platformAdmin],
        // The desk, the caller look-up and the call log are the hotline's agents'.
        "fawang.hotline.v1.HotlineService/WatchDesk": [.platformAdmin],
        "fawang.hotline.v1.HotlineService/LookupCaller": [.platformAdmin],
        "fawang.hotline.v1.HotlineService/ListCalls": [.platformAdmin],
        // A bulletin is published by the bureau's supervisors (and the platform admin).
        "fawang.supervision.v1.AssessmentService/PublishBulletin": [.platformAdmin],
    ]

    /// The callers a policy admits.
    static func callers(_ policy: AccessPolicy) -> Set<Caller> {
        switch policy {
        case .anyone: anyone
        case .roles(let roles): Set(Caller.allCases.filter { $0.role.map(roles.contains) ?? false })
        }
    }

    static var expected: [String: Set<Caller>] {
        var rows = platform.merging(external) { a, _ in a }
        for plugin in PluginCatalog.all {
            for rpc in plugin.rpcs { rows[rpc.fullyQualifiedMethod] = narrowedByHandler[rpc.fullyQualifiedMethod] ?? callers(rpc.policy) }
        }
        return rows
    }

    /// The platform's services, and every method of each plugin's `.proto` services.
    static var allMethods: [MethodDescriptor] {
        let platformMethods = Grpc_Health_V1_Health.Method.descriptors + Fawang_Platform_V1_PlatformService.Method.descriptors
            + Grpc_Reflection_V1_ServerReflection.Method.descriptors + Grpc_Reflection_V1alpha_ServerReflection.Method.descriptors
            + Fawang_Identity_V1_IdentityService.Method.descriptors + Fawang_Matter_V1_MatterService.Method.descriptors
            + Fawang_Matter_V1_MaterialService.Method.descriptors + Fawang_Laws_V1_LawService.Method.descriptors + Fawang_Deadline_V1_DeadlineService.Method.descriptors
            + Fawang_Directory_V1_DirectoryService.Method.descriptors + Fawang_Guidance_V1_GuidanceService.Method.descriptors
        let pluginMethods = PluginCatalog.all.flatMap(\.serviceNames).flatMap { name -> [MethodDescriptor] in
            (ProtoSchema.current.service(name)?.methods ?? []).map { method -> MethodDescriptor in
                MethodDescriptor(
                    service: ServiceDescriptor(fullyQualifiedService: name), method: method.proto.name,
                    type: method.proto.serverStreaming ? .serverStreaming : .unary)
            }
        }
        return platformMethods + pluginMethods + Fawang_Courtfees_V1_CourtFeeService.Method.descriptors
    }

    @Test func everyServedMethodHasARow() {
        #expect(Set(Self.allMethods.map(\.fullyQualifiedMethod)) == Set(Self.expected.keys))
        var policies = PlatformAccessPolicies.all
        for plugin in PluginCatalog.all { policies.merge(plugin.accessPolicies) { a, _ in a } }
        #expect(Set(policies.keys).union(Self.external.keys) == Set(Self.expected.keys))
    }

    @Test func startUpRefusesAMethodWithoutAPolicy() async throws {
        /// Legal aid with Approve's row torn out of its RPC table; its service still serves Approve.
        struct Unguarded: DepartmentPlugin {
            let inner = PluginCatalog.all[0]
            var manifest: ModuleManifest { inner.manifest }
            var migrations: [StorageMigration] { inner.migrations }
            var rpcs: [RPCInfo] {
                inner.rpcs.filter { $0.fullyQualifiedMethod != Fawang_Legalaid_V1_LegalAidService.Method.Approve.descriptor.fullyQualifiedMethod }
            }
            func makeServices(context: PluginContext) -> [any RegistrableRPCService] { inner.makeServices(context: context) }
        }
        #expect(!Unguarded().accessPolicies.keys.contains("fawang.legalaid.v1.LegalAidService/Approve"))
        do {
            try await TestPlatform.with(plugins: [Unguarded()]) { _ in }
            Issue.record("a host with an unguarded method started")
        } catch let error as FawangError {
            #expect(error.message.contains("fawang.legalaid.v1.LegalAidService/Approve has no row"), "\(error.message)")
        }
    }

    /// Over the in-process transport: the same interceptor chain as HTTP/2, ~1,200 calls without
    /// a socket. The example external plugin runs too, and its methods answer through the same
    /// gate, over gRPC and over the gateway (Connect, protobuf).
    @Test func everyMethodForEveryCaller() async throws {
        try await TestPlatform.with(extraConfig: ExternalPluginTests.config(), plugins: PluginCatalog.all) { platform in
            var tokens: [Caller: String] = [:]
            for caller in Caller.allCases { if let login = caller.login { tokens[caller] = try await platform.accessToken(login) } }
            let secret = try TokenIssuer.loadSecret(path: platform.directory.appendingPathComponent("fawang.token-key").path, logger: Logger(label: "t"))
            let admin = Principal(accountID: "staff-640000-admin", displayName: "x", role: .platformAdmin, regionCode: "640000")
            tokens[.expiredToken] = try await TokenIssuer(secret: secret, accessLifetime: 60, refreshLifetime: 60)
                .accessToken(for: admin, now: Date().addingTimeInterval(-3600)).token
            tokens[.forgedToken] = try await TokenIssuer(secret: Data(repeating: 1, count: 32), accessLifetime: 600, refreshLifetime: 60)
                .accessToken(for: admin, now: Date()).token
            // A real session, logged out.
            let revoked = try await platform.withClient { client in
                let identity = Fawang_Identity_V1_IdentityService.Client(wrapping: client)
                let session = try await identity.login(.with {
                    $0.login = "staff-640200-reviewer"
                    $0.password = "Fawang@2026"
                })
                _ = try await identity.logout(.with { $0.refreshToken = session.refreshToken }, metadata: ["authorization": "Bearer \(session.accessToken)"])
                return session.accessToken
            }
            tokens[.revokedToken] = revoked

            // Logout revokes the token it is called with: run it last.
            let methods = Self.allMethods.sorted { ($0.method == "Logout" ? 1 : 0, $0.fullyQualifiedMethod) < ($1.method == "Logout" ? 1 : 0, $1.fullyQualifiedMethod) }
            // The same table over gRPC and over the HTTP gateway (Connect): one gate for both.
            var mismatches: [String] = []
            let client = platform.inProcessClient
            let http = try #require(platform.ports.http)
            for caller in Caller.allCases {
                for method in methods {
                    let expected: Outcome = switch caller {
                    case .expiredToken, .forgedToken, .revokedToken: .unauthenticated
                    case _ where Self.expected[method.fullyQualifiedMethod]!.contains(caller): .passed
                    case .anonymous: .unauthenticated
                    default: .denied
                    }
                    // Logout revokes the caller's token: the gateway's call comes first, so the
                    // gRPC call after it meets a revoked token. Reflection (a bidirectional
                    // stream) is for gRPC clients only: the gateway does not route it.
                    let overHTTP = method.type == .bidirectionalStreaming
                        ? expected : try await Self.connectCall(method, port: http, token: tokens[caller])
                    if overHTTP != expected {
                        mismatches.append("\(method.fullyQualifiedMethod) as \(caller) over Connect: \(overHTTP), expected \(expected)")
                    }
                    if method.method == "Logout", expected == .passed, caller.login != nil {
                        tokens[caller] = try await platform.accessTokenAfresh(caller.login!)
                    }
                    let outcome = try await Self.call(method, on: client, token: tokens[caller])
                    if outcome != expected {
                        mismatches.append("\(method.fullyQualifiedMethod) as \(caller): \(outcome), expected \(expected)")
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        }
    }

    /// As ``call(_:on:token:)`` through the HTTP gateway: Connect with an empty protobuf request
    /// (a streaming method enveloped, with a short deadline so the stream ends). A stream whose
    /// short deadline ran out before the gate or the handler answered (a loaded run) says nothing
    /// either way: it is asked again with a longer one.
    static func connectCall(_ method: MethodDescriptor, port: Int, token: String?, deadlineMilliseconds: Int = 300) async throws -> Outcome {
        let streaming = method.type == .serverStreaming
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(method.fullyQualifiedMethod)")!)
        request.httpMethod = "POST"
        request.setValue(streaming ? "application/connect+proto" : "application/proto", forHTTPHeaderField: "Content-Type")
        request.httpBody = streaming ? Data([0, 0, 0, 0, 0]) : Data()
        if streaming { request.setValue(String(deadlineMilliseconds), forHTTPHeaderField: "Connect-Timeout-Ms") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.isolated().data(for: request)
        var errorJSON: Data?
        if streaming {
            // The first envelope: a message (the gate let it through) or the end of the stream.
            let bytes = [UInt8](data)
            guard bytes.count >= 5 else { throw TestFailure("\(method.fullyQualifiedMethod): no envelope in the Connect stream") }
            if bytes[0] & 0x02 != 0 { errorJSON = Data(bytes[5...]) }
        } else if (response as? HTTPURLResponse)?.statusCode != 200 {
            errorJSON = data
        }
        guard let errorJSON else { return .passed }
        let object = try JSONSerialization.jsonObject(with: errorJSON) as? [String: Any]
        let code = ((object?["error"] as? [String: Any]) ?? object)?["code"] as? String
        switch code {
        case "unauthenticated": return .unauthenticated
        case "permission_denied": return .denied
        case "deadline_exceeded" where streaming && deadlineMilliseconds < 5000:
            return try await connectCall(method, port: port, token: token, deadlineMilliseconds: 5000)
        default: return .passed
        }
    }

    /// Calls `method` with an empty request: whatever the handler makes of it, the status says
    /// whether the gate let the call through.
    static func call<Transport: ClientTransport>(_ method: MethodDescriptor, on client: GRPCClient<Transport>, token: String?) async throws -> Outcome {
        let metadata: Metadata = token.map { ["authorization": "Bearer \($0)"] } ?? [:]
        do {
            // A stream's first message (every streaming method sends one at once) answers as a unary reply would.
            if method.type == .bidirectionalStreaming {
                // Reflection: one empty request, answered at once (an error response that it asks nothing).
                try await client.bidirectionalStreaming(
                    request: StreamingClientRequest(metadata: metadata) { try await $0.write([UInt8]()) }, descriptor: method,
                    serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
                ) { response in
                    for try await _ in response.messages { break }
                }
            } else if method.type == .serverStreaming {
                try await client.serverStreaming(
                    request: ClientRequest(message: [UInt8](), metadata: metadata), descriptor: method,
                    serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
                ) { response in
                    for try await _ in response.messages { break }
                }
            } else {
                _ = try await client.unary(
                    request: ClientRequest(message: [UInt8](), metadata: metadata), descriptor: method,
                    serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
                ) { try $0.message }
            }
            return .passed
        } catch let error as RPCError {
            switch error.code {
            case .unauthenticated: return .unauthenticated
            case .permissionDenied: return .denied
            default: return .passed
            }
        }
    }
}
