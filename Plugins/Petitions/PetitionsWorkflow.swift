import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// A petition (信访工作条例) as a pure state machine: registration, the decision where it goes
/// (accept, not accept, transfer or assign), the handling opinion, review and re-review. No I/O,
/// no clock: today, the calendar and the caller's division come with the step (``StepContext``),
/// and the store runs it inside the write transaction.
enum PetitionsWorkflow: LineWorkflow {
    static let matterType = "petitions.petition"
    static let businessLine = "petitions"
    static let lineName = "信访"
    static let matterTypes: Set<String> = [matterType]
    static let law = "《信访工作条例》"

    enum Status {
        static let registered = "registered"
        static let accepted = "accepted"
        static let notAccepted = "not_accepted"
        static let referred = "referred"
        static let answered = "answered"
        static let reviewRequested = "review_requested"
        static let reviewed = "reviewed"
        static let rereviewRequested = "rereview_requested"
        static let concluded = "concluded"
        /// A repeated petition on a matter already registered: linked, not handled again.
        static let duplicate = "duplicate"
    }

    enum ReviewLevel: String, Sendable {
        case review
        case rereview
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.registered,
        statuses: [
            Status.registered: "已登记，待决定是否受理",
            Status.accepted: "已受理，办理中",
            Status.notAccepted: "不予受理",
            Status.referred: "已转送、交办有权处理的机关",
            Status.answered: "已出具处理意见",
            Status.reviewRequested: "复查中",
            Status.reviewed: "已出具复查意见",
            Status.rereviewRequested: "复核中",
            Status.concluded: "已出具复核意见，信访终结",
            Status.duplicate: "重复信访，已并入原信访事项",
        ],
        transitions: [
            .init(command: "accept", from: [Status.registered], to: Status.accepted, event: "accepted"),
            .init(command: "not_accept", from: [Status.registered], to: Status.notAccepted, event: "not_accepted"),
            .init(command: "refer", from: [Status.registered], to: Status.referred, event: "referred"),
            .init(command: "answer", from: [Status.accepted], to: Status.answered, event: "answered"),
            .init(command: "request_review", from: [Status.answered], to: Status.reviewRequested, event: "review_requested"),
            .init(command: "record_review", from: [Status.reviewRequested], to: Status.reviewed, event: "reviewed"),
            .init(command: "request_rereview", from: [Status.reviewed], to: Status.rereviewRequested, event: "rereview_requested"),
            .init(command: "record_rereview", from: [Status.rereviewRequested], to: Status.concluded, event: "rereviewed"),
        ],
        eventLabels: [
            "registered": "登记信访事项",
            "registered_duplicate": "登记重复信访，并入原信访事项",
            "duplicate_received": "收到同一事项的重复信访",
            "accepted": "受理并告知处理途径和程序",
            "not_accepted": "不予受理并告知理由",
            "referred": "转送、交办有权处理的机关、单位",
            "answered": "出具信访处理意见",
            "review_requested": "请求复查",
            "reviewed": "出具复查意见",
            "rereview_requested": "请求复核",
            "rereviewed": "出具复核意见",
        ],
        // Arts. 22, 23: accepted, not accepted, or transferred/assigned to the organ with the power
        // to handle it — handled and counted there, so stopped here and never accepted. A repeat is
        // linked to the original and not handled again (Arts. 19 para. 3, 36 para. 3): stopped, the
        // original carries the handling. Arts. 34–36: the handling and review opinions end the
        // petition unless a review is asked for, which reopens it.
        milestones: [
            "accepted": .accepted, "not_accepted": .refused, "referred": .stopped, "registered_duplicate": .stopped,
            "answered": .concluded, "reviewed": .concluded,
        ])

    /// Arts. 22, 23 para. 2: within 15 days of registration (or receipt of a matter transferred
    /// to this line) decide whether to accept, or transfer/assign it, and tell the petitioner in
    /// writing (except an anonymous one, whose name and address are unknown).
    static let acceptanceDeadline = DeadlineRule(
        id: "petitions.acceptance", label: "决定是否受理（或转送、交办）并告知信访人", article: law + "第二十二条、第二十三条", days: 15,
        startsOn: ["registered", PlatformEvent.transferred], metBy: ["accepted", "not_accepted", "referred"], warningDays: 3)

