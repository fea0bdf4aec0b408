import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the lawyers line (律师管理, 律师法). Enum values are the proto names in lower
// case without their prefix, e.g. --ground criminal_punishment.

struct LawyersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lawyers",
        abstract: "律师管理: practice licences, law firms, complaints and the public register.",
        subcommands: [
            LawyersApplyPractice.self, LawyersApplyFirm.self, LawyersAccept.self, LawyersForward.self, LawyersGrant.self,
            LawyersRefuse.self, LawyersComplain.self, LawyersInvestigate.self, LawyersDecideComplaint.self,
            LawyersSearch.self, LawyersShow.self, LawyersFirms.self,
        ])
}

private typealias LawyerClient = Fawang_Lawyers_V1_LawyerService.Client<HTTP2ClientTransport.Posix>

private func lawyersAction(_ client: ClientOptions, _ call: @escaping @Sendable (LawyerClient) async throws -> Fawang_Matter_V1_Matter) async throws {
    try await runMatterAction(client, { Fawang_Lawyers_V1_LawyerService.Client(wrapping: $0) }, call)
}

private func lawyersSubmitted(_ client: ClientOptions, _ call: @escaping @Sendable (LawyerClient) async throws -> Fawang_Lawyers_V1_SubmitResponse) async throws {
    let response = try await client.withClient { grpc in try await call(Fawang_Lawyers_V1_LawyerService.Client(wrapping: grpc)) }
    try client.emit(response) { (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已提交。\n") + Render.matter(response.matter) }
}

private func renderLawyer(_ lawyer: Fawang_Lawyers_V1_Lawyer) -> String {
    var line = "\(lawyer.licenceNumber)\t\(lawyer.name)\t\(lawyer.firmName)\t\(lawyer.regionName)\t\(lawyer.statusLabel)"
    if !lawyer.suspendedUntil.isEmpty { line += "（至\(lawyer.suspendedUntil)）" }
    line += "\t\(lawyer.specialties.joined(separator: "、"))"
    return ([line] + lawyer.discipline.map { "  处罚 \($0.decidedOn) \($0.article)：\($0.penalty)" }).joined(separator: "\n")
}

struct LawyersApplyPractice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply-practice", abstract: "Receive a practice licence application at the city bureau (Arts. 5, 6).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long) var requestID: String?
    @Option(name: .long) var name: String
    @Option(name: .long) var idNumber: String
    @Option(name: .long) var phone: String
    @Option(name: .long, help: "City bureau division, e.g. 640100.") var region: String
    @Option(name: .long, help: "Legal profession qualification certificate number.") var qualification: String
    @Option(name: .long, help: "Months of internship at a law firm (Art. 5: at least 12).") var internshipMonths: Int32
    @Option(name: .long, help: "Receiving firm's licence number.") var firm: String
    @Flag(name: .long) var partTime = false
    @Option(name: .long) var specialty: [String] = []
    @Option(name: .long) var material: [String] = []

    func run() async throws {
        let request = Fawang_Lawyers_V1_SubmitPracticeApplicationRequest.with {
            $0.requestID = requestID ?? UUID().uuidString.lowercased()
            $0.context = (try? handling.context) ?? .init()
            $0.applicant.name = name
            $0.applicant.idNumber = idNumber
            $0.applicant.phone = phone
            $0.regionCode = region
            $0.qualificationCertificateNumber = qualification
            $0.internshipMonths = internshipMonths
            $0.firmLicenceNumber = firm
            $0.partTime = partTime
            $0.specialties = specialty
            $0.materials = material
        }
        try await lawyersSubmitted(client) { try await $0.submitPracticeApplication(request) }
    }
}

