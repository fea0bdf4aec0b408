public import FawangCore
public import FawangPluginKit
public import GRPCCore

/// Lawyers and law firms (律师管理) under 中华人民共和国律师法 (2017): practice licences and law
/// firm establishment in two stages (city review within 20 days, provincial decision within 10
/// days; Arts. 6, 18), refusals with Art. 7 grounds, complaints ending in penalties under Arts.
/// 47–50, and the public register of lawyers and firms.
///
/// ## Configuration
/// - `modules.lawyers.enabled` (bool, default `true`): switch the module on or off at run time.
public struct LawyersPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "lawyers", nameZH: "律师管理", nameEN: "Lawyers", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: LawyersWorkflow.practiceType, nameZH: "律师执业申请", nameEN: "Lawyer practice licence",
                requiredFields: [
                    "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code (city)",
                    "qualification_certificate_number", "internship_months (≥ 12, Art. 5)", "firm_licence_number",
                ],
                requiredMaterials: LawyersApplications.practiceMaterials + [LawyersApplications.partTimeMaterial + "（兼职律师）"],
                workflow: LawyersWorkflow.licenceMachine, deadlines: LawyersWorkflow.practiceDeadlines),
            MatterTypeSpec(
                id: LawyersWorkflow.firmType, nameZH: "律师事务所设立申请", nameEN: "Law firm establishment",
                requiredFields: [
                    "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code (city)",
                    "firm_name", "address", "kind", "founder_licence_numbers", "assets_yuan",
                ],
                requiredMaterials: LawyersApplications.firmMaterials,
                workflow: LawyersWorkflow.licenceMachine, deadlines: LawyersWorkflow.firmDeadlines),
            MatterTypeSpec(
                id: LawyersWorkflow.complaintType, nameZH: "律师、律师事务所投诉", nameEN: "Complaint against a lawyer or law firm",
                requiredFields: ["request_id", "context.channel", "complainant.name", "complainant.phone", "subject_kind", "subject_licence_number", "facts"],
                requiredMaterials: ["投诉书", "相关证据材料"],
                workflow: LawyersWorkflow.complaintMachine, deadlines: []),
        ],
        guidance: [
            GuidanceTopic(problemZH: "查询律师、律师事务所执业信息", keywords: ["查律师", "律师执业证", "律所查询"], matterTypeID: LawyersWorkflow.complaintType),
            GuidanceTopic(problemZH: "投诉律师、律师事务所", keywords: ["投诉律师", "律师违规", "律师收费"], matterTypeID: LawyersWorkflow.complaintType),
            GuidanceTopic(problemZH: "申请律师执业", keywords: ["律师执业", "实习期满", "执业证"], matterTypeID: LawyersWorkflow.practiceType),
            GuidanceTopic(problemZH: "设立律师事务所", keywords: ["设立律所", "开律所"], matterTypeID: LawyersWorkflow.firmType),
        ])

    public var rpcs: [RPCInfo] { LawyersService.rpcs.infos }

    public let migrations = LawyersRegister.migrations

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [LawyersService.rpcs.service(LawyersService(context: context))]
    }

    /// Three firms and six lawyers in Yinchuan and Shizuishan.
    public func seedDemoData(context: PluginContext) async throws {
        try await LawyersRegister(storage: context.storage).seedDemo()
    }
}
