public import FawangProto
public import FawangCore
public import Foundation

/// Who takes a step, through which channel, and when: what every workflow decides with.
public struct StepContext: Sendable {
    /// Who the step is recorded under (``MatterSteps/actor(_:_:)``).
    public var actor: String
    public var channel: Channel
    /// The acting staff member's or admin's division; nil for citizens, professionals and services.
    public var callerRegion: String?
    public var now: Date
    /// The working-day calendar in force, for rules counted in working days.
    public var calendar: WorkingDayCalendar

    public init(actor: String, channel: Channel, callerRegion: String? = nil, now: Date, calendar: WorkingDayCalendar = .init()) {
        self.actor = actor
        self.channel = channel
        self.callerRegion = callerRegion
        self.now = now
        self.calendar = calendar
    }

    /// The day of the step in China.
    public var today: CivilDate { CivilDate(now) }
}

/// A business line's workflow: a pure function from a matter and a command to the change to write.
///
/// No I/O and no clock of its own: ``LineSteps`` runs it inside the store's write transaction,
/// after checking the caller may act and that the matter is of this line and one of its types.
public protocol LineWorkflow: SendableMetatype {
    associatedtype Command: Sendable
    /// The module id of the line (`legal-aid`).
    static var businessLine: String { get }
    /// The matter types this workflow decides.
    static var matterTypes: Set<String> { get }
    /// The line's Chinese name for "not a … matter" answers (法律援助).
    static var lineName: String { get }

    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange

    /// The division a caller acts for in this line's steps (``StepContext/callerRegion``). By
    /// default staff and admins act for their account's division; citizens, professionals and
    /// services for none.
    static func callerRegion(of caller: Principal) -> String?
}

extension LineWorkflow {
    public static func callerRegion(of caller: Principal) -> String? {
        switch caller.role {
        case .staff, .departmentAdmin, .platformAdmin: caller.regionCode
        default: nil
        }
    }
}

/// The step runner of one workflow: validation with the request's channel context, the "is this
/// matter of my line and type" guard, the write transaction (with the audit entry, the deadline
/// index and the module's register writes), and the presented result. A plugin's handler is its
/// field checks and one call:
///
/// ```swift
/// func approve(_ request: Fawang_Legalaid_V1_ApproveRequest) async throws -> Fawang_Matter_V1_Matter {
///     try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
///         check.note(request.note)
///         return .approve(note: request.note)
///     }
/// }
/// ```
public struct LineSteps<Workflow: LineWorkflow>: Sendable {
    public let matters: MatterSteps

    public init(context: PluginContext) {
        self.matters = MatterSteps(context: context, businessLine: Workflow.businessLine)
    }

    public var context: PluginContext { matters.context }

    /// Validates the channel context and the fields `validate` checks, then takes the command it
    /// returns on the matter. All field problems come back in one `INVALID_ARGUMENT`.
    public func take(
        on trackingNumber: String, _ channel: Fawang_Matter_V1_ChannelContext, access: MatterSteps.Access,
        _ validate: (inout FieldValidator) throws -> Workflow.Command?
    ) async throws -> Fawang_Matter_V1_Matter {
        var command: Workflow.Command?
        let handling = try self.validate(channel, applicant: access.isApplicantOnly) { check in command = try validate(&check) }
        guard let command else {
            throw FawangError(.internalError, "a \(Workflow.businessLine) step passed validation without a command")
        }
        return try await take(command, on: trackingNumber, handling, access: access)
    }

    /// Reads the request's channel context and checks the fields `validate` checks
    /// (``MatterSteps/validate(_:applicant:_:)``).
    public func validate(
        _ channel: Fawang_Matter_V1_ChannelContext, applicant: Bool = false, _ validate: (inout FieldValidator) throws -> Void = { _ in }
    ) throws -> Handling {
        try MatterSteps.validate(channel, applicant: applicant, validate)
    }

    /// Takes `command` on the matter and presents the result. `register` adds the module's own
    /// writes that belong to the step (a register entry), committed with it or not at all.
    public func take(
        _ command: Workflow.Command, on trackingNumber: String, _ handling: Handling, access: MatterSteps.Access,
        register: (@Sendable (Matter, MatterChange) throws -> [SQLStatement])? = nil
    ) async throws -> Fawang_Matter_V1_Matter {
        try await matters.present(try await update(command, on: trackingNumber, handling, access: access, register: register))
    }

    /// As ``take(_:on:_:access:register:)``, returning the stored matter.
    public func update(
        _ command: Workflow.Command, on trackingNumber: String, _ handling: Handling, access: MatterSteps.Access,
        register: (@Sendable (Matter, MatterChange) throws -> [SQLStatement])? = nil
    ) async throws -> Matter {
        let step = stepContext(handling)
        return try await matters.update(on: trackingNumber, access: access) { matter in
            var change = try Self.decide(command, on: matter, step)
            if let register { change.moduleStatements += try register(matter, change) }
            return change
        }
    }

