import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.appraisal.v1.AppraisalService`: each RPC declared once in ``rpcs``, each handler its
/// field checks, the register checks, and one step of ``AppraisalWorkflow``.
struct AppraisalService: Sendable {
    let context: PluginContext
    let minimumAppraisers: Int
    private var steps: LineSteps<AppraisalWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Appraisal_V1_AppraisalService.Method

    /// Entrusting, supplying materials, complaining and reading the register are open (rate
    /// limited; an authority's entrustment must come through the API channel or staff); the
    /// institution's and the bureau's decisions are staff's, within their region.
    /// The online entrustment form's labels: a party entrusts for themself (courts, procuratorates
    /// and the police entrust through the API channel or staff, so their types are not offered).
    static let entrustmentLabels: [String: String] = [
        "entruster": "委托人", "entruster.type": "委托人类别", "ENTRUSTER_TYPE_PARTY": "当事人（本人委托）",
        "entruster.organization": "", "entruster.case_number": "相关案件编号（如有）", "entruster.contact": "委托人信息",
        "institution_id": "受托的司法鉴定机构编号（见司法鉴定机构名册）", "category": "鉴定类别",
        "APPRAISAL_CATEGORY_FORENSIC_MEDICINE": "法医类", "APPRAISAL_CATEGORY_PHYSICAL_EVIDENCE": "物证类",
        "APPRAISAL_CATEGORY_AUDIO_VISUAL_ELECTRONIC": "声像资料、电子数据类", "APPRAISAL_CATEGORY_ENVIRONMENTAL_DAMAGE": "环境损害类",
        "appraisal_matters": "鉴定事项（如伤残等级鉴定）", "purpose": "鉴定用途", "case_summary": "案情摘要",
        "materials": "移交的鉴定材料（每行一项）",
    ]

    /// The online complaint form's labels.
    static let complaintLabels: [String: String] = [
        "complainant": "投诉人", "complainant.id_number": "身份证号（可不填）", "complainant.address": "住址（可不填）",
        "appraiser_id": "被投诉的司法鉴定人编号", "entrustment_tracking_number": "相关鉴定委托的受理编号（如有）",
        "facts": "投诉的事实和理由", "materials": "证据材料（每行一项，可不填）",
    ]

    static let rpcs = RPCTable<AppraisalService>([
        RPC(Method.ListInstitutions.descriptor, .anyone, verb: "institutions", help: "司法鉴定机构名册：执业类别和鉴定人",
            aliases: ["region": "region_code"], AppraisalService.listInstitutions),
        RPC(Method.SubmitEntrustment.descriptor, .anyone, verb: "entrust", help: "登记司法鉴定委托（人民法院、人民检察院、公安机关或当事人）", title: "当事人委托司法鉴定", intake: true,
            aliases: [
                "entruster": "entruster.type", "organization": "entruster.organization", "case-number": "entruster.case_number",
                "name": "entruster.contact.name", "id-number": "entruster.contact.id_number", "phone": "entruster.contact.phone",
                "institution": "institution_id", "matters": "appraisal_matters", "summary": "case_summary", "material": "materials",
            ], labels: entrustmentLabels, AppraisalService.submitEntrustment),
        RPC(Method.Accept.descriptor, .handlers, verb: "accept", help: "受理委托，指定具备该类别执业资格的鉴定人（通则第十三条、第十九条，待确认）",
            aliases: ["appraiser": "appraiser_ids"], AppraisalService.accept),
        RPC(Method.RefuseAcceptance.descriptor, .handlers, verb: "refuse", help: "决定不予受理，列明情形并说明理由（通则第十五条，待确认）",
            aliases: ["ground": "grounds"], AppraisalService.refuseAcceptance),
        RPC(Method.RequestMaterials.descriptor, .handlers, verb: "request-materials", help: "要求补充或重新提取鉴定材料，鉴定时限中止（通则第二十八条，待确认）",
            aliases: ["missing": "missing_materials"], defaults: ["kind": "supplement"], AppraisalService.requestMaterials),
        RPC(Method.SupplyMaterials.descriptor, .anyone, verb: "supply-materials", help: "委托人补充鉴定材料，鉴定时限继续计算（凭手机号后四位）",
            aliases: ["material": "materials"], AppraisalService.supplyMaterials),
        RPC(Method.IssueOpinion.descriptor, .handlers, verb: "issue-opinion", help: "出具鉴定意见书",
            aliases: ["number": "opinion_number", "summary": "opinion_summary"], AppraisalService.issueOpinion),
        RPC(Method.SubmitComplaint.descriptor, .anyone, verb: "complain", help: "登记对司法鉴定人的投诉", title: "投诉司法鉴定人", intake: true,
            aliases: [
                "name": "complainant.name", "id-number": "complainant.id_number", "phone": "complainant.phone",
                "appraiser": "appraiser_id", "entrustment": "entrustment_tracking_number", "material": "materials",
            ], labels: complaintLabels, AppraisalService.submitComplaint),
        RPC(Method.AcceptComplaint.descriptor, .handlers, verb: "accept-complaint", help: "受理投诉，开展调查", AppraisalService.acceptComplaint),
        RPC(Method.RejectComplaint.descriptor, .handlers, verb: "reject-complaint", help: "决定不予受理投诉，说明理由", AppraisalService.rejectComplaint),
        RPC(Method.ConcludeComplaint.descriptor, .handlers, verb: "conclude-complaint", help: "作出投诉处理决定：处理结果和认定的事实",
            AppraisalService.concludeComplaint),
    ])

    func submitEntrustment(_ request: Fawang_Appraisal_V1_SubmitEntrustmentRequest) async throws -> Fawang_Appraisal_V1_SubmitEntrustmentResponse {
        let (handling, contact, validated) = try AppraisalRules.validate(request)
        var details = validated
        guard let institution = try await institutions.find(request.institutionID) else {
            throw FawangError.invalidArgument(field: "institution_id", "未找到编号为 \(request.institutionID) 的司法鉴定机构")
        }
        // The category must be one the institution is licensed for.
        if let problem = AppraisalRules.institutionProblem(institution, category: details.category) {
            throw FawangError.invalidArgument([problem])
        }
        if details.entrusterType.isAuthority, !AppraisalRules.mayEnterAuthorityEntrustment(Principal.current) {
            throw FawangError(
                .permissionDenied,
                "以\(details.entrusterType.label)名义委托鉴定，须由其对接系统（服务账号）提交，或由司法鉴定管理部门的工作人员登录后录入；当事人自行委托请将委托人类型选为「当事人」")
        }
        details.institutionName = institution.name
        // The matter is handled where the institution is (its justice bureau's staff act for it).
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: AppraisalWorkflow.entrustmentType,
            initialStatus: AppraisalWorkflow.entrustment.initialStatus, applicant: contact,
            regionCode: institution.regionCode, handling: handling, details: details, firstEvent: "entrusted",
            attributes: ["entruster_type": details.entrusterType.rawValue, "category": details.category.rawValue, "institution_id": institution.id])
    }

    func accept(_ request: Fawang_Appraisal_V1_AcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try steps.validate(request.context) { check in
            check.require(!request.appraiserIds.isEmpty, "appraiser_ids", "请指定司法鉴定人（不少于\(minimumAppraisers)名，\(AppraisalRulesText.article("第十九条"))）")
            check.note(request.note)
        }
        let matter = try await steps.matter(request.trackingNumber, access: .handler)
        guard matter.matterType == AppraisalWorkflow.entrustmentType else {
            throw FawangError.failedPrecondition("受理编号 \(matter.trackingNumber) 是投诉，不是司法鉴定委托")
        }
        let details = try DetailsCoding.decode(EntrustmentDetails.self, from: matter)
        var records: [AppraiserRecord?] = []
        for id in request.appraiserIds { records.append(try await appraisers.find(id)) }
        let problems = AppraisalRules.appraiserProblems(
            ids: request.appraiserIds, records: records, institutionID: details.institutionID, category: details.category, minimum: minimumAppraisers)
        if !problems.isEmpty { throw FawangError.invalidArgument(problems) }
        let refs = records.compactMap { $0 }.map { AppraiserRef(id: $0.id, name: $0.name) }
        return try await steps.take(.accept(appraisers: refs, note: request.note), on: request.trackingNumber, handling, access: .handler)
    }

    func refuseAcceptance(_ request: Fawang_Appraisal_V1_RefuseAcceptanceRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.require(!request.grounds.isEmpty, "grounds", "请选择不予受理的情形（\(AppraisalRulesText.article("第十五条"))）")
            let grounds = check.distinct(request.grounds, field: "grounds", "不予受理的情形无效", NonAcceptanceGround.init)
            check.reasons(request.reasons, field: "reasons", label: "不予受理的理由（应当向委托人说明）")
            return .refuse(grounds: grounds, reasons: request.reasons)
        }
    }

    /// Not the kit's request step: the institution says whether it needs materials supplemented
    /// or re-extracted (通则 第二十八条（待确认）), and asks again as often as the appraisal needs.
    /// Supplying them is the kit's step.
    func requestMaterials(_ request: Fawang_Appraisal_V1_RequestMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let kind = MaterialsRequestKind(request.kind)
            check.require(kind != nil, "kind", "请选择：补充鉴定材料或重新提取鉴定材料")
            check.require(!request.missingMaterials.isEmpty, "missing_materials", "请列明需要补充或重新提取的鉴定材料")
            check.checkMaterialNames(request.missingMaterials, field: "missing_materials")
            check.note(request.note)
            return kind.map { .requestMaterials($0, missing: request.missingMaterials, note: request.note) }
        }
    }

    func supplyMaterials(_ request: Fawang_Appraisal_V1_SupplyMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.supplyMaterials(request.trackingNumber, request.context, materials: request.materials, phoneLast4: request.phoneLast4)
    }

    func issueOpinion(_ request: Fawang_Appraisal_V1_IssueOpinionRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.requireText(request.opinionNumber, "opinion_number", label: "鉴定意见书编号", maxLength: 100)
            check.reasons(request.opinionSummary, field: "opinion_summary", label: "鉴定意见摘要")
            return .issueOpinion(number: request.opinionNumber, summary: request.opinionSummary)
        }
    }

    func submitComplaint(_ request: Fawang_Appraisal_V1_SubmitComplaintRequest) async throws -> Fawang_Appraisal_V1_SubmitComplaintResponse {
        let (handling, complainant) = try AppraisalRules.validate(request)
        guard let appraiser = try await appraisers.find(request.appraiserID) else {
            throw FawangError.invalidArgument(field: "appraiser_id", "未找到编号为 \(request.appraiserID) 的司法鉴定人")
        }
        guard let institution = try await institutions.find(appraiser.institutionID) else {
            throw FawangError(.internalError, "appraiser \(appraiser.id) names unknown institution \(appraiser.institutionID)")
        }
        let details = ComplaintDetails(
            appraiserID: appraiser.id, appraiserName: appraiser.name, institutionID: institution.id, institutionName: institution.name,
            entrustmentTrackingNumber: TrackingNumber(request.entrustmentTrackingNumber)?.formatted ?? "", facts: request.facts,
            materials: request.materials)
        // Handled by the justice bureau supervising the institution.
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: AppraisalWorkflow.complaintType,
            initialStatus: AppraisalWorkflow.complaint.initialStatus, applicant: complainant,
            regionCode: institution.regionCode, handling: handling, details: details, firstEvent: "complaint_received",
            attributes: ["appraiser_id": appraiser.id, "institution_id": institution.id])
    }

    func acceptComplaint(_ request: Fawang_Appraisal_V1_AcceptComplaintRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .acceptComplaint(note: request.note)
        }
    }

    func rejectComplaint(_ request: Fawang_Appraisal_V1_RejectComplaintRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.reasons(request.reasons, field: "reasons", label: "不予受理投诉的理由")
            return .rejectComplaint(reasons: request.reasons)
        }
    }

    func concludeComplaint(_ request: Fawang_Appraisal_V1_ConcludeComplaintRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let outcome = ComplaintOutcome(request.outcome)
            check.require(outcome != nil, "outcome", "请选择处理结果：投诉不成立、责令改正、批评教育或移送立案调查")
            check.requireText(request.findings, "findings", label: "调查认定的事实和处理理由", maxLength: 4000)
            return outcome.map { .concludeComplaint($0, findings: request.findings) }
        }
    }

    /// The register within a division (and below; all without one), of a category if given.
    func listInstitutions(_ request: Fawang_Appraisal_V1_ListInstitutionsRequest) async throws -> Fawang_Appraisal_V1_ListInstitutionsResponse {
        var condition = "1 = 1"
        var arguments: [SQLValue] = []
        if !request.regionCode.isEmpty {
            guard DivisionCode.isWellFormed(request.regionCode) else {
                throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码")
            }
            condition = "region_code LIKE ?"
            arguments = [.text(DivisionCode.scopePrefix(of: request.regionCode) + "%")]
        }
        let category: AppraisalCategory?
        switch request.category {
        case .unspecified: category = nil
        default:
            guard let known = AppraisalCategory(request.category) else {
                throw FawangError.invalidArgument(field: "category", "鉴定类别无效")
            }
            category = known
        }
        let found = try await institutions.rows(where: condition, arguments).filter { category == nil || $0.categories.contains(category!) }
        let staff = try await appraisers.all()
        return .with {
            $0.institutions = found.map { institution in
                .with {
                    $0.id = institution.id
                    $0.name = institution.name
                    $0.regionCode = institution.regionCode
                    $0.licenseNumber = institution.licenseNumber
                    $0.categories = institution.categories.map(\.proto)
                    $0.active = institution.active
                    $0.appraisers = staff.filter { $0.institutionID == institution.id }.map { appraiser in
                        .with {
                            $0.id = appraiser.id
                            $0.name = appraiser.name
                            $0.institutionID = appraiser.institutionID
                            $0.licenseNumber = appraiser.licenseNumber
                            $0.categories = appraiser.categories.map(\.proto)
                            $0.active = appraiser.active
                        }
                    }
                }
            }
        }
    }

    // MARK: The register

    var institutions: RegisterTable<InstitutionRecord> {
        RegisterTable(context.storage, table: "judicial_appraisal_institutions", noun: "司法鉴定机构") { row in
            InstitutionRecord(
                id: row.string("id") ?? "", name: row.string("name") ?? "", regionCode: row.string("region_code") ?? "",
                categories: AppraisalCategory.parse(list: row.string("categories") ?? ""), active: row.bool("active") ?? false,
                licenseNumber: row.string("license_number") ?? "")
        }
    }

    var appraisers: RegisterTable<AppraiserRecord> {
        RegisterTable(context.storage, table: "judicial_appraisal_appraisers", noun: "司法鉴定人") { row in
            AppraiserRecord(
                id: row.string("id") ?? "", name: row.string("name") ?? "", institutionID: row.string("institution_id") ?? "",
                categories: AppraisalCategory.parse(list: row.string("categories") ?? ""), active: row.bool("active") ?? false,
                licenseNumber: row.string("license_number") ?? "")
        }
    }
}

extension Fawang_Appraisal_V1_SubmitEntrustmentResponse: SubmissionResponse {}
extension Fawang_Appraisal_V1_SubmitComplaintResponse: SubmissionResponse {}

extension AppraisalWorkflow.Command: SupplyMaterialsCommand {}
