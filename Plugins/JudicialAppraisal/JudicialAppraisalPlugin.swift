public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore

/// Judicial appraisal (司法鉴定): the register of institutions and appraisers with their licensed
/// categories; entrustment by a court, procuratorate, police organ or party; the institution's
/// decision to accept within 7 working days and completion within 30 working days, time for
/// supplementing or re-extracting materials excluded, one extension with approval; complaints
/// against appraisers.
///
/// The time limits and procedure come from the Ministry of Justice's 司法鉴定程序通则, which is
/// not in the law corpus: the rules are declared with `articleConfirmed: false` and articles
/// marked 待确认; their days may be set in config (`deadlines.rule_days`).
///
/// ## Configuration
/// - `modules.judicial-appraisal.enabled` (bool, default `true`).
/// - `deadlines.rule_days` for `judicial-appraisal.acceptance` / `judicial-appraisal.completion`.
/// - `minimumAppraisers` (init parameter, default 2): appraisers assigned per matter.
/// - The register: tables `judicial_appraisal_institutions` and `judicial_appraisal_appraisers`.
public struct JudicialAppraisalPlugin: DepartmentPlugin {
    public let minimumAppraisers: Int

    public init(minimumAppraisers: Int = 2) {
        precondition(minimumAppraisers >= 1, "at least one appraiser per matter")
        self.minimumAppraisers = minimumAppraisers
    }

