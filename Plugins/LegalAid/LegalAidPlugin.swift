public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore
import Foundation

/// Legal aid (法律援助) under 中华人民共和国法律援助法 (2021): application with the hardship
/// statement and its exemptions, one-time request for missing materials, decision within 7 days,
/// written refusal with reasons, assignment within 3 days, conclusion and the applicant's rating.
///
/// ## Configuration
/// - `modules.legal-aid.enabled` (bool, default `true`): switch the module on or off at run time.
public struct LegalAidPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "legal-aid", nameZH: "法律援助", nameEN: "Legal aid", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: LegalAidWorkflow.matterType, nameZH: "法律援助申请", nameEN: "Legal aid application",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone",
                    "region_code", "case_category", "service_form", "case_summary", "hardship (Art. 41, unless Art. 24/32)",
                ],
                requiredMaterials: [
                    "申请人身份证明",
                    "经济困难状况说明或个人诚信承诺（第四十一条）",
                    "与所申请法律援助事项有关的材料",
                ],
                workflow: LegalAidWorkflow.machine,
                deadlines: [LegalAidWorkflow.decisionDeadline, LegalAidWorkflow.assignmentDeadline],
                credit: LegalAidPlugin.credit,
                guide: ServiceGuide(
                    eligibility: [
                        "因经济困难没有委托代理人的，可就请求支付劳动报酬、给付赡养费抚养费、工伤或交通事故人身损害赔偿等事项申请（\(LegalAidWorkflow.law)第三十一条）",
                        "刑事案件的犯罪嫌疑人、被告人因经济困难或者其他原因没有委托辩护人的，本人及其近亲属可以申请（\(LegalAidWorkflow.law)第二十四条）",
                        "遭受虐待、遗弃或者家庭暴力的受害人主张相关权益等情形，不受经济困难条件限制（\(LegalAidWorkflow.law)第三十二条）",
                    ],
                    fees: "免费（法律援助无偿提供，法律援助人员不得收取任何财物，\(LegalAidWorkflow.law)第二条、第二十条）",
                    applyVerb: "submit", officeKinds: [.legalAidCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "hardship", textZH: "您（家庭）是否经济困难？",
                            ifYesZH: "申请时如实说明经济困难状况，可通过信息共享查询核实或作个人诚信承诺（第四十一条）。",
                            ifNoZH: "不符合经济困难条件的，可以申请人民调解或委托律师；英雄烈士近亲属维护英雄烈士人格权益、因见义勇为主张民事权益、再审改判无罪请求国家赔偿、遭受虐待遗弃或家庭暴力的受害人主张相关权益的，不受经济困难条件限制（第三十二条）。"),
                        GuidanceQuestion(
                            id: "criminal", textZH: "是否为刑事案件的犯罪嫌疑人、被告人，且没有委托辩护人？",
                            ifYesZH: "本人及其近亲属可以申请法律援助（第二十四条）；未成年人，视力、听力、言语残疾人，可能被判处无期徒刑、死刑的人等，由人民法院、人民检察院、公安机关通知法律援助机构指派律师（第二十五条）。"),
                    ]))
        ],
        guidance: [
            GuidanceTopic(problemZH: "被拖欠工资、请不起律师", category: .wages, keywords: ["欠薪", "工资", "劳动报酬", "请不起律师"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "工伤、交通事故、医疗事故索赔", category: .injury, keywords: ["工伤", "交通事故", "医疗事故", "赔偿"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "追索赡养费、抚养费", category: .family, keywords: ["赡养费", "抚养费", "扶养费"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "家庭暴力受害人维权", category: .family, keywords: ["家暴", "家庭暴力", "虐待", "遗弃"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "刑事案件需要辩护律师", category: .criminal, keywords: ["辩护", "刑事", "被告人"], matterTypeID: LegalAidWorkflow.matterType),
        ])

    public var rpcs: [RPCInfo] { LegalAidService.rpcs.infos }

    public let migrations = [
        StorageMigration(id: "v1-providers", statements: [
            """
            CREATE TABLE legal_aid_providers (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                region_code TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1
            )
            """,
            "CREATE INDEX legal_aid_providers_by_region ON legal_aid_providers (region_code)",
        ])
    ]

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [LegalAidService.rpcs.service(LegalAidService(context: context))]
    }

    /// Two aid providers (a lawyer and a grassroots legal service worker) per legal aid centre
    /// of the demo directory.
    public func seedDemoData(context: PluginContext) async throws {
        let centres = try await context.directory.organizations(businessLine: manifest.id, within: nil)
        var statements: [SQLStatement] = []
        for (index, centre) in centres.enumerated() {
            let surnames = ["马", "李", "王", "张", "杨", "丁"]
            let surname = surnames[index % surnames.count]
            statements.append(SQLStatement(
                "INSERT INTO legal_aid_providers (id, name, kind, organization_id, region_code, active) VALUES (?, ?, ?, ?, ?, 1)",
                [.text("lap-\(centre.regionCode)-1"), .text("\(surname)律师"), .text("lawyer"), .text(centre.id), .text(centre.regionCode)]))
            statements.append(SQLStatement(
                "INSERT INTO legal_aid_providers (id, name, kind, organization_id, region_code, active) VALUES (?, ?, ?, ?, ?, 1)",
                [.text("lap-\(centre.regionCode)-2"), .text("\(surname)法律服务工作者"), .text("grassroots_legal_worker"), .text(centre.id), .text(centre.regionCode)]))
        }
        try await context.storage.execute(statements)
    }

    /// Three applications of Xingqing district at different points of their clocks: one received two
    /// weeks ago and not decided (overdue, even after a weekend roll-over: escalated to Yinchuan's
    /// bureau at the first scan), one
    /// received 6 days ago (due soon), one approved yesterday and waiting to be assigned.
    public func seedSampleMatters(context: PluginContext) async throws {
        let now = context.now()
        let samples: [(name: String, body: String, phone: String, daysAgo: Int, summary: String, approvedDaysAgo: Int?)] = [
            ("马建国", "64010419780301301", "13995110001", 14, "在建筑工地受伤，用人单位拒绝支付医疗费。", nil),
            ("李秀兰", "64010419650815402", "13995110002", 6, "子女不履行赡养义务，请求支付赡养费。", nil),
            ("王小军", "64010419900102503", "13995110003", 4, "被拖欠三个月工资共一万二千元。", 1),
        ]
        for (index, sample) in samples.enumerated() {
            let idNumber = sample.body + String(ResidentIdentityNumber.checkCharacter(forFirst17: sample.body) ?? "0")
            let details = LegalAidDetails(
                caseCategory: index == 1 ? .maintenance : index == 0 ? .personalInjury : .labourRemuneration, serviceForm: .litigationAgency,
                caseSummary: sample.summary, opposingParty: "", hardship: HardshipStatement(
                    householdSize: 3, monthlyIncomePerCapitaYuan: 500, description: "家庭收入低于当地最低生活保障标准", verification: .personalCommitment),
                hardshipExemption: nil, verificationExemption: nil, materials: ["身份证复印件"])
            let submitted = now.addingTimeInterval(-Double(sample.daysAgo) * 86_400)
            let matter = try await context.matters.submit(MatterDraft(
                requestID: "demo-sample-\(index + 1)", requestDigest: "demo", businessLine: manifest.id, matterType: LegalAidWorkflow.matterType,
                initialStatus: LegalAidWorkflow.machine.initialStatus, applicant: Person(name: sample.name, idNumber: idNumber, phone: sample.phone),
                parties: [], regionCode: "640104", channel: index == 0 ? .hotline : .walkIn, operatorID: "staff-640100-window",
                details: details.encoded(),
                firstEvent: MatterEventDraft(kind: "submitted", actor: "staff-640100-window", channel: index == 0 ? .hotline : .walkIn)),
                at: submitted).matter
            if let approved = sample.approvedDaysAgo {
                let at = now.addingTimeInterval(-Double(approved) * 86_400)
                _ = try await context.matters.update(trackingNumber: matter.trackingNumber, at: at) { matter in
                    try LegalAidWorkflow.decide(.approve(note: "符合法律援助条件"), on: matter, StepContext(actor: "staff-640100-reviewer", channel: .walkIn, now: at))
                }
            }
        }
    }
}