struct LawyersApplyFirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply-firm", abstract: "Receive a law firm establishment application (Arts. 14–16, 18).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long) var requestID: String?
    @Option(name: .long) var name: String
    @Option(name: .long) var idNumber: String
    @Option(name: .long) var phone: String
    @Option(name: .long) var region: String
    @Option(name: .long) var firmName: String
    @Option(name: .long) var address: String
    @Option(name: .long, help: "partnership or sole") var kind: String
    @Option(name: .long, help: "A founder's licence number (repeatable).") var founder: [String] = []
    @Option(name: .long) var assetsYuan: Int64
    @Option(name: .long) var firmPhone: String = ""
    @Option(name: .long) var material: [String] = []

    func run() async throws {
        let kind = try protoEnum(self.kind, field: "kind", prefix: "FIRM_KIND_", flag: "--kind", in: Fawang_Lawyers_V1_SubmitFirmApplicationRequest.self) { $0.kind }
        let request = Fawang_Lawyers_V1_SubmitFirmApplicationRequest.with {
            $0.requestID = requestID ?? UUID().uuidString.lowercased()
            $0.context = (try? handling.context) ?? .init()
            $0.applicant.name = name
            $0.applicant.idNumber = idNumber
            $0.applicant.phone = phone
            $0.regionCode = region
            $0.firmName = firmName
            $0.address = address
            $0.kind = kind
            $0.founderLicenceNumbers = founder
            $0.assetsYuan = assetsYuan
            $0.phone = firmPhone
            $0.materials = material
        }
        try await lawyersSubmitted(client) { try await $0.submitFirmApplication(request) }
    }
}

struct LawyersAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "City bureau accepts; its 20-day review starts (Arts. 6, 18).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Lawyers_V1_AcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await lawyersAction(client) { try await $0.accept(request) }
    }
}

struct LawyersForward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward", abstract: "Forward the review opinion and all materials to the province (Arts. 6, 18).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var opinion: String = ""
    @Flag(name: .long) var recommendGrant = false

    func run() async throws {
        let request = Fawang_Lawyers_V1_ForwardRequest.with {
            $0.trackingNumber = trackingNumber
            $0.opinion = opinion
            $0.recommendGrant = recommendGrant
            $0.context = (try? handling.context) ?? .init()
        }
        try await lawyersAction(client) { try await $0.forward(request) }
    }
}

struct LawyersGrant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Province grants within 10 days; licence issued, register updated.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Lawyers_V1_GrantRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await lawyersAction(client) { try await $0.grant(request) }
    }
}

struct LawyersRefuse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refuse", abstract: "Province refuses in writing with reasons (Arts. 6, 7, 18).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "no_civil_capacity, criminal_punishment, expelled_or_revoked, practice_conditions_not_met, firm_conditions_not_met") var ground: String
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let ground = try protoEnum(self.ground, field: "ground", prefix: "REFUSAL_GROUND_", flag: "--ground", in: Fawang_Lawyers_V1_RefuseRequest.self) { $0.ground }
        let request = Fawang_Lawyers_V1_RefuseRequest.with {
            $0.trackingNumber = trackingNumber
            $0.ground = ground
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await lawyersAction(client) { try await $0.refuse(request) }
    }
}

struct LawyersComplain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "complain", abstract: "Register a complaint against a lawyer or law firm.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long) var name: String
    @Option(name: .long) var phone: String
    @Option(name: .long, help: "lawyer or firm") var subject: String = "lawyer"
    @Option(name: .long, help: "The lawyer's or firm's licence number.") var licence: String
    @Option(name: .long) var facts: String
    @Option(name: .long) var material: [String] = []

    func run() async throws {
        let kind = try protoEnum(subject, field: "subject_kind", prefix: "SUBJECT_KIND_", flag: "--subject", in: Fawang_Lawyers_V1_SubmitComplaintRequest.self) { $0.subjectKind }
        let request = Fawang_Lawyers_V1_SubmitComplaintRequest.with {
            $0.requestID = UUID().uuidString.lowercased()
            $0.context = (try? handling.context) ?? .init()
            $0.complainant.name = name
            $0.complainant.phone = phone
            $0.subjectKind = kind
            $0.subjectLicenceNumber = licence
            $0.facts = facts
            $0.materials = material
        }
        try await lawyersSubmitted(client) { try await $0.submitComplaint(request) }
    }
}

