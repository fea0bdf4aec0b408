import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// A consultation's content (`Matter.details`).
struct ConsultationDetails: Codable, Equatable, Sendable {
    var topic: String
    var question: String
    /// Every answer given, oldest first.
    var answers: [String]
    /// Matter types the citizen was advised to apply for.
    var suggestedMatterTypes: [String]
    /// Articles the answers cite, as the law library names them (《…》第…条); absent before any.
    var lawCitations: [String]?
}

/// The consultation's workflow as a pure state machine.
enum ConsultationWorkflow: LineWorkflow {
    static let matterType = "consultation.question"
    static let businessLine = "consultation"
    static let lineName = "法律咨询"
    static let matterTypes: Set<String> = [matterType]

    static let machine = MatterWorkflow(
        initialStatus: "recorded",
        statuses: ["recorded": "待解答", "answered": "已解答", "closed": "已办结"],
        transitions: [
            .init(command: "answer", from: ["recorded", "answered"], to: "answered", event: "answered"),
            .init(command: "close", from: ["answered"], to: "closed", event: "closed"),
        ],
        eventLabels: ["recorded": "登记法律咨询", "answered": "解答", "closed": "办结"],
        // The asker rates the answer (MatterService.RateMatter) once it is given.
        alsoRateableIn: ["answered"],
        // 受理即办理: accepted when recorded; closing (办结) concludes it, an answer keeps it open.
        milestones: [:])

    enum Command: Sendable, Equatable {
        case answer(String, suggested: [String], citations: [String] = [])
        case close(note: String)
    }

    /// What `command` does to `matter`, taken by `step.actor` through `step.channel`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(ConsultationDetails.self, from: matter)
        switch command {
        case .answer(let answer, let suggested, let citations):
            details.answers.append(answer)
            details.suggestedMatterTypes = Array(Set(details.suggestedMatterTypes + suggested)).sorted()
            let cited = (details.lawCitations ?? []) + citations.filter { !(details.lawCitations ?? []).contains($0) }
            details.lawCitations = cited.isEmpty ? nil : cited
            var attributes: [String: String] = [:]
            if !suggested.isEmpty { attributes["suggested_matter_types"] = suggested.joined(separator: ",") }
            if !citations.isEmpty { attributes["law_citations"] = citations.joined(separator: "；") }
            return try machine.change(
                "answer", from: matter.status, actor: step.actor, channel: step.channel, note: answer, attributes: attributes,
                details: DetailsCoding.encode(details))
        case .close(let note):
            return try machine.change("close", from: matter.status, actor: step.actor, channel: step.channel, note: note)
        }
    }

    /// The validated content of a new consultation, with the channel context as read (the intake
    /// records it under the signed-in caller).
    static func validate(_ request: Fawang_Consultation_V1_RecordConsultationRequest) throws(FawangError) -> (Handling, Person, ConsultationDetails) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let person = check.person(request.person, field: "person", label: "咨询人", idRequired: false)
        check.divisionCode(request.regionCode)
        let topic = Self.topic(request.topic)
        check.require(topic != nil, "topic", "请选择咨询类别")
        check.requireText(request.question, "question", label: "咨询的问题", maxLength: 4000)
        check.require(request.answer.count <= 4000, "answer", "解答不能超过4000字")
        try check.check()
        guard let handling, let topic else { throw FawangError(.internalError, "a consultation passed validation unread") }
        return (handling, person, ConsultationDetails(
            topic: topic, question: request.question, answers: request.answer.isEmpty ? [] : [request.answer], suggestedMatterTypes: []))
    }

    static func topicProto(_ topic: String) -> Fawang_Consultation_V1_Topic {
        Fawang_Consultation_V1_Topic.allCases.first { Self.topic($0) == topic } ?? .unspecified
    }

    static func topic(_ proto: Fawang_Consultation_V1_Topic) -> String? {
        switch proto {
        case .labour: "labour"
        case .marriageFamily: "marriage_family"
        case .contractDebt: "contract_debt"
        case .propertyLand: "property_land"
        case .tortInjury: "tort_injury"
        case .administrative: "administrative"
        case .criminal: "criminal"
        case .consumer: "consumer"
        case .other: "other"
        default: nil
        }
    }
}
