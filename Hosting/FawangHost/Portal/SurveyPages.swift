import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// Questionnaires (问卷调查, `QuestionnaireService`) on the portal.
///
/// The public: `/surveys` lists those open today, `/surveys/<id>` (the link a bureau shares, and
/// what WeChat's `问卷` answers with) is the form — answered under the signed-in citizen's account
/// (one per person) or with a matter's tracking number and phone digits (one per matter). A
/// questionnaire for an office's staff is answered from the workbench (`/staff/surveys/<id>/answer`,
/// where the staff session's cookie goes).
///
/// Staff: `/staff/surveys` lists their division's, `/staff/surveys/new` designs one (eight
/// question blocks; empty ones are left out), `/staff/surveys/<id>` publishes or closes it and
/// shows the summary — a chart per question, the text answers, the channels — with CSV and XLSX.
extension Portal {
    typealias SurveyMethod = Fawang_Survey_V1_QuestionnaireService.Method
    static let designerBlocks = 8

    func addSurveyPages(to router: Router<GatewayRequestContext>) {
        router.get("/surveys") { request, context in try await surveyList(request, context) }
        router.get("/surveys/:id") { request, context in try await surveyForm(request, context, staff: false) }
        router.post("/surveys/:id") { request, context in try await surveyAnswer(request, context, staff: false) }
        router.get("/staff/surveys") { request, context in try await staffSurveys(request, context) }
        router.get("/staff/surveys/new") { request, context in designer(request, context, values: [:], errors: [:], message: nil) }
        router.post("/staff/surveys") { request, context in try await createSurvey(request, context) }
        router.get("/staff/surveys/:id") { request, context in try await surveySummary(request, context) }
        router.post("/staff/surveys/:id/publish") { request, context in try await surveyAction(request, context, .publish) }
        router.post("/staff/surveys/:id/close") { request, context in try await surveyAction(request, context, .close) }
        router.get("/staff/surveys/:id/export") { request, context in try await surveyExport(request, context) }
        router.get("/staff/surveys/:id/answer") { request, context in try await surveyForm(request, context, staff: true) }
        router.post("/staff/surveys/:id/answer") { request, context in try await surveyAnswer(request, context, staff: true) }
    }

    // MARK: The public's pages

