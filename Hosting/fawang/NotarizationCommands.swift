import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the notarization line (公证), under 公证法. Enum values are the proto names in
// lower case without their prefix, e.g. --kind education, --ground disputed, --outcome corrected.

struct NotarizationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notarization",
        abstract: "Notarization (公证): applications, acceptance, certificates within 15 working days (公证法 第三十条).",
        subcommands: [
            NotarizationKinds.self, NotarizationOffices.self, NotarizationApply.self, NotarizationAccept.self,
            NotarizationRequestMaterials.self, NotarizationSupplyMaterials.self, NotarizationIssue.self,
            NotarizationRefuse.self, NotarizationRequestReview.self, NotarizationDecideReview.self,
        ])
}

/// Runs one staff action on a notarization matter and prints the result.
private func runNotarizationAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Notarization_V1_NotarizationService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Notarization_V1_NotarizationService.Client(wrapping: $0) }, call)
}

struct NotarizationKinds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinds", abstract: "Notarial matters (Art. 11) with their required materials and the fee schedule (Art. 34).")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let response = try await client.withClient { client in
            try await Fawang_Notarization_V1_NotarizationService.Client(wrapping: client).listMatterKinds(.init())
        }
        try client.emit(response) {
            response.kinds.map { kind in
                // The flag spelling: the proto name without its prefix, in lower case (no_criminal_record).
                let name = String(describing: kind.kind).reduce(into: "") { $0 += $1.isUppercase ? "_" + $1.lowercased() : String($1) }
                return "\(name)\t\(kind.name)\t\(kind.feeYuan)元\t\(kind.inPersonOnly ? "须本人办理\t" : "")材料：\(kind.requiredMaterials.joined(separator: "、"))"
            }.joined(separator: "\n") + "\n" + (response.kinds.first?.feeBasis ?? "")
        }
    }
}

struct NotarizationOffices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "offices", abstract: "Notary offices serving a division's city (Art. 25).")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "Division code, e.g. 640104.") var region: String

    func run() async throws {
        let region = self.region
        let response = try await client.withClient { client in
            try await Fawang_Notarization_V1_NotarizationService.Client(wrapping: client).listOffices(.with { $0.regionCode = region })
        }
        try client.emit(response) {
            response.offices.map { "\($0.id)\t\($0.name)\t\($0.regionCode)\t\($0.active ? "执业" : "暂停执业")" }.joined(separator: "\n")
        }
    }
}

struct NotarizationApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Submit a notarization application (flags, or --file with its JSON).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions

    @Option(name: .long, help: "JSON of fawang.notarization.v1.SubmitApplicationRequest; flags override its fields.") var file: String?
    @Option(name: .long, help: "Idempotency key; a retry with the same key returns the same matter. Default: a new UUID.") var requestID: String?
    @Option(name: .long) var name: String?
    @Option(name: .long) var idNumber: String?
    @Option(name: .long) var phone: String?
    @Option(name: .long) var address: String?
    @Option(name: .long, help: "Place of application (division code), e.g. 640104.") var region: String?
    @Option(name: .long, help: "domicile, habitual_residence, place_of_act, place_of_fact, immovable_location (Art. 25)") var placeBasis: String?
    @Option(name: .long, help: "birth, kinship, education, degree, no_criminal_record, marital_status, contract, inheritance, power_of_attorney, declaration, gift, will, copy_conformity") var kind: String?
    @Flag(name: .long, help: "The matter involves immovable property (Art. 25 para. 2).") var immovable = false
    @Option(name: .long, help: "What the certificate is for, e.g. 出国留学.") var purpose: String?
    @Option(name: .long) var summary: String?
    @Option(name: .long, help: "A material handed in (repeatable); see `fawang notarization kinds`.") var material: [String] = []
    @Flag(name: .long, help: "The applicant meets the legal aid conditions (Art. 34 para. 2).") var legalAidEligible = false

    typealias Request = Fawang_Notarization_V1_SubmitApplicationRequest

    func run() async throws {
        var request = Request()
        if let file {
            request = try Request(jsonString: try String(contentsOfFile: file, encoding: .utf8))
        }
        if let requestID { request.requestID = requestID }
        if request.requestID.isEmpty { request.requestID = UUID().uuidString.lowercased() }
        if !request.hasContext || request.context.channel == .unspecified { request.context = try handling.context }
        if let name { request.applicant.name = name }
        if let idNumber { request.applicant.idNumber = idNumber }
        if let phone { request.applicant.phone = phone }
        if let address { request.applicant.address = address }
        if let region { request.regionCode = region }
        if let placeBasis { request.placeBasis = try protoEnum(placeBasis, field: "place_basis", prefix: "PLACE_BASIS_", flag: "--place-basis", in: Request.self) { $0.placeBasis } }
        if let kind { request.matterKind = try protoEnum(kind, field: "matter_kind", prefix: "NOTARIAL_MATTER_KIND_", flag: "--kind", in: Request.self) { $0.matterKind } }
        if immovable { request.involvesImmovable = true }
        if let purpose { request.purpose = purpose }
        if let summary { request.description_p = summary }
        if legalAidEligible { request.legalAidEligible = true }
        request.materials += material
        let finalRequest = request
        let response = try await client.withClient { client in
            try await Fawang_Notarization_V1_NotarizationService.Client(wrapping: client).submitApplication(finalRequest)
        }
        try client.emit(response) {
            (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已提交。请告知申请人受理编号，查询进度时另需手机号后四位。\n") + Render.matter(response.matter)
        }
    }
}

