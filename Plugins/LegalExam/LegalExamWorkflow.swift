import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The two workflows of the legal exam line as pure state machines: registration confirmation
/// (报名确认) and the qualification certificate with its appeal (授予法律职业资格、申诉复核). Given the
/// matter as stored and a command, `decide` returns the change to write or why it cannot be done
/// now. No I/O, no clock of its own: time and calendar come in with the step (``StepContext``).
enum RegistrationWorkflow: LineWorkflow {
    static let matterType = "legal-exam.registration"
    static let businessLine = LegalExamPlugin.moduleID
    static let lineName = "法律职业资格考试报名"
    static let matterTypes: Set<String> = [matterType]

    enum Status {
        static let submitted = "submitted"
        static let confirmed = "confirmed"
        static let refused = "refused"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "待审核确认",
            Status.confirmed: "报名已确认",
            Status.refused: "不予确认报名",
        ],
        transitions: [
            .init(command: "confirm", from: [Status.submitted], to: Status.confirmed, event: "confirmed"),
            .init(command: "refuse", from: [Status.submitted], to: Status.refused, event: "refused"),
        ],
        eventLabels: [
            "submitted": "提交考试报名信息",
            "confirmed": "审核确认报名",
            "refused": "不予确认报名",
        ],
        // Reviewing the registration is handling it: accepted when submitted.
        milestones: ["refused": .refused])

    enum Command: Sendable, Equatable {
        case confirm(note: String)
        /// Empty conditions: the ones the rules find.
        case refuse(conditions: [EligibilityCondition], note: String)

        var name: String {
            switch self {
            case .confirm: "confirm"
            case .refuse: "refuse"
            }
        }
    }

    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        try decide(command, on: matter, step, policy: .standard)
    }

    static func decide(_ command: Command, on matter: Matter, _ step: StepContext, policy: EligibilityPolicy) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(RegistrationDetails.self, from: matter)
        let unmet = EligibilityRules.unmetConditions(details.declaration, regionCode: matter.regionCode, policy: policy)
        var note = ""
        var attributes: [String: String] = ["exam_year": String(details.declaration.examYear)]
        switch command {
        case .confirm(let confirmNote):
            // Only a registration meeting every condition (实施办法 第九条、第十条，待确认) is confirmed.
            if !unmet.isEmpty {
                let reasons = unmet.map(\.citation).joined(separator: "；")
                throw FawangError.failedPrecondition("报名信息不符合报名条件，不能确认：\(reasons)。请作出不予确认的决定并告知报名人")
            }
            note = confirmNote
        case .refuse(let given, let refuseNote):
            let conditions = given.isEmpty ? unmet : given
            guard !conditions.isEmpty else {
                throw FawangError.invalidArgument(field: "unmet_conditions", "按申报信息报名人符合全部报名条件；不予确认须列明经核查不符合的条件")
            }
            details.refusedFor = conditions
            let reasons = conditions.map(\.citation).joined(separator: "；")
            note = refuseNote.isEmpty ? "不符合报名条件：\(reasons)" : "不符合报名条件：\(reasons)。\(refuseNote)"
            attributes["unmet_conditions"] = conditions.map(\.rawValue).joined(separator: ",")
        }
        return try machine.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }
}

enum CertificateWorkflow: LineWorkflow {
    static let matterType = "legal-exam.certificate"
    static let businessLine = LegalExamPlugin.moduleID
    static let lineName = "法律职业资格申请"
    static let matterTypes: Set<String> = [matterType]

