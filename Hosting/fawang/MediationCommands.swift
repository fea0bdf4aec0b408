import ArgumentParser
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the people's mediation line (人民调解), under 人民调解法. Enum values are the
// proto names in lower case without their prefix, e.g. --category neighbourhood, --form written.

struct MediationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mediation",
        abstract: "People's mediation (人民调解): application or initiative, committee, mediators, sessions, agreement (人民调解法).",
        subcommands: [
            MediationCommittees.self, MediationApply.self, MediationInitiate.self, MediationAssignCommittee.self,
            MediationAssignMediators.self, MediationSession.self, MediationDecline.self, MediationAgreement.self,
            MediationFail.self, MediationConfirmation.self,
        ])
}

/// Runs one staff action on a mediation matter and prints the result.
private func runMediationAction(
    _ client: ClientOptions,
    _ call: @escaping @Sendable (Fawang_Mediation_V1_MediationService.Client<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter
) async throws {
    try await runMatterAction(client, { Fawang_Mediation_V1_MediationService.Client(wrapping: $0) }, call)
}

struct MediationCommittees: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "committees", abstract: "People's mediation committees of a division's city, with their mediators.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "Division code, e.g. 640104.") var region: String

    func run() async throws {
        let region = self.region
        let response = try await client.withClient { client in
            try await Fawang_Mediation_V1_MediationService.Client(wrapping: client).listCommittees(.with { $0.regionCode = region })
        }
        try client.emit(response) {
            response.committees.map { committee in
                "\(committee.id)\t\(committee.name)\t\(committee.kind)\t\(committee.active ? "在册" : "已撤销")\t调解员："
                    + committee.mediators.map { "\($0.id) \($0.name)" }.joined(separator: "、")
            }.joined(separator: "\n")
        }
    }
}

/// The dispute fields shared by `apply` and `initiate`.
struct MediationDisputeOptions: ParsableArguments {
    @Option(name: .long, help: "Idempotency key; a retry with the same key returns the same matter. Default: a new UUID.") var requestID: String?
    @Option(name: .long, help: "The applying party's name.") var name: String
    @Option(name: .long) var phone: String
    @Option(name: .long) var idNumber: String = ""
    @Option(name: .long) var address: String = ""
    @Option(name: .long, help: "The other party's name (repeatable).") var respondent: [String] = []
    @Option(name: .long, help: "Division code, e.g. 640104.") var region: String
    @Option(name: .long, help: "neighbourhood, marriage_family, property, contract_debt, damage, labour, other") var category: String
    @Option(name: .long, help: "Main facts and what is in dispute.") var summary: String

    func request(_ context: Fawang_Matter_V1_ChannelContext) throws -> Fawang_Mediation_V1_SubmitDisputeRequest {
        typealias Request = Fawang_Mediation_V1_SubmitDisputeRequest
        let category = try protoEnum(self.category, field: "category", prefix: "DISPUTE_CATEGORY_", flag: "--category", in: Request.self) { $0.category }
        return Request.with {
            $0.requestID = requestID ?? UUID().uuidString.lowercased()
            $0.context = context
            $0.applicant.name = name
            $0.applicant.phone = phone
            $0.applicant.idNumber = idNumber
            $0.applicant.address = address
            $0.respondents = respondent.map { name in .with { $0.name = name } }
            $0.regionCode = region
            $0.category = category
            $0.summary = summary
        }
    }
}

struct MediationApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply", abstract: "A party applies for mediation (Art. 17).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @OptionGroup var dispute: MediationDisputeOptions

    func run() async throws {
        let request = try dispute.request(try handling.context)
        let response = try await client.withClient { client in
            try await Fawang_Mediation_V1_MediationService.Client(wrapping: client).apply(request)
        }
        try client.emit(response) { (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已登记调解申请。\n") + Render.matter(response.matter) }
    }
}

struct MediationInitiate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "initiate", abstract: "Record that the committee mediates on its own initiative (Art. 17).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @OptionGroup var dispute: MediationDisputeOptions

    func run() async throws {
        let request = try dispute.request(try handling.context)
        let response = try await client.withClient { client in
            try await Fawang_Mediation_V1_MediationService.Client(wrapping: client).startOnInitiative(request)
        }
        try client.emit(response) { (response.replayed ? "（重复提交：返回首次提交的事项）\n" : "已登记主动调解。\n") + Render.matter(response.matter) }
    }
}

struct MediationAssignCommittee: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "assign-committee", abstract: "Choose the committee (of the matter's city) that mediates.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "Committee id, see `fawang mediation committees --region`.") var committee: String

    func run() async throws {
        let request = Fawang_Mediation_V1_AssignCommitteeRequest.with {
            $0.trackingNumber = trackingNumber
            $0.committeeID = committee
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.assignCommittee(request) }
    }
}

