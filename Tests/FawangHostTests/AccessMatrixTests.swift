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

/// Every RPC method the host serves × every kind of caller, against a table written here by
/// hand — not derived from the code's policies, so a policy that drifts, or a new method without
/// a row, fails this test.
@Suite struct AccessMatrixTests {
    enum Outcome: String { case passed, denied, unauthenticated }

    enum Caller: String, CaseIterable {
        case anonymous, citizen, professional, staff, departmentAdmin, platformAdmin, service
        case expiredToken, forgedToken, revokedToken

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
    static let expected: [String: Set<Caller>] = [
        "grpc.health.v1.Health/Check": anyone,
        "grpc.health.v1.Health/List": anyone,
        "grpc.health.v1.Health/Watch": anyone,
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
        "fawang.deadline.v1.DeadlineService/ListAlerts": handlers,
        "fawang.deadline.v1.DeadlineService/WatchAlerts": handlers,
        "fawang.deadline.v1.DeadlineService/ListEscalations": handlers,
        "fawang.deadline.v1.DeadlineService/PauseClock": handlers,
        "fawang.deadline.v1.DeadlineService/ResumeClock": handlers,
        // The head's approval: department and platform admins only.
        "fawang.deadline.v1.DeadlineService/ExtendDeadline": [.departmentAdmin, .platformAdmin],
        "fawang.deadline.v1.DeadlineService/GetCalendar": anyone,
        "fawang.deadline.v1.DeadlineService/ComputeDueDate": anyone,
        "fawang.legalaid.v1.LegalAidService/SubmitApplication": anyone,
        "fawang.legalaid.v1.LegalAidService/SupplyMaterials": anyone,
        "fawang.legalaid.v1.LegalAidService/Rate": anyone,
        "fawang.legalaid.v1.LegalAidService/ListProviders": anyone,
        "fawang.legalaid.v1.LegalAidService/RequestMaterials": handlers,
        "fawang.legalaid.v1.LegalAidService/Approve": handlers,
        "fawang.legalaid.v1.LegalAidService/Refuse": handlers,
        "fawang.legalaid.v1.LegalAidService/Assign": handlers,
        "fawang.legalaid.v1.LegalAidService/Conclude": handlers.union([.professional]),
        "fawang.mediation.v1.MediationService/Apply": anyone,
        "fawang.mediation.v1.MediationService/Decline": anyone,
        "fawang.mediation.v1.MediationService/ListCommittees": anyone,
        "fawang.mediation.v1.MediationService/StartOnInitiative": handlers,
        "fawang.mediation.v1.MediationService/AssignCommittee": handlers,
        "fawang.mediation.v1.MediationService/AssignMediators": handlers,
        "fawang.mediation.v1.MediationService/RecordSession": handlers,
        "fawang.mediation.v1.MediationService/RecordAgreement": handlers,
        "fawang.mediation.v1.MediationService/RecordFailure": handlers,
        "fawang.mediation.v1.MediationService/RecordJudicialConfirmation": handlers,
        "fawang.petitions.v1.PetitionService/RequestReview": anyone,
        "fawang.petitions.v1.PetitionService/Submit": anyone,
        "fawang.petitions.v1.PetitionService/Accept": handlers,
        "fawang.petitions.v1.PetitionService/NotAccept": handlers,
        "fawang.petitions.v1.PetitionService/Refer": handlers,
        "fawang.petitions.v1.PetitionService/Answer": handlers,
        "fawang.petitions.v1.PetitionService/RecordReviewOpinion": handlers,
        // The gate lets handlers through; the handler then refuses staff of other departments, and
        // the matrix's staff and department admin belong to legal aid.
        "fawang.petitions.v1.PetitionService/GetStats": [.platformAdmin],
        "fawang.exam.v1.ExamService/ApplyCertificate": anyone,
        "fawang.exam.v1.ExamService/FileAppeal": anyone,
        "fawang.exam.v1.ExamService/LookupResult": anyone,
        "fawang.exam.v1.ExamService/SubmitRegistration": anyone,
        "fawang.exam.v1.ExamService/ConfirmRegistration": handlers,
        "fawang.exam.v1.ExamService/RefuseRegistration": handlers,
        "fawang.exam.v1.ExamService/SetPassLine": handlers,
        "fawang.exam.v1.ExamService/RecordResult": handlers,
        "fawang.exam.v1.ExamService/ApproveCertificate": handlers,
        "fawang.exam.v1.ExamService/RefuseCertificate": handlers,
        "fawang.exam.v1.ExamService/DecideAppeal": handlers,
        "fawang.consultation.v1.ConsultationService/RecordConsultation": anyone,
        "fawang.approval.v1.ApprovalService/ListLicensingItems": anyone,
        "fawang.approval.v1.ApprovalService/SubmitApplication": anyone,
        "fawang.approval.v1.ApprovalService/SupplyMaterials": anyone,
        "fawang.approval.v1.ApprovalService/RequestMaterials": handlers,
        "fawang.approval.v1.ApprovalService/Accept": handlers,
        "fawang.approval.v1.ApprovalService/NotAccept": handlers,
        "fawang.approval.v1.ApprovalService/SubmitToUpper": handlers,
        "fawang.approval.v1.ApprovalService/RecordHearing": handlers,
        "fawang.approval.v1.ApprovalService/Approve": handlers,
        "fawang.approval.v1.ApprovalService/Deny": handlers,
        "fawang.approval.v1.ApprovalService/IssueLicence": handlers,
        "fawang.lawyers.v1.LawyerService/GetLawyer": anyone,
        "fawang.lawyers.v1.LawyerService/SearchFirms": anyone,
        "fawang.lawyers.v1.LawyerService/SearchLawyers": anyone,
        "fawang.lawyers.v1.LawyerService/SubmitComplaint": anyone,
        "fawang.lawyers.v1.LawyerService/SubmitFirmApplication": anyone,
        "fawang.lawyers.v1.LawyerService/SubmitPracticeApplication": anyone,
        "fawang.lawyers.v1.LawyerService/Accept": handlers,
        "fawang.lawyers.v1.LawyerService/Forward": handlers,
        "fawang.lawyers.v1.LawyerService/Grant": handlers,
        "fawang.lawyers.v1.LawyerService/Refuse": handlers,
        "fawang.lawyers.v1.LawyerService/StartInvestigation": handlers,
        "fawang.lawyers.v1.LawyerService/DecideComplaint": handlers,
        "fawang.notarization.v1.NotarizationService/ListMatterKinds": anyone,
        "fawang.notarization.v1.NotarizationService/ListOffices": anyone,
        "fawang.notarization.v1.NotarizationService/RequestReview": anyone,
        "fawang.notarization.v1.NotarizationService/SubmitApplication": anyone,
        "fawang.notarization.v1.NotarizationService/SupplyMaterials": anyone,
        "fawang.notarization.v1.NotarizationService/Accept": handlers,
        "fawang.notarization.v1.NotarizationService/RequestMaterials": handlers,
        "fawang.notarization.v1.NotarizationService/IssueCertificate": handlers,
        "fawang.notarization.v1.NotarizationService/Refuse": handlers,
        "fawang.notarization.v1.NotarizationService/DecideReview": handlers,
        "fawang.appraisal.v1.AppraisalService/ListInstitutions": anyone,
        "fawang.appraisal.v1.AppraisalService/SubmitComplaint": anyone,
        "fawang.appraisal.v1.AppraisalService/SubmitEntrustment": anyone,
        "fawang.appraisal.v1.AppraisalService/SupplyMaterials": anyone,
        "fawang.appraisal.v1.AppraisalService/Accept": handlers,
        "fawang.appraisal.v1.AppraisalService/RefuseAcceptance": handlers,
        "fawang.appraisal.v1.AppraisalService/RequestMaterials": handlers,
        "fawang.appraisal.v1.AppraisalService/IssueOpinion": handlers,
        "fawang.appraisal.v1.AppraisalService/AcceptComplaint": handlers,
        "fawang.appraisal.v1.AppraisalService/RejectComplaint": handlers,
        "fawang.appraisal.v1.AppraisalService/ConcludeComplaint": handlers,
        "fawang.consultation.v1.ConsultationService/Answer": handlers,
        "fawang.consultation.v1.ConsultationService/Close": handlers,
    ]

