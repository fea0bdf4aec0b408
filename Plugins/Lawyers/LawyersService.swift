import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.lawyers.v1.LawyerService`: licences in two stages, complaints, the public register.
/// Each RPC declared once in ``rpcs``; each step its field checks and one step of ``LawyersWorkflow``.
struct LawyersService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<LawyersWorkflow> { LineSteps(context: context) }
    private var register: LawyersRegister { LawyersRegister(storage: context.storage) }
    private var today: CivilDate { CivilDate(context.now()) }

    typealias Method = Fawang_Lawyers_V1_LawyerService.Method

    private static let applicant = ["name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "region": "region_code"]

    /// Anyone applies, complains and reads the register; bureau staff handle, within their region
    /// and department; the provincial stage checks the caller's level itself.
    /// The online licence applications' labels (practice: 第五条、第六条; law firm: 第十四条至第十八条).
    static let applicationLabels: [String: String] = [
        "applicant.phone": "手机号码", "region_code": "受理申请的设区的市司法局（行政区划代码，如640100）",
        "qualification_certificate_number": "法律职业资格证书编号（第五条第二项）",
        "internship_months": "在律师事务所实习的月数（第五条第三项：满一年）",
        "firm_licence_number": "拟执业的律师事务所执业许可证号", "part_time": "申请兼职律师执业（须所在单位同意，第十二条）",
        "specialties": "业务专长（每行一项，可不填）", "materials": "提交的材料（每行一项，第六条、第十八条）",
        "firm_name": "律师事务所名称", "address": "住所", "kind": "组织形式",
        "FIRM_KIND_PARTNERSHIP": "合伙律师事务所（第十五条）", "FIRM_KIND_SOLE": "个人律师事务所（第十六条）",
        "founder_licence_numbers": "设立人的律师执业证号（每行一项）", "assets_yuan": "资产（元，第十四条第四项）",
        "phone": "律师事务所联系电话",
    ]

    /// The online complaint form's labels.
    static let complaintLabels: [String: String] = [
        "complainant": "投诉人", "complainant.id_number": "身份证号（可不填）", "complainant.address": "住址（可不填）",
        "subject_kind": "被投诉对象", "SUBJECT_KIND_LAWYER": "律师", "SUBJECT_KIND_FIRM": "律师事务所",
        "subject_licence_number": "被投诉律师或律师事务所的执业证号", "facts": "投诉的事实和理由", "materials": "证据材料（每行一项，可不填）",
    ]

    static let rpcs = RPCTable<LawyersService>([
        // Licences (two stages: city review, provincial decision).
        RPC(Method.SubmitPracticeApplication.descriptor, .anyone, verb: "apply-practice",
            help: "律师执业申请，向设区的市级司法行政部门提出（第五条、第六条）", title: "申请律师执业（律师法 第五条、第六条）", intake: true,
            aliases: applicant.merging([
                "qualification": "qualification_certificate_number", "firm": "firm_licence_number",
                "specialty": "specialties", "material": "materials",
            ]) { $1 }, labels: applicationLabels, LawyersService.submitPracticeApplication),
        RPC(Method.SubmitFirmApplication.descriptor, .anyone, verb: "apply-firm",
            help: "律师事务所设立申请（第十四条至第十六条、第十八条）", title: "申请设立律师事务所（律师法 第十四条至第十八条）", intake: true,
            aliases: applicant.merging(["founder": "founder_licence_numbers", "firm-phone": "phone", "material": "materials"]) { $1 },
            labels: applicationLabels, LawyersService.submitFirmApplication),
        RPC(Method.Accept.descriptor, .handlers, verb: "accept", help: "市级司法行政部门受理，二十日审查期限开始（第六条、第十八条）",
            LawyersService.accept),
        RPC(Method.Forward.descriptor, .handlers, verb: "forward", help: "将审查意见和全部申请材料报送自治区司法厅（第六条、第十八条）",
            LawyersService.forward),
        RPC(Method.Grant.descriptor, .handlers, verb: "grant", help: "自治区司法厅十日内准予，颁发执业证书并登入名册（第六条、第十八条）",
            LawyersService.grant),
        RPC(Method.Refuse.descriptor, .handlers, verb: "refuse", help: "自治区司法厅不准予，书面说明理由（第六条、第七条、第十八条）",
            LawyersService.refuse),
        // Complaints.
        RPC(Method.SubmitComplaint.descriptor, .anyone, verb: "complain", help: "投诉律师或律师事务所（由其所在市的司法局处理）", title: "投诉律师或律师事务所", intake: true,
            aliases: [
                "name": "complainant.name", "phone": "complainant.phone", "subject": "subject_kind",
                "licence": "subject_licence_number", "material": "materials",
            ], defaults: ["subject_kind": "lawyer"], labels: complaintLabels, LawyersService.submitComplaint),
        RPC(Method.StartInvestigation.descriptor, .handlers, verb: "investigate", help: "对投诉立案调查", LawyersService.startInvestigation),
        RPC(Method.DecideComplaint.descriptor, .handlers, verb: "decide-complaint",
            help: "投诉调查结论：未发现违法行为，或依第四十七条至第五十条作出处罚",
            aliases: [
                "article": "penalty.article", "penalty": "penalty.kind", "months": "penalty.suspension_months",
                "fine-yuan": "penalty.fine_yuan", "confiscate": "penalty.confiscate_illegal_gains",
            ], LawyersService.decideComplaint),
        // The public register.
        RPC(Method.SearchLawyers.descriptor, .anyone, verb: "search", help: "查询律师名册（姓名、执业证号、律师事务所、执业领域）",
            argument: "query", aliases: ["firm": "firm_licence_number", "region": "region_code"], LawyersService.searchLawyers),
        RPC(Method.GetLawyer.descriptor, .anyone, verb: "show", help: "名册中的一名律师，含处罚记录",
            argument: "licence_number", aliases: ["licence": "licence_number"], LawyersService.getLawyer),
        RPC(Method.SearchFirms.descriptor, .anyone, verb: "firms", help: "查询律师事务所名册",
            argument: "query", aliases: ["region": "region_code"], LawyersService.searchFirms),
    ])

    // MARK: Licences

    func submitPracticeApplication(_ request: Fawang_Lawyers_V1_SubmitPracticeApplicationRequest) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        var (handling, applicant, application) = try LawyersApplications.validate(request)
        // Art. 6(4): the receiving firm is a firm of the register, practising.
        guard let firm = try await register.firm(application.firmLicenceNumber), firm.status(on: today) == .practising else {
            throw FawangError.invalidArgument(field: "firm_licence_number", "律师事务所名册中没有执业许可证号为 \(application.firmLicenceNumber) 的正常执业的律师事务所")
        }
        application.firmName = firm.name
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: LawyersWorkflow.practiceType, initialStatus: LawyersWorkflow.licenceMachine.initialStatus,
            applicant: applicant, regionCode: request.regionCode, handling: handling,
            details: LicenceDetails(practice: application, materials: request.materials))
    }

    func submitFirmApplication(_ request: Fawang_Lawyers_V1_SubmitFirmApplicationRequest) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        // The founders are checked against the register with the other fields: one INVALID_ARGUMENT.
        var check = FieldValidator()
        let validated = LawyersApplications.validate(request, into: &check)
        if let (_, _, application) = validated {
            var founders: [RegisteredLawyer?] = []
            for licence in application.founderLicenceNumbers { founders.append(try await register.lawyer(licence)) }
            LawyersApplications.checkFounders(founders, kind: application.kind, today: today, into: &check)
        }
        try check.check()
        guard let (handling, applicant, application) = validated else {
            throw FawangError(.internalError, "a law firm application passed validation unread")
        }
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: LawyersWorkflow.firmType, initialStatus: LawyersWorkflow.licenceMachine.initialStatus,
            applicant: applicant, regionCode: request.regionCode, handling: handling,
            details: LicenceDetails(firm: application, materials: request.materials))
    }

    func accept(_ request: Fawang_Lawyers_V1_AcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .accept(note: request.note)
        }
    }

    func forward(_ request: Fawang_Lawyers_V1_ForwardRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.reasons(request.opinion, field: "opinion", label: "审查意见（第六条、第十八条）")
            return .forward(opinion: request.opinion, recommendGrant: request.recommendGrant)
        }
    }

    func grant(_ request: Fawang_Lawyers_V1_GrantRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try steps.validate(request.context) { check in check.note(request.note) }
        // The register entry is written in the decision's own transaction. The receiving firm's
        // region is read first (a practising firm's region does not change under a decision).
        let pending = try DetailsCoding.decode(LicenceDetails.self, from: try await steps.matter(request.trackingNumber, access: .handler))
        let firmRegion: String? = if let practice = pending.practice { try await register.firm(practice.firmLicenceNumber)?.regionCode } else { nil }
        let (register, today) = (register, today)
        return try await steps.take(.grant(note: request.note), on: request.trackingNumber, handling, access: .handler) { matter, change in
            let details = try JSONDecoder().decode(LicenceDetails.self, from: change.details ?? matter.details)
            guard let number = details.licenceNumber else { return [] }
            if let practice = details.practice {
                return [register.addLawyer(RegisteredLawyer(
                    licenceNumber: number, name: matter.applicant.name, firmLicenceNumber: practice.firmLicenceNumber,
                    regionCode: firmRegion ?? matter.regionCode, specialties: practice.specialties, practisingSince: today, status: .practising))]
            } else if let firm = details.firm {
                let registered = RegisteredFirm(licenceNumber: number, name: firm.firmName, kind: firm.kind, regionCode: matter.regionCode, status: .practising)
                return [register.addFirm(registered, address: firm.address, phone: firm.phone, establishedOn: today)]
                    + register.moveLawyers(firm.founderLicenceNumbers, to: number, region: matter.regionCode)
            }
            return []
        }
    }

    func refuse(_ request: Fawang_Lawyers_V1_RefuseRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let ground = RefusalGround(request.ground)
            check.require(ground != nil, "ground", "请选择不准予的理由：第七条所列情形，或不符合第五条、第十四条至第十六条规定的条件")
            check.reasons(request.reasons, field: "reasons", label: "不准予的理由（第六条、第十八条：书面说明理由）")
            return ground.map { .refuse($0, reasons: request.reasons) }
        }
    }

    // MARK: Complaints

    func submitComplaint(_ request: Fawang_Lawyers_V1_SubmitComplaintRequest) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        let (handling, complainant, kind) = try LawyersApplications.validate(request)
        // The complaint goes to the city bureau of the subject's region (Arts. 47–50).
        let subject: (name: String, region: String)? = switch kind {
        case .lawyer: try await register.lawyer(request.subjectLicenceNumber).map { ($0.name, $0.regionCode) }
        case .firm: try await register.firm(request.subjectLicenceNumber).map { ($0.name, $0.regionCode) }
        }
        guard let subject else {
            throw FawangError.invalidArgument(field: "subject_licence_number", "名册中没有执业证号为 \(request.subjectLicenceNumber) 的\(kind == .firm ? "律师事务所" : "律师")")
        }
        let details = ComplaintDetails(
            subjectKind: kind, subjectLicenceNumber: request.subjectLicenceNumber, subjectName: subject.name, facts: request.facts, materials: request.materials)
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: LawyersWorkflow.complaintType, initialStatus: LawyersWorkflow.complaintMachine.initialStatus,
            applicant: complainant, parties: [Party(role: "respondent", person: Person(name: subject.name, idNumber: "", phone: ""))],
            regionCode: DivisionCode.city(of: subject.region) ?? subject.region, handling: handling, details: details,
            attributes: ["subject_licence_number": request.subjectLicenceNumber])
    }

    func startInvestigation(_ request: Fawang_Lawyers_V1_StartInvestigationRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .investigate(note: request.note)
        }
    }

    func decideComplaint(_ request: Fawang_Lawyers_V1_DecideComplaintRequest) async throws -> Fawang_Matter_V1_Matter {
        // A penalty's articles depend on the subject's kind: read it from the matter.
        let subject: SubjectKind? = request.outcome == .discipline && request.hasPenalty
            ? try DetailsCoding.decode(ComplaintDetails.self, from: try await steps.matter(request.trackingNumber, access: .handler)).subjectKind
            : nil
        var command: LawyersWorkflow.Command?
        let handling = try steps.validate(request.context) { check in
            check.requireText(request.findings, "findings", label: "调查认定的事实", maxLength: 4000)
            switch request.outcome {
            case .noViolation:
                command = .findNoViolation(findings: request.findings)
            case .discipline:
                guard let subject else {
                    check.fail("penalty", "作出处罚的，请填写处罚依据和处罚种类（第四十七条至第五十条）")
                    return
                }
                command = Penalty.check(request.penalty, subject: subject, into: &check).map { .discipline(findings: request.findings, $0) }
            default:
                check.fail("outcome", "请选择调查结论：未发现违法行为或作出处罚")
            }
        }
        guard let command else { throw FawangError(.internalError, "a complaint decision passed validation without a command") }
        // The discipline record and the subject's status change with the decision, in one transaction.
        let (register, today) = (register, today)
        return try await steps.take(command, on: request.trackingNumber, handling, access: .handler) { matter, change in
            let details = try JSONDecoder().decode(ComplaintDetails.self, from: change.details ?? matter.details)
            guard let penalty = details.penalty else { return [] }
            return register.discipline(
                complaintID: matter.id, trackingNumber: matter.trackingNumber.formatted, subject: details.subjectKind,
                licence: details.subjectLicenceNumber, penalty: penalty, on: today)
        }
    }

    // MARK: The public register

    func searchLawyers(_ request: Fawang_Lawyers_V1_SearchLawyersRequest) async throws -> Fawang_Lawyers_V1_SearchLawyersResponse {
        var check = FieldValidator()
        check.require(request.query.count <= 50, "query", "查询内容不能超过50字")
        check.require(request.specialty.count <= 20, "specialty", "执业领域不能超过20字")
        check.require(request.regionCode.isEmpty || DivisionCode.isWellFormed(request.regionCode), "region_code", "请填写6位行政区划代码")
        check.require((0...100).contains(request.pageSize), "page_size", "每页条数应在1至100之间")
        try check.check()
        var conditions = ["1 = 1"]
        var arguments: [SQLValue] = []
        let query = request.query.trimmingCharacters(in: .whitespaces)
        if !query.isEmpty {
            conditions.append("(l.name LIKE ? ESCAPE '!' OR l.licence_number LIKE ? ESCAPE '!' OR f.name LIKE ? ESCAPE '!' OR l.specialties LIKE ? ESCAPE '!')")
            arguments += Array(repeating: LawyersRegister.contains(query), count: 4)
        }
        if !request.specialty.isEmpty {
            conditions.append("l.specialties LIKE ? ESCAPE '!'")
            arguments.append(LawyersRegister.contains(request.specialty))
        }
        if !request.firmLicenceNumber.isEmpty {
            conditions.append("l.firm_licence_number = ?")
            arguments.append(.text(request.firmLicenceNumber))
        }
        if !request.regionCode.isEmpty {
            conditions.append("l.region_code LIKE ?")
            arguments.append(.text(DivisionCode.scopePrefix(of: request.regionCode) + "%"))
        }
        let limit = request.pageSize == 0 ? 20 : Int(request.pageSize)
        let found = try await register.lawyers(where: conditions.joined(separator: " AND "), arguments, limit: limit)
        var response = Fawang_Lawyers_V1_SearchLawyersResponse()
        for (lawyer, firmName) in found { response.lawyers.append(try await present(lawyer, firmName: firmName)) }
        return response
    }

    func getLawyer(_ request: Fawang_Lawyers_V1_GetLawyerRequest) async throws -> Fawang_Lawyers_V1_Lawyer {
        guard !request.licenceNumber.isEmpty, request.licenceNumber.count <= 40 else {
            throw FawangError.invalidArgument(field: "licence_number", "请填写律师执业证号")
        }
        guard let (lawyer, firmName) = try await register.lawyers(where: "l.licence_number = ?", [.text(request.licenceNumber)], limit: 1).first else {
            throw FawangError.notFound("律师名册中没有执业证号为 \(request.licenceNumber) 的律师")
        }
        return try await present(lawyer, firmName: firmName)
    }

    func searchFirms(_ request: Fawang_Lawyers_V1_SearchFirmsRequest) async throws -> Fawang_Lawyers_V1_SearchFirmsResponse {
        var check = FieldValidator()
        check.require(request.query.count <= 50, "query", "查询内容不能超过50字")
        check.require(request.regionCode.isEmpty || DivisionCode.isWellFormed(request.regionCode), "region_code", "请填写6位行政区划代码")
        check.require((0...100).contains(request.pageSize), "page_size", "每页条数应在1至100之间")
        try check.check()
        var conditions = ["1 = 1"]
        var arguments: [SQLValue] = []
        if !request.query.isEmpty {
            conditions.append("(f.name LIKE ? ESCAPE '!' OR f.licence_number LIKE ? ESCAPE '!')")
            arguments += [LawyersRegister.contains(request.query), LawyersRegister.contains(request.query)]
        }
        if !request.regionCode.isEmpty {
            conditions.append("f.region_code LIKE ?")
            arguments.append(.text(DivisionCode.scopePrefix(of: request.regionCode) + "%"))
        }
        let found = try await register.firms(where: conditions.joined(separator: " AND "), arguments, limit: request.pageSize == 0 ? 20 : Int(request.pageSize))
        var response = Fawang_Lawyers_V1_SearchFirmsResponse()
        for row in found {
            let status = row.firm.status(on: today)
            var firm = Fawang_Lawyers_V1_Firm()
            firm.licenceNumber = row.firm.licenceNumber
            firm.name = row.firm.name
            firm.kind = row.firm.kind.proto
            firm.regionCode = row.firm.regionCode
            firm.regionName = try await context.directory.division(code: row.firm.regionCode)?.name ?? row.firm.regionCode
            firm.address = row.address
            firm.phone = row.phone
            firm.status = status.proto
            firm.statusLabel = status.label(firm: true)
            if status == .suspended { firm.suspendedUntil = row.firm.suspendedUntil?.description ?? "" }
            firm.establishedOn = row.establishedOn
            firm.lawyerCount = Int32(row.lawyerCount)
            firm.discipline = try await register.discipline(of: row.firm.licenceNumber).map(Self.record)
            response.firms.append(firm)
        }
        return response
    }

    // MARK: Helpers

    /// A register entry as the public sees it: no identity number or phone is ever stored here.
    private func present(_ lawyer: RegisteredLawyer, firmName: String) async throws -> Fawang_Lawyers_V1_Lawyer {
        let status = lawyer.status(on: today)
        var proto = Fawang_Lawyers_V1_Lawyer()
        proto.licenceNumber = lawyer.licenceNumber
        proto.name = lawyer.name
        proto.firmLicenceNumber = lawyer.firmLicenceNumber
        proto.firmName = firmName
        proto.regionCode = lawyer.regionCode
        proto.regionName = try await context.directory.division(code: lawyer.regionCode)?.name ?? lawyer.regionCode
        proto.specialties = lawyer.specialties
        proto.status = status.proto
        proto.statusLabel = status.label(firm: false)
        if status == .suspended { proto.suspendedUntil = lawyer.suspendedUntil?.description ?? "" }
        proto.practisingSince = lawyer.practisingSince.description
        proto.discipline = try await register.discipline(of: lawyer.licenceNumber).map(Self.record)
        return proto
    }

    private static func record(_ row: LawyersRegister.DisciplineRow) -> Fawang_Lawyers_V1_DisciplineRecord {
        .with {
            $0.article = row.article
            $0.penalty = row.penalty
            $0.decidedOn = row.decidedOn
        }
    }
}

extension Fawang_Lawyers_V1_SubmitResponse: SubmissionResponse {}
