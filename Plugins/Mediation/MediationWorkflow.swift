import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// People's mediation of a dispute (人民调解法) as a pure state machine: given the matter as
/// stored and a command, it returns the change to write, or why the command cannot be carried out
/// now. No I/O, no clock: the store runs it inside the write transaction.
enum MediationWorkflow: LineWorkflow {
    static let matterType = "mediation.dispute"
    static let businessLine = "mediation"
    static let lineName = "人民调解"
    static let matterTypes: Set<String> = [matterType]
    static let law = "《中华人民共和国人民调解法》"

    enum Status {
        static let submitted = "submitted"
        static let committeeAssigned = "committee_assigned"
        static let mediating = "mediating"
        static let agreementReached = "agreement_reached"
        static let confirmationApplied = "confirmation_applied"
        static let closed = "closed"
        static let declined = "declined"
        static let failed = "failed"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "待选定人民调解委员会",
            Status.committeeAssigned: "已选定人民调解委员会，待确定调解员",
            Status.mediating: "调解中",
            Status.agreementReached: "已达成调解协议",
            Status.confirmationApplied: "已共同申请司法确认",
            Status.closed: "已达成调解协议，当事人未申请司法确认",
            Status.declined: "当事人拒绝调解，调解终止",
            Status.failed: "调解不成，已终止调解",
        ],
        transitions: [
            .init(command: "assign_committee", from: [Status.submitted, Status.committeeAssigned], to: Status.committeeAssigned, event: "committee_assigned"),
            .init(command: "assign_mediators", from: [Status.committeeAssigned, Status.mediating], to: Status.mediating, event: "mediators_assigned"),
            .init(command: "schedule_session", from: [Status.mediating], to: nil, event: "session_scheduled"),
            .init(command: "hold_session", from: [Status.mediating], to: nil, event: "session_held"),
            // Arts. 3, 17, 23(2): any time before an agreement.
            .init(command: "decline", from: [Status.submitted, Status.committeeAssigned, Status.mediating], to: Status.declined, event: "declined"),
            .init(command: "record_agreement", from: [Status.mediating], to: Status.agreementReached, event: "agreement_reached"),
            .init(command: "record_failure", from: [Status.mediating], to: Status.failed, event: "mediation_failed"),
            .init(command: "apply_confirmation", from: [Status.agreementReached], to: Status.confirmationApplied, event: "judicial_confirmation_applied"),
            .init(command: "waive_confirmation", from: [Status.agreementReached], to: Status.closed, event: "judicial_confirmation_not_needed"),
        ],
        eventLabels: [
            "submitted": "当事人申请调解",
            "initiated": "人民调解委员会主动调解",
            "committee_assigned": "选定人民调解委员会",
            "mediators_assigned": "确定人民调解员",
            "session_scheduled": "预约调解",
            "session_held": "进行调解",
            "declined": "当事人拒绝调解或要求终止调解",
            "agreement_reached": "达成调解协议",
            "mediation_failed": "调解不成，终止调解并告知其他救济途径",
            "judicial_confirmation_applied": "双方当事人共同申请司法确认",
            "judicial_confirmation_not_needed": "当事人认为无需申请司法确认",
        ],
        // Art. 17: the committee chosen takes the dispute up. Arts. 3, 23(2): a party refusing or
        // ending the mediation stops it; a failure after mediating (Art. 26) is its concluded outcome.
        milestones: ["committee_assigned": .accepted, "declined": .stopped])

    /// Art. 33: within 30 days of the agreement taking effect, both parties may jointly apply to
    /// the people's court for judicial confirmation. The parties' right, not the committee's duty:
    /// shown as a reminder, met when staff record that they applied or that they see no need.
    /// The Act sets no time limit for the mediation itself.
    static let judicialConfirmationWindow = DeadlineRule(
        id: "mediation.judicial-confirmation", label: "双方当事人共同申请司法确认（提醒）", article: law + "第三十三条", days: 30,
        dayType: .calendar, startsOn: ["agreement_reached"], metBy: ["judicial_confirmation_applied", "judicial_confirmation_not_needed"],
        warningDays: 5)

    /// Details of a matter another line sends over: the dispute as that line recorded it.
    static func intake(_ transfer: TransferIntake) -> Data {
        MediationDetails(
            initiation: .transferred, category: .other,
            summary: "由\(transfer.fromLineName)转来：\(transfer.reason)",
            transferredFrom: transfer.fromLineName
        ).encoded()
    }

    enum Command: Sendable, Equatable {
        case assignCommittee(CommitteeRef)
        case assignMediators([MediatorRef], chosenBy: MediatorChoice, invited: [String])
        case recordSession(Session)
        case decline(party: String, reason: String)
        case recordAgreement(Agreement)
        case recordFailure(reasons: String, routes: String)
        case recordConfirmation(JudicialConfirmation)

        var name: String {
            switch self {
            case .assignCommittee: "assign_committee"
            case .assignMediators: "assign_mediators"
            case .recordSession(let session): session.held ? "hold_session" : "schedule_session"
            case .decline: "decline"
            case .recordAgreement: "record_agreement"
            case .recordFailure: "record_failure"
            case .recordConfirmation(let confirmation): confirmation.applied ? "apply_confirmation" : "waive_confirmation"
            }
        }
    }

    /// The names of the parties of `matter`: the applicant, then every other party.
    static func partyNames(of matter: Matter) -> [String] {
        [matter.applicant.name] + matter.parties.map(\.person.name)
    }

    /// What `command` does to `matter`, taken by `step.actor` through `step.channel`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(MediationDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = [:]

        switch command {
        case .assignCommittee(let committee):
            // A committee of the matter's city (the service checks it against the directory too).
            guard DivisionCode.city(of: committee.regionCode) == DivisionCode.city(of: matter.regionCode) else {
                throw FawangError.failedPrecondition("\(committee.name)不在本纠纷所在的市，请选定本市的人民调解委员会")
            }
            if details.committee?.id != committee.id {
                details.mediators = []
                details.mediatorsChosenBy = nil
            }
            details.committee = committee
            attributes = ["committee_id": committee.id, "committee_name": committee.name]
        case .assignMediators(let mediators, let chosenBy, let invited):
            // Art. 13: mediators are the committee's members and the people it engages.
            guard let committee = details.committee else {
                throw FawangError.failedPrecondition("请先选定人民调解委员会，再确定调解员")
            }
            if let outsider = mediators.first(where: { $0.committeeID != committee.id }) {
                throw FawangError.failedPrecondition("调解员\(outsider.name)不是\(committee.name)的人民调解员（第十三条），请从本委员会的调解员中指定或选择")
            }
            details.mediators = mediators
            details.mediatorsChosenBy = chosenBy
            details.invitedParticipants = invited
            attributes = [
                "mediator_ids": mediators.map(\.id).joined(separator: ","),
                "mediators": mediators.map(\.name).joined(separator: "、"),
                "chosen_by": chosenBy.rawValue,
            ]
            if !invited.isEmpty { attributes["invited_participants"] = invited.joined(separator: "、") }
        case .recordSession(let session):
            // A session held before the dispute was registered cannot belong to this mediation.
            let registered = CivilDate(matter.submittedAt)
            if session.held, let date = CivilDate(iso: session.date), date < registered {
                throw FawangError.invalidArgument(field: "session_date", "已举行的调解日期不能早于本纠纷登记之日（\(registered)），请核对日期")
            }
            // The same session (date, place, scheduled or held) is recorded once.
            if details.sessions.contains(where: { $0.date == session.date && $0.place == session.place && $0.held == session.held }) {
                throw FawangError.failedPrecondition("\(session.date)在\(session.place)的调解已经\(session.held ? "登记为已举行" : "预约")，请勿重复登记")
            }
            details.sessions.append(session)
            note = session.notes
            attributes = ["session_date": session.date, "place": session.place, "public": session.isPublic ? "true" : "false"]
        case .decline(let party, let reason):
            // Arts. 3, 17, 23(2): mediation rests on both parties' will; one refusal ends it.
            guard partyNames(of: matter).contains(party) else {
                throw FawangError.invalidArgument(field: "declining_party", "\(party)不是本纠纷的当事人；当事人为：\(partyNames(of: matter).joined(separator: "、"))")
            }
            // Applicants acting for themselves withdraw their own consent only; staff record
            // any party's refusal.
            if step.actor == "applicant", party != matter.applicant.name {
                throw FawangError.invalidArgument(field: "declining_party", "申请人本人只能为自己撤回调解申请；另一方当事人拒绝调解的，请由调解委员会登记")
            }
            details.declinedBy = party
            details.declineReason = reason
            note = reason
            attributes = ["declining_party": party]
        case .recordAgreement(let agreement):
            details.agreement = agreement
            note = agreement.terms
            attributes = ["form": agreement.form.rawValue]
        case .recordFailure(let reasons, let routes):
            details.failureReasons = reasons
            details.routesTold = routes
            note = reasons
            attributes = ["other_routes_told": "true"]
            if !routes.isEmpty { attributes["routes"] = routes }
        case .recordConfirmation(let confirmation):
            details.judicialConfirmation = confirmation
            note = confirmation.note
            if confirmation.applied { attributes = ["court": confirmation.court, "jointly": "true"] }
        }
        return try machine.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: details.encoded())
    }
}
