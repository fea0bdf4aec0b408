import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.notarization.v1.NotarizationService`: each RPC declared once in ``rpcs``, each handler
/// its field checks and one step of ``NotarizationWorkflow``.
struct NotarizationService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<NotarizationWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Notarization_V1_NotarizationService.Method

    /// Citizens apply, supply proof and ask for review (the second factor proves them); the
    /// office's decisions are staff's, within their region.
    /// The online application's labels (公证法 第十一条、第二十五条).
    static let formLabels: [String: String] = [
        "applicant": "申请人", "agent": "代理人（委托他人代为申请的填写）", "agent.id_number": "身份证号", "agent.phone": "手机号码",
        "region_code": "申请地（行政区划代码）", "place_basis": "向该地公证机构申请的依据（第二十五条）",
        "PLACE_BASIS_DOMICILE": "住所地", "PLACE_BASIS_HABITUAL_RESIDENCE": "经常居住地", "PLACE_BASIS_PLACE_OF_ACT": "行为地",
        "PLACE_BASIS_PLACE_OF_FACT": "事实发生地", "PLACE_BASIS_IMMOVABLE_LOCATION": "不动产所在地（涉及不动产的）",
        "matter_kind": "公证事项（第十一条）", "NOTARIAL_MATTER_KIND_BIRTH": "出生", "NOTARIAL_MATTER_KIND_KINSHIP": "亲属关系",
        "NOTARIAL_MATTER_KIND_EDUCATION": "学历", "NOTARIAL_MATTER_KIND_DEGREE": "学位", "NOTARIAL_MATTER_KIND_NO_CRIMINAL_RECORD": "无犯罪记录",
        "NOTARIAL_MATTER_KIND_MARITAL_STATUS": "婚姻状况", "NOTARIAL_MATTER_KIND_CONTRACT": "合同", "NOTARIAL_MATTER_KIND_INHERITANCE": "继承",
        "NOTARIAL_MATTER_KIND_POWER_OF_ATTORNEY": "委托", "NOTARIAL_MATTER_KIND_DECLARATION": "声明", "NOTARIAL_MATTER_KIND_GIFT": "赠与",
        "NOTARIAL_MATTER_KIND_WILL": "遗嘱", "NOTARIAL_MATTER_KIND_COPY_CONFORMITY": "文书副本、影印本与原本相符",
        "involves_immovable": "涉及不动产", "purpose": "公证书用途（如出国留学）", "description": "情况说明",
        "materials": "已准备的材料（每行一项，第二十八条）", "legal_aid_eligible": "符合法律援助条件，申请减免公证费（第三十四条第二款）",
    ]

    static let rpcs = RPCTable<NotarizationService>([
        RPC(Method.SubmitApplication.descriptor, .anyone, verb: "apply", help: "提交公证申请（第十一条所列事项，第二十五条的申请地）", intake: true,
            aliases: [
                "name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "address": "applicant.address",
                "region": "region_code", "kind": "matter_kind", "immovable": "involves_immovable", "summary": "description",
                "material": "materials",
            ], labels: formLabels, NotarizationService.submitApplication),
        RPC(Method.Accept.descriptor, .handlers, verb: "accept", help: "由申请地的公证机构受理，告知法律意义和后果（第二十五条、第二十七条；十五个工作日，第三十条）",
            aliases: ["office": "office_id", "notary": "notary_name", "notice": "legal_notice"], NotarizationService.accept),
        RPC(Method.RequestMaterials.descriptor, .handlers, verb: "request-materials", help: "要求补充证明材料（第二十七条第一款；补充期间不计入期限，第三十条）",
            aliases: ["missing": "missing_materials"], NotarizationService.requestMaterials),
        RPC(Method.SupplyMaterials.descriptor, .anyone, verb: "supply-materials", help: "申请人补充证明材料（凭手机号后四位）",
            aliases: ["material": "materials"], NotarizationService.supplyMaterials),
        RPC(Method.IssueCertificate.descriptor, .handlers, verb: "issue", help: "出具公证书，编定本处当年的公证书编号（第三十条）", NotarizationService.issueCertificate),
        RPC(Method.Refuse.descriptor, .handlers, verb: "refuse", help: "不予办理公证，列明法定情形并说明理由（第三十一条）",
            aliases: ["ground": "grounds"], NotarizationService.refuse),
        RPC(Method.RequestReview.descriptor, .anyone, verb: "request-review", help: "当事人、利害关系人申请复查公证书（第三十九条，凭手机号后四位）",
            NotarizationService.requestReview),
        RPC(Method.DecideReview.descriptor, .handlers, verb: "decide-review", help: "复查结论：维持、更正或撤销公证书（撤销的予以公告，第三十九条）",
            NotarizationService.decideReview),
        RPC(Method.ListMatterKinds.descriptor, .anyone, verb: "kinds", help: "公证事项（第十一条）、所需材料与收费标准（第三十四条）",
            NotarizationService.listMatterKinds),
        RPC(Method.ListOffices.descriptor, .anyone, verb: "offices", help: "某地（所在市）的公证机构（第二十五条）",
            aliases: ["region": "region_code"], NotarizationService.listOffices),
    ])

    func submitApplication(_ request: Fawang_Notarization_V1_SubmitApplicationRequest) async throws -> Fawang_Notarization_V1_SubmitApplicationResponse {
        let (handling, applicant, agent, details) = try NotarizationApplication.validate(request)
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: NotarizationWorkflow.matterType,
            initialStatus: NotarizationWorkflow.machine.initialStatus, applicant: applicant,
            parties: agent.map { [Party(role: "agent", person: $0)] } ?? [],
            regionCode: request.regionCode, handling: handling, details: details,
            attributes: ["matter_kind": details.kind.rawValue, "place_basis": details.placeBasis.rawValue])
    }

    func accept(_ request: Fawang_Notarization_V1_AcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try steps.validate(request.context) { check in
            check.requireText(request.officeID, "office_id", label: "受理的公证机构编号", maxLength: 64)
            check.requireText(request.notaryName, "notary_name", label: "承办公证员", maxLength: 50)
            check.requireText(request.legalNotice, "legal_notice", label: "已告知的法律意义和可能产生的法律后果（第二十七条第二款）", maxLength: 2000)
        }
        let office = try await offices.require(request.officeID)
        guard office.active else {
            throw FawangError.failedPrecondition("\(office.name)目前暂停执业，不能受理公证申请")
        }
        let matter = try await steps.matter(request.trackingNumber, access: .handler)
        let details = try DetailsCoding.decode(NotarizationDetails.self, from: matter)
        // Art. 25: the office of the place of application (domicile, habitual residence, place of
        // the act or fact, or where the immovable property lies).
        guard DivisionCode.city(of: office.regionCode) == DivisionCode.city(of: matter.regionCode) else {
            throw FawangError.failedPrecondition(
                "\(office.name)不在申请地（\(details.placeBasis.label)，\(matter.regionCode)）所在市，不能受理本申请；请由申请地的公证机构受理（\(NotarizationLaw.article("第二十五条"))）")
        }
        // Art. 34 para. 1: the fee is the one set by the province's schedule.
        guard let fee = try await fee(of: details.kind) else {
            throw FawangError.failedPrecondition("尚未配置\(details.kind.rule.nameZH)的收费标准，请管理员按自治区核定的标准录入后再受理（\(NotarizationLaw.article("第三十四条"))）")
        }
        let assignment = OfficeAssignment(officeID: office.id, name: office.name, regionCode: office.regionCode, certificatePrefix: office.certificatePrefix)
        return try await steps.take(
            .accept(office: assignment, notaryName: request.notaryName, legalNotice: request.legalNotice, feeYuan: fee, waiveFee: request.waiveFee),
            on: request.trackingNumber, handling, access: .handler)
    }

    func requestMaterials(_ request: Fawang_Notarization_V1_RequestMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.requestMaterials(
            request.trackingNumber, request.context, missing: request.missingMaterials, note: request.note, basis: "第二十七条第一款")
    }

    func supplyMaterials(_ request: Fawang_Notarization_V1_SupplyMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.supplyMaterials(request.trackingNumber, request.context, materials: request.materials, phoneLast4: request.phoneLast4)
    }

    func issueCertificate(_ request: Fawang_Notarization_V1_IssueCertificateRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try steps.validate(request.context) { check in check.note(request.note) }
        let matter = try await steps.matter(request.trackingNumber, access: .handler)
        // The workflow's own answer when the matter cannot be issued now (before numbering).
        _ = try NotarizationWorkflow.machine.decide("issue", from: matter.status)
        let details = try DetailsCoding.decode(NotarizationDetails.self, from: matter)
        guard let office = details.office else {
            throw FawangError.failedPrecondition("该申请尚未由公证机构受理，不能出具公证书")
        }
        // The office's next serial of the year; the issue step writes it to the register in its
        // own transaction. If another certificate took the serial meanwhile, the step fails on
        // the register's unique key and is retried with the next one.
        let year = CivilDate(context.now()).components.year
        var attempts = 0
        while true {
            let serial = try await lastSerial(office: office.officeID, year: year) + 1
            do {
                return try await steps.take(.issue(year: year, serial: serial, note: request.note), on: request.trackingNumber, handling, access: .handler)
            } catch let conflict as UniqueKeyConflict {
                attempts += 1
                guard attempts < 8, try await lastSerial(office: office.officeID, year: year) >= serial else { throw conflict }
            }
        }
    }

    func refuse(_ request: Fawang_Notarization_V1_RefuseRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.require(!request.grounds.isEmpty, "grounds", "请选择不予办理公证的法定情形（第三十一条）")
            let grounds = check.distinct(request.grounds, field: "grounds", "不予办理公证的情形无效，应为第三十一条所列九项之一", RefusalGround.init)
            check.reasons(request.reasons, field: "reasons", label: "不予办理公证的理由")
            return .refuse(grounds: grounds, reasons: request.reasons)
        }
    }

    func requestReview(_ request: Fawang_Notarization_V1_RequestReviewRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .applicant(secondFactor: request.phoneLast4)) { check in
            check.reasons(request.reasons, field: "reasons", label: "认为公证书有错误的理由（第三十九条）")
            return .requestReview(reasons: request.reasons)
        }
    }

    func decideReview(_ request: Fawang_Notarization_V1_DecideReviewRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let outcome = ReviewOutcome(request.outcome)
            check.require(outcome != nil, "outcome", "请选择复查结论：维持、更正或撤销（第三十九条）")
            check.reasons(request.explanation, field: "explanation", label: "复查结论的说明")
            return outcome.map { .decideReview($0, explanation: request.explanation) }
        }
    }

    func listMatterKinds(_ request: Fawang_Notarization_V1_ListMatterKindsRequest) async throws -> Fawang_Notarization_V1_ListMatterKindsResponse {
        let fees = try await context.storage.query(SQLStatement(
            "SELECT matter_kind, fee_yuan, basis FROM notarization_fees WHERE province_code = ?", [.text(DemoFeeSchedule.province)]))
        let byKind = Dictionary(fees.compactMap { row in row.string("matter_kind").map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
        var response = Fawang_Notarization_V1_ListMatterKindsResponse()
        response.kinds = NotarialMatterKind.allCases.map { kind in
            let rule = kind.rule
            var info = Fawang_Notarization_V1_MatterKindInfo()
            info.kind = kind.proto
            info.name = rule.nameZH
            info.article = rule.article
            info.requiredMaterials = rule.requiredMaterials
            info.inPersonOnly = rule.inPersonOnly
            if let row = byKind[kind.rawValue] {
                info.feeYuan = Int64(row.int("fee_yuan") ?? 0)
                info.feeBasis = row.string("basis") ?? ""
            } else {
                info.feeBasis = "尚未配置收费标准"
            }
            return info
        }
        return response
    }

    func listOffices(_ request: Fawang_Notarization_V1_ListOfficesRequest) async throws -> Fawang_Notarization_V1_ListOfficesResponse {
        let rows = try await offices.inCity(of: request.regionCode)
        return .with {
            $0.offices = rows.map { office in
                .with {
                    $0.id = office.id
                    $0.name = office.name
                    $0.regionCode = office.regionCode
                    $0.certificatePrefix = office.certificatePrefix
                    $0.phone = office.phone
                    $0.active = office.active
                }
            }
        }
    }

    // MARK: Helpers

    struct OfficeRow: Sendable {
        var id, name, regionCode, certificatePrefix, phone: String
        var active: Bool
    }

    /// The notary offices' register.
    var offices: RegisterTable<OfficeRow> {
        RegisterTable(context.storage, table: "notarization_offices", noun: "公证机构") { row in
            OfficeRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", regionCode: row.string("region_code") ?? "",
                certificatePrefix: row.string("certificate_prefix") ?? "", phone: row.string("phone") ?? "",
                active: row.bool("active") ?? false)
        }
    }

    /// The fee of `kind` in the province's schedule (Art. 34), nil if none is configured.
    private func fee(of kind: NotarialMatterKind) async throws -> Int64? {
        let rows = try await context.storage.query(SQLStatement(
            "SELECT fee_yuan FROM notarization_fees WHERE province_code = ? AND matter_kind = ?", [.text(DemoFeeSchedule.province), .text(kind.rawValue)]))
        return rows.first?.int("fee_yuan").map(Int64.init)
    }

    /// The highest serial `office` has given in `year` (0 if none).
    private func lastSerial(office: String, year: Int) async throws -> Int {
        let rows = try await context.storage.query(SQLStatement(
            "SELECT COALESCE(MAX(serial), 0) AS last FROM notarization_certificates WHERE office_id = ? AND year = ?",
            [.text(office), .integer(Int64(year))]))
        return rows.first?.int("last") ?? 0
    }
}

extension Fawang_Notarization_V1_SubmitApplicationResponse: SubmissionResponse {}

extension NotarizationWorkflow.Command: MaterialsCommands {}
