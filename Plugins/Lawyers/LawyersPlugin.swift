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
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone", "region_code (city)",
                    "qualification_certificate_number", "internship_months (≥ 12, Art. 5)", "firm_licence_number",
                ],
                requiredMaterials: LawyersApplications.practiceMaterials + [LawyersApplications.partTimeMaterial + "（兼职律师）"],
                workflow: LawyersWorkflow.licenceMachine, deadlines: LawyersWorkflow.practiceDeadlines,
                guide: ServiceGuide(
                    eligibility: [
                        "通过国家统一法律职业资格考试取得法律职业资格、在律师事务所实习满一年、品行良好（\(lawyersLaw)第五条）",
                        "向设区的市级司法行政部门提出申请，由自治区司法厅作出是否准予执业的决定（\(lawyersLaw)第六条）",
                        "受过刑事处罚（过失犯罪除外）或者被开除公职、被吊销律师、公证员执业证书的，不予颁发执业证书（\(lawyersLaw)第七条）",
                    ],
                    fees: "免费（行政机关实施行政许可不得收取任何费用，《中华人民共和国行政许可法》第五十八条）",
                    applyVerb: "apply-practice", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "parttime", textZH: "是否申请兼职律师执业？",
                            ifYesZH: "还应当提交所在单位同意兼职从事律师职业的证明（第六条第二款）；公务员不得兼任执业律师（第十一条）。")
                    ])),
            MatterTypeSpec(
                id: LawyersWorkflow.firmType, nameZH: "律师事务所设立申请", nameEN: "Law firm establishment",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone", "region_code (city)",
                    "firm_name", "address", "kind", "founder_licence_numbers", "assets_yuan",
                ],
                requiredMaterials: LawyersApplications.firmMaterials,
                workflow: LawyersWorkflow.licenceMachine, deadlines: LawyersWorkflow.firmDeadlines,
                guide: ServiceGuide(
                    eligibility: [
                        "设立人应当是具有一定执业经历、三年内未受过停止执业处罚的律师（\(lawyersLaw)第十四条）",
                        "合伙律师事务所应当有三名以上合伙人，设立人具有三年以上执业经历（\(lawyersLaw)第十五条）",
                        "个人律师事务所的设立人应当具有五年以上执业经历（\(lawyersLaw)第十六条）",
                    ],
                    fees: "免费（行政机关实施行政许可不得收取任何费用，《中华人民共和国行政许可法》第五十八条）",
                    applyVerb: "apply-firm", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "partnership", textZH: "是否设立合伙律师事务所？",
                            ifYesZH: "须有三名以上合伙人，设立人具有三年以上执业经历，并提交合伙协议（第十五条、第十七条）。",
                            ifNoZH: "个人律师事务所的设立人须具有五年以上执业经历，并对律师事务所的债务承担无限责任（第十六条）。")
                    ])),
            MatterTypeSpec(
                id: LawyersWorkflow.complaintType, nameZH: "律师、律师事务所投诉", nameEN: "Complaint against a lawyer or law firm",
                requiredFields: ["request_id", "complainant.name", "complainant.phone", "subject_kind", "subject_licence_number", "facts"],
                requiredMaterials: ["投诉书", "相关证据材料"],
                workflow: LawyersWorkflow.complaintMachine, deadlines: [],
                credit: LawyersPlugin.complaintCredit, callsBackWhenEnded: true,
                publicText: { matter in (try? DetailsCoding.decode(ComplaintDetails.self, from: matter)).map { [$0.facts] } ?? [] },
                guide: ServiceGuide(
                    eligibility: [
                        "律师执业应当接受国家、社会和当事人的监督，当事人和公众均可投诉（\(lawyersLaw)第三条）",
                        "律师、律师事务所违法执业的，由设区的市级司法行政部门依法给予处罚（\(lawyersLaw)第四十七条至第五十条）",
                    ],
                    fees: "免费",
                    applyVerb: "complain", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "dispute", textZH: "是否与律师就收费或委托事项发生纠纷？",
                            ifYesZH: "律师执业活动中发生的纠纷，也可以请律师协会调解（第四十六条）；律师协会也受理对律师的投诉。")
                    ])),
        ],
        guidance: [
            GuidanceTopic(problemZH: "查询律师、律师事务所执业信息", category: .profession, keywords: ["查律师", "律师执业证", "律所查询"], matterTypeID: LawyersWorkflow.complaintType),
            GuidanceTopic(problemZH: "投诉律师、律师事务所", category: .complaints, keywords: ["投诉律师", "律师违规", "律师收费"], matterTypeID: LawyersWorkflow.complaintType),
            GuidanceTopic(problemZH: "申请律师执业", category: .profession, keywords: ["律师执业", "实习期满", "执业证"], matterTypeID: LawyersWorkflow.practiceType),
            GuidanceTopic(problemZH: "设立律师事务所", category: .profession, keywords: ["设立律所", "开律所"], matterTypeID: LawyersWorkflow.firmType),
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

    /// The register's firms and lawyers, with their status today and their penalties.
    public func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry] {
        try await LawyersRegister(storage: context.storage).directoryEntries(businessLine: manifest.id, today: CivilDate(context.now()))
    }

    /// A complaint is about the lawyer or the firm it names; upheld when it ended in a penalty
    /// (第四十七条至第五十条), not when the investigation found no violation.
    @Sendable static func complaintCredit(_ matter: Matter) -> CreditFacts {
        guard let details = try? matter.decodeDetails(ComplaintDetails.self) else { return CreditFacts() }
        let kind: DirectoryKind = details.subjectKind == .firm ? .lawFirm : .lawyer
        let upheld: Bool? = switch matter.status {
        case LawyersWorkflow.Status.disciplined: true
        case LawyersWorkflow.Status.noViolation: false
        default: nil
        }
        return CreditFacts(complaintAbout: [kind.entryID(details.subjectLicenceNumber)], complaintUpheld: upheld)
    }
}
