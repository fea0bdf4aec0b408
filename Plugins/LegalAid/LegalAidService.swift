import FawangCore
import FawangProtocols
import Foundation
import Logging
import GRPCCore
import SwiftProtobuf

/// `fawang.legalaid.v1.LegalAidService`: validates, runs the workflow, presents the matter.
struct LegalAidService: Fawang_Legalaid_V1_LegalAidService.SimpleServiceProtocol {
    let context: PluginContext

    func submitApplication(
        request: Fawang_Legalaid_V1_SubmitApplicationRequest, context grpc: ServerContext
    ) async throws -> Fawang_Legalaid_V1_SubmitApplicationResponse {
        var (handling, applicant, details) = try LegalAidApplication.validate(request)
        handling.actor = MatterSteps.actor(handling)
        var canonical = request
        canonical.requestID = ""
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: LegalAidWorkflow.matterType,
            initialStatus: LegalAidWorkflow.machine.initialStatus, applicant: applicant,
            parties: details.opposingParty.isEmpty ? [] : [Party(role: "opposing_party", person: Person(name: details.opposingParty, idNumber: "", phone: ""))],
            regionCode: request.regionCode, handling: handling, details: details.encoded(), firstEvent: "submitted",
            attributes: ["case_category": details.caseCategory.rawValue])
        var response = Fawang_Legalaid_V1_SubmitApplicationResponse()
        response.matter = matter
        response.replayed = replayed
        return response
    }

    func requestMaterials(request: Fawang_Legalaid_V1_RequestMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.missingMaterials.isEmpty, "missing_materials", "请一次性列明全部需补充的材料（第四十三条第二款）")
        check.checkMaterialNames(request.missingMaterials, field: "missing_materials")
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.requestMaterials(missing: request.missingMaterials, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func supplyMaterials(request: Fawang_Legalaid_V1_SupplyMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.materials.isEmpty, "materials", "请列明补充的材料")
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        return try await run(.supplyMaterials(request.materials), on: request.trackingNumber, handling!, access: .applicant(secondFactor: request.phoneLast4))
    }

    func approve(request: Fawang_Legalaid_V1_ApproveRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.approve(note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func refuse(request: Fawang_Legalaid_V1_RefuseRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.reasons, "reasons", label: "不予法律援助的理由（第四十三条：应当书面告知并说明理由）", maxLength: 2000)
        try check.check()
        return try await run(.refuse(reasons: request.reasons), on: request.trackingNumber, handling!, access: .handler)
    }

    func assign(request: Fawang_Legalaid_V1_AssignRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.providerID, "provider_id", label: "法律援助人员编号", maxLength: 64)
        try check.check()
        guard let provider = try await providers(where: "id = ?", [.text(request.providerID)]).first else {
            throw FawangError.notFound("未找到编号为 \(request.providerID) 的法律援助人员")
        }
        guard provider.active else {
            throw FawangError.failedPrecondition("法律援助人员 \(provider.name) 目前不在岗，请指派其他人员")
        }
        let matter = try await steps.matter(request.trackingNumber, access: .handler)
        guard DivisionCode.city(of: provider.regionCode) == DivisionCode.city(of: matter.regionCode) else {
            throw FawangError.failedPrecondition("法律援助人员 \(provider.name) 不属于本事项所在市的法律援助机构，请指派本市人员")
        }
        let assignment = ProviderAssignment(providerID: provider.id, name: provider.name, organizationID: provider.organization)
        return try await run(.assign(assignment), on: request.trackingNumber, handling!, access: .handler)
    }

    func conclude(request: Fawang_Legalaid_V1_ConcludeRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.outcomeSummary, "outcome_summary", label: "办理情况（第五十条）", maxLength: 2000)
        try check.check()
        return try await run(.conclude(outcome: request.outcomeSummary), on: request.trackingNumber, handling!, access: .handlerOrAssignee)
    }

    func rate(request: Fawang_Legalaid_V1_RateRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = Handling.read(request.context, into: &check)
        check.require((1...5).contains(request.score), "score", "满意度评分应为1至5分")
        check.require(request.comment.count <= 500, "comment", "评价内容不能超过500字")
        check.require(request.phoneLast4.count == 4, "phone_last4", "请填写申请人手机号后四位")
        try check.check()
        return try await run(
            .rate(Rating(score: Int(request.score), comment: request.comment)), on: request.trackingNumber,
            Handling(channel: handling!.channel, actor: "applicant"), access: .applicant(secondFactor: request.phoneLast4, staffMayAct: false))
    }

    func listProviders(request: Fawang_Legalaid_V1_ListProvidersRequest, context grpc: ServerContext) async throws -> Fawang_Legalaid_V1_ListProvidersResponse {
        guard DivisionCode.isWellFormed(request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码")
        }
        let scope = DivisionCode.cityScopePrefix(of: request.regionCode)
        var response = Fawang_Legalaid_V1_ListProvidersResponse()
        response.providers = try await providers(where: "region_code LIKE ?", [.text(scope + "%")]).map { provider in
            var proto = Fawang_Legalaid_V1_Provider()
            proto.id = provider.id
            proto.name = provider.name
            proto.kind = provider.kind
            proto.organization = provider.organization
            proto.regionCode = provider.regionCode
            proto.active = provider.active
            return proto
        }
        return response
    }

    // MARK: Helpers

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: "legal-aid") }

    private struct ProviderRow {
        var id, name, kind, organization, regionCode: String
        var active: Bool
    }

    private func providers(where condition: String, _ arguments: [SQLValue]) async throws -> [ProviderRow] {
        try await context.storage.query(SQLStatement("SELECT * FROM legal_aid_providers WHERE \(condition) ORDER BY id", arguments)).map { row in
            ProviderRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", kind: row.string("kind") ?? "",
                organization: row.string("organization_id") ?? "", regionCode: row.string("region_code") ?? "",
                active: row.bool("active") ?? false)
        }
    }

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(_ command: LegalAidWorkflow.Command, on trackingText: String, _ handling: Handling, access: MatterSteps.Access) async throws -> Fawang_Matter_V1_Matter {
        try await steps.run(on: trackingText, access: access) { matter in
            try LegalAidWorkflow.decide(command, on: matter, actor: handling.actor, channel: handling.channel)
        }
    }
}
