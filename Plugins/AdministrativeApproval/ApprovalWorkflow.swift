import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The licensing procedure of 行政许可法 第四章 (Arts. 32, 38, 42–47) as a pure state machine:
/// given the stored matter, a command and the facts of the moment (who acts from which division,
/// the day, the calendar), the change to write or why the command cannot be carried out now.
enum ApprovalWorkflow: LineWorkflow {
    static let matterType = "admin-approval.application"
    static let businessLine = "admin-approval"
    static let lineName = "行政审批"
    static let matterTypes: Set<String> = [matterType]
    static let law = "《中华人民共和国行政许可法》"

    enum Status {
        static let received = "received"
        static let awaitingMaterials = "awaiting_materials"
        static let notAccepted = "not_accepted"
        static let lowerReview = "lower_review"
        static let underReview = "under_review"
        static let approved = "approved"
        static let denied = "denied"
        static let licenceIssued = "licence_issued"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.received,
        statuses: [
            Status.received: "已收到申请材料，待受理",
            Status.awaitingMaterials: "已一次告知补正，待申请人补正",
            Status.notAccepted: "不予受理",
            Status.lowerReview: "已受理，下级机关审查中",
            Status.underReview: "审查中，待作出行政许可决定",
            Status.approved: "准予行政许可，待颁发证件",
            Status.denied: "不予行政许可",
            Status.licenceIssued: "已颁发、送达行政许可证件",
        ],
        transitions: [
            .init(command: "request_materials", from: [Status.received], to: Status.awaitingMaterials, event: "materials_requested"),
            .init(command: "supply_materials", from: [Status.awaitingMaterials], to: Status.received, event: "materials_supplied"),
            .init(command: "accept", from: [Status.received], to: Status.underReview, event: "accepted"),
            .init(command: "accept_for_lower_review", from: [Status.received], to: Status.lowerReview, event: "accepted_for_lower_review"),
            .init(command: "not_accept", from: [Status.received, Status.awaitingMaterials], to: Status.notAccepted, event: "not_accepted"),
            .init(command: "submit_to_upper", from: [Status.lowerReview], to: Status.underReview, event: "submitted_to_upper"),
            // 律师法 第十八条: a law firm's file goes to the province, which has 10 days, not 20.
            .init(command: "submit_law_firm_to_province", from: [Status.lowerReview], to: Status.underReview, event: "law_firm_submitted_to_province"),
            .init(command: "notify_hearing_rights", from: [Status.lowerReview, Status.underReview], to: nil, event: "hearing_rights_notified"),
            .init(command: "request_hearing", from: [Status.lowerReview, Status.underReview], to: nil, event: "hearing_requested"),
            .init(command: "record_hearing", from: [Status.lowerReview, Status.underReview], to: nil, event: "hearing_held"),
            .init(command: "approve", from: [Status.underReview], to: Status.approved, event: "approved"),
            .init(command: "deny", from: [Status.underReview], to: Status.denied, event: "denied"),
            .init(command: "issue_licence", from: [Status.approved], to: Status.licenceIssued, event: "licence_issued"),
        ],
        eventLabels: [
            "submitted": "提交行政许可申请",
            "materials_requested": "一次告知需要补正的全部内容",
            "materials_supplied": "提交补正材料",
            "accepted": "受理行政许可申请",
            "accepted_for_lower_review": "受理行政许可申请（先经本机关审查后报上级机关决定）",
            "not_accepted": "决定不予受理",
            "submitted_to_upper": "审查完毕，报上级机关决定",
            "law_firm_submitted_to_province": "审查完毕，将审查意见和全部申请材料报送自治区司法厅",
            "hearing_rights_notified": "告知听证权利",
            "hearing_requested": "申请听证",
            "hearing_held": "举行听证",
            "approved": "作出准予行政许可的决定",
            "denied": "作出不予行政许可的决定",
            "licence_issued": "颁发、送达行政许可证件",
        ],
        // Art. 32: accepted (directly, or for review below and decision above) or not accepted;
        // Art. 38: a decision not to grant the licence refuses it.
        milestones: [
            "accepted": .accepted, "accepted_for_lower_review": .accepted,
            "not_accepted": .refused, "denied": .refused,
        ])

    /// Art. 45: the time of a hearing, testing, appraisal or expert review is not counted in the
    /// periods of this section (Arts. 42–44).
    static let excludedTime: [PauseReason] = [.hearing, .testing, .expertReview, .appraisal]

    /// Art. 32 para. 1 (4): incomplete materials are answered on the spot or within 5 days with
    /// everything to be corrected; otherwise the application counts as accepted from receipt.
    /// Met by a correction notice, an acceptance or a non-acceptance.
    static let acceptanceDeadline = DeadlineRule(
        id: "admin-approval.acceptance", label: "作出受理、不予受理决定或一次告知补正内容", article: law + "第三十二条", days: 5,
        startsOn: ["submitted"], metBy: ["materials_requested", "accepted", "accepted_for_lower_review", "not_accepted"])

