import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// An application for disclosure on request (依申请公开, 《中华人民共和国政府信息公开条例》第四章)
/// as a pure state machine: given the stored matter, a command and the facts of the moment (who
/// acts, the day, the calendar), the change to write or why the command cannot be carried out now.
enum DisclosureWorkflow: LineWorkflow {
    static let matterType = "disclosure.request"
    static let businessLine = "disclosure"
    static let lineName = "政府信息公开"
    static let matterTypes: Set<String> = [matterType]

    enum Status {
        static let submitted = "submitted"
        static let awaitingCorrection = "awaiting_correction"
        static let processing = "processing"
        static let consulting = "consulting"
        static let answered = "answered"
        static let abandoned = "abandoned"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "已收到申请，待审查",
            Status.awaitingCorrection: "已一次性告知补正，待申请人补正",
            Status.processing: "办理中",
            Status.consulting: "征求第三方或者其他机关意见中",
            Status.answered: "已答复",
            Status.abandoned: "逾期未补正，视为放弃申请",
        ],
        transitions: [
            .init(command: "request_correction", from: [Status.submitted], to: Status.awaitingCorrection, event: "correction_requested"),
            .init(command: "supply_correction", from: [Status.awaitingCorrection], to: Status.processing, event: "correction_supplied"),
            .init(command: "accept", from: [Status.submitted], to: Status.processing, event: "accepted"),
            .init(command: "consult", from: [Status.submitted, Status.processing], to: Status.consulting, event: "third_party_consulted"),
            .init(command: "record_opinion", from: [Status.consulting], to: Status.processing, event: "third_party_replied"),
            .init(command: "answer", from: [Status.submitted, Status.processing], to: Status.answered, event: "answered"),
            .init(command: "close_abandoned", from: [Status.awaitingCorrection], to: Status.abandoned, event: "abandoned"),
        ],
        eventLabels: [
            "submitted": "提交政府信息公开申请",
            "correction_requested": "一次性告知补正",
            "correction_supplied": "提交补正后的申请",
            "accepted": "申请内容明确，登记办理",
            "third_party_consulted": "书面征求意见",
            "third_party_replied": "记录征求意见的结果",
            "answered": "作出答复",
            "abandoned": "逾期未补正，视为放弃申请",
        ],
        // Handled from registering the application, from the corrected application (Art. 30: the
        // reply period runs from its receipt) or from consulting on it, whichever comes first; an
        // answer, whatever it discloses, concludes. Art. 30: abandoned for want of correction, the
        // application is not processed further — stopped.
        milestones: [
            "accepted": .accepted, "correction_supplied": .accepted, "third_party_consulted": .accepted,
            "abandoned": .stopped,
        ])

    /// Art. 33 para. 3: the time taken to consult third parties and other organs is not counted in
    /// the reply period. The consultation step stops the clock with this reason and the recorded
    /// opinion starts it again; staff may also stop it with `DeadlineService.PauseClock`.
    static let consultation = PauseReason(id: "third_party_consultation", label: "征求第三方和其他机关意见")

    /// Art. 30: an unclear application is told, within 7 working days of receipt, once and
    /// completely, what to correct. Met by that notice, or by the bureau's taking the application
    /// as clear: registering it, consulting on it or answering it.
    static let correctionDeadline = DeadlineRule(
        id: "disclosure.correction-notice", label: "审查申请内容，需要补正的一次性告知申请人",
        article: DisclosureLaw.article("第三十条"), days: 7, dayType: .working,
        startsOn: ["submitted"], metBy: ["correction_requested", "accepted", "third_party_consulted", "answered"])

    /// Art. 33 para. 2: reply within 20 working days of receipt; the head of the disclosure office
    /// may extend once, by at most 20 working days, the applicant told. Art. 30: after a correction
    /// the period counts from receipt of the corrected application — the whole period starts again
    /// (``DeadlineRule/restartsOn``), and while the correction is awaited the clock stands. Art. 33
    /// para. 3: consultation time is not counted. Art. 30: an application abandoned for want of
    /// correction is not processed further, which ends the period.
    static let replyDeadline = DeadlineRule(
        id: "disclosure.reply", label: "作出答复", article: DisclosureLaw.article("第三十三条第二款"), days: 20, dayType: .working,
        startsOn: ["submitted"], pausesOn: ["correction_requested"], resumesOn: ["correction_supplied"], restartsOn: ["correction_supplied"],
        metBy: ["answered", "abandoned"], pauseReasons: [consultation],
        extensions: ExtensionPolicy(maxTimes: 1, maxDays: 20, article: DisclosureLaw.article("第三十三条第二款")), warningDays: 3)

    static let deadlines = [correctionDeadline, replyDeadline]

    /// Arts. 32, 34: a consulted third party or organ has 15 working days from receiving the letter
    /// to give its opinion. Not one of the bureau's deadlines (it is the consultee's); it says when
    /// silence may be recorded.
    static let opinionWindowDays = 15

    enum Command: Sendable, Equatable {
        case requestCorrection(CorrectionRequest)
        case supplyCorrection(InformationSought)
        case accept(note: String)
        case consult(kind: ConsulteeKind, consultees: [String], note: String)
        case recordOpinion(ConsulteeOpinion, reasons: String)
        case answer(Answer)
        case closeAbandoned(note: String)
    }

    struct CorrectionRequest: Sendable, Equatable {
        var items: [String]
        var guidance: String
        var days: Int
    }

    /// What `command` does to `matter`, taken by `step.actor` on `step.today`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(DisclosureDetails.self, from: matter)
        let name: String
        var note = ""
        var attributes: [String: String] = [:]
        var extra: [MatterEventDraft] = []

        switch command {
        case .requestCorrection(let request):
            name = "request_correction"
            // Art. 30: told once, everything at once.
            if matter.timeline.contains(where: { $0.kind == "correction_requested" }) {
                throw FawangError.failedPrecondition("本申请已一次性告知过补正，不能再次要求补正（\(DisclosureLaw.article("第三十条"))）；请依据现有申请内容答复")
            }
            // Art. 30: within 7 working days of receipt; later, the bureau answers what it has.
            if let status = correctionDeadline.evaluate(timeline: matter.timeline, now: step.now, calendar: step.calendar), status.state == .overdue {
                throw FawangError.failedPrecondition(
                    "收到申请已超过7个工作日（期限届满日\(status.dueDate!)），不能再要求补正（\(DisclosureLaw.article("第三十条"))）；请依据现有申请内容答复")
            }
            let due = correctionDue(from: step.today, workingDays: request.days, calendar: step.calendar)
            details.correction = CorrectionNotice(items: request.items, guidance: request.guidance, days: request.days, due: due.description)
            note = request.guidance
            attributes = ["corrections": request.items.joined(separator: "；"), "correction_due": due.description]
        case .supplyCorrection(let corrected):
            name = "supply_correction"
            if details.originalInformation == nil { details.originalInformation = details.information }
            details.information = corrected
            attributes["information"] = summary(corrected)
        case .accept(let acceptNote):
            name = "accept"
            note = acceptNote
        case .consult(let kind, let consultees, let consultNote):
            name = "consult"
            details.consultations.append(Consultation(kind: kind, consultees: consultees, consultedOn: step.today.description))
            note = consultNote
            attributes = ["consultee_kind": kind.rawValue, "consultees": consultees.joined(separator: "；")]
            // Art. 33 para. 3: the clock stops for the consultation (unless staff stopped it already).
            if ClockDecisions.openPause(matter) == nil {
                extra.append(MatterEventDraft(
                    kind: PlatformEvent.clockPaused, actor: step.actor, channel: step.channel,
                    note: "征求\(kind.label)意见所需时间不计算在答复期限内（\(DisclosureLaw.article("第三十三条"))第三款）",
                    attributes: ["reason": consultation.id, "rules": replyDeadline.id]))
            }
        case .recordOpinion(let opinion, let reasons):
            name = "record_opinion"
            guard var open = details.consultations.last, open.opinion == nil else {
                throw FawangError(.internalError, "matter \(matter.id) is consulting without an open consultation")
            }
            if opinion == .noReply {
                // Arts. 32, 34: silence counts only once the 15 working days are over.
                let consulted = CivilDate(strictISO: open.consultedOn) ?? step.today
                let window = opinionWindowEnd(from: consulted, calendar: step.calendar)
                if step.today <= window {
                    throw FawangError.failedPrecondition(
                        "被征求意见方应当自收到征求意见书之日起15个工作日内提出意见（\(DisclosureLaw.article(open.kind == .agency ? "第三十四条" : "第三十二条"))），"
                            + "\(window)前不能记录为逾期未提出意见")
                }
            }
            open.opinion = opinion
            open.reasons = reasons
            open.repliedOn = step.today.description
            details.consultations[details.consultations.count - 1] = open
            note = reasons
            attributes["opinion"] = opinion.rawValue
            // Art. 34: another organ's silence counts as consent to disclosure.
            if opinion == .noReply, open.kind == .agency { attributes["deemed_consent"] = "true" }
            if let pause = ClockDecisions.openPause(matter), pause.attributes["reason"] == consultation.id {
                extra.append(MatterEventDraft(
                    kind: PlatformEvent.clockResumed, actor: step.actor, channel: step.channel, note: "征求意见结束，答复期限恢复计算",
                    attributes: ["reason": consultation.id]))
            }
        case .answer(let answer):
            name = "answer"
            let thirdParty = details.consultations.last { $0.kind == .thirdParty }
            // Art. 15: information a third party agrees to disclose is disclosed.
            if answer.grounds.contains(.thirdPartyRights), thirdParty?.opinion == .consents {
                throw FawangError.failedPrecondition(
                    "第三方已同意公开，不能以损害第三方合法权益为由不予公开（\(DisclosureLaw.article("第十五条"))）")
            }
            // Art. 32: disclosing over a third party's objection needs the public-interest reasons,
            // told to the third party in writing.
            if answer.outcome.disclosesSomething, thirdParty?.opinion == .objects, answer.reasons.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw FawangError.invalidArgument(
                    field: "reasons",
                    "第三方不同意公开，行政机关认为不公开可能对公共利益造成重大影响而决定公开的，应当说明理由并书面告知第三方（\(DisclosureLaw.article("第三十二条"))）")
            }
            details.answer = answer
            note = [answer.accessRoute, answer.reasons].filter { !$0.isEmpty }.joined(separator: "；")
            attributes["outcome"] = answer.outcome.rawValue
            attributes["outcome_label"] = answer.outcome.label
            if !answer.grounds.isEmpty {
                attributes["withhold_grounds"] = answer.grounds.map { "\($0.rawValue)（\($0.article)）" }.joined(separator: "；")
            }
            if !answer.responsibleAgency.isEmpty { attributes["responsible_agency"] = answer.responsibleAgency }
            if !answer.previousTrackingNumber.isEmpty { attributes["previous_tracking_number"] = answer.previousTrackingNumber }
        case .closeAbandoned(let closeNote):
            name = "close_abandoned"
            // Art. 30: only once the correction period told to the applicant is over.
            if let due = details.correction.flatMap({ CivilDate(strictISO: $0.due) }), step.today <= due {
                throw FawangError.failedPrecondition("补正期限至\(due)届满，届满前不能视为放弃申请（\(DisclosureLaw.article("第三十条"))）")
            }
            note = closeNote
        }

        var change = try machine.change(name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: details.encoded())
        change.events += extra
        return change
    }

    /// The last day of a correction period of `workingDays` from `today`. Past the calendar's last
    /// year, weekends only are taken as rest days (the applicant is told a date either way).
    static func correctionDue(from today: CivilDate, workingDays: Int, calendar: WorkingDayCalendar) -> CivilDate {
        let rule = DeadlineRule(id: "disclosure.correction-period", label: "补正", article: DisclosureLaw.article("第三十条"), days: workingDays, dayType: .working, startsOn: [], metBy: [])
        return rule.lastDay(from: today, counting: workingDays, skipping: [], calendar: calendar, weekendsBeyondCalendar: true)?.0
            ?? today.adding(days: workingDays)
    }

    /// The last day of the consultee's 15 working days (Arts. 32, 34).
    static func opinionWindowEnd(from consulted: CivilDate, calendar: WorkingDayCalendar) -> CivilDate {
        correctionDue(from: consulted, workingDays: opinionWindowDays, calendar: calendar)
    }

    static func summary(_ information: InformationSought) -> String {
        [information.name, information.documentNumber, information.description].filter { !$0.isEmpty }.joined(separator: "；")
    }
}