    /// Art. 34: concluded within 60 days of acceptance; if complex, extended once, by at most 30
    /// days, with the head's approval and the reasons told to the petitioner.
    static let handlingDeadline = DeadlineRule(
        id: "petitions.handling", label: "办结信访事项并出具处理意见", article: law + "第三十四条", days: 60,
        startsOn: ["accepted"], metBy: ["answered"],
        extensions: ExtensionPolicy(maxTimes: 1, maxDays: 30, article: law + "第三十四条"), warningDays: 7)

    /// Art. 35: the review opinion within 30 days of receiving the request.
    static let reviewDeadline = DeadlineRule(
        id: "petitions.review", label: "提出复查意见并书面答复", article: law + "第三十五条", days: 30,
        startsOn: ["review_requested"], metBy: ["reviewed"], warningDays: 5)

    /// Art. 36: the re-review opinion within 30 days of receiving the request; time for a hearing
    /// is not counted (para. 2).
    static let rereviewDeadline = DeadlineRule(
        id: "petitions.rereview", label: "提出复核意见", article: law + "第三十六条", days: 30,
        startsOn: ["rereview_requested"], metBy: ["rereviewed"], pauseReasons: [.hearing], warningDays: 5)

    /// Arts. 35, 36: the petitioner's own window, 30 days from receiving the written answer (or
    /// review opinion). Not a staff deadline (it is not in the manifest): used to refuse late
    /// requests. The answer is taken as received on the day it is recorded (see the docs).
    static func requestWindow(_ level: ReviewLevel) -> DeadlineRule {
        switch level {
        case .review:
            DeadlineRule(id: "petitions.review-request", label: "请求复查", article: law + "第三十五条", days: 30, startsOn: ["answered"], metBy: ["review_requested"])
        case .rereview:
            DeadlineRule(id: "petitions.rereview-request", label: "请求复核", article: law + "第三十六条", days: 30, startsOn: ["reviewed"], metBy: ["rereview_requested"])
        }
    }

    /// Details of a matter another line sends over: a named petition awaiting the decision.
    static func intake(_ transfer: TransferIntake) -> Data {
        PetitionDetails(
            anonymous: false, subject: "由\(transfer.fromLineName)转来的信访事项",
            factsAndReasons: transfer.reason, transferredFrom: transfer.fromLineName
        ).encoded()
    }

    enum Command: Sendable, Equatable {
        case accept(note: String)
        case notAccept(reasons: String)
        case refer(Referral, note: String)
        case answer(opinion: String)
        case requestReview(ReviewLevel, reasons: String)
        case recordReview(ReviewLevel, unit: String, opinion: String)

        var name: String {
            switch self {
            case .accept: "accept"
            case .notAccept: "not_accept"
            case .refer: "refer"
            case .answer: "answer"
            case .requestReview(let level, _): level == .review ? "request_review" : "request_rereview"
            case .recordReview(let level, _, _): level == .review ? "record_review" : "record_rereview"
            }
        }
    }

    /// The organ a caller acts as, for the rules that compare it with the organs that handled the
    /// petition before (第三十五条、第三十六条: review and re-review by the organ one level above).
    /// Staff and department admins act as the organ of their division; a platform admin is no
    /// organ of a level, so acts without one (the level check does not apply, no unit_region).
    static func callerRegion(of caller: Principal) -> String? {
        switch caller.role {
        case .staff, .departmentAdmin: caller.regionCode
        default: nil
        }
    }

