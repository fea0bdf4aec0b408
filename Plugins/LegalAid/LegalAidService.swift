import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.legalaid.v1.LegalAidService`: each RPC declared once in ``rpcs``, each handler its
/// field checks and one step of ``LegalAidWorkflow``.
struct LegalAidService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<LegalAidWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Legalaid_V1_LegalAidService.Method

    /// Citizens submit, supply materials and rate without staff (the second factor proves them);
    /// every decision is bureau staff's, within their region; the assigned lawyer may conclude.
    static let rpcs = RPCTable<LegalAidService>([
        RPC(Method.SubmitApplication.descriptor, .anyone, verb: "submit", help: "提交法律援助申请（第四十一条：经济困难说明或承诺）", intake: true,
            aliases: [
                "name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "address": "applicant.address",
                "region": "region_code", "category": "case_category", "form": "service_form", "summary": "case_summary",
                "household-size": "hardship.household_size", "income": "hardship.monthly_income_per_capita_yuan",
                "hardship": "hardship.description", "verification": "hardship.verification", "material": "materials",
            ], LegalAidService.submitApplication),
        RPC(Method.RequestMaterials.descriptor, .handlers, verb: "request-materials", help: "一次性告知需补充的全部材料（第四十三条第二款）",
            aliases: ["missing": "missing_materials"], LegalAidService.requestMaterials),
        RPC(Method.SupplyMaterials.descriptor, .anyone, verb: "supply-materials", help: "申请人补充材料（凭手机号后四位）",
            aliases: ["material": "materials"], LegalAidService.supplyMaterials),
        RPC(Method.Approve.descriptor, .handlers, verb: "accept", help: "决定给予法律援助（第四十三条）", LegalAidService.approve),
        RPC(Method.Refuse.descriptor, .handlers, verb: "refuse", help: "决定不予法律援助，书面说明理由（第四十三条）", LegalAidService.refuse),
        RPC(Method.Assign.descriptor, .handlers, verb: "assign", help: "指派本市的法律援助人员（第四十三条：三日内）",
            aliases: ["provider": "provider_id"], LegalAidService.assign),
        RPC(Method.Conclude.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin, .professional]), verb: "conclude",
            help: "结案，记录办理情况（第五十条）", aliases: ["outcome": "outcome_summary"], LegalAidService.conclude),
        RPC(Method.Rate.descriptor, .anyone, verb: "rate", help: "申请人评价（凭手机号后四位）", LegalAidService.rate),
        RPC(Method.ListProviders.descriptor, .anyone, verb: "providers", help: "某地（所在市）的法律援助人员",
            aliases: ["region": "region_code"], LegalAidService.listProviders),
    ])

    func submitApplication(_ request: Fawang_Legalaid_V1_SubmitApplicationRequest) async throws -> Fawang_Legalaid_V1_SubmitApplicationResponse {
        let (handling, applicant, details) = try LegalAidApplication.validate(request)
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: LegalAidWorkflow.matterType,
            initialStatus: LegalAidWorkflow.machine.initialStatus, applicant: applicant,
            parties: details.opposingParty.isEmpty ? [] : [Party(role: "opposing_party", person: Person(name: details.opposingParty, idNumber: "", phone: ""))],
            regionCode: request.regionCode, handling: handling, details: details,
            attributes: ["case_category": details.caseCategory.rawValue])
    }

    func requestMaterials(_ request: Fawang_Legalaid_V1_RequestMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.requestMaterials(
            request.trackingNumber, request.context, missing: request.missingMaterials, note: request.note, basis: "第四十三条第二款")
    }

    func supplyMaterials(_ request: Fawang_Legalaid_V1_SupplyMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.supplyMaterials(request.trackingNumber, request.context, materials: request.materials, phoneLast4: request.phoneLast4)
    }

    func approve(_ request: Fawang_Legalaid_V1_ApproveRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .approve(note: request.note)
        }
    }

    func refuse(_ request: Fawang_Legalaid_V1_RefuseRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.reasons(request.reasons, field: "reasons", label: "不予法律援助的理由（第四十三条：应当书面告知并说明理由）")
            return .refuse(reasons: request.reasons)
        }
    }

    func assign(_ request: Fawang_Legalaid_V1_AssignRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try steps.validate(request.context) { check in
            check.requireText(request.providerID, "provider_id", label: "法律援助人员编号", maxLength: 64)
        }
        let provider = try await providers.require(request.providerID)
        guard provider.active else {
            throw FawangError.failedPrecondition("法律援助人员 \(provider.name) 目前不在岗，请指派其他人员")
        }
        let matter = try await steps.matter(request.trackingNumber, access: .handler)
        guard DivisionCode.city(of: provider.regionCode) == DivisionCode.city(of: matter.regionCode) else {
            throw FawangError.failedPrecondition("法律援助人员 \(provider.name) 不属于本事项所在市的法律援助机构，请指派本市人员")
        }
        let assignment = ProviderAssignment(providerID: provider.id, name: provider.name, organizationID: provider.organization)
        return try await steps.take(.assign(assignment), on: request.trackingNumber, handling, access: .handler)
    }

    func conclude(_ request: Fawang_Legalaid_V1_ConcludeRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handlerOrAssignee) { check in
            check.reasons(request.outcomeSummary, field: "outcome_summary", label: "办理情况（第五十条）")
            return .conclude(outcome: request.outcomeSummary)
        }
    }

    func rate(_ request: Fawang_Legalaid_V1_RateRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .applicant(secondFactor: request.phoneLast4, staffMayAct: false)) { check in
            .rate(check.rating(score: request.score, comment: request.comment, phoneLast4: request.phoneLast4))
        }
    }

    func listProviders(_ request: Fawang_Legalaid_V1_ListProvidersRequest) async throws -> Fawang_Legalaid_V1_ListProvidersResponse {
        let rows = try await providers.inCity(of: request.regionCode)
        return .with {
            $0.providers = rows.map { row in
                .with {
                    $0.id = row.id
                    $0.name = row.name
                    $0.kind = row.kind
                    $0.organization = row.organization
                    $0.regionCode = row.regionCode
                    $0.active = row.active
                }
            }
        }
    }

    // MARK: The providers' register

    struct ProviderRow: Sendable {
        var id, name, kind, organization, regionCode: String
        var active: Bool
    }

    private var providers: RegisterTable<ProviderRow> {
        RegisterTable(context.storage, table: "legal_aid_providers", noun: "法律援助人员") { row in
            ProviderRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", kind: row.string("kind") ?? "",
                organization: row.string("organization_id") ?? "", regionCode: row.string("region_code") ?? "",
                active: row.bool("active") ?? false)
        }
    }
}

extension Fawang_Legalaid_V1_SubmitApplicationResponse: SubmissionResponse {}

extension LegalAidWorkflow.Command: MaterialsCommands {}
