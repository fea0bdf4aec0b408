import FawangCore
import FawangProtocols
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.matter.v1.MatterService`: reads of the common case record, for every business line.
struct MatterService: Fawang_Matter_V1_MatterService.SimpleServiceProtocol {
    let matters: any MatterStore
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
        // The staff view shows the identity number unmasked: the read is audited.
        // (Until identity and access control land, the reader is unauthenticated.)
        try await audit.append(AuditDraft(
            actor: "unauthenticated", role: "", channel: "", target: "matter:\(matter.id)", detail: "read:staff_view"))
        return try await presenter.staffView(matter, now: now())
    }

    func queryProgress(request: Fawang_Matter_V1_QueryProgressRequest, context: ServerContext) async throws -> Fawang_Matter_V1_ProgressReport {
        var check = FieldValidator()
        let number = TrackingNumber(request.trackingNumber)
        if request.trackingNumber.isEmpty {
            check.fail("tracking_number", "请填写受理编号")
        } else if number == nil {
            check.fail("tracking_number", "受理编号应为16位数字且校验位正确，请核对后重新输入")
        }
        check.require(request.phoneLast4.count == 4 && request.phoneLast4.allSatisfy(\.isNumber), "phone_last4", "请填写申请时所留手机号的后四位")
        try check.check()
        // One answer for an unknown number and a wrong second factor: nothing to enumerate.
        guard let matter = try await matters.matter(trackingNumber: number!), matter.acceptsSecondFactor(request.phoneLast4) else {
            throw FawangError.notFound("受理编号或手机号后四位不正确，请核对")
        }
        return try await presenter.publicView(matter, now: now())
    }

    func listMatters(request: Fawang_Matter_V1_ListMattersRequest, context: ServerContext) async throws -> Fawang_Matter_V1_ListMattersResponse {
        var check = FieldValidator()
        check.require(request.pageSize >= 0 && request.pageSize <= 500, "page_size", "每页条数应在1至500之间")
        check.require(request.regionCode.isEmpty || DivisionCode.isWellFormed(request.regionCode), "region_code", "请填写6位行政区划代码")
        try check.check()
        let page = try await matters.list(MatterQuery(
            businessLine: request.businessLine.isEmpty ? nil : request.businessLine,
            status: request.status.isEmpty ? nil : request.status,
            regionCode: request.regionCode.isEmpty ? nil : request.regionCode,
            limit: request.pageSize == 0 ? 50 : Int(request.pageSize),
            after: request.pageToken.isEmpty ? nil : request.pageToken))
        var response = Fawang_Matter_V1_ListMattersResponse()
        for matter in page.matters {
            response.matters.append(try await presenter.staffView(matter, now: now(), includeTimeline: false))
        }
        response.nextPageToken = page.nextCursor ?? ""
        return response
    }
}
