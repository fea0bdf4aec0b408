public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation

/// Legal consultation (法律咨询): the 12348 hotline's and the halls' answers to legal questions,
/// recorded as matters so that a question which needs a service becomes that service's matter
/// (`MatterService.TransferMatter`) with its history — "a consultation can turn into an application".
///
/// No statute sets a time limit for answering a consultation; none is declared.
///
/// ## Configuration
/// - `modules.consultation.enabled` (bool, default `true`).
public struct ConsultationPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "consultation", nameZH: "法律咨询", nameEN: "Legal consultation", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: ConsultationWorkflow.matterType, nameZH: "法律咨询", nameEN: "Legal consultation",
                requiredFields: ["request_id", "person.name", "person.phone", "region_code", "topic", "question"],
                requiredMaterials: [],
                workflow: ConsultationWorkflow.machine, deadlines: [],
                // The question, as asked: read for public opinion.
                publicText: { matter in (try? DetailsCoding.decode(ConsultationDetails.self, from: matter)).map { [$0.question] } ?? [] },
                guide: ServiceGuide(
                    eligibility: [
                        "任何人都可以通过服务窗口、电话、网络咨询法律问题，并了解申请法律援助的条件和程序（《中华人民共和国法律援助法》第二十三条）"
                    ],
                    fees: "免费（法律咨询是无偿提供的法律援助服务，《中华人民共和国法律援助法》第二条、第二十二条）",
                    applyVerb: "record", officeKinds: [.serviceCentre, .legalAidCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "agent", textZH: "是否需要有人代理诉讼、仲裁或者代写法律文书？",
                            ifYesZH: "因经济困难没有委托代理人的，可以申请法律援助（《中华人民共和国法律援助法》第三十一条）；也可以委托律师。")
                    ]))
        ],
        guidance: [
            GuidanceTopic(problemZH: "有法律问题想先问一问", category: .other, keywords: ["咨询", "怎么办", "法律问题", "12348"], matterTypeID: ConsultationWorkflow.matterType)
        ])

    public var rpcs: [RPCInfo] { ConsultationService.rpcs.infos }

    public var migrations: [StorageMigration] { [ConsultationDuty.migration] }

    /// DEMO DATA: Yinchuan's aid lawyer (`lap-640100-1`) on duty for every category, today and the
    /// next fourteen days, so questions from the city's counties reach a lawyer who can answer.
    public func seedDemoData(context: PluginContext) async throws {
        let today = CivilDate(context.now())
        try await context.storage.execute((0...14).map { offset in
            SQLStatement(
                """
                INSERT INTO consultation_duty (day, region_code, topic, account_id, name, role_label, set_by)
                VALUES (?, '640100', '', 'lap-640100-1', '银川市援助律师', '值班律师', 'demo') ON CONFLICT DO NOTHING
                """, [.text(today.adding(days: offset).description)])
        })
    }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [ConsultationService.rpcs.service(ConsultationService(context: context))]
    }
}
