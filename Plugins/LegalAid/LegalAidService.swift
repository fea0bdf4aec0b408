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
    /// The web forms' labels: the online application and rating (portal), and the steps in the
    /// staff workbench (the portal builds each form from its request message).
    /// 第二十五条's notified defence is not offered online: it comes from a court or procuratorate.
    static let formLabels: [String: String] = [
        "missing_materials": "需要补充的全部材料（每行一项，第四十三条第二款）",
        "reasons": "不予法律援助的理由（书面告知申请人）",
        "provider_id": "指派的法律援助人员编号（本市）",
        "outcome_summary": "办理情况（第五十条）",
        "score": "满意度（1至5分）",
        "comment": "评价内容",
        "case_category": "申请事项（第二十四条、第三十一条、第三十三条）",
        "CASE_CATEGORY_CRIMINAL_DEFENSE": "刑事案件委托辩护（第二十四条）",
        "CASE_CATEGORY_STATE_COMPENSATION": "请求国家赔偿（第三十一条第一项）",
        "CASE_CATEGORY_SOCIAL_INSURANCE_OR_ASSISTANCE": "请求给予社会保险待遇或者社会救助（第三十一条第二项）",
        "CASE_CATEGORY_SURVIVOR_PENSION": "请求发给抚恤金（第三十一条第三项）",
        "CASE_CATEGORY_MAINTENANCE": "请求给付赡养费、抚养费、扶养费（第三十一条第四项）",
        "CASE_CATEGORY_LABOUR_REMUNERATION": "请求确认劳动关系或者支付劳动报酬（第三十一条第五项）",
        "CASE_CATEGORY_CIVIL_CAPACITY": "请求认定公民无民事行为能力或者限制民事行为能力（第三十一条第六项）",
        "CASE_CATEGORY_PERSONAL_INJURY": "请求工伤事故、交通事故、食品药品安全事故、医疗事故人身损害赔偿（第三十一条第七项）",
        "CASE_CATEGORY_ENVIRONMENTAL_DAMAGE": "请求环境污染、生态破坏损害赔偿（第三十一条第八项）",
        "CASE_CATEGORY_RETRIAL": "申诉、再审案件（第三十三条）",
        "CASE_CATEGORY_OTHER_STATUTORY": "法律、法规、规章规定的其他情形（第三十一条第九项）",
        "service_form": "希望获得的服务形式（第二十二条）",
        "SERVICE_FORM_DOCUMENT_DRAFTING": "代拟法律文书",
        "SERVICE_FORM_CRIMINAL_DEFENSE_OR_AGENCY": "刑事辩护与代理",
        "SERVICE_FORM_LITIGATION_AGENCY": "民事、行政、国家赔偿诉讼代理及非诉讼代理",
        "SERVICE_FORM_LABOUR_ARBITRATION_AGENCY": "劳动争议调解与仲裁代理",
        "case_summary": "案情简述",
        "opposing_party": "对方当事人",
        "hardship": "经济困难状况（第四十一条）",
        "household_size": "家庭人口数",
        "monthly_income_per_capita_yuan": "家庭人均月收入（元）",
        "hardship.description": "经济困难情况说明",
        "verification": "经济困难的核查方式（第四十一条）",
        "HARDSHIP_VERIFICATION_INFORMATION_SHARING": "同意通过信息共享查询核实",
        "HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT": "个人诚信承诺",
        "hardship_exemption": "免予审查经济困难状况的情形（第三十二条）",
        "HARDSHIP_EXEMPTION_NONE": "不适用",
        "HARDSHIP_EXEMPTION_HERO_MARTYR_RELATIVE": "英雄烈士近亲属为维护英雄烈士的人格权益（第三十二条第一项）",
        "HARDSHIP_EXEMPTION_GOOD_SAMARITAN": "因见义勇为行为主张相关民事权益（第三十二条第二项）",
        "HARDSHIP_EXEMPTION_RETRIAL_ACQUITTAL_COMPENSATION": "再审改判无罪请求国家赔偿（第三十二条第三项）",
        "HARDSHIP_EXEMPTION_DOMESTIC_VIOLENCE_VICTIM": "遭受虐待、遗弃或者家庭暴力的受害人主张相关权益（第三十二条第四项）",
        "HARDSHIP_EXEMPTION_OTHER_STATUTORY": "法律、法规、规章规定的其他情形（第三十二条第五项）",
        "verification_exemption": "免予核查经济困难状况的情形（第四十二条）",
        "VERIFICATION_EXEMPTION_NONE": "不适用",
        "VERIFICATION_EXEMPTION_NO_FIXED_INCOME_VULNERABLE": "无固定生活来源的未成年人、老年人、残疾人等特定群体（第四十二条第一项）",
        "VERIFICATION_EXEMPTION_ASSISTANCE_RECIPIENT": "社会救助、司法救助或者优抚对象（第四十二条第二项）",
        "VERIFICATION_EXEMPTION_MIGRANT_WORKER_WAGES_OR_INJURY": "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员（第四十二条第三项）",
        "VERIFICATION_EXEMPTION_OTHER_STATUTORY": "法律、法规、规章规定的其他情形（第四十二条第四项）",
    ]

    static let rpcs = RPCTable<LegalAidService>([
        RPC(Method.SubmitApplication.descriptor, .anyone, verb: "submit", help: "提交法律援助申请（第四十一条：经济困难说明或承诺）", intake: true,
            aliases: [
                "name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "address": "applicant.address",
                "region": "region_code", "category": "case_category", "form": "service_form", "summary": "case_summary",
                "household-size": "hardship.household_size", "income": "hardship.monthly_income_per_capita_yuan",
                "hardship": "hardship.description", "verification": "hardship.verification", "material": "materials",
            ], labels: formLabels, LegalAidService.submitApplication),
        RPC(Method.RequestMaterials.descriptor, .handlers, verb: "request-materials", help: "一次性告知需补充的全部材料（第四十三条第二款）",
            aliases: ["missing": "missing_materials"], labels: formLabels, LegalAidService.requestMaterials),
        RPC(Method.SupplyMaterials.descriptor, .anyone, verb: "supply-materials", help: "申请人补充材料（凭手机号后四位）",
            aliases: ["material": "materials"], LegalAidService.supplyMaterials),
        RPC(Method.Approve.descriptor, .handlers, verb: "accept", help: "决定给予法律援助（第四十三条）", labels: formLabels, LegalAidService.approve),
        RPC(Method.Refuse.descriptor, .handlers, verb: "refuse", help: "决定不予法律援助，书面说明理由（第四十三条）", labels: formLabels,
            LegalAidService.refuse),
        RPC(Method.Assign.descriptor, .handlers, verb: "assign", help: "指派本市的法律援助人员（第四十三条：三日内）",
            aliases: ["provider": "provider_id"], labels: formLabels, LegalAidService.assign),
        RPC(Method.Conclude.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin, .professional]), verb: "conclude",
            help: "结案，记录办理情况（第五十条）", aliases: ["outcome": "outcome_summary"], labels: formLabels, LegalAidService.conclude),
        RPC(Method.Rate.descriptor, .anyone, verb: "rate", help: "申请人评价（凭手机号后四位）", labels: formLabels, LegalAidService.rate),
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

    var providers: RegisterTable<ProviderRow> {
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
