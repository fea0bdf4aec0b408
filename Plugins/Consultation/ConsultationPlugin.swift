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
                requiredFields: ["request_id", "context.channel", "person.name", "person.phone", "region_code", "topic", "question"],
                requiredMaterials: [],
                workflow: ConsultationWorkflow.machine, deadlines: [])
        ],
        guidance: [
            GuidanceTopic(problemZH: "有法律问题想先问一问", keywords: ["咨询", "怎么办", "法律问题", "12348"], matterTypeID: ConsultationWorkflow.matterType)
        ])

    public var rpcs: [RPCInfo] { ConsultationService.rpcs.infos }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [ConsultationService.rpcs.service(ConsultationService(context: context))]
    }
}
