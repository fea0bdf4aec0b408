public import FawangProto
public import FawangCore
public import Foundation
public import SwiftProtobuf
import Logging

/// What every plugin's service does around its workflow: who a step is recorded under, who may
/// take it on a given matter, running it inside the store's write transaction, submitting a new
/// matter idempotently, and presenting the result. One piece for every business line, so the
/// lines differ only in their rules.
///
/// ```swift
/// let steps = MatterSteps(context: context, businessLine: "notarization")
/// return try await steps.run(on: request.trackingNumber, handling, access: .handler) { matter in
///     try NotarizationWorkflow.decide(.accept, on: matter, actor: handling.actor, channel: handling.channel)
/// }
/// ```
public struct MatterSteps: Sendable {
    public let context: PluginContext
    public let businessLine: String

    public init(context: PluginContext, businessLine: String) {
        self.context = context
        self.businessLine = businessLine
    }

    /// Another module's writes that go with the next matter submitted in this task, in its
    /// transaction (``MatterDraft/companion``): set by a module that files a line's intake for its
    /// caller (``Intakes``), e.g. a booking that files the application it is for.
    @TaskLocal public static var companion: CompanionWrite?

    /// Who may take a step on a given matter, checked inside its transaction.
    public enum Access: Sendable {
        /// Staff and admins within their region and department.
        case handler
        /// As `.handler`, or the professional the matter is assigned to.
        case handlerOrAssignee
        /// The applicant: signed in as the submitting citizen, or proving it with the phone's last
        /// four digits. Staff who handle the matter may act for them unless `staffMayAct` is false.
        case applicant(secondFactor: String, staffMayAct: Bool = true)
    }

    /// Who a step is recorded under: the signed-in staff member or professional; a service account
    /// with the operator it names; `applicant` for citizens and anonymous callers.
    public static func actor(_ handling: Handling, _ principal: Principal? = Principal.current) -> String {
        guard let principal else { return "applicant" }
        switch principal.role {
        case .citizen: return "applicant"
        case .service: return handling.actor == "applicant" ? principal.accountID : "\(principal.accountID)/\(handling.actor)"
        default: return principal.accountID
        }
    }

    /// The request's channel context with the actor resolved for the signed-in caller, or
    /// `applicant` for a step only the applicant takes (whoever relays it).
    public static func handling(_ proto: Fawang_Matter_V1_ChannelContext, _ check: inout FieldValidator, applicant: Bool = false) -> Handling? {
        guard let handling = Handling.read(proto, into: &check) else { return nil }
        return Handling(channel: handling.channel, actor: applicant ? "applicant" : actor(handling))
    }

    /// Reads a request's channel context and checks the fields `validate` checks: every problem
    /// in one `INVALID_ARGUMENT`. `applicant` records the step as the applicant's whoever relays it.
    public static func validate(
        _ channel: Fawang_Matter_V1_ChannelContext, applicant: Bool = false, _ validate: (inout FieldValidator) throws -> Void = { _ in }
    ) throws -> Handling {
        var check = FieldValidator()
        let handling = Self.handling(channel, &check, applicant: applicant)
        try validate(&check)
        return try check.checked(handling, "the channel context")
    }

