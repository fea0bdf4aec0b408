public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation

/// Suggestions from the public (群众建议) — a small line on the plugin kit: anyone suggests how
/// the bureaus' work or services could be better (the portal's form, WeChat, the hotline, a
/// window); the division's bureau acknowledges it in writing within 15 days (信访工作条例 第二十三条)
/// and answers it, adopted, partly adopted or not with reasons (第二十九条). The words are read by
/// public-opinion analysis (`publicText`).
///
/// ## Configuration
/// - `modules.suggestions.enabled` (bool, default `true`).
/// - `deadlines.rule_days.suggestions.answer` (int, default 60): the answer's period, which the
///   regulation does not set.
public struct SuggestionsPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: SuggestionsWorkflow.businessLine, nameZH: SuggestionsWorkflow.lineName, nameEN: "Suggestions from the public", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: SuggestionsWorkflow.matterType, nameZH: "群众建议", nameEN: "Suggestion",
                requiredFields: ["request_id", "proposer.name", "proposer.phone", "region_code", "category", "title", "content"],
                requiredMaterials: [],
                workflow: SuggestionsWorkflow.machine,
                deadlines: [SuggestionsWorkflow.acknowledgementDeadline, SuggestionsWorkflow.answerDeadline],
                publicText: { matter in
                    (try? DetailsCoding.decode(SuggestionDetails.self, from: matter)).map { [$0.title, $0.content] } ?? []
                },
                guide: ServiceGuide(
                    eligibility: [
                        "公民、法人或者其他组织可以采用信息网络、书信、电话、走访等形式提出建议、意见（《信访工作条例》第十七条）",
                        "对科学合理、具有现实可行性的建议，应当采纳或者部分采纳，并予以回复（《信访工作条例》第二十九条）",
                    ],
                    fees: "免费", applyVerb: "submit", officeKinds: [.serviceCentre]))
        ],
        guidance: [
            GuidanceTopic(
                problemZH: "对公共法律服务、普法宣传或行业管理有改进建议", category: .complaints, keywords: ["建议", "意见", "改进", "希望增加"],
                matterTypeID: SuggestionsWorkflow.matterType)
        ])

    public var rpcs: [RPCInfo] { SuggestionsService.rpcs.infos }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [SuggestionsService.rpcs.service(SuggestionsService(context: context))]
    }
}
