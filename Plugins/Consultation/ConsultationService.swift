import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.consultation.v1.ConsultationService`: each RPC declared once in ``rpcs``, each step its
/// field checks and one step of ``ConsultationWorkflow``.
struct ConsultationService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<ConsultationWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Consultation_V1_ConsultationService.Method

    /// Anyone records a consultation (the portal, the hotline and hall front ends, staff for a call
    /// or a visit); the consultation desk's staff answer and close, within their region.
    /// The web form's labels: the public asks online; the answer is the desk's (kept off the form).
    static let formLabels: [String: String] = [
        "person": "咨询人", "person.id_number": "身份证号（可不填）", "person.address": "住址（可不填）",
        "topic": "咨询事项类别", "question": "想咨询的问题", "answer": "",
        "TOPIC_LABOUR": "劳动用工、欠薪、工伤", "TOPIC_MARRIAGE_FAMILY": "婚姻家庭、继承、赡养", "TOPIC_CONTRACT_DEBT": "合同、借贷",
        "TOPIC_PROPERTY_LAND": "房产、土地、物业", "TOPIC_TORT_INJURY": "人身损害、交通事故、医疗纠纷",
        "TOPIC_ADMINISTRATIVE": "行政管理、行政许可、行政复议", "TOPIC_CRIMINAL": "刑事", "TOPIC_CONSUMER": "消费者权益", "TOPIC_OTHER": "其他",
    ]

    /// The workbench's forms for the desk's steps.
    static let stepLabels: [String: String] = [
        "answer": "解答内容", "suggested_matter_types": "建议申请办理的事项类型（每行一项，如 legal-aid.application）",
        "law_citations": "引用的法律条文（每行一条，如 法律援助法第四十三条）",
    ]

    /// Who answers: the consultation desk's staff, and the lawyer or worker a question was routed to.
    static let answerers = AccessPolicy.roles([.staff, .departmentAdmin, .platformAdmin, .professional])

    static let rpcs = RPCTable<ConsultationService>([
        RPC(Method.RecordConsultation.descriptor, .anyone, verb: "record", help: "登记法律咨询（可当场解答）", title: "在线法律咨询", intake: true,
            aliases: ["name": "person.name", "phone": "person.phone", "region": "region_code"], labels: formLabels,
            ConsultationService.recordConsultation),
        RPC(Method.Answer.descriptor, answerers, verb: "answer", help: "解答（可再次解答），并可建议申请办理的事项、引用法律条文",
            aliases: ["suggest": "suggested_matter_types", "cite": "law_citations"], labels: stepLabels, ConsultationService.answer),
        RPC(Method.SuggestLaws.descriptor, answerers, verb: "suggest-laws", help: "按咨询问题检索可引用的法律条文", ConsultationService.suggestLaws),
        RPC(Method.SetDuty.descriptor, .handlers, verb: "set-duty", help: "排班：某日某地区（某类别）的值班律师或法律服务工作者",
            argument: "shifts", ConsultationService.setDuty),
        RPC(Method.ListDuty.descriptor, .anyone, verb: "duty", help: "值班表（某日，某地区）", argument: "day", aliases: ["region": "region_code"],
            rateLimited: false, ConsultationService.listDuty),
        RPC(Method.PublishFAQ.descriptor, .handlers, verb: "publish-faq", help: "把已解答的咨询去除个人信息后公开为常见问题", ConsultationService.publishFAQ),
        RPC(Method.ListFAQ.descriptor, .anyone, verb: "faq", help: "常见问题（可按类别、关键词）", argument: "query", rateLimited: false, ConsultationService.listFAQ),
        RPC(Method.Close.descriptor, .handlers, verb: "close", help: "办结：已解答，无需办理其他事项", labels: stepLabels, ConsultationService.close),
    ])

    /// A question not answered at once goes to whoever is on duty for its division and category
    /// (``ConsultationDuty/onDuty(_:day:regionCode:topic:)``), counted on their shift in the same
    /// transaction; the first event names them.
    func recordConsultation(_ request: Fawang_Consultation_V1_RecordConsultationRequest) async throws -> Fawang_Consultation_V1_RecordConsultationResponse {
        let (handling, person, details) = try ConsultationWorkflow.validate(request)
        let shift = details.answers.isEmpty
            ? try await ConsultationDuty.onDuty(context.storage, day: CivilDate(context.now()), regionCode: request.regionCode, topic: details.topic)
            : nil
        var attributes = ["topic": details.topic]
        var note = request.answer
        if let shift {
            attributes["routed_to"] = shift.string("account_id") ?? ""
            attributes["routed_to_name"] = shift.string("name") ?? ""
            note = "转\(shift.string("role_label") ?? "值班人员")\(shift.string("name") ?? "")（\(shift.string("account_id") ?? "")）解答"
        }
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: ConsultationWorkflow.matterType,
            initialStatus: details.answers.isEmpty ? "recorded" : "answered", applicant: person, regionCode: request.regionCode,
            handling: handling, details: details, firstEvent: "recorded", attributes: attributes, note: note,
            assignee: shift?.string("account_id")
        ) { _ in shift.map { [ConsultationDuty.count($0)] } ?? [] }
    }

    func answer(_ request: Fawang_Consultation_V1_AnswerRequest) async throws -> Fawang_Matter_V1_Matter {
        // Each cited article must be in the law library: the answer cites it by its full name.
        var cited: [String] = []
        var unknown: [(Int, String)] = []
        for (index, text) in request.lawCitations.prefix(10).enumerated() {
            if let citation = LawCitation(text), let record = try await context.laws?.article(citation) {
                cited.append(record.citation)
            } else {
                unknown.append((index, text))
            }
        }
        return try await steps.take(on: request.trackingNumber, request.context, access: .handlerOrAssignee) { check in
            check.requireText(request.answer, "answer", label: "解答", maxLength: 4000)
            check.require(request.suggestedMatterTypes.count <= 10, "suggested_matter_types", "建议办理的事项不能超过10项")
            for (index, type) in request.suggestedMatterTypes.enumerated() where !type.contains(".") || type.count > 100 {
                check.fail("suggested_matter_types[\(index)]", "事项类型应形如 mediation.dispute")
            }
            check.require(request.lawCitations.count <= 10, "law_citations", "引用的条文不能超过10条")
            for (index, text) in unknown {
                check.fail("law_citations[\(index)]", "法规库中没有“\(text)”：请按“法律名称 + 第几条”书写，如 法律援助法第四十三条")
            }
            return .answer(request.answer, suggested: request.suggestedMatterTypes, citations: cited)
        }
    }

    func suggestLaws(_ request: Fawang_Consultation_V1_SuggestLawsRequest) async throws -> Fawang_Consultation_V1_SuggestLawsResponse {
        let number = try TrackingNumber.parse(request.trackingNumber)
        guard let matter = try await context.matters.matter(trackingNumber: number), matter.businessLine == ConsultationWorkflow.businessLine else {
            throw FawangError.notFound("没有受理编号为 \(request.trackingNumber) 的法律咨询")
        }
        try MatterSteps.check(.handlerOrAssignee, matter)
        guard let laws = context.laws else { throw FawangError(.unavailable, "法规库未接入，暂不能检索条文") }
        let details = try DetailsCoding.decode(ConsultationDetails.self, from: matter)
        // The question's own words, longest first, until the library finds articles with them.
        for query in ConsultationService.queries(details.question) {
            let page = try await laws.search(query, filter: LawSearchFilter(currentOnly: true), limit: 5, offset: 0)
            if !page.hits.isEmpty {
                return .with {
                    $0.articles = page.hits.map { hit in
                        .with {
                            $0.citation = hit.citation
                            $0.lawTitle = hit.lawTitle
                            $0.snippet = LawSnippet.make(hit.article.text, query: query).snippet
                        }
                    }
                }
            }
        }
        return .init()
    }

    /// Search words from a question: its clauses without question words, the whole first, then
    /// each clause, then two-character words of the longest.
    static func queries(_ question: String) -> [String] {
        let stop = ["怎么办", "怎么", "如何", "可以", "能否", "能不能", "是否", "什么", "请问", "我们", "我的", "我", "吗", "呢", "了", "的"]
        let clauses = question.split(whereSeparator: { "，。？！、；,.?!; \n".contains($0) }).map { clause in
            stop.reduce(String(clause)) { $0.replacingOccurrences(of: $1, with: " ") }
        }
        let words = clauses.flatMap { $0.split(separator: " ").map(String.init) }.filter { $0.count >= 2 }
        let longest = words.max { $0.count < $1.count } ?? ""
        let pairs = stride(from: 0, to: max(0, longest.count - 1), by: 2).map { String(Array(longest)[$0...$0 + 1]) }
        return [words.joined(separator: " ")] + words.sorted { $0.count > $1.count } + pairs
    }

    func setDuty(_ request: Fawang_Consultation_V1_SetDutyRequest) async throws -> Fawang_Consultation_V1_SetDutyResponse {
        let handling = try MatterSteps.validate(request.context) { check in
            check.require(!request.shifts.isEmpty && request.shifts.count <= 200, "shifts", "请填写1至200个班次")
            for (index, shift) in request.shifts.enumerated() {
                let field = "shifts[\(index)]"
                check.require(CivilDate(strictISO: shift.day) != nil, "\(field).day", "日期应为 YYYY-MM-DD")
                check.divisionCode(shift.regionCode, field: "\(field).region_code")
                check.requireText(shift.accountID, "\(field).account_id", label: "值班账号", maxLength: 64)
                check.requireText(shift.name, "\(field).name", label: "值班人员姓名", maxLength: 50)
                check.require(shift.roleLabel.count <= 20, "\(field).role_label", "身份不能超过20字")
                check.require(shift.topic == .unspecified || ConsultationWorkflow.topic(shift.topic) != nil, "\(field).topic", "咨询类别不正确")
            }
        }
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        for (index, shift) in request.shifts.enumerated() where !principal.mayHandle(businessLine: ConsultationWorkflow.businessLine, regionCode: shift.regionCode) {
            throw FawangError(.permissionDenied, "第\(index + 1)个班次的地区 \(shift.regionCode) 不在本账号的办理范围内（地区或业务条线）")
        }
        let today = CivilDate(context.now())
        if let past = request.shifts.firstIndex(where: { CivilDate(strictISO: $0.day).map { $0 < today } ?? false }) {
            throw FawangError.invalidArgument(field: "shifts[\(past)].day", "不能为已经过去的日期排班")
        }
        // What the request's days held before, to tell which shifts it added.
        let days = Array(Set(request.shifts.map(\.day))).sorted()
        let before = try await roster(days: days, regionCode: "")
        try await context.storage.execute(
            request.shifts.map { shift in
                SQLStatement(
                    """
                    INSERT INTO consultation_duty (day, region_code, topic, account_id, name, role_label, set_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                    [
                        .text(shift.day), .text(shift.regionCode), .text(ConsultationWorkflow.topic(shift.topic) ?? ""), .text(shift.accountID),
                        .text(shift.name), .text(shift.roleLabel.isEmpty ? "值班律师" : shift.roleLabel), .text(handling.actor),
                    ])
            },
            audit: AuditDraft(
                actor: handling.actor, role: principal.role.rawValue, channel: handling.channel.rawValue, target: "consultation:duty",
                detail: "duty_set \(request.shifts.map { "\($0.day)/\($0.regionCode)/\($0.accountID)" }.joined(separator: ","))"))
        let known = Set(before.map(Self.key))
        let added = try await roster(days: days, regionCode: "").filter { !known.contains(Self.key($0)) }
        return .with { $0.added = added }
    }

    func listDuty(_ request: Fawang_Consultation_V1_ListDutyRequest) async throws -> Fawang_Consultation_V1_ListDutyResponse {
        let day = request.day.isEmpty ? CivilDate(context.now()) : CivilDate(strictISO: request.day)
        guard let day else { throw FawangError.invalidArgument(field: "day", "日期应为 YYYY-MM-DD") }
        if !request.regionCode.isEmpty, !DivisionCode.isWellFormed(request.regionCode) {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码应为6位数字")
        }
        let shifts = try await roster(days: [day.description], regionCode: request.regionCode)
        return .with { $0.shifts = shifts }
    }

    /// The shifts of `days` (YYYY-MM-DD) in `regionCode` and below (everywhere if empty).
    private func roster(days: [String], regionCode: String) async throws -> [Fawang_Consultation_V1_DutyShift] {
        let marks = days.map { _ in "?" }.joined(separator: ", ")
        let sql = "SELECT * FROM consultation_duty WHERE region_code LIKE ? AND day IN (\(marks))"
        let values: [SQLValue] = [.text((regionCode.isEmpty ? "" : DivisionCode.scopePrefix(of: regionCode)) + "%")] + days.map { .text($0) }
        let rows = try await context.storage.query(SQLStatement(sql + " ORDER BY day, region_code, topic, account_id", values))
        var names: [String: String] = [:]
        for code in Set(rows.compactMap { $0.string("region_code") }) { names[code] = try await context.directory.division(code: code)?.name ?? code }
        return rows.map { ConsultationDuty.shift($0, regionName: names[$0.string("region_code") ?? ""] ?? "") }
    }

    private static func key(_ shift: Fawang_Consultation_V1_DutyShift) -> String {
        "\(shift.day)|\(shift.regionCode)|\(shift.topic.rawValue)|\(shift.accountID)"
    }

    func publishFAQ(_ request: Fawang_Consultation_V1_PublishFAQRequest) async throws -> Fawang_Consultation_V1_FAQ {
        let handling = try MatterSteps.validate(request.context) { check in
            _ = check.trackingNumber(request.trackingNumber)
            check.require(request.question.count <= 4000, "question", "问题不能超过4000字")
            check.require(request.answer.count <= 4000, "answer", "解答不能超过4000字")
        }
        let number = try TrackingNumber.parse(request.trackingNumber)
        guard let matter = try await context.matters.matter(trackingNumber: number), matter.businessLine == ConsultationWorkflow.businessLine else {
            throw FawangError.notFound("没有受理编号为 \(request.trackingNumber) 的法律咨询")
        }
        try MatterSteps.check(.handler, matter)
        let details = try DetailsCoding.decode(ConsultationDetails.self, from: matter)
        guard let lastAnswer = details.answers.last else { throw FawangError.failedPrecondition("该咨询尚未解答，解答后才能公开") }
        let name = matter.applicant.name
        let question = request.question.isEmpty ? ConsultationDuty.anonymised(details.question, name: name) : request.question
        let answer = request.answer.isEmpty ? ConsultationDuty.anonymised(lastAnswer, name: name) : request.answer
        var check = FieldValidator()
        if let what = ConsultationDuty.identifying(question, name: name) { check.fail("question", "公开的问题中仍有\(what)，请删去后再公开") }
        if let what = ConsultationDuty.identifying(answer, name: name) { check.fail("answer", "公开的解答中仍有\(what)，请删去后再公开") }
        try check.check()
        let id = "faq-" + matter.trackingNumber.digits
        let now = context.now()
        let citations = details.lawCitations ?? []
        try await context.storage.execute(
            [SQLStatement(
                """
                INSERT INTO consultation_faq (id, matter_id, topic, region_code, question, answer, citations, published_at, published_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET question = excluded.question, answer = excluded.answer, citations = excluded.citations,
                    published_at = excluded.published_at, published_by = excluded.published_by
                """,
                [
                    .text(id), .text(matter.id), .text(details.topic), .text(matter.regionCode), .text(question), .text(answer),
                    .text(citations.joined(separator: "\n")), .real(now.timeIntervalSince1970), .text(handling.actor),
                ])],
            audit: AuditDraft(
                actor: handling.actor, role: Principal.current?.role.rawValue ?? "", channel: handling.channel.rawValue,
                target: "consultation:\(matter.id)", detail: "faq_published \(id)"))
        guard let faq = try await faqs(where: "id = ?", [.text(id)], limit: 1).first else {
            throw FawangError(.internalError, "FAQ \(id) vanished after its write")
        }
        return faq
    }

    func listFAQ(_ request: Fawang_Consultation_V1_ListFAQRequest) async throws -> Fawang_Consultation_V1_ListFAQResponse {
        var clauses = ["1 = 1"]
        var values: [SQLValue] = []
        if request.topic != .unspecified {
            guard let topic = ConsultationWorkflow.topic(request.topic) else { throw FawangError.invalidArgument(field: "topic", "咨询类别不正确") }
            clauses.append("topic = ?")
            values.append(.text(topic))
        }
        let words = request.query.split(whereSeparator: \.isWhitespace).prefix(5)
        for word in words {
            clauses.append("(question LIKE ? OR answer LIKE ?)")
            let pattern = "%" + word.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            values += [.text(pattern), .text(pattern)]
        }
        let size = Int(request.pageSize == 0 ? 20 : min(request.pageSize, 100))
        let items = try await faqs(where: clauses.joined(separator: " AND "), values, limit: size)
        return .with { $0.items = items }
    }

    private func faqs(where condition: String, _ values: [SQLValue], limit: Int) async throws -> [Fawang_Consultation_V1_FAQ] {
        let rows = try await context.storage.query(SQLStatement(
            "SELECT * FROM consultation_faq WHERE \(condition) ORDER BY published_at DESC LIMIT \(limit)", values))
        var result: [Fawang_Consultation_V1_FAQ] = []
        for row in rows {
            let region = try await context.directory.division(code: row.string("region_code") ?? "")?.name ?? ""
            result.append(.with {
                $0.id = row.string("id") ?? ""
                $0.topic = ConsultationWorkflow.topicProto(row.string("topic") ?? "")
                $0.question = row.string("question") ?? ""
                $0.answer = row.string("answer") ?? ""
                $0.lawCitations = (row.string("citations") ?? "").split(separator: "\n").map(String.init)
                $0.publishedAt = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: row.real("published_at") ?? 0))
                $0.regionName = region
            })
        }
        return result
    }

    func close(_ request: Fawang_Consultation_V1_CloseRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.require(request.note.count <= 1000, "note", "说明不能超过1000字")
            return .close(note: request.note)
        }
    }
}

extension Fawang_Consultation_V1_RecordConsultationResponse: SubmissionResponse {}