    public let manifest = ModuleManifest(
        id: "judicial-appraisal", nameZH: "司法鉴定", nameEN: "Judicial appraisal", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: AppraisalWorkflow.entrustmentType, nameZH: "司法鉴定委托", nameEN: "Judicial appraisal entrustment",
                requiredFields: [
                    "request_id", "entruster.type", "entruster.organization (unless a party)",
                    "entruster.contact.name", "entruster.contact.phone", "entruster.contact.id_number (a party)",
                    "institution_id", "category (licensed for the institution)", "appraisal_matters", "purpose", "materials",
                ],
                requiredMaterials: ["司法鉴定委托书", "鉴定材料（检材、样本及相关资料）", "委托人身份证明（当事人委托的）"],
                workflow: AppraisalWorkflow.entrustment,
                deadlines: [AppraisalWorkflow.acceptanceDeadline, AppraisalWorkflow.completionDeadline],
                credit: JudicialAppraisalPlugin.entrustmentCredit,
                guide: ServiceGuide(
                    eligibility: [
                        "诉讼中，当事人可以就查明事实的专门性问题向人民法院申请鉴定，鉴定人由双方协商确定或者由人民法院指定（《中华人民共和国民事诉讼法》第七十九条）",
                        "刑事案件中，犯罪嫌疑人、被害人对用作证据的鉴定意见可以申请补充鉴定或者重新鉴定（《中华人民共和国刑事诉讼法》第一百四十八条）",
                    ],
                    fees: "按自治区核定的司法鉴定收费标准收取，法律援助受援人减收或者免收（《中华人民共和国法律援助法》第五十三条）",
                    applyVerb: "entrust", officeKinds: [.appraisalInstitution],
                    questions: [
                        GuidanceQuestion(
                            id: "lawsuit", textZH: "案件是否已经在人民法院审理？",
                            ifYesZH: "诉讼中需要鉴定的，向审理案件的人民法院申请鉴定，由双方当事人协商确定或者由人民法院指定鉴定人（民事诉讼法第七十九条）。",
                            ifNoZH: "可以向名册中具备相应鉴定类别的司法鉴定机构委托鉴定。"),
                        GuidanceQuestion(
                            id: "legalaid", textZH: "您是否为法律援助受援人？",
                            ifYesZH: "司法鉴定机构应当对受援人减收或者免收鉴定费（法律援助法第五十三条）。"),
                    ])),
            MatterTypeSpec(
                id: AppraisalWorkflow.complaintType, nameZH: "司法鉴定执业投诉", nameEN: "Complaint against an appraiser",
                requiredFields: ["request_id", "complainant.name", "complainant.id_number", "complainant.phone", "appraiser_id", "facts"],
                requiredMaterials: ["投诉人身份证明", "投诉事实的证明材料"],
                workflow: AppraisalWorkflow.complaint,
                deadlines: [],
                credit: JudicialAppraisalPlugin.complaintCredit, callsBackWhenEnded: true,
                publicText: { matter in (try? DetailsCoding.decode(ComplaintDetails.self, from: matter)).map { [$0.facts] } ?? [] },
                guide: ServiceGuide(fees: "免费", applyVerb: "complain", officeKinds: [.serviceCentre])),
        ],
        guidance: [
            GuidanceTopic(problemZH: "交通事故、工伤需要做伤残等级鉴定", category: .appraisal, keywords: ["伤残", "伤残等级", "法医", "鉴定"], matterTypeID: AppraisalWorkflow.entrustmentType,
                officeSpecialties: [AppraisalCategory.forensicMedicine.label]),
            GuidanceTopic(problemZH: "笔迹、印章、电子数据真伪需要鉴定", category: .appraisal, keywords: ["笔迹", "印章", "电子数据", "录音", "录像"], matterTypeID: AppraisalWorkflow.entrustmentType,
                officeSpecialties: [AppraisalCategory.physicalEvidence.label, AppraisalCategory.audioVisualElectronic.label]),
            GuidanceTopic(problemZH: "对司法鉴定人的鉴定行为不满", category: .complaints, keywords: ["鉴定人", "投诉", "鉴定不公"], matterTypeID: AppraisalWorkflow.complaintType),
        ])

    public var rpcs: [RPCInfo] { AppraisalService.rpcs.infos }

    public let migrations = [
        StorageMigration(id: "v1-register", statements: [
            // Licensed categories as a comma-separated list of AppraisalCategory raw values.
            """
            CREATE TABLE judicial_appraisal_institutions (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                region_code TEXT NOT NULL,
                license_number TEXT NOT NULL,
                categories TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1
            )
            """,
            "CREATE INDEX judicial_appraisal_institutions_by_region ON judicial_appraisal_institutions (region_code)",
            """
            CREATE TABLE judicial_appraisal_appraisers (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                institution_id TEXT NOT NULL,
                license_number TEXT NOT NULL,
                categories TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1
            )
            """,
            "CREATE INDEX judicial_appraisal_appraisers_by_institution ON judicial_appraisal_appraisers (institution_id)",
        ])
    ]

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [AppraisalService.rpcs.service(AppraisalService(context: context, minimumAppraisers: minimumAppraisers))]
    }

    /// Demo register (fictitious institutions and appraisers).
    public func seedDemoData(context: PluginContext) async throws {
        var statements: [SQLStatement] = []
        for institution in Self.demoInstitutions {
            statements.append(SQLStatement(
                "INSERT INTO judicial_appraisal_institutions (id, name, region_code, license_number, categories, active) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(institution.id), .text(institution.name), .text(institution.region), .text("演示许可证-\(institution.id)"),
                 .text(AppraisalCategory.list(institution.categories)), .integer(institution.active ? 1 : 0)]))
        }
        for appraiser in Self.demoAppraisers {
            statements.append(SQLStatement(
                "INSERT INTO judicial_appraisal_appraisers (id, name, institution_id, license_number, categories, active) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(appraiser.id), .text(appraiser.name), .text(appraiser.institution), .text("演示执业证-\(appraiser.id)"),
                 .text(AppraisalCategory.list(appraiser.categories)), .integer(appraiser.active ? 1 : 0)]))
        }
        try await context.storage.execute(statements)
    }

    static let demoInstitutions: [(id: String, name: String, region: String, categories: [AppraisalCategory], active: Bool)] = [
        ("ja-640100-1", "银川市法医物证司法鉴定中心（演示）", "640100", [.forensicMedicine, .physicalEvidence], true),
        ("ja-640100-2", "银川市电子数据司法鉴定所（演示）", "640100", [.audioVisualElectronic], true),
        ("ja-640104-1", "兴庆区法医临床司法鉴定所（演示，暂停执业）", "640104", [.forensicMedicine], false),
        ("ja-640200-1", "石嘴山市法医司法鉴定所（演示）", "640200", [.forensicMedicine], true),
        ("ja-640300-1", "吴忠市环境损害司法鉴定所（演示）", "640300", [.environmentalDamage], true),
    ]

    static let demoAppraisers: [(id: String, name: String, institution: String, categories: [AppraisalCategory], active: Bool)] = [
        ("jap-01", "张明（法医）", "ja-640100-1", [.forensicMedicine], true),
        ("jap-02", "李华（法医）", "ja-640100-1", [.forensicMedicine], true),
        ("jap-03", "王强（物证）", "ja-640100-1", [.physicalEvidence], true),
        ("jap-04", "赵敏（法医、物证）", "ja-640100-1", [.forensicMedicine, .physicalEvidence], true),
        ("jap-05", "刘洋（法医，暂停执业）", "ja-640100-1", [.forensicMedicine], false),
        ("jap-06", "陈静（电子数据）", "ja-640100-2", [.audioVisualElectronic], true),
        ("jap-07", "杨帆（电子数据）", "ja-640100-2", [.audioVisualElectronic], true),
        ("jap-08", "马军（法医）", "ja-640200-1", [.forensicMedicine], true),
        ("jap-09", "丁兰（法医）", "ja-640200-1", [.forensicMedicine], true),
        ("jap-10", "周涛（环境损害）", "ja-640300-1", [.environmentalDamage], true),
        ("jap-11", "吴迪（环境损害）", "ja-640300-1", [.environmentalDamage], true),
    ]
}
