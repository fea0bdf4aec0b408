import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the petitions line (信访), under 信访工作条例. Enum values are the proto names in
// lower case without their prefix, e.g. --kind assign, --level rereview. Extensions of the 60-day
// handling limit (Art. 34) go through the platform's deadline commands (DeadlineService).

struct PetitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "petitions",
        abstract: "Petitions (信访): register, accept/refer within 15 days, answer within 60, review and re-review (信访工作条例).",
        subcommands: [
            PetitionsSubmit.self, PetitionsAccept.self, PetitionsNotAccept.self, PetitionsRefer.self, PetitionsAnswer.self,
            PetitionsRequestReview.self, PetitionsReviewOpinion.self, PetitionsStats.self,
        ])
}

/// Runs one staff action on a petition and prints the result.
private func runPetitionsAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Petitions_V1_PetitionService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Petitions_V1_PetitionService.Client(wrapping: $0) }, call)
}

struct PetitionsSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Register a petition (Art. 22), anonymous with --anonymous; --related links a repeat.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Option(name: .long, help: "Idempotency key. Default: a new UUID.") var requestID: String?
    @Flag(name: .long, help: "Anonymous complaint: no petitioner data.") var anonymous = false
    @Option(name: .long) var name: String = ""
    @Option(name: .long) var phone: String = ""
    @Option(name: .long) var idNumber: String = ""
    @Option(name: .long) var address: String = ""
    @Option(name: .long, help: "Division code, e.g. 640104.") var region: String
    @Option(name: .long, help: "The request (Art. 19).") var subject: String
    @Option(name: .long, help: "Facts and reasons (Art. 19).") var facts: String
    @Option(name: .long, help: "Representatives of a collective visit (at most 5, Art. 20).") var representatives: Int32 = 0
    @Option(name: .long, help: "Tracking number of an earlier petition on the same matter.") var related: String = ""

    func run() async throws {
        let request = try Fawang_Petitions_V1_SubmitPetitionRequest.with {
            $0.requestID = requestID ?? UUID().uuidString.lowercased()
            $0.context = try handling.context
            $0.anonymous = anonymous
            if !anonymous {
                $0.petitioner.name = name
                $0.petitioner.phone = phone
                $0.petitioner.idNumber = idNumber
                $0.petitioner.address = address
            }
            $0.regionCode = region
            $0.subject = subject
            $0.factsAndReasons = facts
            $0.representatives = representatives
            $0.relatedTrackingNumber = related
        }
        let response = try await client.withClient { client in
            try await Fawang_Petitions_V1_PetitionService.Client(wrapping: client).submit(request)
        }
        try client.emit(response) { (response.replayed ? "（重复提交：返回首次登记的事项）\n" : "已登记信访事项。\n") + Render.matter(response.matter) }
    }
}

struct PetitionsAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept and tell the route and procedure (Arts. 22, 23); starts the 60 days (Art. 34).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var note: String = ""

    func run() async throws {
        let request = Fawang_Petitions_V1_AcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runPetitionsAction(client) { try await $0.accept(request) }
    }
}

struct PetitionsNotAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "not-accept", abstract: "Not accepted, with reasons and where to go (Art. 23).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String

    func run() async throws {
        let request = Fawang_Petitions_V1_NotAcceptRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.context = (try? handling.context) ?? .init()
        }
        try await runPetitionsAction(client) { try await $0.notAccept(request) }
    }
}

struct PetitionsRefer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refer", abstract: "Transfer (转送) or assign (交办) to the responsible unit (Art. 22).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "transfer or assign") var kind: String
    @Option(name: .long) var unit: String
    @Option(name: .long, help: "assign: results due by YYYY-MM-DD.") var reportBy: String = ""
    @Option(name: .long) var note: String = ""

    func run() async throws {
        typealias Request = Fawang_Petitions_V1_ReferRequest
        let kind = try protoEnum(self.kind, field: "kind", prefix: "REFERRAL_KIND_", flag: "--kind", in: Request.self) { $0.kind }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.kind = kind
            $0.unit = unit
            $0.reportBy = reportBy
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runPetitionsAction(client) { try await $0.refer(request) }
    }
}

struct PetitionsAnswer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "answer", abstract: "The written handling opinion (Arts. 31(6), 34).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var opinion: String

    func run() async throws {
        let request = Fawang_Petitions_V1_AnswerRequest.with {
            $0.trackingNumber = trackingNumber
            $0.opinion = opinion
            $0.context = (try? handling.context) ?? .init()
        }
        try await runPetitionsAction(client) { try await $0.answer(request) }
    }
}

struct PetitionsRequestReview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "request-review", abstract: "Review (Art. 35) or re-review (Art. 36) requested within 30 days.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "review or rereview") var level: String
    @Option(name: .long) var reasons: String
    @Option(name: .long, help: "Needed when the petitioner acts without staff.") var phoneLast4: String = ""

    func run() async throws {
        typealias Request = Fawang_Petitions_V1_RequestReviewRequest
        let level = try protoEnum(self.level, field: "level", prefix: "REVIEW_LEVEL_", flag: "--level", in: Request.self) { $0.level }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.level = level
            $0.reasons = reasons
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await runPetitionsAction(client) { try await $0.requestReview(request) }
    }
}

struct PetitionsReviewOpinion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review-opinion", abstract: "The review / re-review opinion (Arts. 35, 36); a re-review ends the matter.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "review or rereview") var level: String
    @Option(name: .long, help: "The organ one level above.") var unit: String
    @Option(name: .long) var opinion: String

    func run() async throws {
        typealias Request = Fawang_Petitions_V1_RecordReviewOpinionRequest
        let level = try protoEnum(self.level, field: "level", prefix: "REVIEW_LEVEL_", flag: "--level", in: Request.self) { $0.level }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.level = level
            $0.unit = unit
            $0.opinion = opinion
            $0.context = (try? handling.context) ?? .init()
        }
        try await runPetitionsAction(client) { try await $0.recordReviewOpinion(request) }
    }
}

struct PetitionsStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Petitions counted once (repeats apart), by status, in a division.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "Division code; default: your own.") var region: String = ""

    func run() async throws {
        let region = self.region
        let stats = try await client.withClient { client in
            try await Fawang_Petitions_V1_PetitionService.Client(wrapping: client).getStats(.with { $0.regionCode = region })
        }
        try client.emit(stats) {
            (["地区 \(stats.regionCode)", "信访事项 \(stats.petitions) 件（其中匿名 \(stats.anonymous) 件），重复信访 \(stats.duplicates) 件（已并入原事项，不重复计数）"]
                + stats.byStatus.sorted { $0.key < $1.key }.map { "  \($0.key)\t\($0.value)" }).joined(separator: "\n")
        }
    }
}
