import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the legal professional qualification exam line (法律职业资格). Enum values are
// the proto names in lower case without their prefix, e.g. --condition intentional_crime.

struct LegalExamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legal-exam",
        abstract: "Legal professional qualification exam (法律职业资格): registrations, results, certificates, appeals.",
        subcommands: [
            LegalExamConfirmRegistration.self, LegalExamRefuseRegistration.self,
            LegalExamSetPassLine.self, LegalExamRecordResult.self, LegalExamLookupResult.self,
            LegalExamApproveCertificate.self, LegalExamRefuseCertificate.self,
            LegalExamFileAppeal.self, LegalExamDecideAppeal.self,
        ])
}

/// Runs one staff action on a matter of the line and prints the result.
private func legalExamAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Exam_V1_ExamService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Exam_V1_ExamService.Client(wrapping: $0) }, call)
}

private func legalExamRender(_ result: Fawang_Exam_V1_ExamResult) -> String {
    var lines = [
        "考试年度  \(result.examYear)    准考证号 \(result.admissionTicket)",
        "考生      \(result.candidateName)  \(result.idNumberMasked)",
        "成绩      客观题 \(result.objectiveScore)  主观题 \(result.subjectiveScore)",
    ]
    if result.hasPassLine {
        let line = result.passLine
        lines.append("合格线    客观题 \(line.objective)  主观题 \(line.subjective)（\(line.certificateClass)类，\(line.builtIn ? "内置全国线，待确认" : "地区 \(line.regionCode)")）")
        lines.append("结果      \(result.passed ? "合格" : "未达到合格分数线")")
    } else {
        lines.append("结果      该年度合格分数线尚未设置")
    }
    if !result.certificateTrackingNumber.isEmpty { lines.append("资格申请  受理编号 \(result.certificateTrackingNumber)") }
    return lines.joined(separator: "\n")
}

struct LegalExamConfirmRegistration: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm", abstract: "Confirm a registration that meets every eligibility condition (实施办法 第九条、第十条，待确认).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Exam_V1_ConfirmRegistrationRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await legalExamAction(client) { try await $0.confirmRegistration(request) }
    }
}

struct LegalExamRefuseRegistration: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refuse-registration", abstract: "Refuse a registration, naming the unmet conditions (default: those the rules found).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "nationality, political_rights, conduct, civil_capacity, education, intentional_crime, dismissed_from_public_office, lawyer_licence_revoked, notary_licence_revoked, qualification_revoked, exam_ban, credit_blacklist, lifetime_profession_ban (repeatable).")
    var condition: [String] = []
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let conditions = try condition.map {
            try protoEnum($0, field: "condition", prefix: "ELIGIBILITY_CONDITION_", flag: "--condition", in: Fawang_Exam_V1_UnmetCondition.self) { $0.condition }
        }
        let request = Fawang_Exam_V1_RefuseRegistrationRequest.with {
            $0.trackingNumber = trackingNumber
            $0.unmetConditions = conditions
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await legalExamAction(client) { try await $0.refuseRegistration(request) }
    }
}

struct LegalExamSetPassLine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-pass-line", abstract: "Set an exam year's pass line for a division (provincial staff; announced by the Ministry, 待确认).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long) var year: Int32
    @Option(name: .long, help: "640000 for the whole region, or a city or county.") var region: String = "640000"
    @Option(name: .long) var objective: Double
    @Option(name: .long) var subjective: Double
    @Option(name: .long, help: "A (national line) or C (relaxed line).") var certificateClass: String = "A"

    func run() async throws {
        let request = Fawang_Exam_V1_SetPassLineRequest.with {
            $0.line.examYear = year
            $0.line.regionCode = region
            $0.line.objective = objective
            $0.line.subjective = subjective
            $0.line.certificateClass = certificateClass
            $0.context = (try? handling.context) ?? .init()
        }
        let line = try await client.withClient { try await Fawang_Exam_V1_ExamService.Client(wrapping: $0).setPassLine(request) }
        try client.emit(line) { "\(line.examYear)年度 \(line.regionCode) 合格分数线：客观题 \(line.objective)，主观题 \(line.subjective)（\(line.certificateClass)类）" }
    }
}

struct LegalExamRecordResult: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record-result", abstract: "Record (import) one candidate's scores.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long) var year: Int32
    @Option(name: .long) var ticket: String
    @Option(name: .long) var name: String
    @Option(name: .long) var idNumber: String
    @Option(name: .long, help: "Where the candidate sat the exam, e.g. 640104.") var region: String
    @Option(name: .long) var objective: Double
    @Option(name: .long) var subjective: Double

    func run() async throws {
        let request = Fawang_Exam_V1_RecordResultRequest.with {
            $0.examYear = year
            $0.admissionTicket = ticket
            $0.candidate.name = name
            $0.candidate.idNumber = idNumber
            $0.regionCode = region
            $0.objectiveScore = objective
            $0.subjectiveScore = subjective
            $0.context = (try? handling.context) ?? .init()
        }
        let result = try await client.withClient { try await Fawang_Exam_V1_ExamService.Client(wrapping: $0).recordResult(request) }
        try client.emit(result) { legalExamRender(result) }
    }
}

struct LegalExamLookupResult: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lookup-result", abstract: "Look up a result with the admission ticket and identity number.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long) var year: Int32
    @Option(name: .long) var ticket: String
    @Option(name: .long) var idNumber: String

    func run() async throws {
        let request = Fawang_Exam_V1_LookupResultRequest.with {
            $0.examYear = year
            $0.admissionTicket = ticket
            $0.idNumber = idNumber
        }
        let result = try await client.withClient(authenticated: false) { try await Fawang_Exam_V1_ExamService.Client(wrapping: $0).lookupResult(request) }
        try client.emit(result) { legalExamRender(result) }
    }
}

struct LegalExamApproveCertificate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve-certificate", abstract: "Grant the qualification and issue the certificate number (provincial staff).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Exam_V1_ApproveCertificateRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await legalExamAction(client) { try await $0.approveCertificate(request) }
    }
}

struct LegalExamRefuseCertificate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refuse-certificate", abstract: "Refuse the qualification, in writing with reasons (provincial staff).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let request = Fawang_Exam_V1_RefuseCertificateRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await legalExamAction(client) { try await $0.refuseCertificate(request) }
    }
}

struct LegalExamFileAppeal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file-appeal", abstract: "File an appeal (复核) of a refusal for the applicant, within the filing period (待确认).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var grounds: String = ""
    @Option(name: .long, help: "Needed when not signed in as staff (the applicant acting).") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Exam_V1_FileAppealRequest.with {
            $0.trackingNumber = trackingNumber
            $0.grounds = grounds
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await legalExamAction(client) { try await $0.fileAppeal(request) }
    }
}

struct LegalExamDecideAppeal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide-appeal", abstract: "Decide an appeal: uphold the refusal or grant the qualification (provincial staff).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "uphold or grant") var decision: String
    @Option(name: .long) var reasons: String = ""

    func run() async throws {
        let value = try protoEnum(decision, field: "decision", prefix: "APPEAL_DECISION_", flag: "--decision", in: Fawang_Exam_V1_DecideAppealRequest.self) { $0.decision }
        let request = Fawang_Exam_V1_DecideAppealRequest.with {
            $0.trackingNumber = trackingNumber
            $0.decision = value
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await legalExamAction(client) { try await $0.decideAppeal(request) }
    }
}