struct MediationAssignMediators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "assign-mediators", abstract: "One or more mediators of the committee (Art. 19); invitees with consent (Art. 20).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "Mediator id (repeatable).") var mediator: [String] = []
    @Option(name: .long, help: "committee_designated or parties_chose") var chosenBy: String = "committee_designated"
    @Option(name: .long, help: "Someone invited to take part (repeatable).") var invite: [String] = []
    @Flag(name: .long, help: "The parties consented to the invitees (Art. 20).") var partiesConsented = false

    func run() async throws {
        typealias Request = Fawang_Mediation_V1_AssignMediatorsRequest
        let choice = try protoEnum(chosenBy, field: "chosen_by", prefix: "MEDIATOR_CHOICE_", flag: "--chosen-by", in: Request.self) { $0.chosenBy }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.mediatorIds = mediator
            $0.chosenBy = choice
            $0.invitedParticipants = invite
            $0.partiesConsentedToInvitees = partiesConsented
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.assignMediators(request) }
    }
}

struct MediationSession: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "session", abstract: "Schedule a session, or record one held (--held, with --notes).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "YYYY-MM-DD") var date: String
    @Option(name: .long) var place: String
    @Flag(name: .long) var held = false
    @Option(name: .long) var notes: String = ""
    @Flag(name: .long, help: "Mediation in public (Art. 23(3)).") var `public` = false

    func run() async throws {
        let request = Fawang_Mediation_V1_RecordSessionRequest.with {
            $0.trackingNumber = trackingNumber
            $0.sessionDate = date
            $0.place = place
            $0.held = held
            $0.notes = notes
            $0.public = self.public
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.recordSession(request) }
    }
}

struct MediationDecline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decline", abstract: "A party refuses or ends the mediation (Arts. 3, 17, 23).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "The declining party's name.") var party: String
    @Option(name: .long) var reason: String = ""
    @Option(name: .long, help: "Needed when the applicant acts without staff.") var phoneLast4: String = ""

    func run() async throws {
        let request = Fawang_Mediation_V1_DeclineRequest.with {
            $0.trackingNumber = trackingNumber
            $0.decliningParty = party
            $0.reason = reason
            $0.phoneLast4 = phoneLast4
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.decline(request) }
    }
}

struct MediationAgreement: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agreement", abstract: "Record the agreement on the day it takes effect (Arts. 28–30); starts the Art. 33 reminder.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "written or oral") var form: String
    @Option(name: .long, help: "What the parties agreed.") var terms: String
    @Option(name: .long) var facts: String = ""
    @Option(name: .long, help: "Manner and time of performance.") var performance: String = ""
    @Flag(name: .long, help: "Written: signed by all parties and the mediator.") var signed = false
    @Flag(name: .long, help: "Written: the committee's seal affixed.") var sealed = false

    func run() async throws {
        typealias Request = Fawang_Mediation_V1_RecordAgreementRequest
        let form = try protoEnum(self.form, field: "form", prefix: "AGREEMENT_FORM_", flag: "--form", in: Request.self) { $0.form }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.form = form
            $0.terms = terms
            $0.factsAndIssues = facts
            $0.performance = performance
            $0.signedByAllParties = signed
            $0.committeeSealed = sealed
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.recordAgreement(request) }
    }
}

struct MediationFail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fail", abstract: "Mediation failed: end it, having told the parties of other routes (Art. 26).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var reasons: String
    @Flag(name: .long, help: "The parties were told of arbitration, administrative and judicial routes.") var routesTold = false
    @Option(name: .long) var routes: String = ""

    func run() async throws {
        let request = Fawang_Mediation_V1_RecordFailureRequest.with {
            $0.trackingNumber = trackingNumber
            $0.reasons = reasons
            $0.otherRoutesTold = routesTold
            $0.routes = routes
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.recordFailure(request) }
    }
}

struct MediationConfirmation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "confirmation", abstract: "Record the parties' joint application for judicial confirmation, or that they see no need (Art. 33).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "applied or not_needed") var decision: String
    @Option(name: .long) var court: String = ""
    @Flag(name: .long, help: "Both parties applied together.") var jointly = false
    @Option(name: .long) var note: String = ""

    func run() async throws {
        typealias Request = Fawang_Mediation_V1_RecordJudicialConfirmationRequest
        let decision = try protoEnum(self.decision, field: "decision", prefix: "CONFIRMATION_DECISION_", flag: "--decision", in: Request.self) { $0.decision }
        let request = Request.with {
            $0.trackingNumber = trackingNumber
            $0.decision = decision
            $0.court = court
            $0.jointly = jointly
            $0.note = note
            $0.context = (try? handling.context) ?? .init()
        }
        try await runMediationAction(client) { try await $0.recordJudicialConfirmation(request) }
    }
}