struct LawyersInvestigate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "investigate", abstract: "Open the investigation of a complaint.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Lawyers_V1_StartInvestigationRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await lawyersAction(client) { try await $0.startInvestigation(request) }
    }
}

struct LawyersDecideComplaint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decide-complaint", abstract: "Close a complaint: no violation, or a penalty under Arts. 47–50.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "no_violation or discipline") var outcome: String
    @Option(name: .long) var findings: String = ""
    @Option(name: .long, help: "47, 48, 49 or 50") var article: Int?
    @Option(name: .long, help: "warning, suspension or revocation") var penalty: String?
    @Option(name: .long) var months: Int32 = 0
    @Option(name: .long) var fineYuan: Int64 = 0
    @Flag(name: .long) var confiscate = false

    func run() async throws {
        let outcome = try protoEnum(self.outcome, field: "outcome", prefix: "COMPLAINT_OUTCOME_", flag: "--outcome", in: Fawang_Lawyers_V1_DecideComplaintRequest.self) { $0.outcome }
        var request = Fawang_Lawyers_V1_DecideComplaintRequest.with {
            $0.trackingNumber = trackingNumber
            $0.outcome = outcome
            $0.findings = findings
            $0.context = (try? handling.context) ?? .init()
        }
        if let article {
            request.penalty.article = try protoEnum(String(article), field: "article", prefix: "PENALTY_ARTICLE_", flag: "--article", in: Fawang_Lawyers_V1_Penalty.self) { $0.article }
        }
        if let penalty {
            request.penalty.kind = try protoEnum(penalty, field: "kind", prefix: "PENALTY_KIND_", flag: "--penalty", in: Fawang_Lawyers_V1_Penalty.self) { $0.kind }
        }
        if article != nil || penalty != nil {
            request.penalty.suspensionMonths = months
            request.penalty.fineYuan = fineYuan
            request.penalty.confiscateIllegalGains = confiscate
        }
        let finalRequest = request
        try await lawyersAction(client) { try await $0.decideComplaint(finalRequest) }
    }
}

struct LawyersSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Search the public register of lawyers.")
    @OptionGroup var client: ClientOptions
    @Argument var query: String = ""
    @Option(name: .long) var specialty: String = ""
    @Option(name: .long) var firm: String = ""
    @Option(name: .long) var region: String = ""

    func run() async throws {
        let request = Fawang_Lawyers_V1_SearchLawyersRequest.with {
            $0.query = query
            $0.specialty = specialty
            $0.firmLicenceNumber = firm
            $0.regionCode = region
        }
        let response = try await client.withClient { try await Fawang_Lawyers_V1_LawyerService.Client(wrapping: $0).searchLawyers(request) }
        try client.emit(response) { response.lawyers.map(renderLawyer).joined(separator: "\n") }
    }
}

struct LawyersShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A lawyer in the public register, with discipline records.")
    @OptionGroup var client: ClientOptions
    @Argument var licenceNumber: String

    func run() async throws {
        let licence = licenceNumber
        let lawyer = try await client.withClient { try await Fawang_Lawyers_V1_LawyerService.Client(wrapping: $0).getLawyer(.with { $0.licenceNumber = licence }) }
        try client.emit(lawyer) { renderLawyer(lawyer) }
    }
}

struct LawyersFirms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "firms", abstract: "Search the public register of law firms.")
    @OptionGroup var client: ClientOptions
    @Argument var query: String = ""
    @Option(name: .long) var region: String = ""

    func run() async throws {
        let request = Fawang_Lawyers_V1_SearchFirmsRequest.with {
            $0.query = query
            $0.regionCode = region
        }
        let response = try await client.withClient { try await Fawang_Lawyers_V1_LawyerService.Client(wrapping: $0).searchFirms(request) }
        try client.emit(response) {
            response.firms.map { "\($0.licenceNumber)\t\($0.name)\t\($0.regionName)\t\($0.statusLabel)\t律师\($0.lawyerCount)人\t\($0.phone)" }.joined(separator: "\n")
        }
    }
}
