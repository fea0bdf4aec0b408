public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore

/// Administrative approval (行政审批) of the justice administration's licensing items under
/// 中华人民共和国行政许可法 (2019): receipt and acceptance within 5 days with one correction
/// notice (Art. 32), two-level review (Art. 43), decision within 20 days extendable once by 10
/// (Art. 42), hearing, testing, appraisal and expert review excluded (Art. 45), hearing on request
/// (Art. 47), written refusal with remedies (Art. 38), licence issued within 10 days (Art. 44).
///
/// ## Configuration
/// - `modules.admin-approval.enabled` (bool, default `true`): switch the module on or off at run time.
public struct AdministrativeApprovalPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "admin-approval", nameZH: "行政审批", nameEN: "Administrative approval", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: ApprovalWorkflow.matterType, nameZH: "行政许可申请", nameEN: "Administrative licence application",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone", "region_code",
                    "item", "summary", "organization_name (law firm, notary office, appraisal institution)",
                ],
                requiredMaterials: LicensingItem.allCases.flatMap { item in item.requiredMaterials.map { "\(item.name)：\($0)" } },
                workflow: ApprovalWorkflow.machine,
                deadlines: ApprovalWorkflow.deadlines,
                guide: ServiceGuide(
                    eligibility: [
                        "公民、法人或者其他组织从事特定活动，依法需要取得行政许可的，应当向行政机关提出申请（《中华人民共和国行政许可法》第二十九条）",
                        "设立律师事务所应当有自己的名称、住所和章程，有符合规定的律师和资产（《中华人民共和国律师法》第十四条）",
                        "设立公证机构应当有自己的名称、固定的场所、二名以上公证员和开展公证业务所必需的资金（《中华人民共和国公证法》第八条）",
                    ],
                    fees: "免费（行政机关实施行政许可不得收取任何费用，《中华人民共和国行政许可法》第五十八条）",
                    applyVerb: "submit", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "agent", textZH: "是否委托他人代为申请？",
                            ifYesZH: "可以委托代理人提出申请，但依法应当由申请人到行政机关办公场所提出的除外（《中华人民共和国行政许可法》第二十九条）。")
                    ]))
        ],
        guidance: [
            GuidanceTopic(problemZH: "想开办律师事务所", category: .profession, keywords: ["律师事务所", "律所", "设立律所"], matterTypeID: ApprovalWorkflow.matterType),
            GuidanceTopic(problemZH: "设立公证机构", category: .profession, keywords: ["公证处", "公证机构"], matterTypeID: ApprovalWorkflow.matterType),
            GuidanceTopic(problemZH: "司法鉴定机构登记", category: .profession, keywords: ["鉴定机构", "司法鉴定所"], matterTypeID: ApprovalWorkflow.matterType),
            GuidanceTopic(problemZH: "申请基层法律服务工作者执业", category: .profession, keywords: ["基层法律服务", "法律服务所", "法律工作者"], matterTypeID: ApprovalWorkflow.matterType),
        ])

    public var rpcs: [RPCInfo] { ApprovalService.rpcs.infos }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [ApprovalService.rpcs.service(ApprovalService(context: context))]
    }
}