    static var allMethods: [MethodDescriptor] {
        Grpc_Health_V1_Health.Method.descriptors + Fawang_Platform_V1_PlatformService.Method.descriptors
            + Fawang_Identity_V1_IdentityService.Method.descriptors + Fawang_Matter_V1_MatterService.Method.descriptors
            + Fawang_Deadline_V1_DeadlineService.Method.descriptors + Fawang_Legalaid_V1_LegalAidService.Method.descriptors
            + Fawang_Mediation_V1_MediationService.Method.descriptors + Fawang_Petitions_V1_PetitionService.Method.descriptors
            + Fawang_Exam_V1_ExamService.Method.descriptors + Fawang_Consultation_V1_ConsultationService.Method.descriptors
            + Fawang_Notarization_V1_NotarizationService.Method.descriptors + Fawang_Appraisal_V1_AppraisalService.Method.descriptors
            + Fawang_Approval_V1_ApprovalService.Method.descriptors + Fawang_Lawyers_V1_LawyerService.Method.descriptors
    }

    @Test func everyServedMethodHasARow() {
        #expect(Set(Self.allMethods.map(\.fullyQualifiedMethod)) == Set(Self.expected.keys))
        var policies = PlatformAccessPolicies.all
        for plugin in PluginCatalog.all { policies.merge(plugin.accessPolicies) { a, _ in a } }
        #expect(Set(policies.keys) == Set(Self.expected.keys))
    }