    public static func check(_ access: Access, _ matter: Matter) throws(FawangError) {
        let principal = Principal.current
        let handles = principal?.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) ?? false
        switch access {
        case .handler:
            guard handles else { throw FawangError(.permissionDenied, "该事项不在本账号的办理范围内（地区或业务条线）") }
        case .handlerOrAssignee:
            let assigned = principal?.role == .professional && principal?.accountID == matter.assigneeAccountID
            guard handles || assigned else { throw FawangError(.permissionDenied, "该事项未指派给本账号，也不在本账号的办理范围内") }
        case .applicant(let secondFactor, let staffMayAct):
            if staffMayAct, handles { return }
            if let principal, principal.role == .citizen, principal.accountID == matter.ownerAccountID { return }
            // Same answer as an unknown number: a wrong second factor reveals nothing.
            guard matter.acceptsSecondFactor(secondFactor) else { throw FawangError.notFound("受理编号或手机号后四位不正确，请核对") }
        }
    }

    /// Runs `decide` inside the store's write transaction after checking the caller may act on
    /// this matter and that it belongs to this business line, and presents the result.
    public func run(
        on trackingText: String, access: Access, field: String = "tracking_number",
        _ decide: @escaping @Sendable (Matter) throws -> MatterChange
    ) async throws -> Fawang_Matter_V1_Matter {
        try await present(try await update(on: trackingText, access: access, field: field, decide))
    }

    /// As ``run(on:access:field:_:)``, returning the stored matter.
    public func update(
        on trackingText: String, access: Access, field: String = "tracking_number",
        _ decide: @escaping @Sendable (Matter) throws -> MatterChange
    ) async throws -> Matter {
        let trackingNumber = try TrackingNumber.parse(trackingText, field: field)
        let principal = Principal.current
        let line = businessLine
        let name = context.lineName
        let registry = context.presenter.registry
        return try await context.matters.update(trackingNumber: trackingNumber, at: context.now()) { matter in
            try Principal.$current.withValue(principal) {
                guard matter.businessLine == line else {
                    throw FawangError.notFound("受理编号 \(matter.trackingNumber) 不是\(name)事项")
                }
                try Self.check(access, matter)
                // The line may be switched off where the matter is (modules.<id>.regions.*).
                try registry.requireEnabled(line, in: matter.regionCode)
                var change = try decide(matter)
                // A complaint that ends (or is answered) is followed by a callback to the complainant,
                // unless they left no number to call (an anonymous petition).
                if let type = registry.module(id: line)?.manifest.matterType(matter.matterType),
                    let status = change.newStatus, status != matter.status, type.callbackStatuses.contains(status),
                    !matter.applicant.phone.isEmpty, let last = change.events.last
                {
                    change.events.append(MatterEventDraft(
                        kind: PlatformEvent.callbackRequired, actor: "system", channel: last.channel, note: "\(type.workflow.label(ofStatus: status))，请回访投诉人"))
                }
                return change
            }
        }
    }

    /// A matter of this line as the caller may see it (personal data only for those entitled).
    public func present(_ matter: Matter) async throws -> Fawang_Matter_V1_Matter {
        try await context.presenter.staffView(
            matter, now: context.now(), revealPersonalData: Principal.current?.seesPersonalData(of: matter) ?? false)
    }

    /// Reads a matter of this line (for checks outside a transaction, e.g. a provider's region).
    public func matter(_ trackingText: String, access: Access, field: String = "tracking_number") async throws -> Matter {
        let trackingNumber = try TrackingNumber.parse(trackingText, field: field)
        guard let matter = try await context.matters.matter(trackingNumber: trackingNumber), matter.businessLine == businessLine else {
            throw FawangError.notFound("未找到受理编号为 \(trackingNumber) 的\(context.lineName)事项，请核对编号")
        }
        try Self.check(access, matter)
        return matter
    }

    /// A new matter of this line. `request` is the submission, hashed without its request id so a
    /// reused id with different content is refused; the applicant becomes the owner when a
    /// signed-in citizen submits for themself.
    public func submit(
        request: some SwiftProtobuf.Message, requestID: String, matterType: String, initialStatus: String, applicant: Person,
        parties: [Party] = [], regionCode: String, handling: Handling, details: Data, firstEvent: String,
        attributes: [String: String] = [:], note: String = "",
        linkedUpdate: LinkedUpdate? = nil, assignee: String? = nil, moduleStatements: @escaping @Sendable (Matter) -> [SQLStatement] = { _ in [] }
    ) async throws -> (matter: Fawang_Matter_V1_Matter, replayed: Bool) {
        guard let division = try await context.directory.division(code: regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码 \(regionCode) 不在本平台服务范围内")
        }
        try context.presenter.registry.requireEnabled(businessLine, in: division.code)
        let principal = Principal.current
        var draft = MatterDraft(
            requestID: requestID, requestDigest: RequestDigest.sha256Hex(try request.serializedBytes()),
            businessLine: businessLine, matterType: matterType, initialStatus: initialStatus, applicant: applicant,
            parties: parties, regionCode: division.code, channel: handling.channel,
            operatorID: handling.actor == "applicant" ? "" : handling.actor, details: details,
            firstEvent: MatterEventDraft(kind: firstEvent, actor: handling.actor, channel: handling.channel, note: note, attributes: attributes),
            ownerAccountID: principal?.role == .citizen ? principal!.accountID : "")
        draft.moduleStatements = moduleStatements
        draft.linkedUpdate = linkedUpdate
        draft.assigneeAccountID = assignee
        draft.companion = Self.companion
        let outcome = try await context.matters.submit(draft, at: context.now())
        if case .created(let matter) = outcome {
            context.logger.info("matter submitted", metadata: [
                "matter.id": "\(matter.id)", "matter.type": "\(matterType)", "channel": "\(handling.channel.rawValue)", "region": "\(division.code)",
            ])
        }
        let replayed = if case .replayed = outcome { true } else { false }
        return (try await present(outcome.matter), replayed)
    }
}

/// A submission's response: the matter, and whether this was a retry of an earlier submission.
/// Each line's `Submit…Response` conforms with one line.
public protocol SubmissionResponse: SwiftProtobuf.Message {
    var matter: Fawang_Matter_V1_Matter { get set }
    var replayed: Bool { get set }
}

