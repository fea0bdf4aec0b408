import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The judicial appraisal workflows as pure state machines: the entrustment (司法鉴定委托) and
/// the complaint against an appraiser (投诉), decided by matter type in one ``decide``. No I/O,
/// no clock.
enum AppraisalWorkflow: LineWorkflow {
    static let entrustmentType = "judicial-appraisal.entrustment"
    static let complaintType = "judicial-appraisal.complaint"
    static let businessLine = "judicial-appraisal"
    static let lineName = "司法鉴定"
    static let matterTypes: Set<String> = [entrustmentType, complaintType]

    enum Status {
        static let entrusted = "entrusted"
        static let accepted = "accepted"
        static let awaitingMaterials = "awaiting_materials"
        static let completed = "completed"
        static let notAccepted = "not_accepted"
        // Complaints.
        static let received = "received"
        static let investigating = "investigating"
        static let concluded = "concluded"
        static let rejected = "rejected"
    }

    static let entrustment = MatterWorkflow(
        initialStatus: Status.entrusted,
        statuses: [
            Status.entrusted: "已委托，待决定是否受理",
            Status.accepted: "已受理，鉴定中",
            Status.awaitingMaterials: "待补充或重新提取鉴定材料",
            Status.completed: "已出具鉴定意见",
            Status.notAccepted: "不予受理",
        ],
        transitions: [
            .init(command: "accept", from: [Status.entrusted], to: Status.accepted, event: "accepted"),
            .init(command: "refuse", from: [Status.entrusted], to: Status.notAccepted, event: "not_accepted"),
            .init(command: "request_materials", from: [Status.accepted], to: Status.awaitingMaterials, event: "materials_requested"),
            .init(command: "supply_materials", from: [Status.awaitingMaterials], to: Status.accepted, event: "materials_supplied"),
            .init(command: "issue_opinion", from: [Status.accepted], to: Status.completed, event: "opinion_issued"),
        ],
        eventLabels: [
            "entrusted": "委托司法鉴定",
            "accepted": "受理委托，指定司法鉴定人",
            "not_accepted": "决定不予受理",
            "materials_requested": "要求补充或重新提取鉴定材料",
            "materials_supplied": "补充或重新提取鉴定材料",
            "opinion_issued": "出具鉴定意见书",
        ],
        milestones: ["accepted": .accepted, "not_accepted": .refused])

    static let complaint = MatterWorkflow(
        initialStatus: Status.received,
        statuses: [
            Status.received: "已收到投诉，待受理",
            Status.investigating: "已受理，调查处理中",
            Status.concluded: "已作出处理决定",
            Status.rejected: "不予受理",
        ],
        transitions: [
            .init(command: "accept_complaint", from: [Status.received], to: Status.investigating, event: "complaint_accepted"),
            .init(command: "reject_complaint", from: [Status.received], to: Status.rejected, event: "complaint_rejected"),
            .init(command: "conclude_complaint", from: [Status.investigating], to: Status.concluded, event: "complaint_concluded"),
        ],
        eventLabels: [
            "complaint_received": "收到对司法鉴定人的投诉",
            "complaint_accepted": "受理投诉，开展调查",
            "complaint_rejected": "决定不予受理投诉",
            "complaint_concluded": "作出投诉处理决定",
        ],
        milestones: ["complaint_accepted": .accepted, "complaint_rejected": .refused])

    /// 通则 第十三条（待确认）: the institution decides whether to accept within 7 working days of
    /// receiving the entrustment. Not in the corpus.
    static let acceptanceDeadline = DeadlineRule(
        id: "judicial-appraisal.acceptance", label: "作出是否受理鉴定委托的决定", article: AppraisalRulesText.article("第十三条"),
        days: 7, dayType: .working, startsOn: ["entrusted"], metBy: ["accepted", "not_accepted"], articleConfirmed: false)