    func surveyList(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        do {
            let listed = try await call(
                SurveyMethod.ListQuestionnaires.descriptor, Fawang_Survey_V1_ListQuestionnairesRequest(), citizenMetadata(request, context),
                as: Fawang_Survey_V1_ListQuestionnairesResponse.self)
            return page("surveys", title: "问卷调查", [
                "surveys": listed.questionnaires.map(Self.surveyRow),
                "hasSurveys": !listed.questionnaires.isEmpty,
            ])
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
    }

    /// The metadata a questionnaire is answered with: the staff session on the workbench's path,
    /// the citizen's (or none) on the public one.
    func surveyMetadata(_ request: Request, _ context: GatewayRequestContext, staff: Bool) -> Metadata? {
        staff ? staffMetadata(request, context) : citizenMetadata(request, context)
    }

    func surveyForm(_ request: Request, _ context: GatewayRequestContext, staff: Bool) async throws -> Response {
        guard let metadata = surveyMetadata(request, context, staff: staff) else { return loginPage(request, message: nil) }
        let id = context.parameters.get("id") ?? ""
        do {
            let survey = try await call(
                SurveyMethod.GetQuestionnaire.descriptor, Fawang_Survey_V1_QuestionnaireRef.with { $0.id = id }, metadata,
                as: Fawang_Survey_V1_Questionnaire.self)
            return answerPage(request, survey, staff: staff, signedIn: request.cookies[Self.citizenCookie]?.value.isEmpty == false, values: [:], errors: [:], message: nil)
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
    }

    func answerPage(
        _ request: Request, _ survey: Fawang_Survey_V1_Questionnaire, staff: Bool, signedIn: Bool, values: [String: String], errors: [String: String],
        message: String?, status: HTTPResponse.Status = .ok
    ) -> Response {
        let csrf = Self.csrfToken(request)
        let forStaff = survey.audience.kind == .officeStaff
        let questions = survey.questions.enumerated().map { index, question -> [String: Any] in
            let name = question.id
            let chosen = Set((values[name] ?? "").split(separator: "\n").map(String.init))
            let choices: [(value: String, label: String)] =
                question.kind == .scale
                ? (Int(question.scaleMin)...Int(max(question.scaleMin, question.scaleMax))).map { (String($0), String($0)) }
                : question.options.enumerated().map { (String($0.offset + 1), $0.element) }
            let error = errors["answers[\(name)]"]
            var hint = ""
            if question.kind == .multipleChoice { hint = question.maxChoices > 0 ? "可多选，最多\(question.maxChoices)项" : "可多选" }
            if question.kind == .scale, !question.scaleMinLabel.isEmpty || !question.scaleMaxLabel.isEmpty {
                hint = "\(question.scaleMin)分＝\(question.scaleMinLabel)，\(question.scaleMax)分＝\(question.scaleMaxLabel)"
            }
            return [
                "id": name, "number": index + 1, "text": question.text, "required": question.required, "hint": hint, "hasHint": !hint.isEmpty,
                "isText": question.kind == .text, "isScale": question.kind == .scale,
                "inputType": question.kind == .multipleChoice ? "checkbox" : "radio",
                "choices": choices.map { ["value": $0.value, "label": $0.label, "checked": chosen.contains($0.value)] },
                "value": values[name] ?? "", "error": error ?? "", "hasError": error != nil,
            ]
        }
        var object: [String: Any] = [
            "csrf": csrf, "survey": Self.surveyRow(survey), "questions": questions, "description": survey.description_p,
            "action": staff ? "/staff/surveys/\(survey.id)/answer" : "/surveys/\(survey.id)",
            "perMatter": survey.limit == .onePerMatter, "anonymous": survey.anonymous,
            "needsLogin": !staff && !forStaff && survey.limit == .onePerPerson && !signedIn,
            "staffOnly": !staff && forStaff, "staffLink": "/staff/surveys/\(survey.id)/answer",
            "closed": !survey.open, "tracking_number": values["tracking_number"] ?? "", "phone_last4": values["phone_last4"] ?? "",
            "e_tracking": errors["tracking_number"] ?? "", "has_e_tracking": errors["tracking_number"] != nil,
            "e_phone": errors["phone_last4"] ?? "", "has_e_phone": errors["phone_last4"] != nil,
            "message": message ?? "", "hasMessage": message != nil,
        ]
        object["canAnswer"] = survey.open && !(object["staffOnly"] as? Bool ?? false)
        var response = page("survey", title: survey.title, object, status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    func surveyAnswer(_ request: Request, _ context: GatewayRequestContext, staff: Bool) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = surveyMetadata(request, context, staff: staff) else { return loginPage(request, message: nil) }
        let id = context.parameters.get("id") ?? ""
        let survey: Fawang_Survey_V1_Questionnaire
        do {
            survey = try await call(
                SurveyMethod.GetQuestionnaire.descriptor, Fawang_Survey_V1_QuestionnaireRef.with { $0.id = id }, metadata,
                as: Fawang_Survey_V1_Questionnaire.self)
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
        let submission = Fawang_Survey_V1_SubmitAnswersRequest.with {
            $0.questionnaireID = id
            $0.trackingNumber = (values["tracking_number"] ?? "").filter { !$0.isWhitespace }
            $0.phoneLast4 = (values["phone_last4"] ?? "").trimmingCharacters(in: .whitespaces)
            $0.answers = survey.questions.map { question in
                let given = (values[question.id] ?? "").split(separator: "\n").map(String.init)
                return .with {
                    $0.questionID = question.id
                    switch question.kind {
                    case .text: $0.text = given.joined(separator: "\n")
                    case .scale: $0.scale = given.first.flatMap { Int32($0) } ?? 0
                    default: $0.choices = given.compactMap { Int32($0) }
                    }
                }
            }
        }
        let signedIn = request.cookies[Self.citizenCookie]?.value.isEmpty == false
        do {
            let receipt = try await call(SurveyMethod.SubmitAnswers.descriptor, submission, metadata, as: Fawang_Survey_V1_SubmitAnswersResponse.self)
            return page("survey-thanks", title: "提交成功", ["survey": Self.surveyRow(survey), "receipt": receipt.receipt])
        } catch let error as RPCError {
            return answerPage(
                request, survey, staff: staff, signedIn: signedIn, values: values, errors: Self.fieldViolations(error),
                message: error.code == .invalidArgument ? "请按提示修改后再提交" : Self.problem(error), status: Self.status(error))
        }
    }

    static func surveyRow(_ survey: Fawang_Survey_V1_Questionnaire) -> [String: Any] {
        [
            "id": survey.id, "title": survey.title, "description": survey.description_p, "region": survey.regionName, "audience": survey.audienceLabel,
            "opens": survey.opensOn, "closes": survey.closesOn, "status": survey.statusLabel, "link": survey.link, "open": survey.open,
            "answers": survey.answerCount, "author": survey.authorName, "isDraft": survey.status == .draft,
            "isPublished": survey.status == .published, "limit": survey.limit == .onePerMatter ? "每件事项一份" : "每人一份（须登录）",
            "anonymous": survey.anonymous ? "匿名" : "实名（记录事项或账号）",
        ]
    }

    // MARK: Staff

    func staffSurveys(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let listed = try await call(
                SurveyMethod.ListQuestionnaires.descriptor, Fawang_Survey_V1_ListQuestionnairesRequest.with { $0.manage = true }, metadata,
                as: Fawang_Survey_V1_ListQuestionnairesResponse.self)
            return page("staff-surveys", title: "问卷调查", ["surveys": listed.questionnaires.map(Self.surveyRow), "hasSurveys": !listed.questionnaires.isEmpty])
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
    }

    func designer(
        _ request: Request, _ context: GatewayRequestContext, values: [String: String], errors: [String: String], message: String?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        guard staffMetadata(request, context) != nil else { return loginPage(request, message: nil) }
        let csrf = Self.csrfToken(request)
        func value(_ name: String) -> String { values[name] ?? "" }
        let kinds = [("", "（不用此题）"), ("single", "单选"), ("multiple", "多选"), ("scale", "量表"), ("text", "填空")]
        let blocks = (1...Self.designerBlocks).map { number -> [String: Any] in
            let error = errors["block\(number)"]
            return [
                "n": number, "text": value("q\(number)_text"), "options": value("q\(number)_options"), "required": value("q\(number)_required") == "on",
                "max": value("q\(number)_max"), "low": value("q\(number)_low"), "high": value("q\(number)_high"),
                "from": value("q\(number)_from"), "to": value("q\(number)_to"),
                "kinds": kinds.map { ["value": $0.0, "label": $0.1, "selected": value("q\(number)_kind") == $0.0] },
                "error": error ?? "", "hasError": error != nil,
            ]
        }
        let audience = value("audience").isEmpty ? "public" : value("audience")
        let today = CivilDate(now())
        var object: [String: Any] = [
            "csrf": csrf, "blocks": blocks, "title_": value("title"), "description": value("description"),
            "audiences": [("public", "公众"), ("line_citizens", "某条线已办结事项的申请人（凭受理编号填写）"), ("office_staff", "某单位的工作人员")].map {
                ["value": $0.0, "label": $0.1, "selected": audience == $0.0]
            },
            "lines": serviceLineList.map { ["id": $0.id, "name": $0.name, "selected": value("business_line") == $0.id] },
            "office_region": value("office_region"), "office_department": value("office_department"),
            "perMatter": value("limit") == "one_per_matter", "anonymous": values.isEmpty || value("anonymous") == "on",
            "opens": values.isEmpty ? today.description : value("opens_on"), "closes": values.isEmpty ? today.adding(days: 30).description : value("closes_on"),
            "message": message ?? "", "hasMessage": message != nil,
            "problems": errors.filter { !$0.key.hasPrefix("block") }.map(\.value).sorted(),
        ]
        object["hasProblems"] = !(object["problems"] as? [String] ?? []).isEmpty
        var response = page("staff-survey-new", title: "设计问卷", object, status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    /// The lines with matters, for a questionnaire to their applicants.
    var serviceLineList: [(id: String, name: String)] {
        Set(serviceLines.values).sorted().map { id in (id, lineIDs.first { $0.value == id }?.key ?? id) }
    }

    func createSurvey(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        // The blocks filled in, in order: the draft's questions[i] is block `used[i]`.
        let used = (1...Self.designerBlocks).filter { !(values["q\($0)_kind"] ?? "").isEmpty }
        let draft = Fawang_Survey_V1_QuestionnaireDraft.with { draft in
            draft.title = values["title"] ?? ""
            draft.description_p = values["description"] ?? ""
            draft.questions = used.map { number in
                func value(_ name: String) -> String { values["q\(number)_\(name)"] ?? "" }
                return .with {
                    $0.kind = ["single": .singleChoice, "multiple": .multipleChoice, "scale": .scale, "text": .text][value("kind")] ?? .unspecified
                    $0.text = value("text")
                    $0.required = value("required") == "on"
                    $0.options = value("options").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    $0.maxChoices = Int32(value("max")) ?? 0
                    $0.scaleMin = Int32(value("from")) ?? 0
                    $0.scaleMax = Int32(value("to")) ?? 0
                    $0.scaleMinLabel = value("low")
                    $0.scaleMaxLabel = value("high")
                }
            }
            draft.audience.kind = ["public": .public, "line_citizens": .lineCitizens, "office_staff": .officeStaff][values["audience"] ?? ""] ?? .unspecified
            draft.audience.businessLine = values["business_line"] ?? ""
            draft.audience.officeRegionCode = values["office_region"] ?? ""
            draft.audience.officeDepartment = values["office_department"] ?? ""
            draft.limit = draft.audience.kind == .officeStaff ? .onePerPerson
                : draft.audience.kind == .lineCitizens || values["limit"] == "one_per_matter" ? .onePerMatter : .onePerPerson
            draft.anonymous = values["anonymous"] == "on"
            draft.opensOn = values["opens_on"] ?? ""
            draft.closesOn = values["closes_on"] ?? ""
        }
        do {
            let created = try await call(
                SurveyMethod.CreateQuestionnaire.descriptor, Fawang_Survey_V1_CreateQuestionnaireRequest.with { $0.questionnaire = draft }, metadata,
                as: Fawang_Survey_V1_Questionnaire.self)
            return Response(status: .seeOther, headers: [.location: "/staff/surveys/\(created.id)"])
        } catch let error as RPCError {
            // questionnaire.questions[2].options → the block that question came from.
            var errors: [String: String] = [:]
            for (field, reason) in Self.fieldViolations(error) {
                if let open = field.range(of: "questions["), let close = field[open.upperBound...].firstIndex(of: "]"),
                    let index = Int(field[open.upperBound..<close]), used.indices.contains(index)
                {
                    errors["block\(used[index])"] = [errors["block\(used[index])"], reason].compactMap { $0 }.joined(separator: "；")
                } else {
                    errors[field] = reason
                }
            }
            if used.isEmpty { errors["questionnaire.questions"] = "请至少设计一道题（选择题型并填写题目）" }
            return designer(
                request, context, values: values, errors: errors, message: error.code == .invalidArgument ? "请按提示修改" : Self.problem(error),
                status: Self.status(error))
        }
    }

    func surveySummary(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let id = context.parameters.get("id") ?? ""
        do {
            let summary = try await call(
                SurveyMethod.GetSummary.descriptor, Fawang_Survey_V1_QuestionnaireRef.with { $0.id = id }, metadata, as: Fawang_Survey_V1_QuestionnaireSummary.self)
            let csrf = Self.csrfToken(request)
            let questions = summary.questions.enumerated().map { index, result -> [String: Any] in
                let question = result.question
                let isText = question.kind == .text
                var row: [String: Any] = [
                    "number": index + 1, "text": question.text, "answered": result.answered, "isText": isText,
                    "kind": ["", "单选", "多选", "量表", "填空"][safe: question.kind.rawValue] ?? "",
                    "texts": result.texts.map { ["text": $0.text, "at": String($0.submittedAt.prefix(10))] }, "hasTexts": !result.texts.isEmpty,
                    "rows": result.options.map { ["cells": [$0.option, String($0.count), String(format: "%.1f%%", $0.share * 100)]] },
                    "isScale": question.kind == .scale, "average": String(format: "%.2f", result.average),
                ]
                if !isText {
                    row["svg"] = Charts.bars(
                        [.init(name: "人数", values: result.options.map { Double($0.count) })],
                        categories: result.options.map { question.kind == .scale ? "\($0.option)分" : $0.option }, title: "第\(index + 1)题", unit: "人")
                }
                return row
            }
            var response = page("staff-survey", title: summary.questionnaire.title, [
                "csrf": csrf, "survey": Self.surveyRow(summary.questionnaire), "count": summary.answerCount, "questions": questions,
                "channels": summary.channels.map { ["channel": $0.channel, "count": $0.count] }, "hasChannels": !summary.channels.isEmpty,
            ])
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
    }

    /// Publish or close, then back to the questionnaire's page.
    enum SurveyAction { case publish, close }

    func surveyAction(_ request: Request, _ context: GatewayRequestContext, _ action: SurveyAction) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let id = context.parameters.get("id") ?? ""
        let descriptor = action == .publish ? SurveyMethod.PublishQuestionnaire.descriptor : SurveyMethod.CloseQuestionnaire.descriptor
        do {
            _ = try await call(descriptor, Fawang_Survey_V1_QuestionnaireRef.with { $0.id = id }, metadata, as: Fawang_Survey_V1_Questionnaire.self)
            return Response(status: .seeOther, headers: [.location: "/staff/surveys/\(id)"])
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
    }

    func surveyExport(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let file = try await call(
                SurveyMethod.ExportAnswers.descriptor,
                Fawang_Survey_V1_ExportAnswersRequest.with {
                    $0.id = context.parameters.get("id") ?? ""
                    $0.format = Self.query(request, "format") == "xlsx" ? .xlsx : .csv
                }, metadata, as: Fawang_Supervision_V1_ExportedFile.self)
            return Self.download(file)
        } catch let error as RPCError {
            return errorPage("问卷调查", error)
        }
    }

    /// An exported file as an attachment (under `name`, else its own), the Chinese name in RFC 5987 form.
    static func download(_ file: Fawang_Supervision_V1_ExportedFile, name: String? = nil) -> Response {
        let encoded = percentEncoded(name ?? file.fileName)
        let plain = "export." + (file.fileName.split(separator: ".").last.map(String.init) ?? "csv")
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .contentDisposition: "attachment; filename=\"\(plain)\"; filename*=UTF-8''\(encoded)"],
            body: .init(byteBuffer: ByteBuffer(bytes: file.content)))
    }
}

enum SurveyTemplates {
    static let templates: [String: String] = [
        "surveys": """
            {{> top}}
            <h1>问卷调查</h1>
            <p>司法行政机关正在开展的问卷调查。您的意见会直接送到发起调查的单位。</p>
            {{#hasSurveys}}<ul class="results" id="surveys">{{#surveys}}<li><a href="{{link}}">{{title}}</a>
              <p class="muted">{{region}} · 调查对象：{{audience}} · {{opens}} 至 {{closes}} · {{limit}}</p></li>{{/surveys}}</ul>{{/hasSurveys}}
            {{^hasSurveys}}<p class="muted">目前没有正在开展的问卷调查。</p>{{/hasSurveys}}
            {{> bottom}}
            """,
        "survey": """
            {{> top}}
            {{#survey}}<h1>{{title}}</h1>
            <p class="muted">{{region}} · 调查对象：{{audience}} · 填写时间 {{opens}} 至 {{closes}} · {{limit}} · {{anonymous}}</p>{{/survey}}
            {{#description}}<p>{{description}}</p>{{/description}}
            {{#hasMessage}}<div class="alert" role="alert" id="survey-message">{{message}}</div>{{/hasMessage}}
            {{#closed}}<div class="alert" role="status">本问卷现在不在填写时间内。</div>{{/closed}}
            {{#staffOnly}}<div class="alert" role="status">本问卷面向工作人员，请<a href="{{staffLink}}">从工作人员入口登录后填写</a>。</div>{{/staffOnly}}
            {{#needsLogin}}<div class="alert" role="status" id="survey-login">本问卷每人限填一份，请先在<a href="/my">“我的事项”登录</a>后再填写。</div>{{/needsLogin}}
            {{#canAnswer}}
            <form method="post" action="{{action}}" id="survey-form" novalidate>
              <input type="hidden" name="_csrf" value="{{csrf}}">
              {{#perMatter}}<fieldset><legend>所办事项</legend>
                <div class="field{{#has_e_tracking}} invalid{{/has_e_tracking}}"><label for="f-stn">受理编号</label><input type="text" id="f-stn" name="tracking_number" value="{{tracking_number}}" inputmode="numeric">{{#has_e_tracking}}<p class="error">{{e_tracking}}</p>{{/has_e_tracking}}</div>
                <div class="field{{#has_e_phone}} invalid{{/has_e_phone}}"><label for="f-sph">申请时所留手机号后四位</label><input type="text" id="f-sph" name="phone_last4" value="{{phone_last4}}" inputmode="numeric" maxlength="4">{{#has_e_phone}}<p class="error">{{e_phone}}</p>{{/has_e_phone}}</div>
              </fieldset>{{/perMatter}}
              {{#questions}}
              <fieldset class="survey-question{{#hasError}} invalid{{/hasError}}" id="question-{{id}}"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}>
                <legend>{{number}}. {{text}}{{#required}} <span class="required">（必答）</span>{{/required}}</legend>
                {{#hasHint}}<p class="muted">{{hint}}</p>{{/hasHint}}
                {{#isText}}<label for="f-{{id}}" class="muted">您的回答（500字以内）</label><textarea id="f-{{id}}" name="{{id}}" rows="4" maxlength="500">{{value}}</textarea>{{/isText}}
                {{^isText}}<div class="choices{{#isScale}} scale{{/isScale}}">{{#choices}}<label><input type="{{inputType}}" name="{{id}}" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label>{{/choices}}</div>{{/isText}}
                {{#hasError}}<p class="error" id="{{id}}-error">{{error}}</p>{{/hasError}}
              </fieldset>
              {{/questions}}
              <p><button type="submit" class="button">提交问卷</button></p>
            </form>
            {{/canAnswer}}
            {{> bottom}}
            """,
        "survey-thanks": """
            {{> top}}
            <h1>提交成功</h1>
            {{#survey}}<p id="survey-thanks">感谢您参与「{{title}}」！回执编号：<strong id="survey-receipt">{{receipt}}</strong></p>{{/survey}}
            <p><a href="/surveys">查看其他问卷</a> · <a href="/">返回首页</a></p>
            {{> bottom}}
            """,
        "staff-surveys": """
            {{> top}}
            <div class="bar"><h1>问卷调查</h1><a href="/staff">待办事项</a><a href="/staff/dashboard">监管统计</a><a class="button" href="/staff/surveys/new">设计新问卷</a></div>
            {{#hasSurveys}}<table class="catalogue" id="staff-surveys"><thead><tr><th>问卷</th><th>调查对象</th><th>填写时间</th><th>状态</th><th>答卷</th><th>设计人</th></tr></thead>
            <tbody>{{#surveys}}<tr><td><a href="/staff/surveys/{{id}}">{{title}}</a></td><td>{{audience}}</td><td>{{opens}} 至 {{closes}}</td><td>{{status}}</td><td>{{answers}}</td><td>{{author}}</td></tr>{{/surveys}}</tbody></table>{{/hasSurveys}}
            {{^hasSurveys}}<p class="muted">本辖区还没有问卷。</p>{{/hasSurveys}}
            {{> bottom}}
            """,
        "staff-survey-new": """
            {{> top}}
            <div class="bar"><h1>设计问卷</h1><a href="/staff/surveys">问卷列表</a></div>
            {{#hasMessage}}<div class="alert" role="alert" id="designer-message">{{message}}{{#hasProblems}}<ul>{{#problems}}<li>{{.}}</li>{{/problems}}</ul>{{/hasProblems}}</div>{{/hasMessage}}
            <form method="post" action="/staff/surveys" id="survey-designer">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <fieldset><legend>基本信息</legend>
                <div class="field"><label for="f-dt">问卷标题</label><input type="text" id="f-dt" name="title" value="{{title_}}" maxlength="100"></div>
                <div class="field"><label for="f-dd">说明</label><textarea id="f-dd" name="description" rows="2">{{description}}</textarea></div>
                <div class="field"><label for="f-da">调查对象</label><select id="f-da" name="audience">{{#audiences}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/audiences}}</select></div>
                <div class="field"><label for="f-dl">业务条线（调查某条线的办事群众时）</label><select id="f-dl" name="business_line"><option value="">请选择</option>{{#lines}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/lines}}</select></div>
                <div class="field"><label for="f-dor">被调查单位的地区代码（调查工作人员时）</label><input type="text" id="f-dor" name="office_region" value="{{office_region}}" inputmode="numeric" maxlength="6"></div>
                <div class="field"><label for="f-dod">被调查单位的部门（留空为全部）</label><input type="text" id="f-dod" name="office_department" value="{{office_department}}" placeholder="如 legal-aid"></div>
                <div class="field"><label><input type="checkbox" name="limit" value="one_per_matter"{{#perMatter}} checked{{/perMatter}}> 按事项填写（凭受理编号和手机号后四位，每件事项一份）；不选则每人一份（须登录）</label></div>
                <div class="field"><label><input type="checkbox" name="anonymous"{{#anonymous}} checked{{/anonymous}}> 匿名（答卷不记录账号或事项）</label></div>
                <div class="field"><label for="f-do">开始日期</label><input type="date" id="f-do" name="opens_on" value="{{opens}}"></div>
                <div class="field"><label for="f-dc">截止日期</label><input type="date" id="f-dc" name="closes_on" value="{{closes}}"></div>
              </fieldset>
              {{#blocks}}
              <fieldset class="survey-question{{#hasError}} invalid{{/hasError}}" id="block-{{n}}"><legend>第{{n}}题</legend>
                <div class="field"><label for="f-k{{n}}">题型</label><select id="f-k{{n}}" name="q{{n}}_kind">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></div>
                <div class="field"><label for="f-t{{n}}">题目</label><input type="text" id="f-t{{n}}" name="q{{n}}_text" value="{{text}}" maxlength="200"></div>
                <div class="field"><label for="f-o{{n}}">选项（选择题，每行一个）</label><textarea id="f-o{{n}}" name="q{{n}}_options" rows="3">{{options}}</textarea></div>
                <div class="field"><label><input type="checkbox" name="q{{n}}_required"{{#required}} checked{{/required}}> 必答</label></div>
                <details><summary>多选上限、量表分值</summary>
                  <div class="field"><label for="f-m{{n}}">多选最多几项（0为不限）</label><input type="number" id="f-m{{n}}" name="q{{n}}_max" value="{{max}}" min="0"></div>
                  <div class="field"><label for="f-f{{n}}">量表最低分（默认1）</label><input type="number" id="f-f{{n}}" name="q{{n}}_from" value="{{from}}" min="0"></div>
                  <div class="field"><label for="f-h{{n}}">量表最高分（默认5）</label><input type="number" id="f-h{{n}}" name="q{{n}}_to" value="{{to}}" min="1"></div>
                  <div class="field"><label for="f-lo{{n}}">最低分的含义</label><input type="text" id="f-lo{{n}}" name="q{{n}}_low" value="{{low}}" placeholder="很不满意"></div>
                  <div class="field"><label for="f-hi{{n}}">最高分的含义</label><input type="text" id="f-hi{{n}}" name="q{{n}}_high" value="{{high}}" placeholder="非常满意"></div>
                </details>
                {{#hasError}}<p class="error">{{error}}</p>{{/hasError}}
              </fieldset>
              {{/blocks}}
              <p><button type="submit" class="button">保存草稿</button></p>
            </form>
            {{> bottom}}
            """,
        "staff-survey": """
            {{> top}}
            {{#survey}}<div class="bar"><h1>{{title}}</h1><a href="/staff/surveys">问卷列表</a></div>
            <p class="muted">{{region}} · 调查对象：{{audience}} · {{opens}} 至 {{closes}} · {{limit}} · {{anonymous}} · 状态：<strong id="survey-status">{{status}}</strong></p>
            <p>填写链接：<a href="{{link}}" id="survey-link">{{link}}</a>（可在网站、微信公众号（发送“问卷”）和短信中分享）</p>
            <div class="bar">
            {{#isDraft}}<form method="post" action="/staff/surveys/{{id}}/publish"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="button" id="survey-publish">发布</button></form>{{/isDraft}}
            {{#isPublished}}<form method="post" action="/staff/surveys/{{id}}/close"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="button secondary" id="survey-close">提前结束</button></form>{{/isPublished}}
            <a class="button secondary" href="/staff/surveys/{{id}}/export" download>下载答卷（CSV）</a>
            <a class="button secondary" href="/staff/surveys/{{id}}/export?format=xlsx" download>下载答卷（XLSX）</a>
            </div>{{/survey}}
            <section class="report"><h2>已收答卷 <strong id="survey-count">{{count}}</strong> 份</h2>
            {{#hasChannels}}<p class="muted">渠道：{{#channels}}{{channel}} {{count}}　{{/channels}}</p>{{/hasChannels}}</section>
            {{#questions}}
            <section class="report chart-panel" id="result-{{number}}">
              <h2>{{number}}. {{text}}（{{kind}}，{{answered}}人作答{{#isScale}}，平均 {{average}} 分{{/isScale}}）</h2>
              {{^isText}}{{{svg}}}
              <table class="catalogue"><thead><tr><th>选项</th><th>人数</th><th>占比</th></tr></thead><tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody></table>{{/isText}}
              {{#isText}}{{#hasTexts}}<ul class="texts">{{#texts}}<li>{{text}} <span class="muted">{{at}}</span></li>{{/texts}}</ul>{{/hasTexts}}{{^hasTexts}}<p class="muted">暂无回答。</p>{{/hasTexts}}{{/isText}}
            </section>
            {{/questions}}
            {{> bottom}}
            """,
    ]
}