    @Test func startUpRefusesAMethodWithoutAPolicy() async throws {
        struct Unguarded: DepartmentPlugin {
            let inner = PluginCatalog.all[0]
            var manifest: ModuleManifest { inner.manifest }
            var serviceNames: [String] { inner.serviceNames }
            var migrations: [StorageMigration] { inner.migrations }
            // One policy removed.
            var accessPolicies: [String: AccessPolicy] {
                inner.accessPolicies.filter { $0.key != Fawang_Legalaid_V1_LegalAidService.Method.Approve.descriptor.fullyQualifiedMethod }
            }
            func makeServices(context: PluginContext) -> [any RegistrableRPCService] { inner.makeServices(context: context) }
        }
        do {
            try await TestPlatform.with(plugins: [Unguarded()]) { _ in }
            Issue.record("a host with an unguarded method started")
        } catch let error as FawangError {
            #expect(error.message.contains("no access policy for fawang.legalaid.v1.LegalAidService/Approve"))
        }
    }

    @Test func everyMethodForEveryCaller() async throws {
        try await TestPlatform.with(extraConfig: "limits.public.burst: 10000\nlimits.public.calls_per_minute: 100000\n", plugins: PluginCatalog.all) { platform in
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
            var mismatches: [String] = []
            for caller in Caller.allCases {
                try await platform.withClient { client in
                    for method in methods {
                        let outcome = try await Self.call(method, on: client, token: tokens[caller])
                        let expected: Outcome = switch caller {
                        case .expiredToken, .forgedToken, .revokedToken: .unauthenticated
                        case _ where Self.expected[method.fullyQualifiedMethod]!.contains(caller): .passed
                        case .anonymous: .unauthenticated
                        default: .denied
                        }
                        if outcome != expected {
                            mismatches.append("\(method.fullyQualifiedMethod) as \(caller): \(outcome), expected \(expected)")
                        }
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        }
    }

    /// Calls `method` with an empty request: whatever the handler makes of it, the status says
    /// whether the gate let the call through.
    static func call(_ method: MethodDescriptor, on client: GRPCClient<HTTP2ClientTransport.Posix>, token: String?) async throws -> Outcome {
        let metadata: Metadata = token.map { ["authorization": "Bearer \($0)"] } ?? [:]
        do {
            if [Grpc_Health_V1_Health.Method.Watch.descriptor, Fawang_Deadline_V1_DeadlineService.Method.WatchAlerts.descriptor].contains(method) {
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