    /// 通则 第二十八条（待确认）: the appraisal is completed within 30 working days of acceptance;
    /// the time for supplementing or re-extracting materials is not counted; with the head of the
    /// institution's approval it may be extended, as a rule by no more than 30 working days (here:
    /// once, up to 30 — configurable through `deadlines.rule_days` for the base period). Not in
    /// the corpus.
    static let completionDeadline = DeadlineRule(
        id: "judicial-appraisal.completion", label: "完成鉴定并出具鉴定意见", article: AppraisalRulesText.article("第二十八条"),
        days: 30, dayType: .working, startsOn: ["accepted"], pausesOn: ["materials_requested"], resumesOn: ["materials_supplied"],
        metBy: ["opinion_issued"],
        extensions: ExtensionPolicy(maxTimes: 1, maxDays: 30, article: AppraisalRulesText.article("第二十八条")),
        warningDays: 5, articleConfirmed: false)

    enum Command: Sendable, Equatable {
        case accept(appraisers: [AppraiserRef], note: String)
        case refuse(grounds: [NonAcceptanceGround], reasons: String)
        case requestMaterials(MaterialsRequestKind, missing: [String], note: String)
        case supplyMaterials([String])
        case issueOpinion(number: String, summary: String)
        case acceptComplaint(note: String)
        case rejectComplaint(reasons: String)
        case concludeComplaint(ComplaintOutcome, findings: String)

        var name: String {
            switch self {
            case .accept: "accept"
            case .refuse: "refuse"
            case .requestMaterials: "request_materials"
            case .supplyMaterials: "supply_materials"
            case .issueOpinion: "issue_opinion"
            case .acceptComplaint: "accept_complaint"
            case .rejectComplaint: "reject_complaint"
            case .concludeComplaint: "conclude_complaint"
            }
        }

        var isComplaintCommand: Bool {
            switch self {
            case .acceptComplaint, .rejectComplaint, .concludeComplaint: true
            default: false
            }
        }
    }

    /// What `command` does to `matter`, taken by `step.actor` through `step.channel`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        if command.isComplaintCommand {
            guard matter.matterType == complaintType else {
                throw FawangError.failedPrecondition("受理编号 \(matter.trackingNumber) 是司法鉴定委托，不是投诉")
            }
            return try decideComplaint(command, on: matter, step)
        }
        guard matter.matterType == entrustmentType else {
            throw FawangError.failedPrecondition("受理编号 \(matter.trackingNumber) 是投诉，不是司法鉴定委托")
        }
        var details = try DetailsCoding.decode(EntrustmentDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = [:]
        switch command {
        case .accept(let appraisers, let acceptNote):
            details.appraisers = appraisers
            note = acceptNote
            attributes["appraisers"] = appraisers.map(\.name).joined(separator: "、")
            attributes["appraiser_ids"] = appraisers.map(\.id).joined(separator: ",")
        case .refuse(let grounds, let reasons):
            guard !grounds.isEmpty else {
                throw FawangError.invalidArgument(field: "grounds", "请选择不予受理的情形（\(AppraisalRulesText.article("第十五条"))）")
            }
            details.nonAcceptanceGrounds = grounds
            details.nonAcceptanceReasons = reasons
            note = reasons
            attributes["grounds"] = grounds.map(\.rawValue).joined(separator: ",")
        case .requestMaterials(let kind, let missing, let requestNote):
            details.missingMaterials = missing
            details.materialsRequestKind = kind
            note = requestNote
            attributes["kind"] = kind.rawValue
            attributes["missing_materials"] = missing.joined(separator: "；")
        case .supplyMaterials(let supplied):
            details.materials += supplied
            details.missingMaterials = []
            details.materialsRequestKind = nil
            attributes["materials"] = supplied.joined(separator: "；")
        case .issueOpinion(let number, let summary):
            details.opinionNumber = number
            details.opinionSummary = summary
            note = summary
            attributes["opinion_number"] = number
        case .acceptComplaint, .rejectComplaint, .concludeComplaint:
            preconditionFailure("complaint commands are decided by decideComplaint")
        }
        return try entrustment.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }

    private static func decideComplaint(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(ComplaintDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = ["appraiser_id": details.appraiserID]
        switch command {
        case .acceptComplaint(let acceptNote):
            note = acceptNote
        case .rejectComplaint(let reasons):
            details.rejectionReasons = reasons
            note = reasons
        case .concludeComplaint(let outcome, let findings):
            details.outcome = outcome
            details.findings = findings
            note = findings
            attributes["outcome"] = outcome.rawValue
            attributes["outcome_label"] = outcome.label
        default:
            preconditionFailure("entrustment commands are decided by decide")
        }
        return try complaint.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }
}
