import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.notarization.v1.NotarizationService`: validates, runs the workflow, presents the matter.
struct NotarizationService: Fawang_Notarization_V1_NotarizationService.SimpleServiceProtocol {
    let context: PluginContext

    func submitApplication(
        request: Fawang_Notarization_V1_SubmitApplicationRequest, context grpc: ServerContext
    ) async throws -> Fawang_Notarization_V1_SubmitApplicationResponse {
        var (handling, applicant, agent, details) = try NotarizationApplication.validate(request)
        handling.actor = MatterSteps.actor(handling)
        var canonical = request
        canonical.requestID = ""
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: NotarizationWorkflow.matterType,
            initialStatus: NotarizationWorkflow.machine.initialStatus, applicant: applicant,
            parties: agent.map { [Party(role: "agent", person: $0)] } ?? [],
            regionCode: request.regionCode, handling: handling, details: DetailsCoding.encode(details), firstEvent: "submitted",
            attributes: ["matter_kind": details.kind.rawValue, "place_basis": details.placeBasis.rawValue])
        var response = Fawang_Notarization_V1_SubmitApplicationResponse()
        response.matter = matter
        response.replayed = replayed
        return response
    }

    func accept(request: Fawang_Notarization_V1_AcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.officeID, "office_id", label: "受理的公证机构编号", maxLength: 64)
        check.requireText(request.notaryName, "notary_name", label: "承办公证员", maxLength: 50)
        check.requireText(request.legalNotice, "legal_notice", label: "已告知的法律意义和可能产生的法律后果（第二十七条第二款）", maxLength: 2000)
        try check.check()
        guard let office = try await offices(where: "id = ?", [.text(request.officeID)]).first else {
            throw FawangError.notFound("未找到编号为 \(request.officeID) 的公证机构")
        }
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
        return try await run(
            .accept(office: assignment, notaryName: request.notaryName, legalNotice: request.legalNotice, feeYuan: fee, waiveFee: request.waiveFee),
            on: request.trackingNumber, handling!, access: .handler)
    }

    func requestMaterials(request: Fawang_Notarization_V1_RequestMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.missingMaterials.isEmpty, "missing_materials", "请列明需要补充的证明材料（第二十七条第一款）")
        check.checkMaterialNames(request.missingMaterials, field: "missing_materials")
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.requestMaterials(missing: request.missingMaterials, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func supplyMaterials(request: Fawang_Notarization_V1_SupplyMaterialsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.materials.isEmpty, "materials", "请列明补充的材料")
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        return try await run(.supplyMaterials(request.materials), on: request.trackingNumber, handling!, access: .applicant(secondFactor: request.phoneLast4))
    }

    func issueCertificate(request: Fawang_Notarization_V1_IssueCertificateRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
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
                return try await run(.issue(year: year, serial: serial, note: request.note), on: request.trackingNumber, handling!, access: .handler)
            } catch let error as FawangError {
                throw error
            } catch {
                attempts += 1
                guard attempts < 8, try await lastSerial(office: office.officeID, year: year) >= serial else { throw error }
            }
        }
    }

    func refuse(request: Fawang_Notarization_V1_RefuseRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(!request.grounds.isEmpty, "grounds", "请选择不予办理公证的法定情形（第三十一条）")
        var grounds: [RefusalGround] = []
        for (index, proto) in request.grounds.enumerated() {
            if let ground = RefusalGround(proto) {
                if !grounds.contains(ground) { grounds.append(ground) }
            } else {
                check.fail("grounds[\(index)]", "不予办理公证的情形无效，应为第三十一条所列九项之一")
            }
        }
        check.requireText(request.reasons, "reasons", label: "不予办理公证的理由", maxLength: 2000)
        try check.check()
        return try await run(.refuse(grounds: grounds, reasons: request.reasons), on: request.trackingNumber, handling!, access: .handler)
    }

    func requestReview(request: Fawang_Notarization_V1_RequestReviewRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.reasons, "reasons", label: "认为公证书有错误的理由（第三十九条）", maxLength: 2000)
        try check.check()
        return try await run(.requestReview(reasons: request.reasons), on: request.trackingNumber, handling!, access: .applicant(secondFactor: request.phoneLast4))
    }

    func decideReview(request: Fawang_Notarization_V1_DecideReviewRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let outcome = ReviewOutcome(request.outcome)
        check.require(outcome != nil, "outcome", "请选择复查结论：维持、更正或撤销（第三十九条）")
        check.requireText(request.explanation, "explanation", label: "复查结论的说明", maxLength: 2000)
        try check.check()
        return try await run(.decideReview(outcome!, explanation: request.explanation), on: request.trackingNumber, handling!, access: .handler)
    }

    func listMatterKinds(request: Fawang_Notarization_V1_ListMatterKindsRequest, context grpc: ServerContext) async throws -> Fawang_Notarization_V1_ListMatterKindsResponse {
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

    func listOffices(request: Fawang_Notarization_V1_ListOfficesRequest, context grpc: ServerContext) async throws -> Fawang_Notarization_V1_ListOfficesResponse {
        guard DivisionCode.isWellFormed(request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码")
        }
        let scope = DivisionCode.cityScopePrefix(of: request.regionCode)
        var response = Fawang_Notarization_V1_ListOfficesResponse()
        response.offices = try await offices(where: "region_code LIKE ?", [.text(scope + "%")]).map { office in
            var proto = Fawang_Notarization_V1_NotaryOffice()
            proto.id = office.id
            proto.name = office.name
            proto.regionCode = office.regionCode
            proto.certificatePrefix = office.certificatePrefix
            proto.phone = office.phone
            proto.active = office.active
            return proto
        }
        return response
    }

    // MARK: Helpers

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: "notarization") }

    private struct OfficeRow {
        var id, name, regionCode, certificatePrefix, phone: String
        var active: Bool
    }

    private func offices(where condition: String, _ arguments: [SQLValue]) async throws -> [OfficeRow] {
        try await context.storage.query(SQLStatement("SELECT * FROM notarization_offices WHERE \(condition) ORDER BY id", arguments)).map { row in
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

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(_ command: NotarizationWorkflow.Command, on trackingText: String, _ handling: Handling, access: MatterSteps.Access) async throws -> Fawang_Matter_V1_Matter {
        try await steps.run(on: trackingText, access: access) { matter in
            try NotarizationWorkflow.decide(command, on: matter, actor: handling.actor, channel: handling.channel)
        }
    }
}
