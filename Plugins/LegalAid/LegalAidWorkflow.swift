import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The legal aid application's workflow (法律援助法 第四十三条) as a pure state machine: given
/// the matter as stored and a command, it returns the change to write, or why the command cannot
/// be carried out now. No I/O, no clock: the store runs it inside the write transaction.
enum LegalAidWorkflow: LineWorkflow {
    static let matterType = "legal-aid.application"
    static let businessLine = "legal-aid"
    static let lineName = "法律援助"
    static let matterTypes: Set<String> = [matterType]

    enum Status {
        static let submitted = "submitted"
        static let awaitingMaterials = "awaiting_materials"
        static let approved = "approved"
        static let refused = "refused"
        static let assigned = "assigned"
        static let concluded = "concluded"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "待审查",
            Status.awaitingMaterials: "待补充材料",
            Status.approved: "已决定给予法律援助，待指派",
            Status.refused: "不予法律援助",
            Status.assigned: "已指派法律援助人员",
            Status.concluded: "已结案",
        ],
        transitions: [
            .init(command: "request_materials", from: [Status.submitted], to: Status.awaitingMaterials, event: "materials_requested"),
            .init(command: "supply_materials", from: [Status.awaitingMaterials], to: Status.submitted, event: "materials_supplied"),
            .init(command: "approve", from: [Status.submitted], to: Status.approved, event: "approved"),
            .init(command: "refuse", from: [Status.submitted], to: Status.refused, event: "refused"),
            .init(command: "assign", from: [Status.approved], to: Status.assigned, event: "assigned"),
            .init(command: "conclude", from: [Status.assigned], to: Status.concluded, event: "concluded"),
            .init(command: "rate", from: [Status.concluded], to: nil, event: "rated"),
        ],
        eventLabels: [
            "submitted": "提交法律援助申请",
            "materials_requested": "一次性告知需补充的材料",
            "materials_supplied": "补充材料",
            "approved": "决定给予法律援助",
            "refused": "决定不予法律援助",
            "assigned": "指派法律援助人员",
            "concluded": "结案",
            "rated": "评价",
        ],
        // Art. 12: the aid institution 受理、审查 applications — accepted on receipt, so no acceptance
        // step; a refusal (Art. 43) ends the application.
        milestones: ["refused": .refused])

    static let law = "《中华人民共和国法律援助法》"

    /// Art. 43 para. 1: decide within 7 days of receiving the application. Para. 2: an incomplete
    /// application is answered with one list of what is missing, and the clock waits for it.
    static let decisionDeadline = DeadlineRule(
        id: "legal-aid.decision", label: "作出是否给予法律援助的决定", article: law + "第四十三条", days: 7,
        startsOn: ["submitted"], pausesOn: ["materials_requested"], resumesOn: ["materials_supplied"],
        metBy: ["approved", "refused"])

    /// Art. 43 para. 1: assign an aid provider within 3 days of deciding to grant aid.
    static let assignmentDeadline = DeadlineRule(
        id: "legal-aid.assignment", label: "指派法律援助人员", article: law + "第四十三条", days: 3,
        startsOn: ["approved"], metBy: ["assigned"])

    enum Command: Sendable, Equatable {
        case requestMaterials(missing: [String], note: String)
        case supplyMaterials([String])
        case approve(note: String)
        case refuse(reasons: String)
        case assign(ProviderAssignment)
        case conclude(outcome: String)
        case rate(Rating)

        var name: String {
            switch self {
            case .requestMaterials: "request_materials"
            case .supplyMaterials: "supply_materials"
            case .approve: "approve"
            case .refuse: "refuse"
            case .assign: "assign"
            case .conclude: "conclude"
            case .rate: "rate"
            }
        }
    }

    /// What `command` does to `matter`, taken by `step.actor` through `step.channel`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(LegalAidDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = [:]

        switch command {
        case .requestMaterials(let missing, let requestNote):
            // Art. 43 para. 2: everything missing is told at once, not bit by bit.
            if matter.timeline.contains(where: { $0.kind == "materials_requested" }) {
                throw FawangError.failedPrecondition("本申请已一次性告知过需补充的材料，不能再次要求补充（\(law)第四十三条第二款）；请依据现有材料作出决定")
            }
            details.missingMaterials = missing
            note = requestNote
            attributes["missing_materials"] = missing.joined(separator: "；")
        case .supplyMaterials(let supplied):
            details.materials += supplied
            details.missingMaterials = []
            attributes["materials"] = supplied.joined(separator: "；")
        case .approve(let approvalNote):
            note = approvalNote
        case .refuse(let reasons):
            // Art. 43 para. 1: a refusal is written and states its reasons.
            details.refusalReasons = reasons
            note = reasons
        case .assign(let assignment):
            details.provider = assignment
            attributes["provider_id"] = assignment.providerID
            attributes["provider_name"] = assignment.name
        case .conclude(let outcome):
            details.outcomeSummary = outcome
            note = outcome
        case .rate(let rating):
            // Once per matter, whether rated here or through MatterService.RateMatter.
            if details.rating != nil || MatterRating.score(on: matter.timeline) != nil {
                throw FawangError.failedPrecondition("该事项已经评价过，每个事项只能评价一次")
            }
            details.rating = rating
            note = rating.comment
            attributes["score"] = String(rating.score)
        }

        var change = try machine.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: details.encoded())
        if case .assign(let assignment) = command { change.assigneeAccountID = assignment.providerID }
        if case .rate(let rating) = command { change.events += MatterRating.followUp(score: rating.score, channel: step.channel) }
        return change
    }
}