struct NotarizationAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept", abstract: "Accept at a notary office of the place (Art. 25), recording the legal notice (Art. 27); the 15-working-day clock starts.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "Office id, see `fawang notarization offices --region`.") var office: String = ""
    @Option(name: .long) var notary: String = ""
    @Option(name: .long, help: "What the applicant was told of the legal meaning and consequences.") var notice: String = ""
    @Flag(name: .long, help: "Waive the fee (legal-aid-eligible applicant, Art. 34 para. 2).") var waiveFee = false

    func run() async throws {
        let request = Fawang_Notarization_V1_AcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.officeID = office
            $0.notaryName = notary
            $0.legalNotice = notice
            $0.waiveFee = waiveFee
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.accept(request) }
    }
}

struct NotarizationRequestMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request-materials", abstract: "Require supplementary proof (Art. 27); the certificate clock stops (Art. 30).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A missing material (repeat for each).") var missing: [String] = []
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Notarization_V1_RequestMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.missingMaterials = missing
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.requestMaterials(request) }
    }
}

struct NotarizationSupplyMaterials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supply-materials", abstract: "Record supplementary proof handed in; the certificate clock resumes.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "A material handed in (repeat for each).") var material: [String] = []
    @Option(name: .long, help: "Needed when no --operator is given (the applicant acting).") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Notarization_V1_SupplyMaterialsRequest.with {
            $0.trackingNumber = trackingNumber
            $0.materials = material
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.supplyMaterials(request) }
    }
}

struct NotarizationIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue", abstract: "Issue the notarial certificate (Art. 30); the office's next certificate number is assigned.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Notarization_V1_IssueCertificateRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.issueCertificate(request) }
    }
}

struct NotarizationRefuse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refuse", abstract: "Refuse to notarise on Art. 31 grounds, with reasons.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "incapacitated_without_guardian, no_interest, technical_appraisal, disputed, false_materials, insufficient_materials, untrue_or_unlawful, against_social_morality, fee_not_paid (repeatable)") var ground: [String] = []
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let grounds = try ground.map { text in
            guard let parsed = try? Fawang_Notarization_V1_RefuseRequest(jsonString: "{\"grounds\": [\"REFUSAL_GROUND_\(text.uppercased())\"]}"),
                let value = parsed.grounds.first
            else { throw ValidationError("--ground: unknown value \(text)") }
            return value
        }
        let request = Fawang_Notarization_V1_RefuseRequest.with {
            $0.trackingNumber = trackingNumber
            $0.grounds = grounds
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.refuse(request) }
    }
}

struct NotarizationRequestReview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request-review", abstract: "A party or interested person asks the issuing office to review the certificate (Art. 39).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String = ""
    @Option(name: .long, help: "Needed when no --operator is given (the applicant acting).") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Notarization_V1_RequestReviewRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.requestReview(request) }
    }
}

struct NotarizationDecideReview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide-review", abstract: "Decide a review: upheld, corrected, or revoked (void ab initio, announced) (Art. 39).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "upheld, corrected, revoked") var outcome: String
    @Option(name: .long) var explanation: String = ""

    typealias Request = Fawang_Notarization_V1_DecideReviewRequest

    func run() async throws {
        let outcome = try protoEnum(self.outcome, field: "outcome", prefix: "REVIEW_OUTCOME_", flag: "--outcome", in: Request.self) { $0.outcome }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.outcome = outcome
            $0.explanation = explanation
            $0.context = (try? handling.context) ?? .init()
        }
        try await runNotarizationAction(client) { try await $0.decideReview(request) }
    }
}
