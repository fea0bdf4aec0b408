import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the judicial appraisal line (司法鉴定). Enum values are the proto names in
// lower case without their prefix, e.g. --category forensic_medicine, --entruster court.
// The time limits come from 司法鉴定程序通则 (not in the corpus; articles to be confirmed).

struct JudicialAppraisalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judicial-appraisal",
        abstract: "Judicial appraisal (司法鉴定): register, entrustments (accept in 7 / complete in 30 working days), complaints.",
        subcommands: [
            JudicialAppraisalInstitutions.self, JudicialAppraisalEntrust.self, JudicialAppraisalAccept.self,
            JudicialAppraisalRefuse.self, JudicialAppraisalRequestMaterials.self, JudicialAppraisalSupplyMaterials.self,
            JudicialAppraisalIssueOpinion.self, JudicialAppraisalComplain.self, JudicialAppraisalAcceptComplaint.self,
            JudicialAppraisalRejectComplaint.self, JudicialAppraisalConcludeComplaint.self,
        ])
}

/// Runs one staff action on a judicial appraisal matter and prints the result.
private func runAppraisalAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Appraisal_V1_AppraisalService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Appraisal_V1_AppraisalService.Client(wrapping: $0) }, call)
}

struct JudicialAppraisalInstitutions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "institutions", abstract: "The register: institutions, their categories and appraisers.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "Division code (and below), e.g. 640100; default: all.") var region: String = ""
    @Option(name: .long, help: "forensic_medicine, physical_evidence, audio_visual_electronic, environmental_damage") var category: String?

    func run() async throws {
        var request = Fawang_Appraisal_V1_ListInstitutionsRequest()
        request.regionCode = region
        if let category {
            request.category = try protoEnum(category, field: "category", prefix: "APPRAISAL_CATEGORY_", flag: "--category", in: Fawang_Appraisal_V1_ListInstitutionsRequest.self) { $0.category }
        }
        let finalRequest = request
        let response = try await client.withClient { client in
            try await Fawang_Appraisal_V1_AppraisalService.Client(wrapping: client).listInstitutions(finalRequest)
        }
        try client.emit(response) {
            response.institutions.map { institution in
                (["\(institution.id)\t\(institution.name)\t\(institution.regionCode)\t\(institution.categories.map { String(describing: $0) }.joined(separator: ","))\t\(institution.active ? "执业" : "暂停执业")"]
                    + institution.appraisers.map { "  \($0.id)\t\($0.name)\t\($0.categories.map { String(describing: $0) }.joined(separator: ","))\t\($0.active ? "执业" : "暂停执业")" })
                    .joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }
}

struct JudicialAppraisalEntrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "entrust", abstract: "Record an entrustment (flags, or --file with its JSON).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions

    @Option(name: .long, help: "JSON of fawang.appraisal.v1.SubmitEntrustmentRequest; flags override its fields.") var file: String?
    @Option(name: .long, help: "Idempotency key. Default: a new UUID.") var requestID: String?
    @Option(name: .long, help: "court, procuratorate, public_security, party") var entruster: String?
    @Option(name: .long, help: "The court / procuratorate / police organ.") var organization: String?
    @Option(name: .long) var caseNumber: String?
    @Option(name: .long, help: "Contact (official or party) name.") var name: String?
    @Option(name: .long, help: "Party's identity number.") var idNumber: String?
    @Option(name: .long) var phone: String?
    @Option(name: .long, help: "Institution id, see `fawang judicial-appraisal institutions`.") var institution: String?
    @Option(name: .long, help: "forensic_medicine, physical_evidence, audio_visual_electronic, environmental_damage") var category: String?
    @Option(name: .long, help: "鉴定事项") var matters: String?
    @Option(name: .long, help: "鉴定用途") var purpose: String?
    @Option(name: .long) var summary: String?
    @Option(name: .long, help: "A material handed over (repeatable).") var material: [String] = []

    typealias Request = Fawang_Appraisal_V1_SubmitEntrustmentRequest

    func run() async throws {
        var request = Request()
        if let file { request = try Request(jsonString: try String(contentsOfFile: file, encoding: .utf8)) }
        if let requestID { request.requestID = requestID }
        if request.requestID.isEmpty { request.requestID = UUID().uuidString.lowercased() }
        if !request.hasContext || request.context.channel == .unspecified { request.context = try handling.context }
        if let entruster {
            request.entruster.type = try protoEnum(entruster, field: "type", prefix: "ENTRUSTER_TYPE_", flag: "--entruster", in: Fawang_Appraisal_V1_Entruster.self) { $0.type }
        }
        if let organization { request.entruster.organization = organization }
        if let caseNumber { request.entruster.caseNumber = caseNumber }
        if let name { request.entruster.contact.name = name }
        if let idNumber { request.entruster.contact.idNumber = idNumber }
        if let phone { request.entruster.contact.phone = phone }
        if let institution { request.institutionID = institution }
        if let category {
            request.category = try protoEnum(category, field: "category", prefix: "APPRAISAL_CATEGORY_", flag: "--category", in: Request.self) { $0.category }
        }
        if let matters { request.appraisalMatters = matters }
        if let purpose { request.purpose = purpose }
        if let summary { request.caseSummary = summary }
        request.materials += material
        let finalRequest = request
        let response = try await client.withClient { client in
            try await Fawang_Appraisal_V1_AppraisalService.Client(wrapping: client).submitEntrustment(finalRequest)
        }
        try client.emit(response) {
            (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已登记鉴定委托。\n") + Render.matter(response.matter)
        }
    }
}

struct JudicialAppraisalAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept", abstract: "Accept the entrustment and assign appraisers licensed for its category (at least two by default).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "Appraiser id (repeat for each).") var appraiser: [String] = []
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Appraisal_V1_AcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.appraiserIds = appraiser
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.accept(request) }
    }
}

