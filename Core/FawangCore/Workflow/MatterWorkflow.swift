/// A business line's workflow as a pure state machine: which command is allowed in which status,
/// which status it leads to and which timeline event it records.
///
/// `decide` does no I/O and reads no clock. It returns the actions to apply, and the store
/// applies them in one transaction (the shape of postgres-nio's connection state machine), so the
/// machine is tested on its own, without a server.
///
/// ```swift
/// let workflow = MatterWorkflow(
///     initialStatus: "submitted",
///     statuses: ["submitted": "已提交", "approved": "已准予"],
///     transitions: [.init(command: "approve", from: ["submitted"], to: "approved", event: "approved")],
///     eventLabels: ["submitted": "提交申请", "approved": "决定给予"]
/// )
/// let actions = try workflow.decide("approve", from: "submitted")
/// // [.changeStatus(from: "submitted", to: "approved"), .appendEvent(kind: "approved")]
/// ```
public struct MatterWorkflow: Sendable {
    public struct Transition: Sendable, Equatable {
        public var command: String
        public var from: Set<String>
        /// Nil keeps the status (e.g. a rating recorded on a concluded matter).
        public var to: String?
        public var event: String

        public init(command: String, from: Set<String>, to: String?, event: String) {
            self.command = command
            self.from = from
            self.to = to
            self.event = event
        }
    }

    public enum Action: Sendable, Equatable {
        case changeStatus(from: String, to: String)
        case appendEvent(kind: String)
    }

    /// What reaching a step means for the statistics (数据统计): the matter is accepted (受理), or
    /// it ends — concluded with a result (办结), refused (不予受理、不予批准、驳回), or stopped
    /// without one (终止、撤回).
    public enum Milestone: String, Sendable, CaseIterable {
        case accepted, concluded, refused, stopped
    }

    public let initialStatus: String
    /// The command `MatterService.CloseCallback` takes, if the workflow has it, with the callback it
    /// records: a task whose whole purpose is the callback (a missed call) ends with it.
    public static let closeCallbackCommand = "close_callback"
    /// Every status with its Chinese label.
    public let statuses: [String: String]
    /// Every event kind with its Chinese label.
    public let eventLabels: [String: String]
    public let transitions: [String: Transition]
    /// Statuses from which no command leads anywhere.
    public let terminalStatuses: Set<String>
    /// Where the applicant may give their satisfaction rating: the end statuses, and any status
    /// the line names where the service has been given though the matter stays open (an answered
    /// consultation).
    public let rateableStatuses: Set<String>
    /// Event kind → milestone: the events declared, and every event that ends the matter (its
    /// transition leads to an end status) as `concluded` unless declared otherwise.
    public let milestones: [String: Milestone]

    /// - Parameter milestones: the events that accept a matter, and those ending ones that refuse
    ///   or stop it (see ``Milestone``). A line that declares no acceptance counts a matter
    ///   accepted when it is submitted (受理即办理: a consultation, a callback).
    public init(
        initialStatus: String, statuses: [String: String], transitions: [Transition], eventLabels: [String: String],
        alsoRateableIn: Set<String> = [], milestones: [String: Milestone] = [:]
    ) {
        precondition(alsoRateableIn.allSatisfy { statuses[$0] != nil }, "a rateable status has no label")
        precondition(statuses[initialStatus] != nil, "initial status \(initialStatus) has no label")
        var byCommand: [String: Transition] = [:]
        for transition in transitions {
            precondition(byCommand[transition.command] == nil, "command \(transition.command) defined twice")
            precondition(transition.from.allSatisfy { statuses[$0] != nil }, "transition \(transition.command) starts from an unknown status")
            precondition(transition.to.map { statuses[$0] != nil } ?? true, "transition \(transition.command) leads to an unknown status")
            precondition(eventLabels[transition.event] != nil, "event \(transition.event) has no label")
            byCommand[transition.command] = transition
        }
        self.initialStatus = initialStatus
        self.statuses = statuses
        self.eventLabels = eventLabels
        self.transitions = byCommand
        let leaving = Set(transitions.filter { $0.to != nil }.flatMap(\.from))
        self.terminalStatuses = Set(statuses.keys).subtracting(leaving)
        self.rateableStatuses = terminalStatuses.union(alsoRateableIn)
        precondition(milestones.keys.allSatisfy { eventLabels[$0] != nil }, "a milestone event has no label: \(milestones.keys.sorted())")
        var derived = milestones
        for transition in transitions {
            if let to = transition.to, terminalStatuses.contains(to), derived[transition.event] == nil { derived[transition.event] = .concluded }
        }
        self.milestones = derived
    }

    /// Whether the line declares an acceptance step (else a matter counts accepted when submitted).
    public var declaresAcceptance: Bool { milestones.values.contains(.accepted) }

    public func label(ofStatus status: String) -> String { statuses[status] ?? status }

    public func label(ofEvent kind: String) -> String { eventLabels[kind] ?? PlatformEvent.labels[kind] ?? kind }

    /// The commands allowed in `status`, sorted.
    public func allowedCommands(in status: String) -> [String] {
        transitions.values.filter { $0.from.contains(status) }.map(\.command).sorted()
    }

    /// What `command` does to a matter in `status`, or why it cannot be done now.
    public func decide(_ command: String, from status: String) throws(FawangError) -> [Action] {
        guard let transition = transitions[command] else {
            throw FawangError(.internalError, "unknown workflow command \(command)")
        }
        guard transition.from.contains(status) else {
            let allowed = allowedCommands(in: status)
            let hint = allowed.isEmpty ? "该事项已办结，不能再办理此操作" : "当前可办理：\(allowed.map { label(ofEvent: transitions[$0]!.event) }.joined(separator: "、"))"
            throw FawangError.failedPrecondition("事项当前状态为「\(label(ofStatus: status))」，不能\(label(ofEvent: transition.event))。\(hint)")
        }
        var actions: [Action] = []
        if let target = transition.to, target != status {
            actions.append(.changeStatus(from: status, to: target))
        }
        actions.append(.appendEvent(kind: transition.event))
        return actions
    }
}
