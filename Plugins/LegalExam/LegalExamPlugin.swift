public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore
import Foundation

/// The province's part of the national unified legal professional qualification exam
/// (国家统一法律职业资格考试): confirming registrations against the eligibility conditions, importing
/// results and letting candidates look them up, granting the qualification certificate, and the
/// appeal (复核) of a refusal.
///
/// The Ministry of Justice's rules (《国家统一法律职业资格考试实施办法》, 《法律职业资格管理办法》, 2018)
/// are not in the law corpus: every article is cited "（待确认）", thresholds are code constants
/// (``EligibilityPolicy``, ``PassLines``, ``CertificateWorkflow/appealFilingDays``) and deadlines are
/// `articleConfirmed: false` rules whose days may be configured.
///
/// ## Configuration
/// - `modules.legal-exam.enabled` (bool, default `true`).
/// - `deadlines.rule_days.legal-exam.certificate-review` (default 20), `deadlines.rule_days.legal-exam.appeal-decision` (default 30).
public struct LegalExamPlugin: DepartmentPlugin {
    static let moduleID = "legal-exam"

    public init() {}

    public let manifest = ModuleManifest(
        id: LegalExamPlugin.moduleID, nameZH: "法律职业资格", nameEN: "Legal professional qualification exam", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: RegistrationWorkflow.matterType, nameZH: "法律职业资格考试报名确认", nameEN: "Exam registration confirmation",
                requiredFields: [
                    "request_id", "candidate.name", "candidate.id_number", "candidate.phone", "exam_year",
                    "region_code", "nationality", "education.level", "education.major",
                ],
                requiredMaterials: ["身份证件", "学历、学位证书", "从事法律工作经历证明（非法学类本科报名的）"],
                workflow: RegistrationWorkflow.machine, deadlines: [],
                guide: ServiceGuide(
                    eligibility: [
                        "担任律师、公证员须通过国家统一法律职业资格考试取得法律职业资格（《中华人民共和国律师法》第五条、《中华人民共和国公证法》第十八条）",
                        "初任法官、检察官应当通过国家统一法律职业资格考试取得法律职业资格（《中华人民共和国法官法》第十二条、《中华人民共和国检察官法》第十二条）",
                    ],
                    fees: "报名费按有关部门核定的标准缴纳，以当年考试公告为准",
                    applyVerb: "register", officeKinds: [.serviceCentre])),
            MatterTypeSpec(
                id: CertificateWorkflow.matterType, nameZH: "法律职业资格申请", nameEN: "Legal professional qualification certificate",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.id_number", "applicant.phone", "exam_year",
                    "admission_ticket",
                ],
                requiredMaterials: ["法律职业资格申请表", "身份证件", "学历、学位证书", "近期免冠证件照片"],
                workflow: CertificateWorkflow.machine,
                deadlines: [CertificateWorkflow.reviewDeadline, CertificateWorkflow.appealDeadline],
                guide: ServiceGuide(
                    eligibility: [
                        "申请律师执业，应当提交国家统一法律职业资格证书（《中华人民共和国律师法》第六条）"
                    ],
                    fees: "免费（行政机关实施行政许可不得收取任何费用，《中华人民共和国行政许可法》第五十八条）",
                    applyVerb: "apply-certificate", officeKinds: [.serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "passed", textZH: "考试成绩是否已达到合格分数线？",
                            ifNoZH: "未达到合格分数线的，不能申请授予法律职业资格；可以凭准考证号和身份证号查询成绩。")
                    ])),
        ],
        guidance: [
            GuidanceTopic(problemZH: "报名参加法律职业资格考试（司法考试）", category: .profession, keywords: ["法考", "司法考试", "法律职业资格考试", "报名"], matterTypeID: RegistrationWorkflow.matterType),
            GuidanceTopic(problemZH: "通过法考后申请法律职业资格证书", category: .profession, keywords: ["法律职业资格证书", "证书", "授予资格", "法考通过"], matterTypeID: CertificateWorkflow.matterType),
        ])

    public var rpcs: [RPCInfo] { LegalExamService.rpcs.infos }

    public let migrations = [
        StorageMigration(id: "v1-results", statements: [
            """
            CREATE TABLE legal_exam_results (
                exam_year INTEGER NOT NULL,
                admission_ticket TEXT NOT NULL,
                id_digest TEXT NOT NULL,
                id_masked TEXT NOT NULL,
                candidate_name TEXT NOT NULL,
                region_code TEXT NOT NULL,
                objective_tenths INTEGER NOT NULL,
                subjective_tenths INTEGER NOT NULL,
                recorded_by TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                certificate_tracking TEXT NOT NULL DEFAULT '',
                certificate_request_id TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (exam_year, admission_ticket)
            )
            """,
            """
            CREATE TABLE legal_exam_pass_lines (
                exam_year INTEGER NOT NULL,
                region_code TEXT NOT NULL,
                objective_tenths INTEGER NOT NULL,
                subjective_tenths INTEGER NOT NULL,
                certificate_class TEXT NOT NULL,
                set_by TEXT NOT NULL,
                set_at TEXT NOT NULL,
                PRIMARY KEY (exam_year, region_code)
            )
            """,
        ])
    ]

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [LegalExamService.rpcs.service(LegalExamService(context: context))]
    }

    /// Demo results of the 2025 exam (see ``LegalExamDemo``): candidates who passed and one who did not.
    public func seedDemoData(context: PluginContext) async throws {
        let recordedAt = ISO8601DateFormatter().string(from: context.now())
        let statements = LegalExamDemo.results.map { demo in
            SQLStatement(
                """
                INSERT INTO legal_exam_results (exam_year, admission_ticket, id_digest, id_masked, candidate_name, region_code,
                    objective_tenths, subjective_tenths, recorded_by, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(Int64(demo.year)), .text(demo.ticket), .text(CandidateIdentity.digest(demo.idNumber)),
                    .text(ResidentIdentityNumber.masked(demo.idNumber)), .text(demo.name), .text(demo.regionCode),
                    .integer(Int64(Score.tenths(demo.objective))), .integer(Int64(Score.tenths(demo.subjective))),
                    .text("system"), .text(recordedAt),
                ])
        }
        try await context.storage.execute(statements)
    }
}

/// Demo results (2025 exam). Identity numbers are made-up but valid (GB 11643 check digit).
public enum LegalExamDemo {
    public struct Result: Sendable {
        public var year: Int
        public var ticket: String
        public var name: String
        public var idNumber: String
        public var regionCode: String
        public var objective: Double
        public var subjective: Double
    }

    /// A valid identity number from its first 17 digits.
    public static func idNumber(_ first17: String) -> String {
        first17 + String(ResidentIdentityNumber.checkCharacter(forFirst17: first17) ?? "0")
    }

    public static let results: [Result] = [
        // Passed (the legal aid samples' applicant, so demos can reuse her).
        Result(year: 2025, ticket: "2025640104001", name: "马小花", idNumber: "11010519491231002X", regionCode: "640104", objective: 201, subjective: 118.5),
        // Passed objective, failed subjective.
        Result(year: 2025, ticket: "2025640104002", name: "李明", idNumber: idNumber("64010419950312001"), regionCode: "640104", objective: 186, subjective: 96),
        // Passed, in Shizuishan.
        Result(year: 2025, ticket: "2025640202001", name: "王芳", idNumber: idNumber("64020219960708002"), regionCode: "640202", objective: 195, subjective: 112),
    ]
}