struct JudicialAppraisalRefuse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refuse", abstract: "Do not accept the entrustment, with grounds and reasons.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "out_of_scope, defective_materials, unlawful_purpose, nonconforming_requirements, beyond_capability, duplicate_entrustment, other (repeatable)") var ground: [String] = []
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let grounds = try ground.map { text in
            guard let parsed = try? Fawang_Appraisal_V1_RefuseAcceptanceRequest(jsonString: "{\"grounds\": [\"NON_ACCEPTANCE_GROUND_\(text.uppercased())\"]}"),
                let value = parsed.grounds.first
            else { throw ValidationError("--ground: unknown value \(text)") }
            return value
        }
        let request = Fawang_Appraisal_V1_RefuseAcceptanceRequest.with {
            $0.trackingNumber = trackingNumber
            $0.grounds = grounds
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.refuseAcceptance(request) }
    }
}

struct JudicialAppraisalRequestMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request-materials", abstract: "Ask for supplementary or re-extracted materials; the completion clock stops.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "supplement or re_extract") var kind: String = "supplement"
    @Option(name: .long, help: "A missing material (repeat for each).") var missing: [String] = []
    @Option(name: .long) var note: String = ""

    typealias Request = Fawang_Appraisal_V1_RequestMaterialsRequest

    func run() async throws {
        let kind = try protoEnum(self.kind, field: "kind", prefix: "MATERIALS_REQUEST_KIND_", flag: "--kind", in: Request.self) { $0.kind }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.kind = kind
            $0.missingMaterials = missing
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.requestMaterials(request) }
    }
}

struct JudicialAppraisalSupplyMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "supply-materials", abstract: "Record materials supplied; the completion clock resumes.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A material handed in (repeat for each).") var material: [String] = []
    @Option(name: .long, help: "Needed when no --operator is given (the entruster acting).") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Appraisal_V1_SupplyMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.materials = material
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.supplyMaterials(request) }
    }
}

struct JudicialAppraisalIssueOpinion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue-opinion", abstract: "Issue the appraisal opinion (鉴定意见书).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var number: String = ""
    @Option(name: .long) var summary: String = ""

    func run() async throws {
        let request = Fawang_Appraisal_V1_IssueOpinionRequest.with {
            $0.trackingNumber = trackingNumber
            $0.opinionNumber = number
            $0.opinionSummary = summary
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.issueOpinion(request) }
    }
}

struct JudicialAppraisalComplain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "complain", abstract: "Record a complaint against an appraiser.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long) var name: String = ""
    @Option(name: .long) var idNumber: String = ""
    @Option(name: .long) var phone: String = ""
    @Option(name: .long, help: "The appraiser complained about.") var appraiser: String = ""
    @Option(name: .long, help: "Tracking number of the appraisal concerned, if any.") var entrustment: String = ""
    @Option(name: .long) var facts: String = ""
    @Option(name: .long, help: "A material handed in (repeatable).") var material: [String] = []

    func run() async throws {
        let request = try Fawang_Appraisal_V1_SubmitComplaintRequest.with {
            $0.requestID = UUID().uuidString.lowercased()
            $0.context = try handling.context
            $0.complainant = .with {
                $0.name = name
                $0.idNumber = idNumber
                $0.phone = phone
            }
            $0.appraiserID = appraiser
            $0.entrustmentTrackingNumber = entrustment
            $0.facts = facts
            $0.materials = material
        }
        let response = try await client.withClient { client in
            try await Fawang_Appraisal_V1_AppraisalService.Client(wrapping: client).submitComplaint(request)
        }
        try client.emit(response) { "已登记投诉。\n" + Render.matter(response.matter) }
    }
}

struct JudicialAppraisalAcceptComplaint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept-complaint", abstract: "Accept a complaint for investigation.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Appraisal_V1_AcceptComplaintRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.acceptComplaint(request) }
    }
}

struct JudicialAppraisalRejectComplaint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject-complaint", abstract: "Do not accept a complaint, with reasons.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let request = Fawang_Appraisal_V1_RejectComplaintRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.rejectComplaint(request) }
    }
}

struct JudicialAppraisalConcludeComplaint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conclude-complaint", abstract: "Decide a complaint: its outcome and findings.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "unfounded, correction_ordered, admonished, penalty_referred") var outcome: String
    @Option(name: .long) var findings: String = ""

    typealias Request = Fawang_Appraisal_V1_ConcludeComplaintRequest

    func run() async throws {
        let outcome = try protoEnum(self.outcome, field: "outcome", prefix: "COMPLAINT_OUTCOME_", flag: "--outcome", in: Request.self) { $0.outcome }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.outcome = outcome
            $0.findings = findings
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAppraisalAction(client) { try await $0.concludeComplaint(request) }
    }
}
