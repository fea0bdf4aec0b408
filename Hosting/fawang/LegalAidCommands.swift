import ArgumentParser
import FawangCore
import FawangProtocols
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the legal aid line (法律援助). Enum values are the proto names in lower case
// without their prefix, e.g. --category labour_remuneration.

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Submit a legal aid application (flags, or --file with its JSON).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions

    @Option(name: .long, help: "JSON of fawang.legalaid.v1.SubmitApplicationRequest; flags override its fields.") var file: String?
    @Option(name: .long, help: "Idempotency key; a retry with the same key returns the same matter. Default: a new UUID.") var requestID: String?
    @Option(name: .long) var name: String?
    @Option(name: .long) var idNumber: String?
    @Option(name: .long) var phone: String?
    @Option(name: .long) var address: String?
    @Option(name: .long, help: "Division code, e.g. 640104.") var region: String?
    @Option(name: .long, help: "criminal_defense, labour_remuneration, maintenance, personal_injury, …") var category: String?
    @Option(name: .long, help: "document_drafting, criminal_defense_or_agency, litigation_agency, labour_arbitration_agency") var form: String?
    @Option(name: .long) var summary: String?
    @Option(name: .long) var opposingParty: String?
    @Option(name: .long) var householdSize: Int32?
    @Option(name: .long, help: "Monthly income per household member, yuan.") var income: Int64?
    @Option(name: .long, help: "Statement of economic hardship (Art. 41).") var hardship: String?
    @Option(name: .long, help: "information_sharing or personal_commitment") var verification: String?
    @Option(name: .long, help: "Art. 32 case, e.g. domestic_violence_victim") var hardshipExemption: String?
    @Option(name: .long, help: "Art. 42 case, e.g. migrant_worker_wages_or_injury") var verificationExemption: String?
    @Option(name: .long, help: "A material handed in (repeatable).") var material: [String] = []

    typealias Request = Fawang_Legalaid_V1_SubmitApplicationRequest

    func run() async throws {
        var request = Request()
        if let file {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            request = try Request(jsonString: text)
        }
        if let requestID { request.requestID = requestID }
        if request.requestID.isEmpty { request.requestID = UUID().uuidString.lowercased() }
        if !request.hasContext || request.context.channel == .unspecified { request.context = try handling.context }
        if let name { request.applicant.name = name }
        if let idNumber { request.applicant.idNumber = idNumber }
        if let phone { request.applicant.phone = phone }
        if let address { request.applicant.address = address }
        if let region { request.regionCode = region }
        if let category { request.caseCategory = try protoEnum(category, field: "case_category", prefix: "CASE_CATEGORY_", flag: "--category", in: Request.self) { $0.caseCategory } }
        if let form { request.serviceForm = try protoEnum(form, field: "service_form", prefix: "SERVICE_FORM_", flag: "--form", in: Request.self) { $0.serviceForm } }
        if let summary { request.caseSummary = summary }
        if let opposingParty { request.opposingParty = opposingParty }
        if let householdSize { request.hardship.householdSize = householdSize }
        if let income { request.hardship.monthlyIncomePerCapitaYuan = income }
        if let hardship { request.hardship.description_p = hardship }
        if let verification { request.hardship.verification = try protoEnum(verification, field: "verification", prefix: "HARDSHIP_VERIFICATION_", flag: "--verification", in: Fawang_Legalaid_V1_HardshipStatement.self) { $0.verification } }
        if let hardshipExemption { request.hardshipExemption = try protoEnum(hardshipExemption, field: "hardship_exemption", prefix: "HARDSHIP_EXEMPTION_", flag: "--hardship-exemption", in: Request.self) { $0.hardshipExemption } }
        if let verificationExemption { request.verificationExemption = try protoEnum(verificationExemption, field: "verification_exemption", prefix: "VERIFICATION_EXEMPTION_", flag: "--verification-exemption", in: Request.self) { $0.verificationExemption } }
        request.materials += material
        let finalRequest = request
        let response = try await client.withClient { client in
            try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(finalRequest)
        }
        try client.emit(response) {
            (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已提交。请告知申请人受理编号，查询进度时另需手机号后四位。\n") + Render.matter(response.matter)
        }
    }
}

/// Runs one staff action on a matter and prints the result.
func runAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Legalaid_V1_LegalAidService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Legalaid_V1_LegalAidService.Client(wrapping: $0) }, call)
}

struct RequestMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every missing material at once (Art. 43 para. 2); the decision clock waits.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A missing material (repeat for each).") var missing: [String] = []
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_RequestMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.missingMaterials = missing
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.requestMaterials(request) }
    }
}

struct SupplyMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record materials the applicant handed in; the decision clock resumes.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A material handed in (repeat for each).") var material: [String] = []
    @Option(name: .long, help: "Needed when no --operator is given (the applicant acting).") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_SupplyMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.materials = material
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.supplyMaterials(request) }
    }
}

struct Accept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Decide to grant legal aid (Art. 43): within 7 days of the application.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_ApproveRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.approve(request) }
    }
}

struct Refuse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Refuse legal aid, in writing with reasons (Art. 43).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_RefuseRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.refuse(request) }
    }
}

struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Assign an aid provider (Art. 43): within 3 days of the decision.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "Provider id, see `fawang providers --region`.") var provider: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_AssignRequest.with {
            $0.trackingNumber = trackingNumber
            $0.providerID = provider
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.assign(request) }
    }
}

struct Conclude: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Conclude the matter with the provider's report (Art. 50).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var outcome: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_ConcludeRequest.with {
            $0.trackingNumber = trackingNumber
            $0.outcomeSummary = outcome
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.conclude(request) }
    }
}

struct Rate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The applicant rates a concluded matter (1–5).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var phoneLast4: String
    @Option(name: .long) var score: Int32
    @Option(name: .long) var comment: String = ""

    func run() async throws {
        let request = Fawang_Legalaid_V1_RateRequest.with {
            $0.trackingNumber = trackingNumber
            $0.phoneLast4 = phoneLast4
            $0.score = score
            $0.comment = comment
            $0.context = (try? handling.context) ?? .init()
        }
        try await runAction(client) { try await $0.rate(request) }
    }
}

struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Legal aid providers serving a division's city.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long) var region: String

    func run() async throws {
        let region = self.region
        let response = try await client.withClient { client in
            try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).listProviders(.with { $0.regionCode = region })
        }
        try client.emit(response) {
            response.providers.map { "\($0.id)\t\($0.name)\t\($0.kind)\t\($0.organization)\t\($0.active ? "在岗" : "不在岗")" }.joined(separator: "\n")
        }
    }
}
