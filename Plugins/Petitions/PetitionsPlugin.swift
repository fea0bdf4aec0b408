public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore

/// Petitions and complaints (信访) under 信访工作条例 (2022): every petition registered whatever
/// its channel, anonymous complaints included (Art. 22); within 15 days accepted, not accepted
/// with reasons, or transferred/assigned to the responsible unit, and the petitioner told (Arts.
/// 22, 23); handled within 60 days of acceptance, extendable once by at most 30 days (Art. 34);
/// review and re-review within 30 days each (Arts. 35, 36), after which the same facts and reasons
/// are not accepted again. Repeated petitions naming an earlier tracking number are linked to it
/// and counted once.
///
/// ## Configuration
/// - `modules.petitions.enabled` (bool, default `true`): switch the module on or off at run time.
public struct PetitionsPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "petitions", nameZH: "信访", nameEN: "Petitions and complaints", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: PetitionsWorkflow.matterType, nameZH: "信访事项", nameEN: "Petition or complaint",
                requiredFields: [
                    "request_id", "petitioner.name (unless anonymous)",
                    "petitioner.address or petitioner.phone (unless anonymous, Art. 19)", "region_code", "subject", "facts_and_reasons",
                ],
                requiredMaterials: [],
                workflow: PetitionsWorkflow.machine,
                deadlines: [
                    PetitionsWorkflow.acceptanceDeadline, PetitionsWorkflow.handlingDeadline,
                    PetitionsWorkflow.reviewDeadline, PetitionsWorkflow.rereviewDeadline,
                ],
                // Each written opinion (处理、复查、复核意见) is followed by a callback to a
                // petitioner who left a number (an anonymous one left none).
                callsBackAfter: [PetitionsWorkflow.Status.answered, PetitionsWorkflow.Status.reviewed, PetitionsWorkflow.Status.concluded],
                // The request and its facts, in the petitioner's words: read for public opinion.
                publicText: { matter in (try? DetailsCoding.decode(PetitionDetails.self, from: matter)).map { [$0.subject, $0.factsAndReasons] } ?? [] },
                guide: ServiceGuide(
                    eligibility: [
                        "公民、法人或者其他组织可以通过信息网络、书信、电话、走访等形式反映情况，提出建议、意见或者投诉请求（《信访工作条例》第十七条）",
                        "采用走访形式提出涉及诉讼权利救济的信访事项，应当按照法律法规规定的程序向有关政法部门提出（《信访工作条例》第二十条）",
                        "对复核意见不服，仍然以同一事实和理由提出投诉请求的，不再受理（《信访工作条例》第三十六条）",
                    ],
                    fees: "免费",
                    applyVerb: "submit", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "review", textZH: "是否已收到书面信访处理意见但不服？",
                            ifYesZH: "可以自收到书面答复之日起30日内请求原办理机关的上一级机关复查；对复查意见不服的，可以自收到书面答复之日起30日内请求复核（第三十五条、第三十六条）。"),
                        GuidanceQuestion(
                            id: "lawsuit", textZH: "是否涉及人民法院、人民检察院、公安机关正在办理或者已经处理的案件？",
                            ifYesZH: "涉及诉讼权利救济的事项，应当按照法律法规规定的程序向有关政法部门提出（第二十条、第三十一条）。"),
                    ]),
                transferIntake: { PetitionsWorkflow.intake($0) })
        ],
        guidance: [
            GuidanceTopic(problemZH: "对司法行政机关的工作有意见、建议或投诉", category: .complaints, keywords: ["投诉", "举报", "意见", "建议", "信访"], matterTypeID: PetitionsWorkflow.matterType),
            GuidanceTopic(problemZH: "对律师、公证员、鉴定人的执业行为不满", category: .complaints, keywords: ["投诉律师", "投诉公证", "执业行为", "乱收费"], matterTypeID: PetitionsWorkflow.matterType),
            GuidanceTopic(problemZH: "对信访处理意见不服，请求复查、复核", category: .complaints, keywords: ["复查", "复核", "处理意见不服"], matterTypeID: PetitionsWorkflow.matterType),
        ])

    public var rpcs: [RPCInfo] { PetitionsService.rpcs.infos }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [PetitionsService.rpcs.service(PetitionsService(context: context))]
    }
}
