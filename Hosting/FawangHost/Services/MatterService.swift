import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.matter.v1.MatterService`: reads of the common case record, for every business line.
struct MatterService: Fawang_Matter_V1_MatterService.SimpleServiceProtocol {
    let matters: any MatterStore
    let registry: ModuleRegistry
    let audit: any AuditLog
    let presenter: MatterPresenter
    let now: @Sendable () -> Date

    func getMatter(request: Fawang_Matter_V1_GetMatterRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        let matter: Matter?
        switch request.key {
        case .id(let id):
            guard !id.isEmpty, id.count <= 64 else { throw FawangError.invalidArgument(field: "id", "请填写事项编号") }
            matter = try await matters.matter(id: id)
        case .trackingNumber(let text):
            matter = try await matters.matter(trackingNumber: try TrackingNumber.parse(text))
        case nil:
            throw FawangError.invalidArgument(field: "key", "请填写事项编号（id）或受理编号（tracking_number）")
        }
        guard let matter else { throw FawangError.notFound("未找到该事项，请核对编号") }
        let principal = try Self.caller()
        guard principal.mayRead(matter) else { throw FawangError(.permissionDenied, "无权查看该事项：不在本账号的办理范围内") }
        let reveal = principal.seesPersonalData(of: matter)
        if reveal {
            // An unmasked read of identity data is audited under the reader.
            try await audit.append(AuditDraft(
                actor: principal.accountID, role: principal.role.rawValue, channel: "", target: "matter:\(matter.id)", detail: "read:unmasked"))
        }
        return try await presenter.staffView(matter, now: now(), revealPersonalData: reveal)
    }

    func queryProgress(request: Fawang_Matter_V1_QueryProgressRequest, context: ServerContext) async throws -> Fawang_Matter_V1_ProgressReport {
        var check = FieldValidator()
        let number = check.trackingNumber(request.trackingNumber)
        check.require(request.phoneLast4.count == 4 && request.phoneLast4.allSatisfy(\.isNumber), "phone_last4", "请填写申请时所留手机号的后四位")
        let tracking = try check.checked(number, "the tracking number")
        // One answer for an unknown number and a wrong second factor: nothing to enumerate.
        guard let matter = try await matters.matter(trackingNumber: tracking), matter.acceptsSecondFactor(request.phoneLast4) else {
            throw FawangError.notFound("受理编号或手机号后四位不正确，请核对")
        }
        return try await presenter.publicView(matter, now: now())
    }

    /// The satisfaction rating of any line's matter once it has ended (a terminal status of its
    /// workflow, or one the workflow names rateable: an answered consultation). Recorded as the applicant's, whoever relays it (the hotline's callback), once.
    func rateMatter(request: Fawang_Matter_V1_RateMatterRequest, context: ServerContext) async throws -> Fawang_Matter_V1_ProgressReport {
        var rating: Rating?
        let handling = try MatterSteps.validate(request.context, applicant: true) { check in
            rating = check.rating(score: request.score, comment: request.comment, phoneLast4: request.phoneLast4)
        }
        guard let rating else { throw FawangError(.internalError, "a rating passed validation without a score") }
        let trackingNumber = try TrackingNumber.parse(request.trackingNumber)
        let registry = registry
        let matter = try await matters.update(trackingNumber: trackingNumber, at: now()) { matter in
            try MatterSteps.check(.applicant(secondFactor: request.phoneLast4, staffMayAct: false), matter)
            try registry.requireEnabled(matter.businessLine, in: matter.regionCode)
            guard let workflow = registry.module(id: matter.businessLine)?.manifest.matterType(matter.matterType)?.workflow else {
                throw FawangError(.internalError, "matter \(matter.id) has a type no module declares")
            }
            guard workflow.rateableStatuses.contains(matter.status) else {
                throw FawangError.failedPrecondition("事项办结后方可评价；该事项当前状态为「\(workflow.label(ofStatus: matter.status))」")
            }
            guard MatterRating.score(on: matter.timeline) == nil else {
                throw FawangError.failedPrecondition("该事项已经评价过，每个事项只能评价一次")
            }
            return MatterChange(events: [MatterEventDraft(
                kind: MatterRating.event, actor: handling.actor, channel: handling.channel, note: rating.comment,
                attributes: [MatterRating.scoreAttribute: String(rating.score)])] + MatterRating.followUp(score: rating.score, channel: handling.channel))
        }
        return try await presenter.publicView(matter, now: now())
    }

    /// Records the callback (回访) a low rating asked for: the event that meets `platform.callback`.
    func closeCallback(request: Fawang_Matter_V1_CloseCallbackRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        let handling = try MatterSteps.validate(request.context) { check in
            check.reasons(request.outcome, field: "outcome", label: "回访情况")
        }
        let principal = try Self.caller()
        let trackingNumber = try TrackingNumber.parse(request.trackingNumber)
        let registry = registry
        let matter = try await matters.update(trackingNumber: trackingNumber, at: now()) { matter in
            guard principal.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) else {
                throw FawangError(.permissionDenied, "该事项不在本账号的办理范围内（地区或业务条线），不能登记回访")
            }
            try registry.requireEnabled(matter.businessLine, in: matter.regionCode)
            let opened = matter.timeline.lastIndex { $0.kind == PlatformEvent.callbackRequired }
            let closed = matter.timeline.lastIndex { $0.kind == PlatformEvent.callbackDone }
            guard let opened, closed.map({ $0 < opened }) ?? true else {
                throw FawangError.failedPrecondition("该事项没有待回访的事项（不满意评价、投诉办结或未接来电）")
            }
            var change = MatterChange(events: [MatterEventDraft(
                kind: PlatformEvent.callbackDone, actor: handling.actor, channel: handling.channel, note: request.outcome,
                attributes: ["reached": request.reached ? "true" : "false"])])
            if let workflow = registry.module(forMatterType: matter.matterType)?.type.workflow,
                let step = workflow.transitions[MatterWorkflow.closeCallbackCommand], step.from.contains(matter.status) {
                change.newStatus = step.to
            }
            return change
        }
        return try await presenter.staffView(matter, now: now(), revealPersonalData: principal.seesPersonalData(of: matter))
    }

    static func caller() throws(FawangError) -> Principal {
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        return principal
    }

    /// Narrows a listing to what the caller may see: staff to their division and department,
    /// citizens to their own matters, professionals to those assigned to them.
    static func scope(_ query: inout MatterQuery, to principal: Principal) throws(FawangError) {
        switch principal.role {
        case .platformAdmin:
            return
        case .staff, .departmentAdmin:
            if let region = query.regionCode {
                guard DivisionCode.contains(principal.regionCode, region) else {
                    throw FawangError(.permissionDenied, "无权查看本账号辖区（\(principal.regionCode)）以外的事项")
                }
            } else {
                query.regionCode = principal.regionCode
            }
            if !principal.department.isEmpty {
                if let line = query.businessLine, line != principal.department {
                    throw FawangError(.permissionDenied, "无权查看其他业务条线的事项")
                }
                query.businessLine = principal.department
            }
        case .citizen:
            query.ownerAccountID = principal.accountID
        case .professional:
            query.assigneeAccountID = principal.accountID
        case .service:
            throw FawangError(.permissionDenied, "系统账号不能列出事项")
        }
    }

    func listMatters(request: Fawang_Matter_V1_ListMattersRequest, context: ServerContext) async throws -> Fawang_Matter_V1_ListMattersResponse {
        var check = FieldValidator()
        check.require(request.pageSize >= 0 && request.pageSize <= 500, "page_size", "每页条数应在1至500之间")
        check.require(request.regionCode.isEmpty || DivisionCode.isWellFormed(request.regionCode), "region_code", "请填写6位行政区划代码")
        Self.checkFilter(line: request.businessLine, status: request.status, registry: registry, into: &check)
        try check.check()
        var query = MatterQuery(
            businessLine: request.businessLine.isEmpty ? nil : request.businessLine,
            status: request.status.isEmpty ? nil : request.status,
            regionCode: request.regionCode.isEmpty ? nil : request.regionCode,
            limit: request.pageSize == 0 ? 50 : Int(request.pageSize),
            after: request.pageToken.isEmpty ? nil : request.pageToken)
        try Self.scope(&query, to: Self.caller())
        let page = try await matters.list(query)
        var response = Fawang_Matter_V1_ListMattersResponse()
        for matter in page.matters {
            // Lists never carry identity numbers or phones in the clear.
            response.matters.append(try await presenter.staffView(matter, now: now(), includeTimeline: false, revealPersonalData: false))
        }
        response.nextPageToken = page.nextCursor ?? ""
        return response
    }

    /// A filter that can match nothing because it names no line or status is a mistake, not an
    /// empty list: refuse it with the values that exist (status by machine name or label).
    static func checkFilter(line: String, status: String, registry: ModuleRegistry, into check: inout FieldValidator) {
        let modules = registry.modules.map(\.manifest)
        let lines = line.isEmpty ? modules : modules.filter { $0.id == line }
        if lines.isEmpty {
            check.fail("business_line", "没有业务条线 \(line)；可选：\(modules.map(\.id).joined(separator: "、"))")
            return
        }
        guard !status.isEmpty else { return }
        let statuses = lines.flatMap(\.matterTypes).flatMap { $0.workflow.statuses.keys }
        if !statuses.contains(status) {
            let labelled = lines.flatMap(\.matterTypes).flatMap { $0.workflow.statuses.filter { $0.value == status }.keys }
            let hint = labelled.isEmpty ? "" : "（「\(status)」请写作 \(Set(labelled).sorted().joined(separator: " 或 "))）"
            check.fail("status", "没有状态 \(status)\(hint)；可选：\(Array(Set(statuses)).sorted().joined(separator: "、"))")
        }
    }

    func transferMatter(request: Fawang_Matter_V1_TransferMatterRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        let handling = try MatterSteps.validate(request.context) { check in
            check.requireText(request.toMatterType, "to_matter_type", label: "接收的事项类型", maxLength: 100)
            check.requireText(request.reason, "reason", label: "转办理由", maxLength: 1000)
        }
        let targets = registry.modules.compactMap { module in module.manifest.matterType(request.toMatterType).map { (module, $0) } }
        guard let (target, spec) = targets.first else {
            throw FawangError.invalidArgument(field: "to_matter_type", "没有事项类型 \(request.toMatterType)")
        }
        _ = try MatterTransfer.requireIntake(spec)
        try registry.requireEnabled(target.manifest.id)
        let principal = try Self.caller()
        let registry = registry
        let trackingNumber = try TrackingNumber.parse(request.trackingNumber)
        let matter = try await matters.update(trackingNumber: trackingNumber, at: now()) { matter in
            guard principal.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) else {
                throw FawangError(.permissionDenied, "该事项不在本账号的办理范围内（地区或业务条线），不能转办")
            }
            try registry.requireEnabled(matter.businessLine, in: matter.regionCode)
            try registry.requireEnabled(target.manifest.id, in: matter.regionCode)
            return try MatterTransfer.decide(
                matter, source: registry.module(id: matter.businessLine)?.manifest, target: target.manifest, type: spec,
                reason: request.reason, actor: handling.actor, channel: handling.channel)
        }
        return try await presenter.staffView(matter, now: now(), revealPersonalData: principal.seesPersonalData(of: matter))
    }
}