    /// The guard every step passes before the workflow decides: the matter is of this line and one
    /// of the workflow's types (the same answer as an unknown number, so nothing leaks).
    public static func decide(_ command: Workflow.Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        guard matter.businessLine == Workflow.businessLine, Workflow.matterTypes.contains(matter.matterType) else {
            throw FawangError.notFound("受理编号 \(matter.trackingNumber) 不是\(Workflow.lineName)事项")
        }
        return try Workflow.decide(command, on: matter, step)
    }

    /// A matter of this workflow, read for checks outside the transaction (a provider's region).
    public func matter(_ trackingNumber: String, access: MatterSteps.Access) async throws -> Matter {
        let matter = try await matters.matter(trackingNumber, access: access)
        guard Workflow.matterTypes.contains(matter.matterType) else {
            throw FawangError.notFound("受理编号 \(matter.trackingNumber) 不是\(Workflow.lineName)事项")
        }
        return matter
    }

    /// Who, how and when, for a step taken now by the current caller.
    public func stepContext(_ handling: Handling) -> StepContext {
        StepContext(
            actor: handling.actor, channel: handling.channel, callerRegion: Principal.current.flatMap(Workflow.callerRegion(of:)), now: context.now(),
            calendar: context.deadlines.calendar)
    }
}

extension MatterSteps.Access {
    /// Steps only the applicant takes (a rating): recorded as the applicant whoever relays them.
    var isApplicantOnly: Bool {
        if case .applicant(_, let staffMayAct) = self { return !staffMayAct }
        return false
    }
}

/// The applicant's satisfaction rating of a concluded matter.
public struct Rating: Codable, Equatable, Sendable {
    public var score: Int
    public var comment: String

    public init(score: Int, comment: String) {
        self.score = score
        self.comment = comment
    }
}

extension FieldValidator {
    /// An optional note of at most 2000 characters.
    public mutating func note(_ text: String, field: String = "note") {
        require(text.count <= 2000, field, "说明不能超过2000字")
    }

    /// A required explanation (reasons, outcome) of at most 2000 characters.
    public mutating func reasons(_ text: String, field: String, label: String) {
        requireText(text, field, label: label, maxLength: 2000)
    }

    /// A satisfaction rating: 1–5 with a comment of at most 500 characters, by the applicant.
    public mutating func rating(score: Int32, comment: String, phoneLast4: String) -> Rating {
        require((1...5).contains(score), "score", "满意度评分应为1至5分")
        require(comment.count <= 500, "comment", "评价内容不能超过500字")
        require(phoneLast4.count == 4, "phone_last4", "请填写申请人手机号后四位")
        return Rating(score: Int(score), comment: comment)
    }
}

/// Commands of a workflow that asks the applicant for missing materials and takes them in: the
/// step every line with an application has (法律援助法 第四十三条, 公证法 第二十七条, 行政许可法
/// 第三十二条 …). Conforming gives the line ``LineSteps/requestMaterials(_:_:missing:note:basis:)``
/// and ``LineSteps/supplyMaterials(_:_:materials:phoneLast4:)``.
public protocol MaterialsCommands: SupplyMaterialsCommand {
    static func requestMaterials(missing: [String], note: String) -> Self
}

/// A workflow whose applicant hands in materials: ``LineSteps/supplyMaterials(_:_:materials:phoneLast4:)``.
/// A line that asks for them its own way (judicial appraisal: supplement or re-extract) conforms
/// to this alone.
public protocol SupplyMaterialsCommand {
    static func supplyMaterials(_ materials: [String]) -> Self
}

extension LineSteps where Workflow.Command: MaterialsCommands {
    /// Staff tell the applicant, at once, every material that is missing; `basis` is the article
    /// that requires it, named when the list is empty.
    public func requestMaterials(
        _ trackingNumber: String, _ channel: Fawang_Matter_V1_ChannelContext, missing: [String], note: String, basis: String
    ) async throws -> Fawang_Matter_V1_Matter {
        try await take(on: trackingNumber, channel, access: .handler) { check in
            check.require(!missing.isEmpty, "missing_materials", "请一次性列明需要补充或补正的全部材料（\(basis)）")
            check.checkMaterialNames(missing, field: "missing_materials")
            check.note(note)
            return .requestMaterials(missing: missing, note: note)
        }
    }
}

extension LineSteps where Workflow.Command: SupplyMaterialsCommand {
    /// The applicant (or staff for them) hands in materials, proving it with the phone's last four.
    public func supplyMaterials(
        _ trackingNumber: String, _ channel: Fawang_Matter_V1_ChannelContext, materials: [String], phoneLast4: String
    ) async throws -> Fawang_Matter_V1_Matter {
        try await take(on: trackingNumber, channel, access: .applicant(secondFactor: phoneLast4)) { check in
            check.require(!materials.isEmpty, "materials", "请列明补充或补正的材料")
            check.checkMaterialNames(materials, field: "materials")
            return .supplyMaterials(materials)
        }
    }
}