extension MatterSteps {
    /// A public intake: a new matter of this line from a validated submission, idempotent on the
    /// request's id (a retry with the same id and content returns the first matter, `replayed`;
    /// the same id with other content is refused). `handling` is the request's channel context as
    /// read; the step is recorded under the signed-in caller (``actor(_:_:)``).
    public func intake<Request: SwiftProtobuf.Message, Response: SubmissionResponse>(
        _ request: Request, requestID: WritableKeyPath<Request, String>, matterType: String, initialStatus: String,
        applicant: Person, parties: [Party] = [], regionCode: String, handling: Handling, details: some Encodable,
        firstEvent: String = "submitted", attributes: [String: String] = [:], note: String = "",
        linkedUpdate: LinkedUpdate? = nil, assignee: String? = nil, moduleStatements: @escaping @Sendable (Matter) -> [SQLStatement] = { _ in [] }
    ) async throws -> Response {
        var canonical = request
        canonical[keyPath: requestID] = ""
        let (matter, replayed) = try await submit(
            request: canonical, requestID: request[keyPath: requestID], matterType: matterType, initialStatus: initialStatus,
            applicant: applicant, parties: parties, regionCode: regionCode,
            handling: Handling(channel: handling.channel, actor: Self.actor(handling)), details: DetailsCoding.encode(details),
            firstEvent: firstEvent, attributes: attributes, note: note, linkedUpdate: linkedUpdate, assignee: assignee,
            moduleStatements: moduleStatements)
        var response = Response()
        response.matter = matter
        response.replayed = replayed
        return response
    }
}

extension MatterWorkflow {
    /// The change `command` makes to a matter in `status`: the status it leads to and its event,
    /// recorded under `actor` with `note` and `attributes`, plus the new details if any.
    public func change(
        _ command: String, from status: String, actor: String, channel: Channel, note: String = "",
        attributes: [String: String] = [:], details: Data? = nil
    ) throws(FawangError) -> MatterChange {
        var change = MatterChange(events: [], details: details)
        for action in try decide(command, from: status) {
            switch action {
            case .changeStatus(_, let target):
                change.newStatus = target
            case .appendEvent(let kind):
                change.events.append(MatterEventDraft(kind: kind, actor: actor, channel: channel, note: note, attributes: attributes))
            }
        }
        return change
    }
}

extension FieldValidator {
    /// Each material is named (at most 100 characters), and a list has at most 50.
    public mutating func checkMaterialNames(_ names: [String], field: String) {
        require(names.count <= 50, field, "材料清单不能超过50项")
        for (index, name) in names.enumerated() where name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 {
            fail("\(field)[\(index)]", "材料名称不能为空且不能超过100字")
        }
    }

    /// Validates a natural person at `field` (name, resident identity number, phone, address).
    /// `idRequired` false accepts an empty identity number (e.g. an opposing party).
    public mutating func person(_ proto: Fawang_Matter_V1_Person, field: String, label: String, idRequired: Bool = true, phoneRequired: Bool = true) -> Person {
        requireText(proto.name, "\(field).name", label: "\(label)姓名", maxLength: 50)
        if proto.idNumber.isEmpty {
            if idRequired { fail("\(field).id_number", "请填写\(label)身份证号") }
        } else if let problem = ResidentIdentityNumber.problem(with: proto.idNumber) {
            fail("\(field).id_number", problem)
        }
        if proto.phone.isEmpty {
            if phoneRequired { fail("\(field).phone", "请填写\(label)联系电话") }
        } else if let problem = PhoneNumber.problem(with: proto.phone) {
            fail("\(field).phone", problem)
        }
        require(proto.address.count <= 200, "\(field).address", "地址不能超过200字")
        return Person(
            name: proto.name.trimmingCharacters(in: .whitespaces), idNumber: proto.idNumber.uppercased(),
            phone: proto.phone.isEmpty ? "" : PhoneNumber.normalized(proto.phone), address: proto.address)
    }

    /// A six-digit division code at `field`.
    public mutating func divisionCode(_ code: String, field: String = "region_code") {
        require(DivisionCode.isWellFormed(code), field, "请填写6位行政区划代码，如银川市兴庆区为640104")
    }

    /// The request id every submission carries for idempotent retries.
    public mutating func requestID(_ id: String) {
        requireText(id, "request_id", label: "请求编号（防止重复提交）", maxLength: 128)
    }
}

/// JSON for a plugin's `Matter.details`: sorted keys, so equal details are equal bytes.
public enum DetailsCoding {
    public static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Plain value types with string keys always encode.
        return try! encoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from matter: Matter) throws(FawangError) -> T {
        do {
            return try matter.decodeDetails(type)
        } catch {
            throw FawangError(.internalError, "details of matter \(matter.id) do not decode as \(type): \(error)")
        }
    }
}