    enum Status {
        static let submitted = "submitted"
        static let approved = "approved"
        static let refused = "refused"
        static let appealed = "appealed"
        static let refusalUpheld = "refusal_upheld"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "待审核",
            Status.approved: "已授予法律职业资格",
            Status.refused: "不予授予法律职业资格",
            Status.appealed: "复核中",
            Status.refusalUpheld: "复核维持不予授予",
        ],
        transitions: [
            .init(command: "approve", from: [Status.submitted], to: Status.approved, event: "approved"),
            .init(command: "refuse", from: [Status.submitted], to: Status.refused, event: "refused"),
            .init(command: "file_appeal", from: [Status.refused], to: Status.appealed, event: "appeal_filed"),
            .init(command: "grant_on_appeal", from: [Status.appealed], to: Status.approved, event: "appeal_granted"),
            .init(command: "uphold_refusal", from: [Status.appealed], to: Status.refusalUpheld, event: "appeal_upheld"),
        ],
        eventLabels: [
            "submitted": "申请授予法律职业资格",
            "approved": "审核通过，授予法律职业资格",
            "refused": "决定不予授予法律职业资格",
            "appeal_filed": "提出复核申请",
            "appeal_granted": "复核决定撤销原决定，授予法律职业资格",
            "appeal_upheld": "复核决定维持不予授予",
        ],
        // Accepted when submitted. A refusal ends the application unless an appeal reopens it;
        // upheld on appeal it stays refused.
        milestones: ["refused": .refused, "appeal_upheld": .refused])

    /// CONFIGURABLE: the province's review of an application (管理办法，待确认). The corpus does not
    /// contain the Ministry's rule; 20 days is the platform's reading (the general licensing period
    /// of 行政许可法 第四十二条 is also 20 days). Days may be set as
    /// `deadlines.rule_days.legal-exam.certificate-review`. Staff may stop the clock while they
    /// verify the candidate's record (核实).
    static let reviewDeadline = DeadlineRule(
        id: "legal-exam.certificate-review", label: "审核法律职业资格申请并作出决定",
        article: ExamArticles.management("关于审核期限的规定"), days: 20,
        startsOn: ["submitted"], metBy: ["approved", "refused"], pauseReasons: [.verification], articleConfirmed: false)

    /// CONFIGURABLE: deciding an appeal (复核，管理办法，待确认): 30 days from filing in the platform's
    /// reading; `deadlines.rule_days.legal-exam.appeal-decision`.
    static let appealDeadline = DeadlineRule(
        id: "legal-exam.appeal-decision", label: "作出复核决定",
        article: ExamArticles.management("关于复核的规定"), days: 30,
        startsOn: ["appeal_filed"], metBy: ["appeal_granted", "appeal_upheld"], pauseReasons: [.verification], articleConfirmed: false)

    /// CONFIGURABLE IN CODE: the applicant files an appeal within this many calendar days of the
    /// refusal (管理办法，待确认). Counted as 民法典 第二百零一条、第二百零三条 say (in the corpus): the day
    /// of the refusal is not counted; a last day on a rest day moves to the next working day. Not a
    /// manifest deadline: it binds the applicant, not staff, so it must not raise staff alerts.
    static let appealFilingDays = 15

    /// The last day on which an appeal of a refusal recorded at `refusedAt` may be filed.
    static func appealLastDay(refusedAt: Date, calendar: WorkingDayCalendar, days: Int = appealFilingDays) -> CivilDate {
        let window = DeadlineRule(
            id: "legal-exam.appeal-filing", label: "提出复核申请", article: ExamArticles.management("关于申诉复核的规定"),
            days: days, startsOn: [], metBy: [], articleConfirmed: false)
        let start = CivilDate(refusedAt)
        return window.lastDay(from: start, counting: days, skipping: [], calendar: calendar)?.0 ?? start.adding(days: days)
    }

    /// The certificate number issued on approval: class, exam year, province code, then the
    /// application's tracking number (without its check digit), so it is unique without a counter.
    /// The Ministry's numbering is to be confirmed.
    static func certificateNumber(class certificateClass: String, examYear: Int, regionCode: String, trackingNumber: TrackingNumber) -> String {
        "\(certificateClass)\(examYear)\(regionCode.prefix(2))\(trackingNumber.digits.prefix(15))"
    }

    enum Command: Sendable, Equatable {
        case approve(note: String)
        case refuse(reasons: String)
        case fileAppeal(grounds: String)
        case decideAppeal(grant: Bool, reasons: String)

        var name: String {
            switch self {
            case .approve: "approve"
            case .refuse: "refuse"
            case .fileAppeal: "file_appeal"
            case .decideAppeal(let grant, _): grant ? "grant_on_appeal" : "uphold_refusal"
            }
        }
    }

    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(CertificateDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = [:]
        switch command {
        case .approve(let approveNote):
            let number = certificateNumber(class: details.certificateClass, examYear: details.examYear, regionCode: matter.regionCode, trackingNumber: matter.trackingNumber)
            details.certificateNumber = number
            attributes["certificate_number"] = number
            note = approveNote
        case .refuse(let reasons):
            details.refusalReasons = reasons
            note = reasons
        case .fileAppeal(let grounds):
            if matter.status == Status.refused {
                guard let refusal = matter.timeline.last(where: { $0.kind == "refused" }) else {
                    throw FawangError(.internalError, "refused matter \(matter.id) has no refusal event")
                }
                let lastDay = appealLastDay(refusedAt: refusal.at, calendar: step.calendar)
                if step.today > lastDay {
                    throw FawangError.failedPrecondition(
                        "复核申请应当自不予授予决定作出之日起\(appealFilingDays)日内提出（\(ExamArticles.management("关于申诉复核的规定"))），期限已于\(lastDay)届满，不能再提出复核申请")
                }
                attributes["filing_last_day"] = lastDay.description
            }
            details.appeal = Appeal(grounds: grounds)
            note = grounds
        case .decideAppeal(let grant, let reasons):
            details.appeal?.decision = grant ? "grant" : "uphold"
            details.appeal?.reasons = reasons
            if grant, matter.status == Status.appealed {
                let number = certificateNumber(class: details.certificateClass, examYear: details.examYear, regionCode: matter.regionCode, trackingNumber: matter.trackingNumber)
                details.certificateNumber = number
                attributes["certificate_number"] = number
            }
            note = reasons
        }
        return try machine.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }
}

/// Decisions on the qualification certificate are the province's (自治区司法厅): department admins
/// and staff of the provincial level, or a platform admin. City and county staff see the matters
/// of their area but do not decide them.
enum ProvincialReview {
    static func check(_ principal: Principal?) throws(FawangError) {
        guard let principal else { throw FawangError(.unauthenticated, "请先登录") }
        if principal.role == .platformAdmin { return }
        guard [.staff, .departmentAdmin].contains(principal.role), DivisionCode.level(of: principal.regionCode) == 1 else {
            throw FawangError(.permissionDenied, "法律职业资格的授予、不予授予及复核决定由自治区司法厅作出，本账号不能作出该决定")
        }
    }
}