    /// Art. 43: the lower agency completes its review within 20 days of accepting.
    static let lowerReviewDeadline = DeadlineRule(
        id: "admin-approval.lower-review", label: "下级行政机关审查完毕并报送上级机关", article: law + "第四十三条", days: 20,
        startsOn: ["accepted_for_lower_review"], metBy: ["submitted_to_upper", "law_firm_submitted_to_province"], pauseReasons: excludedTime)

    /// Art. 42: decide within 20 days of acceptance; the agency's head may extend once by 10 days,
    /// the reasons told to the applicant. For two-level items the deciding agency's period runs
    /// from its receipt of the lower agency's report.
    static let decisionDeadline = DeadlineRule(
        id: "admin-approval.decision", label: "作出行政许可决定", article: law + "第四十二条", days: 20,
        startsOn: ["accepted", "submitted_to_upper"], metBy: ["approved", "denied"], pauseReasons: excludedTime,
        extensions: ExtensionPolicy(maxTimes: 1, maxDays: 10, article: law + "第四十二条"))

    /// 律师法 第十八条 (the special law Art. 42 defers to: "法律、法规另有规定的，依照其规定"): the
    /// province decides on a law firm's establishment within 10 days of receiving the city
    /// bureau's opinion and the file. The special law provides no extension.
    static let lawFirmDecisionDeadline = DeadlineRule(
        id: "admin-approval.law-firm-decision", label: "作出是否准予设立律师事务所的决定", article: "《中华人民共和国律师法》第十八条", days: 10,
        startsOn: ["law_firm_submitted_to_province"], metBy: ["approved", "denied"], pauseReasons: excludedTime)

    /// Art. 44: issue and serve the licence within 10 days of the decision to grant it.
    static let issuanceDeadline = DeadlineRule(
        id: "admin-approval.issuance", label: "颁发、送达行政许可证件", article: law + "第四十四条", days: 10,
        startsOn: ["approved"], metBy: ["licence_issued"])

    /// Art. 47: a hearing requested within 5 days of the notice of rights is held within 20 days.
    static let hearingDeadline = DeadlineRule(
        id: "admin-approval.hearing", label: "组织听证", article: law + "第四十七条", days: 20,
        startsOn: ["hearing_requested"], metBy: ["hearing_held"])

    static let deadlines = [acceptanceDeadline, lowerReviewDeadline, decisionDeadline, lawFirmDecisionDeadline, issuanceDeadline, hearingDeadline]

    enum Command: Sendable, Equatable {
        case requestMaterials(missing: [String], note: String)
        case supplyMaterials([String])
        case accept(note: String)
        case notAccept(NonAcceptance)
        case submitToUpper(opinion: String, recommendApproval: Bool)
        case notifyHearingRights(note: String)
        case requestHearing(note: String)
        case recordHearing(transcript: String)
        case approve(note: String)
        case deny(reasons: String, remedies: String)
        case issueLicence(delivery: String)
    }

    /// What `command` does to `matter`, taken by `step.actor` from `step.callerRegion` on `step.now`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(ApprovalDetails.self, from: matter)
        var name: String
        var note = ""
        var attributes: [String: String] = [:]

