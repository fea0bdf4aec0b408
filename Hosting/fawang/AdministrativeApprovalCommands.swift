import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the administrative approval line (行政审批, 行政许可法). Enum values are the
// proto names in lower case without their prefix, e.g. --item law_firm_establishment.
// Extensions (Art. 42) and hearing/testing pauses (Art. 45) go through the platform's
// DeadlineService (ExtendDeadline, PauseClock, ResumeClock).

struct AdministrativeApprovalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-approval",
        abstract: "行政审批: licence applications under the Administrative Licensing Law.",
        subcommands: [
            ApprovalSubmit.self, ApprovalRequestMaterials.self, ApprovalSupplyMaterials.self, ApprovalAccept.self,
            ApprovalNotAccept.self, ApprovalSubmitToUpper.self, ApprovalHearing.self, ApprovalApprove.self, ApprovalDeny.self,
            ApprovalIssueLicence.self, ApprovalItems.self,
        ])
}

/// Runs one staff action on a matter and prints the result.
private func approvalAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Approval_V1_ApprovalService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Approval_V1_ApprovalService.Client(wrapping: $0) }, call)
}

struct ApprovalSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Receive a licence application (flags, or --file with its JSON).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long, help: "JSON of fawang.approval.v1.SubmitApplicationRequest; flags override its fields.") var file: String?
    @Option(name: .long, help: "Idempotency key. Default: a new UUID.") var requestID: String?
    @Option(name: .long) var name: String?
    @Option(name: .long) var idNumber: String?
    @Option(name: .long) var phone: String?
    @Option(name: .long, help: "law_firm_establishment, notary_office_establishment, judicial_appraisal_institution_registration, grassroots_legal_service_worker_practice") var item: String?
    @Option(name: .long, help: "Name of the firm / office / institution.") var organization: String?
    @Option(name: .long, help: "Division of the bureau applied to: city (law firm, notary), 640000 (appraisal), county (grassroots).") var region: String?
    @Option(name: .long) var summary: String?
    @Option(name: .long, help: "A material handed in (repeatable).") var material: [String] = []

    typealias Request = Fawang_Approval_V1_SubmitApplicationRequest

    func run() async throws {
        var request = Request()
        if let file { request = try Request(jsonString: try String(contentsOfFile: file, encoding: .utf8)) }
        if let requestID { request.requestID = requestID }
        if request.requestID.isEmpty { request.requestID = UUID().uuidString.lowercased() }
        if !request.hasContext || request.context.channel == .unspecified { request.context = try handling.context }
        if let name { request.applicant.name = name }
        if let idNumber { request.applicant.idNumber = idNumber }
        if let phone { request.applicant.phone = phone }
        if let item { request.item = try protoEnum(item, field: "item", prefix: "LICENSING_ITEM_", flag: "--item", in: Request.self) { $0.item } }
        if let organization { request.organizationName = organization }
        if let region { request.regionCode = region }
        if let summary { request.summary = summary }
        request.materials += material
        let finalRequest = request
        let response = try await client.withClient { client in
            try await Fawang_Approval_V1_ApprovalService.Client(wrapping: client).submitApplication(finalRequest)
        }
        try client.emit(response) {
            (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已收到申请材料，五日内作出受理决定或一次告知补正内容（行政许可法第三十二条）。\n") + Render.matter(response.matter)
        }
    }
}

struct ApprovalRequestMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "request-materials", abstract: "Tell every correction at once, within 5 days of receipt (Art. 32(4)).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A missing or defective material (repeat for each).") var missing: [String] = []
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Approval_V1_RequestMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.missingMaterials = missing
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.requestMaterials(request) }
    }
}

struct ApprovalSupplyMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "supply-materials", abstract: "Record the corrections the applicant handed in.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A material handed in (repeat for each).") var material: [String] = []
    @Option(name: .long, help: "Needed when the applicant acts (no --operator).") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Approval_V1_SupplyMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.materials = material
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.supplyMaterials(request) }
    }
}

