public import FawangCore
public import FawangPluginKit
public import GRPCCore
import FawangProto
import Foundation
import SwiftProtobuf

/// Questionnaires (问卷调查): a bureau's staff design one — single and multiple choice, scale and
/// text questions, some required, a period and an audience (the public, the applicants of one
/// line's concluded matters, or the staff of one office) — and publish it on the portal
/// (`/surveys/<id>`, the link to share), on WeChat (`问卷`) and to the command line; the answers,
/// anonymous or tied to a matter, one per person or per matter, are summarised with charts and
/// exported as CSV or XLSX (`/staff/surveys`). No matter types: a questionnaire is not a case.
///
/// ## Configuration
/// - `modules.surveys.enabled` (bool, default `true`).
public struct SurveysPlugin: DepartmentPlugin {
    public static let moduleID = "surveys"

    public init() {}

    public let manifest = ModuleManifest(id: SurveysPlugin.moduleID, nameZH: "问卷调查", nameEN: "Questionnaires", version: "1.0.0", matterTypes: [])

    public var rpcs: [RPCInfo] { QuestionnaireService.rpcs.infos }

    public var migrations: [StorageMigration] {
        [
            StorageMigration(
                id: "surveys-v1",
                statements: [
                    """
                    CREATE TABLE surveys_questionnaires (
                        id TEXT PRIMARY KEY,
                        title TEXT NOT NULL,
                        description TEXT NOT NULL,
                        questions TEXT NOT NULL,
                        audience_kind INTEGER NOT NULL,
                        audience_line TEXT NOT NULL,
                        office_region TEXT NOT NULL,
                        office_department TEXT NOT NULL,
                        answer_limit INTEGER NOT NULL,
                        anonymous INTEGER NOT NULL,
                        opens_on TEXT NOT NULL,
                        closes_on TEXT NOT NULL,
                        region_code TEXT NOT NULL,
                        department TEXT NOT NULL,
                        status TEXT NOT NULL,
                        author_account_id TEXT NOT NULL,
                        author_name TEXT NOT NULL,
                        salt TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        published_at TEXT,
                        closed_at TEXT
                    )
                    """,
                    "CREATE INDEX surveys_questionnaires_open ON surveys_questionnaires (status, closes_on)",
                    """
                    CREATE TABLE surveys_answers (
                        id TEXT PRIMARY KEY,
                        questionnaire_id TEXT NOT NULL,
                        respondent TEXT NOT NULL,
                        tracking_number TEXT NOT NULL,
                        account_id TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        submitted_at TEXT NOT NULL,
                        UNIQUE (questionnaire_id, respondent)
                    )
                    """,
                    """
                    CREATE TABLE surveys_answer_items (
                        answer_id TEXT NOT NULL,
                        questionnaire_id TEXT NOT NULL,
                        question_id TEXT NOT NULL,
                        choice INTEGER,
                        scale INTEGER,
                        text TEXT
                    )
                    """,
                    "CREATE INDEX surveys_answer_items_question ON surveys_answer_items (questionnaire_id, question_id)",
                    "CREATE INDEX surveys_answer_items_answer ON surveys_answer_items (answer_id)",
                ])
        ]
    }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [QuestionnaireService.rpcs.service(QuestionnaireService(context: context))]
    }

    /// Two published questionnaires of the provincial bureau (演示数据): the public's view of the
    /// 12348 services, one per signed-in person and anonymous; and a follow-up of legal aid's
    /// concluded matters, one per matter.
    public func seedDemoData(context: PluginContext) async throws {
        let today = CivilDate(context.now())
        let satisfaction = Fawang_Survey_V1_QuestionnaireDraft.with {
            $0.title = "12348公共法律服务群众满意度调查"
            $0.description_p = "为了把公共法律服务办得更好，请您花两分钟说说感受。问卷匿名，每人限填一份。"
            $0.questions = [
                .with {
                    $0.kind = .singleChoice
                    $0.text = "您最近一次通过哪种方式办理公共法律服务？"
                    $0.required = true
                    $0.options = ["拨打12348热线", "到公共法律服务中心（站）", "12348宁夏法网网站", "微信公众号", "手机客户端"]
                },
                .with {
                    $0.kind = .multipleChoice
                    $0.text = "您办理过哪些服务？（可多选）"
                    $0.options = ["法律咨询", "法律援助", "人民调解", "公证", "司法鉴定", "律师服务"]
                },
                .with {
                    $0.kind = .scale
                    $0.text = "总体来说，您对服务是否满意？"
                    $0.required = true
                    $0.scaleMin = 1
                    $0.scaleMax = 5
                    $0.scaleMinLabel = "很不满意"
                    $0.scaleMaxLabel = "非常满意"
                },
                .with {
                    $0.kind = .text
                    $0.text = "您对我们还有什么意见和建议？"
                },
            ]
            $0.audience = .with { $0.kind = .public }
            $0.limit = .onePerPerson
            $0.anonymous = true
            $0.opensOn = today.adding(days: -7).description
            $0.closesOn = today.adding(days: 60).description
        }
        let followUp = Fawang_Survey_V1_QuestionnaireDraft.with {
            $0.title = "法律援助服务回访"
            $0.description_p = "您的法律援助事项已办结。请凭受理编号和申请时所留手机号后四位评价承办人员的服务。"
            $0.questions = [
                .with {
                    $0.kind = .scale
                    $0.text = "承办律师（法律援助人员）是否及时与您联系、告知办理进展？"
                    $0.required = true
                    $0.scaleMinLabel = "很不及时"
                    $0.scaleMaxLabel = "非常及时"
                },
                .with {
                    $0.kind = .singleChoice
                    $0.text = "承办人员是否向您收取过任何费用或财物？"
                    $0.required = true
                    $0.options = ["没有", "有"]
                },
                .with {
                    $0.kind = .text
                    $0.text = "其他意见"
                },
            ]
            $0.audience = .with {
                $0.kind = .lineCitizens
                $0.businessLine = "legal-aid"
            }
            $0.limit = .onePerMatter
            $0.anonymous = false
            $0.opensOn = today.adding(days: -30).description
            $0.closesOn = today.adding(days: 90).description
        }
        let published = Date(timeIntervalSince1970: Double(today.adding(days: -7).dayNumber) * 86_400).formatted(.iso8601)
        let statements = [("wj-demo-satisfaction", satisfaction), ("wj-demo-legal-aid", followUp)].map { id, draft in
            let checked = (try? QuestionnaireRules.checked(draft, today: today, prefix: "")) ?? draft
            return SQLStatement(
                """
                INSERT INTO surveys_questionnaires (id, title, description, questions, audience_kind, audience_line, office_region, office_department,
                    answer_limit, anonymous, opens_on, closes_on, region_code, department, status, author_account_id, author_name, salt, created_at,
                    published_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '640000', 'supervision', 'published', 'seed', '自治区司法厅公共法律服务管理处', ?, ?, ?)
                """,
                [.text(id)] + QuestionnaireService.contentValues(checked) + [.text(QuestionnaireService.randomSalt()), .text(published), .text(published)])
        }
        try await context.storage.execute(statements)
    }
}
