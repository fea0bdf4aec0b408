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
        let (handling, applicant, details) = try LegalAidApplication.validate(request)
        guard let division = try await context.directory.division(code: request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码 \(request.regionCode) 不在本平台服务范围内")
        }
        let principal = Principal.current
        let actor = Self.actor(handling, principal)
        var canonical = request
        canonical.requestID = ""
        let draft = MatterDraft(
            requestID: request.requestID, requestDigest: RequestDigest.sha256Hex(try canonical.serializedBytes()),
            businessLine: "legal-aid", matterType: LegalAidWorkflow.matterType,
            initialStatus: LegalAidWorkflow.machine.initialStatus, applicant: applicant,
            parties: details.opposingParty.isEmpty ? [] : [Party(role: "opposing_party", person: Person(name: details.opposingParty, idNumber: "", phone: ""))],
            regionCode: division.code, channel: handling.channel, operatorID: actor == "applicant" ? "" : actor,
            details: details.encoded(),
            firstEvent: MatterEventDraft(kind: "submitted", actor: actor, channel: handling.channel, attributes: ["case_category": details.caseCategory.rawValue]),
            ownerAccountID: principal?.role == .citizen ? principal!.accountID : "")
        let outcome = try await context.matters.submit(draft, at: context.now())
        if case .created(let matter) = outcome {
            context.logger.info("legal aid application submitted", metadata: [
                "matter.id": "\(matter.id)", "channel": "\(handling.channel.rawValue)", "region": "\(division.code)",
            ])
        }
        var response = Fawang_Legalaid_V1_SubmitApplicationResponse()
        response.matter = try await context.presenter.staffView(
            outcome.matter, now: context.now(), revealPersonalData: principal?.seesPersonalData(of: outcome.matter) ?? false)
        if case .replayed = outcome { response.replayed = true }
        return response
    }

    func requestMaterials(request: Fawang_Legalaid_V1_RequestMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = staffHandling(request.context, &check)
        check.require(!request.missingMaterials.isEmpty, "missing_materials", "请一次性列明全部需补充的材料（第四十三条第二款）")
        Self.checkMaterialNames(request.missingMaterials, field: "missing_materials", &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.requestMaterials(missing: request.missingMaterials, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func supplyMaterials(request: Fawang_Legalaid_V1_SupplyMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = Handling.read(request.context, into: &check)
        check.require(!request.materials.isEmpty, "materials", "请列明补充的材料")
        Self.checkMaterialNames(request.materials, field: "materials", &check)
        try check.check()
        return try await run(
            .supplyMaterials(request.materials), on: request.trackingNumber,
            Handling(channel: handling!.channel, actor: Self.actor(handling!, Principal.current)), access: .applicant(secondFactor: request.phoneLast4))
    }

    func approve(request: Fawang_Legalaid_V1_ApproveRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = staffHandling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.approve(note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func refuse(request: Fawang_Legalaid_V1_RefuseRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = staffHandling(request.context, &check)
        check.requireText(request.reasons, "reasons", label: "不予法律援助的理由（第四十三条：应当书面告知并说明理由）", maxLength: 2000)
        try check.check()
        return try await run(.refuse(reasons: request.reasons), on: request.trackingNumber, handling!, access: .handler)
    }

    func assign(request: Fawang_Legalaid_V1_AssignRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = staffHandling(request.context, &check)
        check.requireText(request.providerID, "provider_id", label: "法律援助人员编号", maxLength: 64)
        try check.check()
        let trackingNumber = try TrackingNumber.parse(request.trackingNumber)
        guard let provider = try await providers(where: "id = ?", [.text(request.providerID)]).first else {
            throw FawangError.notFound("未找到编号为 \(request.providerID) 的法律援助人员")
        }
        guard provider.active else {
            throw FawangError.failedPrecondition("法律援助人员 \(provider.name) 目前不在岗，请指派其他人员")
        }
        guard let matter = try await context.matters.matter(trackingNumber: trackingNumber) else {
            throw notFound(trackingNumber)
        }
        guard DivisionCode.city(of: provider.regionCode) == DivisionCode.city(of: matter.regionCode) else {
            throw FawangError.failedPrecondition("法律援助人员 \(provider.name) 不属于本事项所在市的法律援助机构，请指派本市人员")
        }
        let assignment = ProviderAssignment(providerID: provider.id, name: provider.name, organizationID: provider.organization)
        return try await run(.assign(assignment), on: request.trackingNumber, handling!, access: .handler)
    }

    func conclude(request: Fawang_Legalaid_V1_ConcludeRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = staffHandling(request.context, &check)
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
            Handling(channel: handling!.channel, actor: "applicant"), access: .applicant(secondFactor: request.phoneLast4), staffMayAct: false)
    }

    func listProviders(request: Fawang_Legalaid_V1_ListProvidersRequest, context grpc: ServerContext) async throws -> Fawang_Legalaid_V1_ListProvidersResponse {
        guard DivisionCode.isWellFormed(request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码")
        }
        let scope = DivisionCode.city(of: request.regionCode).map(DivisionCode.scopePrefix) ?? DivisionCode.scopePrefix(of: request.regionCode)
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

    /// Each material is named (at most 100 characters), and a list has at most 50.
    static func checkMaterialNames(_ names: [String], field: String, _ check: inout FieldValidator) {
        check.require(names.count <= 50, field, "材料清单不能超过50项")
        for (index, name) in names.enumerated() where name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 {
            check.fail("\(field)[\(index)]", "材料名称不能为空且不能超过100字")
        }
    }

    /// Staff steps are recorded under the signed-in account (the access policy ensures there is one).
    private func staffHandling(_ proto: Fawang_Matter_V1_ChannelContext, _ check: inout FieldValidator) -> Handling? {
        guard let handling = Handling.read(proto, into: &check) else { return nil }
        return Handling(channel: handling.channel, actor: Principal.current?.accountID ?? handling.actor)
    }

    /// Who a step is recorded under: the signed-in staff member or professional; a service account
    /// with the operator it names; `applicant` for citizens and anonymous callers.
    static func actor(_ handling: Handling, _ principal: Principal?) -> String {
        guard let principal else { return "applicant" }
        switch principal.role {
        case .citizen: return "applicant"
        case .service: return handling.actor == "applicant" ? principal.accountID : "\(principal.accountID)/\(handling.actor)"
        default: return principal.accountID
        }
    }

    /// Who may take a step on a given matter, checked inside its transaction.
    enum Access {
        /// Staff and admins within their region and department.
        case handler
        /// As `.handler`, or the professional the matter is assigned to.
        case handlerOrAssignee
        /// The applicant: signed in as the submitting citizen, or proving it with the phone digits.
        case applicant(secondFactor: String)
    }

    static func check(_ access: Access, _ matter: Matter, staffMayAct: Bool) throws(FawangError) {
        let principal = Principal.current
        let handles = principal?.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) ?? false
        switch access {
        case .handler:
            guard handles else { throw FawangError(.permissionDenied, "该事项不在本账号的办理范围内（地区或业务条线）") }
        case .handlerOrAssignee:
            let assigned = principal?.role == .professional && principal?.accountID == matter.assigneeAccountID
            guard handles || assigned else { throw FawangError(.permissionDenied, "该事项未指派给本账号，也不在本账号的办理范围内") }
        case .applicant(let secondFactor):
            if staffMayAct, handles { return }
            if let principal, principal.role == .citizen, principal.accountID == matter.ownerAccountID { return }
            // Same answer as an unknown number: a wrong second factor reveals nothing.
            guard matter.acceptsSecondFactor(secondFactor) else { throw FawangError.notFound("受理编号或手机号后四位不正确，请核对") }
        }
    }

    private func notFound(_ number: TrackingNumber) -> FawangError {
        FawangError.notFound("未找到受理编号为 \(number) 的事项，请核对编号")
    }

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(
        _ command: LegalAidWorkflow.Command, on trackingText: String, _ handling: Handling, access: Access, staffMayAct: Bool = true
    ) async throws -> Fawang_Matter_V1_Matter {
        let trackingNumber = try TrackingNumber.parse(trackingText)
        let principal = Principal.current
        let matter = try await context.matters.update(trackingNumber: trackingNumber, at: context.now()) { matter in
            try Principal.$current.withValue(principal) {
                try Self.check(access, matter, staffMayAct: staffMayAct)
            }
            return try LegalAidWorkflow.decide(command, on: matter, actor: handling.actor, channel: handling.channel)
        }
        return try await context.presenter.staffView(matter, now: context.now(), revealPersonalData: principal?.seesPersonalData(of: matter) ?? false)
    }
}
