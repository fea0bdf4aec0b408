import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.approval.v1.ApprovalService`: validates, runs the workflow, presents the matter.
struct ApprovalService: Fawang_Approval_V1_ApprovalService.SimpleServiceProtocol {
    let context: PluginContext

    func submitApplication(
        request: Fawang_Approval_V1_SubmitApplicationRequest, context grpc: ServerContext
    ) async throws -> Fawang_Approval_V1_SubmitApplicationResponse {
        var (handling, applicant, details) = try ApprovalApplication.validate(request)
        handling.actor = MatterSteps.actor(handling)
        var canonical = request
        canonical.requestID = ""
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: ApprovalWorkflow.matterType,
            initialStatus: ApprovalWorkflow.machine.initialStatus, applicant: applicant, regionCode: request.regionCode,
            handling: handling, details: DetailsCoding.encode(details), firstEvent: "submitted",
            attributes: ["item": details.item.rawValue])
        return .with {
            $0.matter = matter
            $0.replayed = replayed
        }
    }

    func requestMaterials(request: Fawang_Approval_V1_RequestMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.missingMaterials.isEmpty, "missing_materials", "请一次告知需要补正的全部内容（行政许可法第三十二条第一款第四项）")
        check.checkMaterialNames(request.missingMaterials, field: "missing_materials")
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.requestMaterials(missing: request.missingMaterials, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func supplyMaterials(request: Fawang_Approval_V1_SupplyMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.materials.isEmpty, "materials", "请列明补正的材料")
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        return try await run(.supplyMaterials(request.materials), on: request.trackingNumber, handling!, access: .applicant(secondFactor: request.phoneLast4))
    }

    func accept(request: Fawang_Approval_V1_AcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.accept(note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func notAccept(request: Fawang_Approval_V1_NotAcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let ground = NonAcceptanceGround(request.ground)
        check.require(ground != nil, "ground", "请选择不予受理的情形（行政许可法第三十二条第一款）")
        check.requireText(request.reasons, "reasons", label: "不予受理的理由（第三十二条第二款：出具书面凭证）", maxLength: 2000)
        if ground == .outsideCompetence {
            // Art. 32(2): tell the applicant which agency to apply to.
            check.requireText(request.competentAuthority, "competent_authority", label: "有权受理的行政机关（第三十二条第一款第二项）", maxLength: 100)
        }
        try check.check()
        let refusal = NonAcceptance(ground: ground!, reasons: request.reasons, competentAuthority: request.competentAuthority)
        return try await run(.notAccept(refusal), on: request.trackingNumber, handling!, access: .handler)
    }

    func submitToUpper(request: Fawang_Approval_V1_SubmitToUpperRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.opinion, "opinion", label: "审查意见（第四十三条）", maxLength: 2000)
        try check.check()
        return try await run(.submitToUpper(opinion: request.opinion, recommendApproval: request.recommendApproval), on: request.trackingNumber, handling!, access: .handler)
    }

    func recordHearing(request: Fawang_Approval_V1_RecordHearingRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let command: ApprovalWorkflow.Command?
        switch request.step {
        case .rightsNotified: command = .notifyHearingRights(note: request.note)
        case .requested: command = .requestHearing(note: request.note)
        case .held:
            command = .recordHearing(transcript: request.note)
            check.requireText(request.note, "note", label: "听证笔录摘要（第四十八条：根据听证笔录作出决定）", maxLength: 4000)
        default: command = nil
        }
        check.require(command != nil, "step", "请选择听证环节：告知听证权利、申请听证或举行听证（第四十七条、第四十八条）")
        check.require(request.note.count <= 4000, "note", "说明不能超过4000字")
        try check.check()
        return try await run(command!, on: request.trackingNumber, handling!, access: .handler)
    }

    func approve(request: Fawang_Approval_V1_ApproveRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.approve(note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func deny(request: Fawang_Approval_V1_DenyRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.reasons, "reasons", label: "不予行政许可的理由（第三十八条第二款）", maxLength: 2000)
        check.require(request.reconsiderationOrgan.count <= 100, "reconsideration_organ", "行政复议机关名称不能超过100字")
        check.require(request.court.count <= 100, "court", "人民法院名称不能超过100字")
        try check.check()
        let remedies = ApprovalApplication.remediesNotice(reconsiderationOrgan: request.reconsiderationOrgan, court: request.court)
        return try await run(.deny(reasons: request.reasons, remedies: remedies), on: request.trackingNumber, handling!, access: .handler)
    }

    func issueLicence(request: Fawang_Approval_V1_IssueLicenceRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.delivery, "delivery", label: "颁发、送达方式（第四十四条）", maxLength: 200)
        try check.check()
        return try await run(.issueLicence(delivery: request.delivery), on: request.trackingNumber, handling!, access: .handler)
    }

    func listLicensingItems(request: Fawang_Approval_V1_ListLicensingItemsRequest, context grpc: ServerContext) async throws -> Fawang_Approval_V1_ListLicensingItemsResponse {
        .with {
            $0.items = LicensingItem.allCases.map { item in
                .with {
                    $0.item = item.proto
                    $0.name = item.name
                    $0.requiredMaterials = item.requiredMaterials
                    $0.twoLevel = item.isTwoLevel
                    $0.acceptingLevel = item.acceptingLevelName
                    $0.decidingLevel = item.decidingLevelName
                    $0.basis = item.basis
                }
            }
        }
    }

    // MARK: Helpers

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: "admin-approval") }

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(_ command: ApprovalWorkflow.Command, on trackingText: String, _ handling: Handling, access: MatterSteps.Access) async throws -> Fawang_Matter_V1_Matter {
        let now = context.now()
        let calendar = context.deadlines.calendar
        return try await steps.run(on: trackingText, access: access) { matter in
            let caller = Principal.current
            let region: String? = switch caller?.role {
            case .staff, .departmentAdmin, .platformAdmin: caller?.regionCode
            default: nil
            }
            let moment = ApprovalWorkflow.Moment(actor: handling.actor, channel: handling.channel, callerRegion: region, now: now, calendar: calendar)
            return try ApprovalWorkflow.decide(command, on: matter, moment)
        }
    }
}
