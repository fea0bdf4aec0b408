import FawangCore
import FawangProto
import Foundation

/// What a questionnaire may contain and what an answer to it must be: pure checks, no storage,
/// each problem named by its field path with what to do, in Chinese.
enum QuestionnaireRules {
    typealias Question = Fawang_Survey_V1_Question
    typealias Draft = Fawang_Survey_V1_QuestionnaireDraft

    static let maximumQuestions = 50
    static let maximumOptions = 20
    static let maximumTextAnswer = 500
    /// The longest period answers may be taken.
    static let maximumPeriodDays = 366
    /// The period when none is given.
    static let defaultPeriodDays = 30

    /// The draft made fit to keep: questions numbered q1, q2, … in order, texts trimmed, a scale
    /// without points 1 to 5. Every problem is reported at once under `prefix` (`questionnaire.`).
    static func checked(_ draft: Draft, today: CivilDate, prefix: String) throws(FawangError) -> Draft {
        var check = FieldValidator()
        var draft = draft
        draft.title = trimmed(draft.title)
        draft.description_p = trimmed(draft.description_p)
        check.requireText(draft.title, prefix + "title", label: "问卷标题", maxLength: 100)
        check.require(draft.description_p.count <= 1000, prefix + "description", "说明不能超过1000字")
        check.require(!draft.questions.isEmpty, prefix + "questions", "请至少设计一道题")
        check.require(draft.questions.count <= maximumQuestions, prefix + "questions", "一份问卷最多\(maximumQuestions)道题")
        for index in draft.questions.indices {
            let field = "\(prefix)questions[\(index)]"
            var question = draft.questions[index]
            question.id = "q\(index + 1)"
            question.text = trimmed(question.text)
            question.options = question.options.map(trimmed)
            check.requireText(question.text, field + ".text", label: "第\(index + 1)题的题目", maxLength: 200)
            switch question.kind {
            case .singleChoice, .multipleChoice:
                check.require(
                    (2...maximumOptions).contains(question.options.count), field + ".options", "第\(index + 1)题是选择题，请给出2至\(maximumOptions)个选项")
                check.require(!question.options.contains(where: \.isEmpty), field + ".options", "第\(index + 1)题有空白选项，请填写或删去")
                check.require(question.options.allSatisfy { $0.count <= 100 }, field + ".options", "第\(index + 1)题的选项每个不能超过100字")
                check.require(Set(question.options).count == question.options.count, field + ".options", "第\(index + 1)题有重复的选项")
                if question.kind == .multipleChoice {
                    check.require(
                        (0...question.options.count).contains(Int(question.maxChoices)), field + ".max_choices",
                        "第\(index + 1)题最多可选项数应在0（不限）至\(question.options.count)之间")
                } else {
                    question.maxChoices = 0
                }
                question.scaleMin = 0
                question.scaleMax = 0
            case .scale:
                if question.scaleMin == 0 && question.scaleMax == 0 {
                    question.scaleMin = 1
                    question.scaleMax = 5
                }
                check.require(
                    question.scaleMin >= 0 && question.scaleMin < question.scaleMax && question.scaleMax - question.scaleMin <= 10,
                    field + ".scale_max", "第\(index + 1)题的量表应从小到大、不超过11个分值（如1至5、0至10）")
                check.require(question.options.isEmpty, field + ".options", "量表题不设选项")
                question.maxChoices = 0
            case .text:
                check.require(question.options.isEmpty, field + ".options", "填空题不设选项")
                question.maxChoices = 0
                question.scaleMin = 0
                question.scaleMax = 0
            default:
                check.fail(field + ".kind", "第\(index + 1)题请选择题型：single_choice（单选）、multiple_choice（多选）、scale（量表）或 text（填空）")
            }
            draft.questions[index] = question
        }
        // Unset: from today, for thirty days.
        if draft.opensOn.isEmpty { draft.opensOn = today.description }
        if draft.closesOn.isEmpty, let opens = CivilDate(iso: draft.opensOn) { draft.closesOn = opens.adding(days: defaultPeriodDays - 1).description }
        let opens = CivilDate(iso: draft.opensOn), closes = CivilDate(iso: draft.closesOn)
        check.require(opens != nil, prefix + "opens_on", "开始日期应为 YYYY-MM-DD（不填为今天）")
        check.require(closes != nil, prefix + "closes_on", "截止日期应为 YYYY-MM-DD（不填为开始后30天）")
        if let opens, let closes {
            check.require(opens <= closes, prefix + "closes_on", "截止日期不能早于开始日期")
            check.require(closes >= today, prefix + "closes_on", "截止日期不能早于今天（\(today)）")
            check.require(opens.days(until: closes) < maximumPeriodDays, prefix + "closes_on", "填写期最长一年")
        }
        switch (draft.audience.kind, draft.limit) {
        case (.unspecified, _):
            check.fail(prefix + "audience.kind", "请选择调查对象：public（公众）、line_citizens（某条线已办结事项的申请人）或 office_staff（某单位工作人员）")
        case (_, .unspecified):
            check.fail(prefix + "limit", "请选择填写限制：one_per_person（每人一份，须登录）或 one_per_matter（每件事项一份）")
        case (.lineCitizens, .onePerPerson):
            check.fail(prefix + "limit", "面向已办结事项申请人的问卷按事项填写：限制应为 one_per_matter")
        case (.officeStaff, .onePerMatter):
            check.fail(prefix + "limit", "面向工作人员的问卷按账号填写：限制应为 one_per_person")
        default: break
        }
        try check.check()
        return draft
    }