        switch command {
        case .requestMaterials(let missing, let requestNote):
            name = "request_materials"
            // Art. 32(4): all the corrections are told at once.
            if matter.timeline.contains(where: { $0.kind == "materials_requested" }) {
                throw FawangError.failedPrecondition("本申请已一次告知过需要补正的全部内容，不能再次要求补正（\(law)第三十二条第一款第四项）；请决定受理或者不予受理")
            }
            // Art. 32(4): not told within 5 days, the application is accepted from receipt.
            if let status = acceptanceDeadline.evaluate(timeline: matter.timeline, now: step.now, calendar: step.calendar),
                status.state == .overdue
            {
                throw FawangError.failedPrecondition(
                    "收到申请材料已超过五日（期限届满日\(status.dueDate!)）未告知补正，依法自收到申请材料之日起即为受理（\(law)第三十二条第一款第四项），不能再要求补正；请办理受理")
            }
            details.missingMaterials = missing
            note = requestNote
            attributes["missing_materials"] = missing.joined(separator: "；")
        case .supplyMaterials(let supplied):
            name = "supply_materials"
            details.materials += supplied
            details.missingMaterials = []
            attributes["materials"] = supplied.joined(separator: "；")
        case .accept(let acceptNote):
            // Art. 43: two-level items are reviewed here first, then decided above.
            name = details.item.isTwoLevel ? "accept_for_lower_review" : "accept"
            note = acceptNote
            attributes["item"] = details.item.rawValue
            if let status = acceptanceDeadline.evaluate(timeline: matter.timeline, now: step.now, calendar: step.calendar),
                status.state == .overdue, let received = matter.timeline.first(where: { $0.kind == "submitted" })
            {
                // Art. 32(4): recorded so the decision's lateness is judged from receipt.
                attributes["deemed_accepted_from"] = CivilDate(received.at).description
                // …and the decision period (Art. 42) counts from receipt too.
                attributes[PlatformEvent.countsFrom] = CivilDate(received.at).description
            }
        case .notAccept(let refusal):
            name = "not_accept"
            if refusal.ground == .correctionsNotSupplied, matter.status != Status.awaitingMaterials {
                throw FawangError.failedPrecondition("未告知补正或申请人已补正的申请，不能以未补正为由不予受理（\(law)第三十二条）")
            }
            details.nonAcceptance = refusal
            note = refusal.reasons
            attributes["ground"] = refusal.ground.rawValue
            if !refusal.competentAuthority.isEmpty { attributes["competent_authority"] = refusal.competentAuthority }
        case .submitToUpper(let opinion, let recommend):
            name = details.item == .lawFirmEstablishment ? "submit_law_firm_to_province" : "submit_to_upper"
            details.lowerReview = LowerReview(opinion: opinion, recommendApproval: recommend, reviewedBy: step.actor)
            note = opinion
            attributes["recommendation"] = recommend ? "approve" : "deny"
        case .notifyHearingRights(let hearingNote):
            name = "notify_hearing_rights"
            note = hearingNote
        case .requestHearing(let hearingNote):
            name = "request_hearing"
            // Art. 47: within 5 days of being told of the right.
            guard let notice = matter.timeline.last(where: { $0.kind == "hearing_rights_notified" }) else {
                throw FawangError.failedPrecondition("尚未告知听证权利，请先告知申请人、利害关系人享有要求听证的权利（\(law)第四十七条）")
            }
            let elapsed = CivilDate(notice.at).days(until: CivilDate(step.now))
            if elapsed > 5 {
                throw FawangError.failedPrecondition("被告知听证权利之日起已超过五日（\(CivilDate(notice.at))告知），行政机关不再负有组织听证的义务（\(law)第四十七条）")
            }
            if openHearing(matter) {
                throw FawangError.failedPrecondition("已有申请的听证尚未举行，请先记录听证（\(law)第四十七条、第四十八条）")
            }
            note = hearingNote
        case .recordHearing(let transcript):
            name = "record_hearing"
            guard openHearing(matter) else {
                throw FawangError.failedPrecondition("没有待举行的听证申请（\(law)第四十七条）")
            }
            note = transcript
        case .approve(let approvalNote):
            name = "approve"
            try requireDecidingAgency(details.item, matter, step)
            try requireHearingHeld(matter)
            let number = ApprovalApplication.licenceNumber(item: details.item, trackingNumber: matter.trackingNumber, year: CivilDate(step.now).components.year)
            details.licenceNumber = number
            note = approvalNote
            attributes["licence_number"] = number
        case .deny(let reasons, let remedies):
            name = "deny"
            try requireDecidingAgency(details.item, matter, step)
            try requireHearingHeld(matter)
            // Art. 38 para. 2: reasons, and the right to reconsideration or litigation.
            details.denial = Denial(reasons: reasons, remedies: remedies)
            note = reasons
            attributes["remedies"] = remedies
        case .issueLicence(let delivery):
            name = "issue_licence"
            details.delivery = delivery
            note = delivery
            attributes["licence_number"] = details.licenceNumber ?? ""
        }
        return try machine.change(name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }

    /// Art. 43: a two-level item is decided by the upper agency, not by the bureau that reviewed it.
    static func requireDecidingAgency(_ item: LicensingItem, _ matter: Matter, _ step: StepContext) throws(FawangError) {
        guard item.isTwoLevel else { return }
        let callerLevel = step.callerRegion.map(DivisionCode.level(of:)) ?? Int.max
        guard callerLevel < DivisionCode.level(of: matter.regionCode) else {
            throw FawangError(.permissionDenied, "\(item.name)由下级机关审查后报上级机关决定（\(law)第四十三条），应由\(item.decidingLevelName)作出行政许可决定，本机关无权决定")
        }
    }

    /// Art. 48 para. 2: a requested hearing is held before the decision, which rests on its transcript.
    static func requireHearingHeld(_ matter: Matter) throws(FawangError) {
        if openHearing(matter) {
            throw FawangError.failedPrecondition("申请人、利害关系人已申请听证，应当先组织听证，并根据听证笔录作出行政许可决定（\(law)第四十七条、第四十八条）")
        }
    }

    static func openHearing(_ matter: Matter) -> Bool {
        guard let requested = matter.timeline.lastIndex(where: { $0.kind == "hearing_requested" }) else { return false }
        return !matter.timeline[requested...].contains { $0.kind == "hearing_held" }
    }
}