struct ApprovalAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept (Art. 32(5)); two-level items go to this bureau's review first (Art. 43).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Approval_V1_AcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.accept(request) }
    }
}

struct ApprovalNotAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "not-accept", abstract: "Decide not to accept, in writing with reasons (Art. 32).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "no_licence_required, outside_competence, corrections_not_supplied") var ground: String
    @Option(name: .long) var reasons: String = ""
    @Option(name: .long, help: "Where to apply instead (outside_competence).") var competentAuthority: String = ""

    func run() async throws {
        let ground = try protoEnum(self.ground, field: "ground", prefix: "NON_ACCEPTANCE_GROUND_", flag: "--ground", in: Fawang_Approval_V1_NotAcceptRequest.self) { $0.ground }
        let request = Fawang_Approval_V1_NotAcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.ground = ground
            $0.reasons = reasons
            $0.competentAuthority = competentAuthority
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.notAccept(request) }
    }
}

struct ApprovalSubmitToUpper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit-to-upper", abstract: "Complete this bureau's review and report it upward, within 20 days (Art. 43).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var opinion: String = ""
    @Flag(name: .long, help: "Recommend approval (default: recommend denial).") var recommendApproval = false

    func run() async throws {
        let request = Fawang_Approval_V1_SubmitToUpperRequest.with {
            $0.trackingNumber = trackingNumber
            $0.opinion = opinion
            $0.recommendApproval = recommendApproval
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.submitToUpper(request) }
    }
}

struct ApprovalHearing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hearing", abstract: "Record a hearing step (Arts. 47, 48): rights_notified, requested, held.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "rights_notified, requested, held") var step: String
    @Option(name: .long, help: "For held: the transcript's summary.") var note: String = ""

    func run() async throws {
        let step = try protoEnum(self.step, field: "step", prefix: "HEARING_STEP_", flag: "--step", in: Fawang_Approval_V1_RecordHearingRequest.self) { $0.step }
        let request = Fawang_Approval_V1_RecordHearingRequest.with {
            $0.trackingNumber = trackingNumber
            $0.step = step
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.recordHearing(request) }
    }
}

struct ApprovalApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Grant the licence (Arts. 38, 42); a licence number is issued.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Approval_V1_ApproveRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.approve(request) }
    }
}

struct ApprovalDeny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deny", abstract: "Refuse the licence in writing, with reasons and remedies (Art. 38 para. 2).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String = ""
    @Option(name: .long) var reconsiderationOrgan: String = ""
    @Option(name: .long) var court: String = ""

    func run() async throws {
        let request = Fawang_Approval_V1_DenyRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.reconsiderationOrgan = reconsiderationOrgan
            $0.court = court
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.deny(request) }
    }
}

struct ApprovalIssueLicence: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue-licence", abstract: "Issue and serve the certificate, within 10 days of approval (Art. 44).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "How it was served, e.g. 窗口领取 or 邮寄.") var delivery: String = ""

    func run() async throws {
        let request = Fawang_Approval_V1_IssueLicenceRequest.with {
            $0.trackingNumber = trackingNumber
            $0.delivery = delivery
            $0.context = (try? handling.context) ?? .init()
        }
        try await approvalAction(client) { try await $0.issueLicence(request) }
    }
}

struct ApprovalItems: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "items", abstract: "The licensing items, their materials and levels.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let response = try await client.withClient { client in
            try await Fawang_Approval_V1_ApprovalService.Client(wrapping: client).listLicensingItems(.init())
        }
        try client.emit(response) {
            response.items.map { item in
                "\(item.name)\t受理：\(item.acceptingLevel)\t决定：\(item.decidingLevel)\(item.twoLevel ? "（两级审查）" : "")\n  依据：\(item.basis)\n  材料：\(item.requiredMaterials.joined(separator: "、"))"
            }.joined(separator: "\n")
        }
    }
}
