import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// A suggestion's content (`Matter.details`).
struct SuggestionDetails: Codable, Equatable, Sendable {
    var category: String
    var title: String
    var content: String
    /// Set by the answer: adopted, partly_adopted or not_adopted.
    var adoption: String?
    var answer: String?
}

/// Suggestions from the public (群众建议) under 信访工作条例 (2022): registered, acknowledged in
/// writing, studied and answered.
enum SuggestionsWorkflow: LineWorkflow {
    static let matterType = "suggestions.suggestion"
    static let businessLine = "suggestions"
    static let lineName = "群众建议"
    static let matterTypes: Set<String> = [matterType]
    static let law = "《信访工作条例》"

    static let machine = MatterWorkflow(
        initialStatus: "submitted",
        statuses: ["submitted": "待告知", "acknowledged": "研究办理中", "answered": "已答复"],
        transitions: [
            .init(command: "acknowledge", from: ["submitted"], to: "acknowledged", event: "acknowledged"),
            .init(command: "answer", from: ["submitted", "acknowledged"], to: "answered", event: "answered"),
        ],
        eventLabels: ["submitted": "提出建议", "acknowledged": "书面告知已收到及办理途径", "answered": "答复建议"],
        // Art. 23: a bureau receiving a suggestion registers it and tells the proposer how it is
        // handled — that is its acceptance; the answer (Art. 29) concludes it.
        milestones: ["acknowledged": .accepted])

    /// Art. 23 para. 2: told in writing within 15 days of receipt (at once where it can be); an
    /// answer within those days tells them too.
    static let acknowledgementDeadline = DeadlineRule(
        id: "suggestions.acknowledgement", label: "书面告知建议人已收到及办理途径", article: law + "第二十三条", days: 15,
        startsOn: ["submitted"], metBy: ["acknowledged", "answered"], warningDays: 3)

    /// Art. 29: a suggestion is studied and, adopted or partly adopted, answered. The regulation
    /// sets no period for the answer: 60 days by default — the period Art. 34 gives other
    /// petitions — configurable (`deadlines.rule_days.suggestions.answer`), article to be confirmed.
    static let answerDeadline = DeadlineRule(
        id: "suggestions.answer", label: "研究论证并答复建议人", article: law + "第二十九条", days: 60,
        startsOn: ["submitted"], metBy: ["answered"], warningDays: 7, articleConfirmed: false)

    enum Command: Sendable, Equatable {
        case acknowledge(note: String)
        case answer(adoption: String, text: String)
    }

    static let adoptionLabels = ["adopted": "采纳", "partly_adopted": "部分采纳", "not_adopted": "暂不采纳"]

    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        switch command {
        case .acknowledge(let note):
            return try machine.change("acknowledge", from: matter.status, actor: step.actor, channel: step.channel, note: note)
        case .answer(let adoption, let text):
            var details = try DetailsCoding.decode(SuggestionDetails.self, from: matter)
            details.adoption = adoption
            details.answer = text
            return try machine.change(
                "answer", from: matter.status, actor: step.actor, channel: step.channel, note: "\(adoptionLabels[adoption] ?? adoption)：\(text)",
                attributes: ["adoption": adoption], details: DetailsCoding.encode(details))
        }
    }

    static func category(_ proto: Fawang_Suggestion_V1_Category) -> String? {
        switch proto {
        case .service: "service"
        case .policy: "policy"
        case .publicity: "publicity"
        case .profession: "profession"
        case .other: "other"
        default: nil
        }
    }

    static func adoption(_ proto: Fawang_Suggestion_V1_Adoption) -> String? {
        switch proto {
        case .adopted: "adopted"
        case .partlyAdopted: "partly_adopted"
        case .notAdopted: "not_adopted"
        default: nil
        }
    }

    /// The validated content of a new suggestion.
    static func validate(_ request: Fawang_Suggestion_V1_SubmitSuggestionRequest) throws(FawangError) -> (Handling, Person, SuggestionDetails) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let person = check.person(request.proposer, field: "proposer", label: "建议人", idRequired: false)
        check.divisionCode(request.regionCode)
        let category = Self.category(request.category)
        check.require(category != nil, "category", "请选择建议的类别")
        check.requireText(request.title, "title", label: "建议的标题", maxLength: 50)
        check.requireText(request.content, "content", label: "建议的内容和理由", maxLength: 4000)
        try check.check()
        guard let handling, let category else { throw FawangError(.internalError, "a suggestion passed validation unread") }
        return (handling, person, SuggestionDetails(
            category: category, title: request.title.trimmingCharacters(in: .whitespacesAndNewlines), content: request.content))
    }
}
