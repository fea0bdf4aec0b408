public import FawangCore
public import FawangPluginKit
public import FawangProto
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
                    "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone",
                    "region_code", "case_category", "service_form", "case_summary", "hardship (Art. 41, unless Art. 24/32)",
                ],
                requiredMaterials: [
                    "申请人身份证明",
                    "经济困难状况说明或个人诚信承诺（第四十一条）",
                    "与所申请法律援助事项有关的材料",
                ],
                workflow: LegalAidWorkflow.machine,
                deadlines: [LegalAidWorkflow.decisionDeadline, LegalAidWorkflow.assignmentDeadline])
        ],
        guidance: [
            GuidanceTopic(problemZH: "被拖欠工资、请不起律师", keywords: ["欠薪", "工资", "劳动报酬", "请不起律师"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "工伤、交通事故、医疗事故索赔", keywords: ["工伤", "交通事故", "医疗事故", "赔偿"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "追索赡养费、抚养费", keywords: ["赡养费", "抚养费", "扶养费"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "家庭暴力受害人维权", keywords: ["家暴", "家庭暴力", "虐待", "遗弃"], matterTypeID: LegalAidWorkflow.matterType),
            GuidanceTopic(problemZH: "刑事案件需要辩护律师", keywords: ["辩护", "刑事", "被告人"], matterTypeID: LegalAidWorkflow.matterType),
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
