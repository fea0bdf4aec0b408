import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.suggestion.v1.SuggestionService`: anyone suggests; the bureau's staff of the division
/// acknowledge and answer.
struct SuggestionsService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<SuggestionsWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Suggestion_V1_SuggestionService.Method

    /// The web form's labels.
    static let formLabels: [String: String] = [
        "proposer": "建议人", "proposer.id_number": "身份证号（可不填）", "proposer.address": "住址（可不填）",
        "category": "建议类别", "title": "标题（一句话）", "content": "建议的内容和理由",
        "CATEGORY_SERVICE": "改进服务（窗口、热线、网站）", "CATEGORY_POLICY": "完善政策、制度", "CATEGORY_PUBLICITY": "普法宣传",
        "CATEGORY_PROFESSION": "律师、公证、鉴定等法律服务行业管理", "CATEGORY_OTHER": "其他",
    ]

    static let stepLabels: [String: String] = [
        "note": "告知内容（已收到、由谁研究、如何答复）", "answer": "答复内容",
        "adoption": "是否采纳", "ADOPTION_ADOPTED": "采纳", "ADOPTION_PARTLY_ADOPTED": "部分采纳", "ADOPTION_NOT_ADOPTED": "暂不采纳",
    ]

    static let rpcs = RPCTable<SuggestionsService>([
        RPC(Method.SubmitSuggestion.descriptor, .anyone, verb: "submit", help: "提出建议", title: "我有建议", intake: true,
            aliases: ["name": "proposer.name", "phone": "proposer.phone", "region": "region_code"], labels: formLabels,
            SuggestionsService.submitSuggestion),
        RPC(Method.Acknowledge.descriptor, .handlers, verb: "acknowledge", help: "书面告知建议人已收到及办理途径（第二十三条，15日内）",
            labels: stepLabels, SuggestionsService.acknowledge),
        RPC(Method.Answer.descriptor, .handlers, verb: "answer", help: "答复建议：采纳、部分采纳或暂不采纳并说明理由（第二十九条）",
            labels: stepLabels, SuggestionsService.answer),
    ])

    func submitSuggestion(_ request: Fawang_Suggestion_V1_SubmitSuggestionRequest) async throws -> Fawang_Suggestion_V1_SubmitSuggestionResponse {
        let (handling, proposer, details) = try SuggestionsWorkflow.validate(request)
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: SuggestionsWorkflow.matterType, initialStatus: SuggestionsWorkflow.machine.initialStatus,
            applicant: proposer, regionCode: request.regionCode, handling: handling, details: details, attributes: ["category": details.category])
    }

    func acknowledge(_ request: Fawang_Suggestion_V1_AcknowledgeRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.requireText(request.note, "note", label: "告知内容", maxLength: 1000)
            return .acknowledge(note: request.note)
        }
    }

    func answer(_ request: Fawang_Suggestion_V1_AnswerRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let adoption = SuggestionsWorkflow.adoption(request.adoption)
            check.require(adoption != nil, "adoption", "请选择是否采纳：adopted（采纳）、partly_adopted（部分采纳）或 not_adopted（暂不采纳）")
            // Art. 29: adopted or not, the proposer is answered — a refusal with its reasons.
            check.requireText(
                request.answer, "answer", label: adoption == "not_adopted" ? "暂不采纳的理由（第二十九条）" : "答复内容", maxLength: 4000)
            return .answer(adoption: adoption ?? "", text: request.answer)
        }
    }
}

extension Fawang_Suggestion_V1_SubmitSuggestionResponse: SubmissionResponse {}
