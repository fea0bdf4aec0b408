import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.survey.v1.QuestionnaireService` (问卷调查): staff design and publish questionnaires in
/// their division; their audience answers them; staff read the summary and export the answers.
struct QuestionnaireService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Survey_V1_QuestionnaireService.Method
    typealias Questionnaire = Fawang_Survey_V1_Questionnaire

    static let rpcs = RPCTable<QuestionnaireService>([
        RPC(Method.CreateQuestionnaire.descriptor, .handlers, verb: "create", help: "设计问卷（草稿，--file 问卷.json）", argument: "questionnaire.title",
            QuestionnaireService.create),
        RPC(Method.UpdateQuestionnaire.descriptor, .handlers, verb: "update", help: "修改问卷草稿", argument: "id", QuestionnaireService.update),
        RPC(Method.PublishQuestionnaire.descriptor, .handlers, verb: "publish", help: "发布问卷：在门户网站、微信和链接上开放填写", argument: "id",
            QuestionnaireService.publish),
        RPC(Method.CloseQuestionnaire.descriptor, .handlers, verb: "close", help: "提前结束问卷", argument: "id", QuestionnaireService.close),
        RPC(Method.ListQuestionnaires.descriptor, .anyone, verb: "list", help: "正在开放填写的问卷（工作人员 --manage 查看本辖区全部问卷）", argument: "",
            rateLimited: false, QuestionnaireService.list),
        RPC(Method.GetQuestionnaire.descriptor, .anyone, verb: "show", help: "查看问卷及其题目", argument: "id", rateLimited: false, QuestionnaireService.get),
        RPC(Method.SubmitAnswers.descriptor, .anyone, verb: "answer", help: "填写问卷（--file 答卷.json）", argument: "questionnaire_id",
            aliases: ["phone": "phone_last4"], QuestionnaireService.submit),
        RPC(Method.GetSummary.descriptor, .handlers, verb: "summary", help: "问卷结果汇总：各选项人数和占比、量表平均分、填空回答", argument: "id",
            QuestionnaireService.summary),
        RPC(Method.ExportAnswers.descriptor, .handlers, verb: "export", help: "导出全部答卷（CSV 或 XLSX）", argument: "id", QuestionnaireService.export),
    ])

    var storage: any ModuleStorage { context.storage }
    var today: CivilDate { CivilDate(context.now()) }

    // MARK: Designing

    func create(_ request: Fawang_Survey_V1_CreateQuestionnaireRequest) async throws -> Questionnaire {
        let author = try designer()
        let draft = try await checked(request.questionnaire, by: author)
        let id = "wj-" + UUID().uuidString.prefix(8).lowercased()
        let now = Self.timestamp(context.now())
        try await storage.execute(
            [SQLStatement(
                """
                INSERT INTO surveys_questionnaires (id, title, description, questions, audience_kind, audience_line, office_region, office_department,
                    answer_limit, anonymous, opens_on, closes_on, region_code, department, status, author_account_id, author_name, salt, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?)
                """,
                [.text(id)] + Self.contentValues(draft) + [
                    .text(author.regionCode), .text(author.department), .text(author.accountID), .text(author.displayName),
                    .text(Self.randomSalt()), .text(now),
                ])],
            audit: audit(author, id, "设计问卷《\(draft.title)》"))
        return try await present(try await require(id), manager: true)
    }

    func update(_ request: Fawang_Survey_V1_UpdateQuestionnaireRequest) async throws -> Questionnaire {
        let author = try designer()
        let stored = try await managed(request.id, by: author)
        let draft = try await checked(request.questionnaire, by: author)
        guard stored.status == "draft" else {
            throw FawangError.failedPrecondition("问卷已发布，题目不能再改；如需调整，请结束后另建一份")
        }
        try await storage.execute(
            [SQLStatement(
                """
                UPDATE surveys_questionnaires SET title = ?, description = ?, questions = ?, audience_kind = ?, audience_line = ?, office_region = ?,
                    office_department = ?, answer_limit = ?, anonymous = ?, opens_on = ?, closes_on = ?
                WHERE id = ? AND status = 'draft'
                """, Self.contentValues(draft) + [.text(stored.id)], unlessChanged: "问卷刚刚已被发布，题目不能再改")],
            audit: audit(author, stored.id, "修改问卷草稿《\(draft.title)》"))
        return try await present(try await require(stored.id), manager: true)
    }

    func publish(_ request: Fawang_Survey_V1_QuestionnaireRef) async throws -> Questionnaire {
        let author = try designer()
        let stored = try await managed(request.id, by: author)
        guard stored.status == "draft" else { throw FawangError.failedPrecondition("问卷《\(stored.title)》已发布过") }
        guard stored.closesOn >= today else {
            throw FawangError.failedPrecondition("问卷的截止日期（\(stored.closesOn)）已过，请先修改填写期再发布")
        }
        try await storage.execute(
            [SQLStatement(
                "UPDATE surveys_questionnaires SET status = 'published', published_at = ? WHERE id = ? AND status = 'draft'",
                [.text(Self.timestamp(context.now())), .text(stored.id)], unlessChanged: "问卷刚刚已被发布")],
            audit: audit(author, stored.id, "发布问卷《\(stored.title)》"))
        return try await present(try await require(stored.id), manager: true)
    }

    func close(_ request: Fawang_Survey_V1_QuestionnaireRef) async throws -> Questionnaire {
        let author = try designer()
        let stored = try await managed(request.id, by: author)
        guard stored.status == "published", stored.closesOn >= today else {
            throw FawangError.failedPrecondition(stored.status == "draft" ? "问卷尚未发布，不需要结束；草稿可以直接修改" : "问卷《\(stored.title)》已经结束")
        }
        try await storage.execute(
            [SQLStatement(
                "UPDATE surveys_questionnaires SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'published'",
                [.text(Self.timestamp(context.now())), .text(stored.id)], unlessChanged: "问卷刚刚已经结束")],
            audit: audit(author, stored.id, "提前结束问卷《\(stored.title)》"))
        return try await present(try await require(stored.id), manager: true)
    }

    // MARK: Reading

    func list(_ request: Fawang_Survey_V1_ListQuestionnairesRequest) async throws -> Fawang_Survey_V1_ListQuestionnairesResponse {
        let principal = Principal.current
        if request.manage {
            let manager = try designer()
            let rows = try await storage.query(SQLStatement(
                "SELECT * FROM surveys_questionnaires WHERE region_code LIKE ? ORDER BY created_at DESC, id LIMIT 500",
                [.text(manager.role == .platformAdmin ? "%" : DivisionCode.scopePrefix(of: manager.regionCode) + "%")]))
            var listed: [Questionnaire] = []
            for stored in rows.map(Stored.init) where mayManage(stored, manager) {
                listed.append(try await present(stored, manager: true, withQuestions: false))
            }
            return .with { $0.questionnaires = listed }
        }
        let day = today.description
        let rows = try await storage.query(SQLStatement(
            "SELECT * FROM surveys_questionnaires WHERE status = 'published' AND opens_on <= ? AND closes_on >= ? ORDER BY published_at DESC, id LIMIT 200",
            [.text(day), .text(day)]))
        var listed: [Questionnaire] = []
        for stored in rows.map(Stored.init) where stored.audienceKind != .officeStaff || inOffice(stored, principal) {
            listed.append(try await present(stored, manager: false, withQuestions: false))
        }
        return .with { $0.questionnaires = listed }
    }

    func get(_ request: Fawang_Survey_V1_QuestionnaireRef) async throws -> Questionnaire {
        let stored = try await require(request.id)
        let manager = Principal.current.map { mayManage(stored, $0) } ?? false
        guard stored.status != "draft" || manager else { throw Self.notFound(request.id) }
        return try await present(stored, manager: manager)
    }

    // MARK: Answering

    func submit(_ request: Fawang_Survey_V1_SubmitAnswersRequest) async throws -> Fawang_Survey_V1_SubmitAnswersResponse {
        var check = FieldValidator()
        check.require(!request.questionnaireID.isEmpty, "questionnaire_id", "请写明问卷编号")
        try check.check()
        let stored = try await require(request.questionnaireID)
        guard stored.status != "draft" else { throw Self.notFound(request.questionnaireID) }
        guard stored.status == "published", stored.opensOn <= today, today <= stored.closesOn else {
            throw FawangError.failedPrecondition("本问卷的填写时间为 \(stored.opensOn) 至 \(stored.closesOn)\(stored.status == "closed" ? "，已提前结束" : "")，现在不能填写")
        }
        let items = try QuestionnaireRules.items(request.answers, to: stored.questions)
        let principal = Principal.current
        // Who answers: the account, or the matter proved by its applicant's phone.
        let respondent: String, trackingNumber: String, accountID: String
        switch stored.limit {
        case .onePerMatter:
            check.require(TrackingNumber(request.trackingNumber) != nil, "tracking_number", "请填写所办事项的受理编号")
            check.require(request.phoneLast4.count == 4 && request.phoneLast4.allSatisfy { $0.isASCII && $0.isNumber }, "phone_last4", "请填写申请时所留手机号的后四位")
            try check.check()
            let matter = try await matter(request.trackingNumber, request.phoneLast4, for: stored)
            (respondent, trackingNumber, accountID) = ("matter:" + matter.trackingNumber.digits, matter.trackingNumber.digits, "")
        default:
            guard let principal else { throw FawangError(.unauthenticated, "本问卷每人限填一份，请先登录后填写") }
            if stored.audienceKind == .officeStaff, !inOffice(stored, principal) {
                throw FawangError(.permissionDenied, "本问卷面向\(await audienceLabel(stored))，您的账号不在调查范围内")
            }
            (respondent, trackingNumber, accountID) = ("account:" + principal.accountID, "", principal.accountID)
        }
        let key = stored.anonymous ? Self.digest(stored.salt, respondent) : respondent
        let already = try await storage.query(SQLStatement(
            "SELECT 1 AS found FROM surveys_answers WHERE questionnaire_id = ? AND respondent = ?", [.text(stored.id), .text(key)]))
        let repeated = stored.limit == .onePerMatter ? "这件事项已经填写过本问卷，感谢您的参与" : "您已经填写过本问卷，感谢您的参与"
        guard already.isEmpty else { throw FawangError(.alreadyExists, repeated) }

        let receipt = "hj-" + UUID().uuidString.prefix(12).lowercased()
        let now = context.now()
        let channel = ChannelDecision.current ?? ChannelDecision.decide(principal: principal, origin: nil)
        var statements = [SQLStatement(
            """
            INSERT INTO surveys_answers (id, questionnaire_id, respondent, tracking_number, account_id, channel, submitted_at)
            SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM surveys_answers WHERE questionnaire_id = ? AND respondent = ?)
            """,
            [
                .text(receipt), .text(stored.id), .text(key), .text(stored.anonymous ? "" : trackingNumber), .text(stored.anonymous ? "" : accountID),
                .text(channel.rawValue), .text(Self.timestamp(now)), .text(stored.id), .text(key),
            ], unlessChanged: repeated)]
        statements += items.map { item in
            SQLStatement(
                "INSERT INTO surveys_answer_items (answer_id, questionnaire_id, question_id, choice, scale, text) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(receipt), .text(stored.id), .text(item.questionID), item.choice.map { .integer(Int64($0)) } ?? .null,
                    item.scale.map { .integer(Int64($0)) } ?? .null, item.text.map(SQLValue.text) ?? .null,
                ])
        }
        try await storage.execute(statements)
        return .with {
            $0.receipt = receipt
            $0.submittedAt = Self.timestamp(now)
        }
    }

    /// The matter an answer is about, proved by its applicant's phone, and within the audience.
    func matter(_ text: String, _ phoneLast4: String, for stored: Stored) async throws -> Matter {
        guard let number = TrackingNumber(text), let matter = try await context.matters.matter(trackingNumber: number),
            matter.acceptsSecondFactor(phoneLast4)
        else { throw FawangError.notFound("受理编号或手机号后四位不正确，请核对") }
        guard DivisionCode.contains(stored.regionCode, matter.regionCode) else {
            throw FawangError.failedPrecondition("本问卷只调查\(await regionName(stored.regionCode))办理的事项")
        }
        if stored.audienceKind == .lineCitizens {
            guard matter.businessLine == stored.audienceLine else {
                throw FawangError.failedPrecondition("本问卷面向\(await audienceLabel(stored))，这件事项不在调查范围内")
            }
            guard context.deadlines.facts(of: matter).outcome == .concluded else {
                throw FawangError.failedPrecondition("这件事项尚未办结，办结后再来填写本问卷")
            }
        }
        return matter
    }

    // MARK: Results

    func summary(_ request: Fawang_Survey_V1_QuestionnaireRef) async throws -> Fawang_Survey_V1_QuestionnaireSummary {
        let manager = try designer()
        let stored = try await managed(request.id, by: manager)
        let id = SQLValue.text(stored.id)
        async let counted = storage.query(SQLStatement(
            """
            SELECT question_id, choice, scale, COUNT(*) AS n, COUNT(DISTINCT answer_id) AS answers FROM surveys_answer_items
            WHERE questionnaire_id = ? AND text IS NULL GROUP BY question_id, choice, scale
            """, [id]))
        async let answeredRows = storage.query(SQLStatement(
            "SELECT question_id, COUNT(DISTINCT answer_id) AS n FROM surveys_answer_items WHERE questionnaire_id = ? GROUP BY question_id", [id]))
        async let textRows = storage.query(SQLStatement(
            """
            SELECT i.question_id, i.text, a.submitted_at FROM surveys_answer_items i JOIN surveys_answers a ON a.id = i.answer_id
            WHERE i.questionnaire_id = ? AND i.text IS NOT NULL ORDER BY a.submitted_at DESC, a.id
            """, [id]))
        async let channelRows = storage.query(SQLStatement(
            "SELECT channel, COUNT(*) AS n FROM surveys_answers WHERE questionnaire_id = ? GROUP BY channel ORDER BY n DESC, channel", [id]))
        let (counts, answered, texts, channels) = try await (counted, answeredRows, textRows, channelRows)
        let answeredBy = Dictionary(answered.map { ($0.string("question_id") ?? "", Int64($0.int("n") ?? 0)) }) { first, _ in first }
        var summary = Fawang_Survey_V1_QuestionnaireSummary()
        summary.questionnaire = try await present(stored, manager: true)
        summary.answerCount = summary.questionnaire.answerCount
        summary.channels = channels.map { row in
            .with {
                $0.channel = Channel(rawValue: row.string("channel") ?? "")?.label ?? (row.string("channel") ?? "")
                $0.count = Int64(row.int("n") ?? 0)
            }
        }
        summary.questions = stored.questions.map { question in
            var result = Fawang_Survey_V1_QuestionSummary()
            result.question = question
            result.answered = answeredBy[question.id] ?? 0
            let rows = counts.filter { $0.string("question_id") == question.id }
            func share(_ n: Int64) -> Double { result.answered == 0 ? 0 : Double(n) / Double(result.answered) }
            switch question.kind {
            case .singleChoice, .multipleChoice:
                let byChoice = Dictionary(rows.map { ($0.int("choice") ?? 0, Int64($0.int("n") ?? 0)) }) { $0 + $1 }
                result.options = question.options.enumerated().map { index, option in
                    let n = byChoice[index + 1] ?? 0
                    return .with {
                        $0.option = option
                        $0.count = n
                        $0.share = share(n)
                    }
                }
            case .scale:
                let byPoint = Dictionary(rows.map { ($0.int("scale") ?? 0, Int64($0.int("n") ?? 0)) }) { $0 + $1 }
                result.options = (Int(question.scaleMin)...Int(question.scaleMax)).map { point in
                    let n = byPoint[point] ?? 0
                    return .with {
                        $0.option = String(point)
                        $0.count = n
                        $0.share = share(n)
                    }
                }
                let total = byPoint.reduce(0) { $0 + Int64($1.key) * $1.value }
                result.average = result.answered == 0 ? 0 : Double(total) / Double(result.answered)
            default:
                result.texts = texts.filter { $0.string("question_id") == question.id }.prefix(200).map { row in
                    .with {
                        $0.text = row.string("text") ?? ""
                        $0.submittedAt = row.string("submitted_at") ?? ""
                    }
                }
            }
            return result
        }
        return summary
    }

    func export(_ request: Fawang_Survey_V1_ExportAnswersRequest) async throws -> Fawang_Supervision_V1_ExportedFile {
        let manager = try designer()
        let stored = try await managed(request.id, by: manager)
        let answers = try await storage.query(SQLStatement(
            "SELECT id, tracking_number, account_id, channel, submitted_at FROM surveys_answers WHERE questionnaire_id = ? ORDER BY submitted_at, id",
            [.text(stored.id)]))
        let items = try await storage.query(SQLStatement(
            "SELECT answer_id, question_id, choice, scale, text FROM surveys_answer_items WHERE questionnaire_id = ? ORDER BY answer_id, question_id, choice",
            [.text(stored.id)]))
        var byAnswer: [String: [String: [SQLRow]]] = [:]
        for item in items { byAnswer[item.string("answer_id") ?? "", default: [:]][item.string("question_id") ?? "", default: []].append(item) }
        let who = stored.anonymous ? [] : [stored.limit == .onePerMatter ? "受理编号" : "账号"]
        let header = ["回执编号", "提交时间", "渠道"] + who + stored.questions.enumerated().map { "\($0.offset + 1). \($0.element.text)" }
        let rows: [[Spreadsheet.Cell]] = answers.map { answer in
            let id = answer.string("id") ?? ""
            var cells: [Spreadsheet.Cell] = [
                .text(id), .text(answer.string("submitted_at") ?? ""),
                .text(Channel(rawValue: answer.string("channel") ?? "")?.label ?? ""),
            ]
            if !stored.anonymous {
                // Grouped: sixteen digits in a CSV would lose their last one in a spreadsheet.
                let number = TrackingNumber(answer.string("tracking_number") ?? "")?.formatted ?? ""
                cells.append(.text(stored.limit == .onePerMatter ? number : answer.string("account_id") ?? ""))
            }
            for question in stored.questions {
                let given = byAnswer[id]?[question.id] ?? []
                switch question.kind {
                case .scale:
                    cells.append(given.first?.int("scale").map { .number(Double($0)) } ?? .empty)
                case .text:
                    cells.append(given.first?.string("text").map(Spreadsheet.Cell.text) ?? .empty)
                default:
                    let chosen = given.compactMap { $0.int("choice") }.sorted().compactMap { question.options[safe: $0 - 1] }
                    cells.append(chosen.isEmpty ? .empty : .text(chosen.joined(separator: "；")))
                }
            }
            return cells
        }
        let table = Spreadsheet(header: header, rows: rows)
        let xlsx = request.format == .xlsx
        return .with {
            $0.fileName = "问卷_\(stored.id)_\(today).\(xlsx ? "xlsx" : "csv")"
            $0.contentType = xlsx ? Spreadsheet.xlsxType : Spreadsheet.csvType
            $0.content = xlsx ? table.xlsx(sheetName: "答卷") : table.csv()
        }
    }

    // MARK: Who may

    /// Staff, department admins and platform admins design and read questionnaires.
    func designer() throws -> Principal {
        guard let principal = Principal.current, [.staff, .departmentAdmin, .platformAdmin].contains(principal.role) else {
            throw FawangError(.permissionDenied, "问卷调查的设计和结果仅供司法行政机关工作人员使用")
        }
        return principal
    }

    /// A questionnaire's division and above manage it: the platform's admins, and staff of its
    /// division or a higher one in its department, or with every line (a supervisor's).
    func mayManage(_ stored: Stored, _ principal: Principal) -> Bool {
        switch principal.role {
        case .platformAdmin: return true
        case .staff, .departmentAdmin:
            return DivisionCode.contains(principal.regionCode, stored.regionCode)
                && (principal.department.isEmpty || principal.department == "supervision" || principal.department == stored.department)
        default: return false
        }
    }

    func managed(_ id: String, by principal: Principal) async throws -> Stored {
        var check = FieldValidator()
        check.require(!id.isEmpty, "id", "请写明问卷编号")
        try check.check()
        let stored = try await require(id)
        guard mayManage(stored, principal) else {
            throw FawangError(.permissionDenied, "问卷《\(stored.title)》由\(await regionName(stored.regionCode))管理，本账号不能查看或修改")
        }
        return stored
    }

    /// Whether `principal` is of the office a staff questionnaire asks.
    func inOffice(_ stored: Stored, _ principal: Principal?) -> Bool {
        guard let principal, [.staff, .departmentAdmin].contains(principal.role), principal.regionCode == stored.officeRegion else { return false }
        return stored.officeDepartment.isEmpty || principal.department == stored.officeDepartment
    }

    /// The draft checked, and its audience within what the author may ask.
    func checked(_ draft: Fawang_Survey_V1_QuestionnaireDraft, by author: Principal) async throws -> Fawang_Survey_V1_QuestionnaireDraft {
        let draft = try QuestionnaireRules.checked(draft, today: today, prefix: "questionnaire.")
        let lines = context.modules.matterLines
        switch draft.audience.kind {
        case .lineCitizens:
            let line = draft.audience.businessLine
            guard lines.contains(line) else {
                throw FawangError.invalidArgument(field: "questionnaire.audience.business_line", "请写明业务条线，可选：\(lines.joined(separator: "、"))")
            }
            guard author.role == .platformAdmin || author.department.isEmpty || author.department == "supervision" || author.department == line else {
                throw FawangError(.permissionDenied, "本账号只能调查本条线（\(author.department)）的办事群众")
            }
        case .officeStaff:
            let office = draft.audience.officeRegionCode
            guard DivisionCode.isWellFormed(office), try await context.directory.division(code: office) != nil else {
                throw FawangError.invalidArgument(field: "questionnaire.audience.office_region_code", "请写明被调查单位所在的行政区划代码（6位）")
            }
            guard author.role == .platformAdmin || DivisionCode.contains(author.regionCode, office) else {
                throw FawangError(.permissionDenied, "本账号只能调查本辖区（\(author.regionCode)）及下级单位的工作人员")
            }
            let department = draft.audience.officeDepartment
            guard department.isEmpty || context.modules.modules.contains(where: { $0.manifest.id == department }) else {
                throw FawangError.invalidArgument(field: "questionnaire.audience.office_department", "没有部门 \(department)；留空表示该单位全部工作人员")
            }
        default: break
        }
        return draft
    }

    // MARK: Rows

    /// A questionnaire as stored.
    struct Stored {
        var id, title, description, regionCode, department, status, authorName, salt, createdAt, publishedAt: String
        var questions: [Fawang_Survey_V1_Question]
        var audienceKind: Fawang_Survey_V1_AudienceKind
        var audienceLine, officeRegion, officeDepartment: String
        var limit: Fawang_Survey_V1_AnswerLimit
        var anonymous: Bool
        var opensOn, closesOn: CivilDate

        init(_ row: SQLRow) {
            id = row.string("id") ?? ""
            title = row.string("title") ?? ""
            description = row.string("description") ?? ""
            regionCode = row.string("region_code") ?? ""
            department = row.string("department") ?? ""
            status = row.string("status") ?? ""
            authorName = row.string("author_name") ?? ""
            salt = row.string("salt") ?? ""
            createdAt = row.string("created_at") ?? ""
            publishedAt = row.string("published_at") ?? ""
            questions = (try? Fawang_Survey_V1_QuestionnaireDraft(jsonString: row.string("questions") ?? "{}"))?.questions ?? []
            audienceKind = Fawang_Survey_V1_AudienceKind(rawValue: row.int("audience_kind") ?? 0) ?? .unspecified
            audienceLine = row.string("audience_line") ?? ""
            officeRegion = row.string("office_region") ?? ""
            officeDepartment = row.string("office_department") ?? ""
            limit = Fawang_Survey_V1_AnswerLimit(rawValue: row.int("answer_limit") ?? 0) ?? .unspecified
            anonymous = row.bool("anonymous") ?? true
            opensOn = CivilDate(iso: row.string("opens_on") ?? "") ?? CivilDate(dayNumber: 0)
            closesOn = CivilDate(iso: row.string("closes_on") ?? "") ?? CivilDate(dayNumber: 0)
        }
    }

    /// The content columns' values, in the order create and update name them.
    static func contentValues(_ draft: Fawang_Survey_V1_QuestionnaireDraft) -> [SQLValue] {
        let questions = (try? Fawang_Survey_V1_QuestionnaireDraft.with { $0.questions = draft.questions }.jsonString()) ?? "{}"
        let office = draft.audience.kind == .officeStaff
        return [
            .text(draft.title), .text(draft.description_p), .text(questions), .integer(Int64(draft.audience.kind.rawValue)),
            .text(draft.audience.kind == .lineCitizens ? draft.audience.businessLine : ""), .text(office ? draft.audience.officeRegionCode : ""),
            .text(office ? draft.audience.officeDepartment : ""), .integer(Int64(draft.limit.rawValue)), .integer(draft.anonymous ? 1 : 0),
            .text(draft.opensOn), .text(draft.closesOn),
        ]
    }

    func require(_ id: String) async throws -> Stored {
        guard let row = try await storage.query(SQLStatement("SELECT * FROM surveys_questionnaires WHERE id = ?", [.text(id)])).first else {
            throw Self.notFound(id)
        }
        return Stored(row)
    }

    func present(_ stored: Stored, manager: Bool, withQuestions: Bool = true) async throws -> Questionnaire {
        let day = today
        let ended = stored.status == "closed" || (stored.status == "published" && day > stored.closesOn)
        var count: Int64 = 0
        if manager {
            count = Int64(try await storage.query(SQLStatement(
                "SELECT COUNT(*) AS n FROM surveys_answers WHERE questionnaire_id = ?", [.text(stored.id)])).first?.int("n") ?? 0)
        }
        let regionName = await regionName(stored.regionCode)
        let audience = await audienceLabel(stored)
        return .with {
            $0.id = stored.id
            $0.title = stored.title
            $0.description_p = stored.description
            if withQuestions { $0.questions = stored.questions }
            $0.audience = .with { audience in
                audience.kind = stored.audienceKind
                audience.businessLine = stored.audienceLine
                audience.officeRegionCode = stored.officeRegion
                audience.officeDepartment = stored.officeDepartment
            }
            $0.limit = stored.limit
            $0.anonymous = stored.anonymous
            $0.opensOn = stored.opensOn.description
            $0.closesOn = stored.closesOn.description
            $0.regionCode = stored.regionCode
            $0.regionName = regionName
            $0.status = stored.status == "draft" ? .draft : ended ? .closed : .published
            $0.open = stored.status == "published" && stored.opensOn <= day && day <= stored.closesOn
            $0.statusLabel = stored.status == "draft" ? "草稿" : ended ? "已结束" : day < stored.opensOn ? "未开始" : "填写中"
            if manager {
                $0.authorName = stored.authorName
                $0.answerCount = count
            }
            $0.link = "/surveys/\(stored.id)"
            $0.audienceLabel = audience
            $0.createdAt = stored.createdAt
            $0.publishedAt = stored.publishedAt
        }
    }

    func regionName(_ code: String) async -> String {
        ((try? await context.directory.division(code: code)) ?? nil)?.name ?? code
    }

    func audienceLabel(_ stored: Stored) async -> String {
        switch stored.audienceKind {
        case .lineCitizens:
            let line = context.modules.modules.first { $0.manifest.id == stored.audienceLine }?.manifest.nameZH ?? stored.audienceLine
            return "「\(line)」已办结事项的申请人"
        case .officeStaff:
            let department = context.modules.modules.first { $0.manifest.id == stored.officeDepartment }?.manifest.nameZH
            return "\(await regionName(stored.officeRegion))\(department.map { "「\($0)」" } ?? "")工作人员"
        default:
            return "公众"
        }
    }

    func audit(_ principal: Principal, _ id: String, _ what: String) -> AuditDraft {
        AuditDraft(
            actor: principal.accountID, role: principal.role.rawValue, channel: (ChannelDecision.current ?? .walkIn).rawValue, target: "surveys/\(id)",
            detail: what)
    }

    static func notFound(_ id: String) -> FawangError { .notFound("没有编号为 \(id) 的问卷") }

    static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

    static func randomSalt() -> String {
        // SystemRandomNumberGenerator is the system's cryptographic generator.
        (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
    }

    /// An anonymous respondent's key: it refuses a second answer and names nobody.
    static func digest(_ salt: String, _ respondent: String) -> String {
        RequestDigest.sha256Hex(Data((salt + ":" + respondent).utf8))
    }
}

extension Collection {
    fileprivate subscript(safe index: Index) -> Element? { indices.contains(index) ? self[index] : nil }
}