    /// What `command` does to `matter`, taken by `step.actor` (of division `step.callerRegion`, nil
    /// if none is known) through `step.channel`, on `step.today`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        let actorRegion = step.callerRegion ?? ""
        var details = try DetailsCoding.decode(PetitionDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = [:]
        // Art. 23 para. 2: no written notice where the petitioner's name and address are unknown.
        let notice = details.anonymous ? "匿名信访，无法书面告知（第二十三条第二款）" : "已书面告知信访人"

        switch command {
        case .accept(let acceptNote):
            details.writtenNotice = !details.anonymous
            note = acceptNote
            attributes["notice"] = notice
        case .notAccept(let reasons):
            details.notAcceptedReasons = reasons
            details.writtenNotice = !details.anonymous
            note = reasons
            attributes["notice"] = notice
        case .refer(let referral, let referNote):
            details.referral = referral
            details.writtenNotice = !details.anonymous
            note = referNote
            attributes = ["kind": referral.kind.rawValue, "unit": referral.unit, "notice": notice]
            if let reportBy = referral.reportBy { attributes["report_by"] = reportBy }
        case .answer(let opinion):
            details.answer = opinion
            note = opinion
            if !actorRegion.isEmpty { attributes["unit_region"] = actorRegion }
        case .requestReview(let level, let reasons):
            // An anonymous petitioner cannot receive the written answer the request runs from.
            if details.anonymous {
                throw FawangError.failedPrecondition("匿名信访无法送达书面答复，不能请求\(level == .review ? "复查" : "复核")；如需复查，请以实名重新提出")
            }
            _ = try machine.decide(command.name, from: matter.status)
            try checkWindow(level, matter: matter, today: step.today, calendar: step.calendar)
            let record = ReviewRecord(requestReasons: reasons)
            if level == .review { details.review = record } else { details.rereview = record }
            note = reasons
        case .recordReview(let level, let unit, let opinion):
            _ = try machine.decide(command.name, from: matter.status)
            try checkHigherLevel(level, matter: matter, actorRegion: actorRegion)
            if !actorRegion.isEmpty { attributes["unit_region"] = actorRegion }
            if level == .review {
                details.review?.unit = unit
                details.review?.opinion = opinion
            } else {
                details.rereview?.unit = unit
                details.rereview?.opinion = opinion
            }
            note = opinion
            attributes["unit"] = unit
        }
        return try machine.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: details.encoded())
    }

    /// Arts. 35, 36: the review is made by the organ one level above the one that answered, the
    /// re-review by the organ one level above the reviewer: staff of a division strictly above the
    /// division recorded on the answer (review) or on the review opinion (re-review).
    static func checkHigherLevel(_ level: ReviewLevel, matter: Matter, actorRegion: String) throws(FawangError) {
        let below = matter.timeline.last { $0.kind == (level == .review ? "answered" : "reviewed") }?.attributes["unit_region"] ?? ""
        guard !below.isEmpty, !actorRegion.isEmpty else { return }
        guard actorRegion != below, DivisionCode.contains(actorRegion, below) else {
            let what = level == .review
                ? "复查应由原办理机关、单位的上一级机关、单位提出复查意见（\(law)第三十五条）"
                : "复核应由复查机关、单位的上一级机关、单位提出复核意见（\(law)第三十六条）"
            throw FawangError(.permissionDenied, "\(what)；本账号所在地区（\(actorRegion)）不是\(below)的上级，请转由上一级机关登记")
        }
    }

    /// Arts. 35, 36: a request after the petitioner's 30 days is refused.
    static func checkWindow(_ level: ReviewLevel, matter: Matter, today: CivilDate, calendar: WorkingDayCalendar) throws(FawangError) {
        let rule = requestWindow(level)
        // The matching status check comes after; without the answer there is no window to check.
        guard let status = rule.evaluate(timeline: matter.timeline, now: today.endInstant.addingTimeInterval(-1), calendar: calendar),
            let due = status.dueDate, today > due
        else { return }
        let what = level == .review ? "处理意见" : "复查意见"
        throw FawangError.failedPrecondition("请求\(rule.label)应自收到书面\(what)之日起30日内提出（\(rule.article)），期限已于\(due)届满")
    }

    /// Arts. 19 para. 3, 36 para. 3: what a new petition naming `original` becomes. After the
    /// re-review the same facts and reasons are not accepted again.
    static func link(to original: Matter) throws(FawangError) -> String {
        guard original.businessLine == "petitions", original.matterType == matterType else {
            throw FawangError.notFound("受理编号 \(original.trackingNumber) 不是信访事项")
        }
        if original.status == Status.concluded {
            throw FawangError.failedPrecondition("该信访事项已经复核终结；以同一事实和理由提出的投诉请求不再受理（\(law)第三十六条第三款）")
        }
        // A repeat of a repeat is linked to the first petition.
        if original.status == Status.duplicate, let first = (try? DetailsCoding.decode(PetitionDetails.self, from: original))?.duplicateOf {
            return first
        }
        return original.trackingNumber.formatted
    }

    /// The event and details the original petition records when a repeat arrives.
    static func recordDuplicate(_ duplicate: TrackingNumber, on original: Matter, channel: Channel) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(PetitionDetails.self, from: original)
        guard !details.duplicates.contains(duplicate.formatted) else { return .none }
        details.duplicates.append(duplicate.formatted)
        return MatterChange(
            events: [MatterEventDraft(kind: "duplicate_received", actor: "system", channel: channel, attributes: ["duplicate": duplicate.formatted])],
            details: details.encoded())
    }
}
