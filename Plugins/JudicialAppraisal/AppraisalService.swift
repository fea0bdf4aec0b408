import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.appraisal.v1.AppraisalService`: validates against the register, runs the workflows,
/// presents the matter.
struct AppraisalService: Fawang_Appraisal_V1_AppraisalService.SimpleServiceProtocol {
    let context: PluginContext
    let minimumAppraisers: Int

    func submitEntrustment(
        request: Fawang_Appraisal_V1_SubmitEntrustmentRequest, context grpc: ServerContext
    ) async throws -> Fawang_Appraisal_V1_SubmitEntrustmentResponse {
        var (handling, contact, details) = try AppraisalRules.validate(request)
        handling.actor = MatterSteps.actor(handling)
        guard let institution = try await institutions(where: "id = ?", [.text(request.institutionID)]).first else {
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
        var canonical = request
        canonical.requestID = ""
        // The matter is handled where the institution is (its justice bureau's staff act for it).
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: AppraisalWorkflow.entrustmentType,
            initialStatus: AppraisalWorkflow.entrustment.initialStatus, applicant: contact,
            regionCode: institution.regionCode, handling: handling, details: DetailsCoding.encode(details), firstEvent: "entrusted",
            attributes: ["entruster_type": details.entrusterType.rawValue, "category": details.category.rawValue, "institution_id": institution.id])
        var response = Fawang_Appraisal_V1_SubmitEntrustmentResponse()
        response.matter = matter
        response.replayed = replayed
        return response
    }

    func accept(request: Fawang_Appraisal_V1_AcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.appraiserIds.isEmpty, "appraiser_ids", "请指定司法鉴定人（不少于\(minimumAppraisers)名，\(AppraisalRulesText.article("第十九条"))）")
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        let matter = try await steps.matter(request.trackingNumber, access: .handler)
        guard matter.matterType == AppraisalWorkflow.entrustmentType else {
            throw FawangError.failedPrecondition("受理编号 \(matter.trackingNumber) 是投诉，不是司法鉴定委托")
        }
        let details = try DetailsCoding.decode(EntrustmentDetails.self, from: matter)
        let records = try await request.appraiserIds.asyncMap { id in try await appraisers(where: "id = ?", [.text(id)]).first }
        let problems = AppraisalRules.appraiserProblems(
            ids: request.appraiserIds, records: records, institutionID: details.institutionID, category: details.category, minimum: minimumAppraisers)
        if !problems.isEmpty { throw FawangError.invalidArgument(problems) }
        let refs = records.compactMap { $0 }.map { AppraiserRef(id: $0.id, name: $0.name) }
        return try await run(.accept(appraisers: refs, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func refuseAcceptance(request: Fawang_Appraisal_V1_RefuseAcceptanceRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.grounds.isEmpty, "grounds", "请选择不予受理的情形（\(AppraisalRulesText.article("第十五条"))）")
        var grounds: [NonAcceptanceGround] = []
        for (index, proto) in request.grounds.enumerated() {
            if let ground = NonAcceptanceGround(proto) {
                if !grounds.contains(ground) { grounds.append(ground) }
            } else {
                check.fail("grounds[\(index)]", "不予受理的情形无效")
            }
        }
        check.requireText(request.reasons, "reasons", label: "不予受理的理由（应当向委托人说明）", maxLength: 2000)
        try check.check()
        return try await run(.refuse(grounds: grounds, reasons: request.reasons), on: request.trackingNumber, handling!, access: .handler)
    }

    func requestMaterials(request: Fawang_Appraisal_V1_RequestMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let kind = MaterialsRequestKind(request.kind)
        check.require(kind != nil, "kind", "请选择：补充鉴定材料或重新提取鉴定材料")
        check.require(!request.missingMaterials.isEmpty, "missing_materials", "请列明需要补充或重新提取的鉴定材料")
        check.checkMaterialNames(request.missingMaterials, field: "missing_materials")
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.requestMaterials(kind!, missing: request.missingMaterials, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func supplyMaterials(request: Fawang_Appraisal_V1_SupplyMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.materials.isEmpty, "materials", "请列明补充的鉴定材料")
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        return try await run(.supplyMaterials(request.materials), on: request.trackingNumber, handling!, access: .applicant(secondFactor: request.phoneLast4))
    }

    func issueOpinion(request: Fawang_Appraisal_V1_IssueOpinionRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.opinionNumber, "opinion_number", label: "鉴定意见书编号", maxLength: 100)
        check.requireText(request.opinionSummary, "opinion_summary", label: "鉴定意见摘要", maxLength: 2000)
        try check.check()
        return try await run(.issueOpinion(number: request.opinionNumber, summary: request.opinionSummary), on: request.trackingNumber, handling!, access: .handler)
    }

    func submitComplaint(
        request: Fawang_Appraisal_V1_SubmitComplaintRequest, context grpc: ServerContext
    ) async throws -> Fawang_Appraisal_V1_SubmitComplaintResponse {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let read = Handling.read(request.context, into: &check)
        let complainant = check.person(request.complainant, field: "complainant", label: "投诉人")
        check.requireText(request.appraiserID, "appraiser_id", label: "被投诉的司法鉴定人", maxLength: 64)
        if !request.entrustmentTrackingNumber.isEmpty, TrackingNumber(request.entrustmentTrackingNumber) == nil {
            check.fail("entrustment_tracking_number", "受理编号应为16位数字且校验位正确")
        }
        check.requireText(request.facts, "facts", label: "投诉的事实和理由", maxLength: 4000)
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        var handling = read!
        handling.actor = MatterSteps.actor(handling)
        guard let appraiser = try await appraisers(where: "id = ?", [.text(request.appraiserID)]).first else {
            throw FawangError.invalidArgument(field: "appraiser_id", "未找到编号为 \(request.appraiserID) 的司法鉴定人")
        }
        guard let institution = try await institutions(where: "id = ?", [.text(appraiser.institutionID)]).first else {
            throw FawangError(.internalError, "appraiser \(appraiser.id) names unknown institution \(appraiser.institutionID)")
        }
        let details = ComplaintDetails(
            appraiserID: appraiser.id, appraiserName: appraiser.name, institutionID: institution.id, institutionName: institution.name,
            entrustmentTrackingNumber: TrackingNumber(request.entrustmentTrackingNumber)?.formatted ?? "", facts: request.facts,
            materials: request.materials)
        var canonical = request
        canonical.requestID = ""
        // Handled by the justice bureau supervising the institution.
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: AppraisalWorkflow.complaintType,
            initialStatus: AppraisalWorkflow.complaint.initialStatus, applicant: complainant,
            regionCode: institution.regionCode, handling: handling, details: DetailsCoding.encode(details), firstEvent: "complaint_received",
            attributes: ["appraiser_id": appraiser.id, "institution_id": institution.id])
        var response = Fawang_Appraisal_V1_SubmitComplaintResponse()
        response.matter = matter
        response.replayed = replayed
        return response
    }

    func acceptComplaint(request: Fawang_Appraisal_V1_AcceptComplaintRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.acceptComplaint(note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func rejectComplaint(request: Fawang_Appraisal_V1_RejectComplaintRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.reasons, "reasons", label: "不予受理投诉的理由", maxLength: 2000)
        try check.check()
        return try await run(.rejectComplaint(reasons: request.reasons), on: request.trackingNumber, handling!, access: .handler)
    }

    func concludeComplaint(request: Fawang_Appraisal_V1_ConcludeComplaintRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let outcome = ComplaintOutcome(request.outcome)
        check.require(outcome != nil, "outcome", "请选择处理结果：投诉不成立、责令改正、批评教育或移送立案调查")
        check.requireText(request.findings, "findings", label: "调查认定的事实和处理理由", maxLength: 4000)
        try check.check()
        return try await run(.concludeComplaint(outcome!, findings: request.findings), on: request.trackingNumber, handling!, access: .handler)
    }

    func listInstitutions(request: Fawang_Appraisal_V1_ListInstitutionsRequest, context grpc: ServerContext) async throws -> Fawang_Appraisal_V1_ListInstitutionsResponse {
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
        let found = try await institutions(where: condition, arguments).filter { category == nil || $0.categories.contains(category!) }
        let staff = try await appraisers(where: "1 = 1", [])
        var response = Fawang_Appraisal_V1_ListInstitutionsResponse()
        response.institutions = found.map { institution in
            var proto = Fawang_Appraisal_V1_Institution()
            proto.id = institution.id
            proto.name = institution.name
            proto.regionCode = institution.regionCode
            proto.licenseNumber = institution.licenseNumber
            proto.categories = institution.categories.map(\.proto)
            proto.active = institution.active
            proto.appraisers = staff.filter { $0.institutionID == institution.id }.map { appraiser in
                var proto = Fawang_Appraisal_V1_Appraiser()
                proto.id = appraiser.id
                proto.name = appraiser.name
                proto.institutionID = appraiser.institutionID
                proto.licenseNumber = appraiser.licenseNumber
                proto.categories = appraiser.categories.map(\.proto)
                proto.active = appraiser.active
                return proto
            }
            return proto
        }
        return response
    }

    // MARK: Helpers

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: AppraisalWorkflow.line) }

    private func institutions(where condition: String, _ arguments: [SQLValue]) async throws -> [InstitutionRecord] {
        let rows = try await context.storage.query(SQLStatement("SELECT * FROM judicial_appraisal_institutions WHERE \(condition) ORDER BY id", arguments))
        return rows.map { row in
            InstitutionRecord(
                id: row.string("id") ?? "", name: row.string("name") ?? "", regionCode: row.string("region_code") ?? "",
                categories: AppraisalCategory.parse(list: row.string("categories") ?? ""), active: row.bool("active") ?? false,
                licenseNumber: row.string("license_number") ?? "")
        }
    }

    private func appraisers(where condition: String, _ arguments: [SQLValue]) async throws -> [AppraiserRecord] {
        let rows = try await context.storage.query(SQLStatement("SELECT * FROM judicial_appraisal_appraisers WHERE \(condition) ORDER BY id", arguments))
        return rows.map { row in
            AppraiserRecord(
                id: row.string("id") ?? "", name: row.string("name") ?? "", institutionID: row.string("institution_id") ?? "",
                categories: AppraisalCategory.parse(list: row.string("categories") ?? ""), active: row.bool("active") ?? false,
                licenseNumber: row.string("license_number") ?? "")
        }
    }

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(_ command: AppraisalWorkflow.Command, on trackingText: String, _ handling: Handling, access: MatterSteps.Access) async throws -> Fawang_Matter_V1_Matter {
        try await steps.run(on: trackingText, access: access) { matter in
            try AppraisalWorkflow.decide(command, on: matter, actor: handling.actor, channel: handling.channel)
        }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
