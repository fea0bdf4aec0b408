public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore

/// Notarization (公证) under 中华人民共和国公证法 (2017 amendment): application for a notarial
/// matter of Art. 11 with the materials its kind requires, acceptance by a notary office of the
/// place of application (Art. 25) with the legal notice of Art. 27, supplementary proof and
/// verification (Arts. 27, 29), the certificate within 15 working days of acceptance (Art. 30),
/// refusal on the grounds of Art. 31, fees by the provincial schedule (Art. 34), review (Art. 39).
///
/// ## Configuration
/// - `modules.notarization.enabled` (bool, default `true`): switch the module on or off at run time.
/// - Fees: the `notarization_fees` table (a demo schedule is seeded; load the province's official one).
/// - Notary offices: the `notarization_offices` table (demo offices are seeded).
public struct NotarizationPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "notarization", nameZH: "公证", nameEN: "Notarization", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: NotarizationWorkflow.matterType, nameZH: "公证申请", nameEN: "Notarization application",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone",
                    "region_code", "place_basis (Art. 25)", "matter_kind (Art. 11)", "materials (the kind's required materials)",
                ],
                requiredMaterials: [
                    NotarialMatterRule.identity,
                    "所申请公证事项的证明材料（按公证事项，见 ListMatterKinds）",
                    "涉及不动产的：不动产权属证书（第二十五条第二款）",
                ],
                workflow: NotarizationWorkflow.machine,
                deadlines: [NotarizationWorkflow.certificateDeadline],
                credit: NotarizationPlugin.credit,
                guide: ServiceGuide(
                    eligibility: [
                        "自然人、法人或者其他组织可以向住所地、经常居住地、行为地或者事实发生地的公证机构申请（\(NotarizationLaw.article("第二十五条"))）",
                        "可以委托他人办理，但遗嘱、生存、收养关系等应当由本人办理（\(NotarizationLaw.article("第二十六条"))）",
                    ],
                    fees: "按自治区核定的公证收费标准收取，符合法律援助条件的减免（\(NotarizationLaw.article("第三十四条"))）",
                    applyVerb: "apply", officeKinds: [.notaryOffice],
                    questions: [
                        GuidanceQuestion(
                            id: "immovable", textZH: "是否涉及房屋、土地等不动产？",
                            ifYesZH: "应当向不动产所在地的公证机构申请；涉及不动产的委托、声明、赠与、遗嘱，也可以向住所地、经常居住地、行为地或者事实发生地的公证机构申请（第二十五条第二款）。"),
                        GuidanceQuestion(
                            id: "agent", textZH: "是否委托他人代为办理？",
                            ifYesZH: "遗嘱、生存、收养关系等公证应当由本人办理，不能委托他人（第二十六条）。"),
                    ]))
        ],
        guidance: [
            GuidanceTopic(problemZH: "出国留学、工作需要学历、学位、无犯罪记录公证", category: .certificates, keywords: ["出国", "留学", "学历", "学位", "无犯罪记录"], matterTypeID: NotarizationWorkflow.matterType),
            GuidanceTopic(problemZH: "办理出生、亲属关系、婚姻状况公证", category: .certificates, keywords: ["出生", "亲属关系", "婚姻状况", "未婚", "已婚"], matterTypeID: NotarizationWorkflow.matterType),
            GuidanceTopic(problemZH: "立遗嘱、办理继承", category: .certificates, keywords: ["遗嘱", "继承", "遗产", "房产过户"], matterTypeID: NotarizationWorkflow.matterType),
            GuidanceTopic(problemZH: "委托他人办事、签合同需要公证", category: .certificates, keywords: ["委托书", "委托", "合同", "声明", "赠与"], matterTypeID: NotarizationWorkflow.matterType),
        ])

    public var rpcs: [RPCInfo] { NotarizationService.rpcs.infos }

    public let migrations = [
        StorageMigration(id: "v1-offices-fees-certificates", statements: [
            """
            CREATE TABLE notarization_offices (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                region_code TEXT NOT NULL,
                certificate_prefix TEXT NOT NULL,
                phone TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1
            )
            """,
            "CREATE INDEX notarization_offices_by_region ON notarization_offices (region_code)",
            // Art. 34: the fee schedule set by the provincial price authority, per notarial matter.
            """
            CREATE TABLE notarization_fees (
                province_code TEXT NOT NULL,
                matter_kind TEXT NOT NULL,
                fee_yuan INTEGER NOT NULL,
                basis TEXT NOT NULL,
                PRIMARY KEY (province_code, matter_kind)
            )
            """,
            // Certificate numbers: one per matter, serials per office and year.
            """
            CREATE TABLE notarization_certificates (
                number TEXT PRIMARY KEY,
                matter_id TEXT NOT NULL UNIQUE,
                office_id TEXT NOT NULL,
                year INTEGER NOT NULL,
                serial INTEGER NOT NULL,
                UNIQUE (office_id, year, serial)
            )
            """,
        ])
    ]

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [NotarizationService.rpcs.service(NotarizationService(context: context))]
    }

    /// Demo notary offices (one per city, two in Yinchuan) and the demo fee schedule
    /// (``DemoFeeSchedule``: not an official schedule).
    public func seedDemoData(context: PluginContext) async throws {
        var statements = Self.demoOffices.map { office in
            SQLStatement(
                "INSERT INTO notarization_offices (id, name, region_code, certificate_prefix, phone, active) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(office.id), .text(office.name), .text(office.region), .text(office.prefix), .text("12348"), .integer(office.active ? 1 : 0)])
        }
        for kind in NotarialMatterKind.allCases {
            statements.append(SQLStatement(
                "INSERT INTO notarization_fees (province_code, matter_kind, fee_yuan, basis) VALUES (?, ?, ?, ?)",
                [.text(DemoFeeSchedule.province), .text(kind.rawValue), .integer(DemoFeeSchedule.yuan[kind]!), .text(DemoFeeSchedule.basis)]))
        }
        try await context.storage.execute(statements)
    }

    static let demoOffices: [(id: String, name: String, region: String, prefix: String, active: Bool)] = [
        ("np-640100-1", "银川市第一公证处（演示）", "640100", "宁银", true),
        ("np-640104-1", "银川市兴庆公证处（演示）", "640104", "宁银兴", true),
        ("np-640105-1", "银川市西夏公证处（演示，暂停执业）", "640105", "宁银西", false),
        ("np-640200-1", "石嘴山市公证处（演示）", "640200", "宁石", true),
        ("np-640300-1", "吴忠市公证处（演示）", "640300", "宁吴", true),
        ("np-640400-1", "固原市公证处（演示）", "640400", "宁固", true),
        ("np-640500-1", "中卫市公证处（演示）", "640500", "宁卫", true),
    ]
}
