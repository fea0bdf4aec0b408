import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.lawyers.v1.LawyerService`: licences in two stages, complaints, the public register.
struct LawyersService: Fawang_Lawyers_V1_LawyerService.SimpleServiceProtocol {
    let context: PluginContext

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: "lawyers") }
    private var register: LawyersRegister { LawyersRegister(storage: context.storage) }
    private var today: CivilDate { CivilDate(context.now()) }

    // MARK: Licences

    func submitPracticeApplication(request: Fawang_Lawyers_V1_SubmitPracticeApplicationRequest, context grpc: ServerContext) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        var (handling, applicant, application) = try LawyersApplications.validate(request)
        // Art. 6(4): the receiving firm is a firm of the register, practising.
        guard let firm = try await register.firm(application.firmLicenceNumber), firm.status(on: today) == .practising else {
            throw FawangError.invalidArgument(field: "firm_licence_number", "律师事务所名册中没有执业许可证号为 \(application.firmLicenceNumber) 的正常执业的律师事务所")
        }
        application.firmName = firm.name
        let details = LicenceDetails(practice: application, materials: request.materials)
        var canonical = request
        canonical.requestID = ""
        return try await submit(canonical, requestID: request.requestID, type: LawyersWorkflow.practiceType, applicant: applicant,
                                region: request.regionCode, handling: handling, details: DetailsCoding.encode(details))
    }

    func submitFirmApplication(request: Fawang_Lawyers_V1_SubmitFirmApplicationRequest, context grpc: ServerContext) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        var check = FieldValidator()
        let validated = LawyersApplications.validate(request, into: &check)
        if let (_, _, application) = validated {
            var founders: [RegisteredLawyer?] = []
            for licence in application.founderLicenceNumbers { founders.append(try await register.lawyer(licence)) }
            LawyersApplications.checkFounders(founders, kind: application.kind, today: today, into: &check)
        }
        try check.check()
        let (handling, applicant, application) = validated!
        let details = LicenceDetails(firm: application, materials: request.materials)
        var canonical = request
        canonical.requestID = ""
        return try await submit(canonical, requestID: request.requestID, type: LawyersWorkflow.firmType, applicant: applicant,
                                region: request.regionCode, handling: handling, details: DetailsCoding.encode(details))
    }

    func accept(request: Fawang_Lawyers_V1_AcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await steps.present(try await run(.accept(note: request.note), on: request.trackingNumber, handling!))
    }

    func forward(request: Fawang_Lawyers_V1_ForwardRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.opinion, "opinion", label: "审查意见（第六条、第十八条）", maxLength: 2000)
        try check.check()
        return try await steps.present(try await run(.forward(opinion: request.opinion, recommendGrant: request.recommendGrant), on: request.trackingNumber, handling!))
    }

    func grant(request: Fawang_Lawyers_V1_GrantRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        // The register entry is written in the decision's own transaction. The receiving firm's
        // region is read first (a practising firm's region does not change under a decision).
        let pending = try DetailsCoding.decode(LicenceDetails.self, from: try await steps.matter(request.trackingNumber, access: .handler))
        let firmRegion: String? = if let practice = pending.practice { try await register.firm(practice.firmLicenceNumber)?.regionCode } else { nil }
        let (register, today) = (register, today)
        let matter = try await run(.grant(note: request.note), on: request.trackingNumber, handling!) { matter, details in
            let details = try JSONDecoder().decode(LicenceDetails.self, from: details)
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
        return try await steps.present(matter)
    }

    func refuse(request: Fawang_Lawyers_V1_RefuseRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let ground = RefusalGround(request.ground)
        check.require(ground != nil, "ground", "请选择不准予的理由：第七条所列情形，或不符合第五条、第十四条至第十六条规定的条件")
        check.requireText(request.reasons, "reasons", label: "不准予的理由（第六条、第十八条：书面说明理由）", maxLength: 2000)
        try check.check()
        return try await steps.present(try await run(.refuse(ground!, reasons: request.reasons), on: request.trackingNumber, handling!))
    }

    // MARK: Complaints

    func submitComplaint(request: Fawang_Lawyers_V1_SubmitComplaintRequest, context grpc: ServerContext) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let complainant = check.person(request.complainant, field: "complainant", label: "投诉人", idRequired: false)
        let kind = SubjectKind(request.subjectKind)
        check.require(kind != nil, "subject_kind", "请选择投诉对象：律师或律师事务所")
        check.requireText(request.subjectLicenceNumber, "subject_licence_number", label: "被投诉律师或律师事务所的执业证号", maxLength: 40)
        check.requireText(request.facts, "facts", label: "投诉的事实和理由", maxLength: 4000)
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        // The complaint goes to the city bureau of the subject's region (Arts. 47–50).
        let subject: (name: String, region: String)? = switch kind! {
        case .lawyer: try await register.lawyer(request.subjectLicenceNumber).map { ($0.name, $0.regionCode) }
        case .firm: try await register.firm(request.subjectLicenceNumber).map { ($0.name, $0.regionCode) }
        }
        guard let subject else {
            throw FawangError.invalidArgument(field: "subject_licence_number", "名册中没有执业证号为 \(request.subjectLicenceNumber) 的\(kind == .firm ? "律师事务所" : "律师")")
        }
        var actor = handling!
        actor.actor = MatterSteps.actor(actor)
        let details = ComplaintDetails(
            subjectKind: kind!, subjectLicenceNumber: request.subjectLicenceNumber, subjectName: subject.name, facts: request.facts, materials: request.materials)
        var canonical = request
        canonical.requestID = ""
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: LawyersWorkflow.complaintType,
            initialStatus: LawyersWorkflow.complaintMachine.initialStatus, applicant: complainant,
            parties: [Party(role: "respondent", person: Person(name: subject.name, idNumber: "", phone: ""))],
            regionCode: DivisionCode.city(of: subject.region) ?? subject.region, handling: actor, details: DetailsCoding.encode(details),
            firstEvent: "submitted", attributes: ["subject_licence_number": request.subjectLicenceNumber])
        return .with {
            $0.matter = matter
            $0.replayed = replayed
        }
    }

    func startInvestigation(request: Fawang_Lawyers_V1_StartInvestigationRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await steps.present(try await run(.investigate(note: request.note), on: request.trackingNumber, handling!))
    }

    func decideComplaint(request: Fawang_Lawyers_V1_DecideComplaintRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.findings, "findings", label: "调查认定的事实", maxLength: 4000)
        var command: LawyersWorkflow.Command?
        switch request.outcome {
        case .noViolation:
            command = .findNoViolation(findings: request.findings)
        case .discipline:
            guard request.hasPenalty else {
                check.fail("penalty", "作出处罚的，请填写处罚依据和处罚种类（第四十七条至第五十条）")
                break
            }
            // The subject's kind decides which articles apply; read it from the matter.
            let matter = try await steps.matter(request.trackingNumber, access: .handler)
            let subject = try DetailsCoding.decode(ComplaintDetails.self, from: matter).subjectKind
            if let penalty = Penalty.check(request.penalty, subject: subject, into: &check) {
                command = .discipline(findings: request.findings, penalty)
            }
        default:
            check.fail("outcome", "请选择调查结论：未发现违法行为或作出处罚")
        }
        try check.check()
        // The discipline record and the subject's status change with the decision, in one transaction.
        let (register, today) = (register, today)
        let matter = try await run(command!, on: request.trackingNumber, handling!) { matter, details in
            let details = try JSONDecoder().decode(ComplaintDetails.self, from: details)
            guard let penalty = details.penalty else { return [] }
            return register.discipline(
                complaintID: matter.id, trackingNumber: matter.trackingNumber.formatted, subject: details.subjectKind,
                licence: details.subjectLicenceNumber, penalty: penalty, on: today)
        }
        return try await steps.present(matter)
    }

    // MARK: The public register

    func searchLawyers(request: Fawang_Lawyers_V1_SearchLawyersRequest, context grpc: ServerContext) async throws -> Fawang_Lawyers_V1_SearchLawyersResponse {
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

    func getLawyer(request: Fawang_Lawyers_V1_GetLawyerRequest, context grpc: ServerContext) async throws -> Fawang_Lawyers_V1_Lawyer {
        guard !request.licenceNumber.isEmpty, request.licenceNumber.count <= 40 else {
            throw FawangError.invalidArgument(field: "licence_number", "请填写律师执业证号")
        }
        guard let (lawyer, firmName) = try await register.lawyers(where: "l.licence_number = ?", [.text(request.licenceNumber)], limit: 1).first else {
            throw FawangError.notFound("律师名册中没有执业证号为 \(request.licenceNumber) 的律师")
        }
        return try await present(lawyer, firmName: firmName)
    }

    func searchFirms(request: Fawang_Lawyers_V1_SearchFirmsRequest, context grpc: ServerContext) async throws -> Fawang_Lawyers_V1_SearchFirmsResponse {
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

    /// `canonical` is the submission without its request id (hashed to refuse a reused id with other content).
    private func submit(
        _ canonical: some SwiftProtobuf.Message, requestID: String, type: String, applicant: Person, region: String, handling: Handling, details: Data
    ) async throws -> Fawang_Lawyers_V1_SubmitResponse {
        var handling = handling
        handling.actor = MatterSteps.actor(handling)
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: requestID, matterType: type, initialStatus: LawyersWorkflow.licenceMachine.initialStatus,
            applicant: applicant, regionCode: region, handling: handling, details: details, firstEvent: "submitted")
        return .with {
            $0.matter = matter
            $0.replayed = replayed
        }
    }

    /// Runs `command` inside the store's write transaction for a handler of the matter; `register`
    /// turns the matter and its new details into the register writes that go with the step.
    private func run(
        _ command: LawyersWorkflow.Command, on trackingText: String, _ handling: Handling,
        register: @escaping @Sendable (Matter, Data) throws -> [SQLStatement] = { _, _ in [] }
    ) async throws -> Matter {
        let now = context.now()
        return try await steps.update(on: trackingText, access: .handler) { matter in
            let caller = Principal.current
            let region: String? = switch caller?.role {
            case .staff, .departmentAdmin, .platformAdmin: caller?.regionCode
            default: nil
            }
            var change = try LawyersWorkflow.decide(command, on: matter, .init(actor: handling.actor, channel: handling.channel, callerRegion: region, now: now))
            change.moduleStatements = try register(matter, change.details ?? matter.details)
            return change
        }
    }
}