    /// One row of an answer: a chosen option (by position), a scale point, or a text.
    struct Item: Equatable {
        var questionID: String
        var choice: Int?
        var scale: Int?
        var text: String?
    }

    /// The rows of `answers` to `questions`, or every problem at once, each under
    /// `answers[q3]` (the question's id) — or `answers[2].question_id` for an answer to no question.
    static func items(_ answers: [Fawang_Survey_V1_Answer], to questions: [Question]) throws(FawangError) -> [Item] {
        var check = FieldValidator()
        var items: [Item] = []
        var answered: Set<String> = []
        let byID = Dictionary(questions.enumerated().map { ($0.element.id, (number: $0.offset + 1, question: $0.element)) }) { first, _ in first }
        for (index, answer) in answers.enumerated() {
            guard let (number, question) = byID[answer.questionID] else {
                check.fail("answers[\(index)].question_id", "本问卷没有题目 \(answer.questionID)")
                continue
            }
            let field = "answers[\(question.id)]"
            guard answered.insert(question.id).inserted else {
                check.fail(field, "第\(number)题回答了两次")
                continue
            }
            let options = question.options.count
            switch question.kind {
            case .singleChoice:
                if answer.choices.isEmpty { continue }
                check.require(answer.choices.count == 1, field, "第\(number)题是单选题，只能选一项")
                check.require(answer.choices.allSatisfy { (1...options).contains(Int($0)) }, field, "第\(number)题的选项应在1至\(options)之间")
            case .multipleChoice:
                if answer.choices.isEmpty { continue }
                check.require(answer.choices.allSatisfy { (1...options).contains(Int($0)) }, field, "第\(number)题的选项应在1至\(options)之间")
                check.require(Set(answer.choices).count == answer.choices.count, field, "第\(number)题有重复的选项")
                check.require(
                    question.maxChoices == 0 || answer.choices.count <= question.maxChoices, field, "第\(number)题最多选\(question.maxChoices)项")
            case .scale:
                if answer.scale == 0 && question.scaleMin > 0 { continue }
                check.require(
                    (question.scaleMin...question.scaleMax).contains(answer.scale), field,
                    "第\(number)题请在\(question.scaleMin)至\(question.scaleMax)分之间选择")
            case .text:
                let text = trimmed(answer.text)
                if text.isEmpty { continue }
                check.require(text.count <= maximumTextAnswer, field, "第\(number)题的回答不能超过\(maximumTextAnswer)字")
            default:
                continue
            }
            switch question.kind {
            case .singleChoice, .multipleChoice:
                items += answer.choices.map { Item(questionID: question.id, choice: Int($0)) }
            case .scale:
                items.append(Item(questionID: question.id, scale: Int(answer.scale)))
            default:
                items.append(Item(questionID: question.id, text: trimmed(answer.text)))
            }
        }
        let given = Set(items.map(\.questionID))
        let faulted = Set(check.violations.map(\.field))
        for (index, question) in questions.enumerated() where question.required && !given.contains(question.id) && !faulted.contains("answers[\(question.id)]") {
            check.fail("answers[\(question.id)]", "第\(index + 1)题「\(question.text)」是必答题")
        }
        try check.check()
        return items
    }

    static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}
