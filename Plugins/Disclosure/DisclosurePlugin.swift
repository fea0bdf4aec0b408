public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation

/// Government information disclosure (政府信息公开) under 《中华人民共和国政府信息公开条例》
/// (2019): applications for disclosure on request — filed, corrected once on notice (Art. 30),
/// consulted on with third parties (Art. 32), answered within 20 working days, extendable once by
/// 20 (Art. 33), in one of the ways of Art. 36 — and each bureau's catalogue of proactively
/// disclosed information (Arts. 12, 19–20, 49–50).
///
/// ## Configuration
/// - `modules.disclosure.enabled` (bool, default `true`).
public struct DisclosurePlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "disclosure", nameZH: "政府信息公开", nameEN: "Government information disclosure", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: DisclosureWorkflow.matterType, nameZH: "政府信息公开申请", nameEN: "Application for disclosure of government information",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone", "region_code",
                    "information_name | document_number | description (Art. 29 para. 2 (2))", "provision_form", "delivery",
                ],
                requiredMaterials: [],
                workflow: DisclosureWorkflow.machine, deadlines: DisclosureWorkflow.deadlines,
                guide: ServiceGuide(
                    eligibility: [
                        "公民、法人或者其他组织可以向司法行政机关申请获取其主动公开以外的政府信息（\(DisclosureLaw.article("第二十七条"))）",
                        "申请应当采用包括信件、数据电文在内的书面形式，写明申请人的姓名或者名称、身份证明、联系方式，所需信息的名称、文号或者便于查询的其他特征性描述，以及获取信息的形式、方式和途径；书面形式确有困难的，可以口头提出，由政府信息公开工作机构代为填写（\(DisclosureLaw.article("第二十九条"))）",
                        "能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复，经政府信息公开工作机构负责人同意可以延长，最长不超过20个工作日（\(DisclosureLaw.article("第三十三条"))）",
                    ],
                    fees: "免费（行政机关依申请提供政府信息，不收取费用；申请数量、频次明显超过合理范围的，可以收取信息处理费，\(DisclosureLaw.article("第四十二条"))）",
                    applyVerb: "submit", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "proactive", textZH: "您要找的信息是否已在该机关的主动公开目录中？",
                            ifYesZH: "可以直接在主动公开目录中查阅、下载（\(DisclosureLaw.article("第二十四条"))）；已经主动公开的信息，申请后行政机关也只告知获取的方式和途径（\(DisclosureLaw.article("第三十六条"))第一项）。"),
                        GuidanceQuestion(
                            id: "complaint", textZH: "您是想投诉、举报或者反映诉求吗？",
                            ifYesZH: "以政府信息公开申请的形式进行信访、投诉、举报等活动的，不作为政府信息公开申请处理（\(DisclosureLaw.article("第三十九条"))）；请通过信访渠道提出。"),
                    ]))
        ],
        guidance: [
            GuidanceTopic(
                problemZH: "想向司法行政机关申请公开政府信息", category: .other,
                keywords: ["信息公开", "政府信息", "公开申请", "依申请公开", "申请公开"], matterTypeID: DisclosureWorkflow.matterType),
            GuidanceTopic(
                problemZH: "想查阅司法行政机关的文件、统计数据或者收费标准", category: .other,
                keywords: ["规范性文件", "统计数据", "收费标准", "年度报告", "主动公开"], matterTypeID: DisclosureWorkflow.matterType),
        ])

    public var rpcs: [RPCInfo] { DisclosureService.rpcs.infos }

    public let migrations = [
        StorageMigration(id: "v1-catalogue", statements: [
            """
            CREATE TABLE disclosure_catalogue (
                region_code TEXT NOT NULL,
                year INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                request_id TEXT NOT NULL UNIQUE,
                request_digest TEXT NOT NULL,
                publisher TEXT NOT NULL,
                category TEXT NOT NULL,
                title TEXT NOT NULL,
                document_number TEXT NOT NULL DEFAULT '',
                summary TEXT NOT NULL,
                body TEXT NOT NULL DEFAULT '',
                generated_on TEXT NOT NULL,
                published_on TEXT NOT NULL,
                published_by TEXT NOT NULL,
                published_at TEXT NOT NULL,
                PRIMARY KEY (region_code, year, seq)
            )
            """,
            "CREATE INDEX disclosure_catalogue_by_category ON disclosure_catalogue (region_code, category, published_on)",
        ]),
        // Withdrawal (WithdrawItem): the row stays, out of the catalogue; `withdrawal_id` tells a
        // withdrawal its own guarded UPDATE from a concurrent one.
        StorageMigration(id: "v2-catalogue-withdrawal", statements: [
            "ALTER TABLE disclosure_catalogue ADD COLUMN withdrawn_on TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE disclosure_catalogue ADD COLUMN withdrawal_reason TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE disclosure_catalogue ADD COLUMN withdrawn_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE disclosure_catalogue ADD COLUMN withdrawal_id TEXT NOT NULL DEFAULT ''",
        ]),
    ]

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [DisclosureService.rpcs.service(DisclosureService(context: context))]
    }

    /// DEMO DATA, not real publications: a few catalogue items of 宁夏回族自治区司法厅 (640000), one of
    /// each main category, so that the public catalogue is not empty on a fresh demo. Titles follow
    /// the usual shape of such items; their numbers, dates and figures are invented, and each
    /// summary says 演示数据.
    public func seedDemoData(context: PluginContext) async throws {
        let publisher = "宁夏回族自治区司法厅"
        let items: [(CatalogueCategory, String, String, String, String, String)] = [
            (.annualReport, "宁夏回族自治区司法厅2025年政府信息公开工作年度报告", "",
             "本机关2025年主动公开政府信息、收到和处理政府信息公开申请、行政复议和行政诉讼等情况（第四十九条、第五十条）。",
             "一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n六、其他需要报告的事项",
             "2026-01-20"),
            (.serviceGuide, "法律援助申请办事指南", "",
             "申请条件、申请材料、办理流程和时限（法律援助法第四十一条至第四十三条）、咨询电话12348。", "", "2026-03-02"),
            (.fees, "公证服务收费项目及标准", "宁发改价格〔2025〕8号",
             "公证服务收费项目、收费标准及其依据（第二十条第八项）。", "", "2025-11-10"),
            (.statistics, "2026年第二季度全区公共法律服务统计数据", "",
             "全区法律援助、人民调解、公证、司法鉴定等公共法律服务办理量统计（第二十条第四项）。", "", "2026-07-15"),
            (.notice, "关于国庆节、中秋节期间公共法律服务窗口值班安排的通知", "",
             "2026年10月1日至8日期间，12348公共法律服务热线正常接听，各级公共法律服务中心安排值班。", "", "2026-09-18"),
        ]
        var statements: [SQLStatement] = []
        var numbered: [Int: Int] = [:]
        for (index, item) in items.enumerated() {
            let year = Int(item.5.prefix(4)) ?? 2026
            numbered[year, default: 0] += 1
            let row = CatalogueRow(
                regionCode: "640000", year: year, sequence: numbered[year]!, publisher: publisher, category: item.0, title: item.1,
                documentNumber: item.2, summary: item.3 + "（演示数据）", body: item.4, generatedOn: item.5, publishedOn: item.5,
                requestDigest: "demo")
            statements.append(SQLStatement(
                """
                INSERT INTO disclosure_catalogue (region_code, year, seq, request_id, request_digest, publisher, category, title,
                    document_number, summary, body, generated_on, published_on, published_by, published_at)
                VALUES (?, ?, ?, ?, 'demo', ?, ?, ?, ?, ?, ?, ?, ?, 'demo', ?)
                """,
                [
                    .text(row.regionCode), .integer(Int64(row.year)), .integer(Int64(row.sequence)), .text("demo-catalogue-\(index + 1)"),
                    .text(row.publisher), .text(row.category.rawValue), .text(row.title), .text(row.documentNumber), .text(row.summary),
                    .text(row.body), .text(row.generatedOn), .text(row.publishedOn), .text(row.publishedOn + "T09:00:00Z"),
                ]))
        }
        try await context.storage.execute(statements)
    }
}
