import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import Logging
import SwiftProtobuf

/// `fawang.exam.v1.ExamService`: each RPC declared once in ``rpcs``. Registrations and certificate
/// applications are steps of ``RegistrationWorkflow`` and ``CertificateWorkflow``; results and
/// pass lines are the line's own records.
struct LegalExamService: Sendable {
    let context: PluginContext
    private var registrations: LineSteps<RegistrationWorkflow> { LineSteps(context: context) }
    private var certificates: LineSteps<CertificateWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Exam_V1_ExamService.Method

    /// Candidates register, look up results, apply and appeal without staff (the identity number
    /// or the phone digits prove them); confirmations and results are staff's within their region;
    /// certificate decisions and pass lines are the province's (``ProvincialReview``, in the handlers).
    /// The web forms' labels: registration (a candidate declares the conditions of 实施办法
    /// 第九条 and ticks any circumstance of 第十条, both 待确认) and the certificate application.
    static let formLabels: [String: String] = [
        "candidate": "考生", "exam_year": "考试年度（如2027）", "region_code": "报名确认地（行政区划代码）",
        "nationality": "国籍（第九条第一项）", "NATIONALITY_PRC": "中华人民共和国国籍", "NATIONALITY_OTHER": "其他国籍",
        "education": "学历（第九条第五项）", "education.level": "最高学历",
        "DEGREE_LEVEL_ASSOCIATE": "专科", "DEGREE_LEVEL_BACHELOR": "本科", "DEGREE_LEVEL_MASTER": "硕士研究生", "DEGREE_LEVEL_DOCTOR": "博士研究生",
        "education.major": "本科（专科）所学专业", "MAJOR_LAW": "法学类", "MAJOR_NON_LAW": "非法学类",
        "education.full_time": "全日制普通高等学校毕业", "education.degree_awarded": "已取得相应学位",
        "education.postgraduate_law_degree": "已取得法律硕士、法学硕士或以上学位", "education.legal_work_years": "从事法律工作满（年）",
        "education.institution": "毕业院校",
        "supports_constitution": "拥护中华人民共和国宪法", "enjoys_political_rights": "享有选举权和被选举权",
        "full_civil_capacity": "具有完全民事行为能力",
        "disqualifications": "有下列情形之一的请如实勾选（第十条；没有的不勾选）",
        "DISQUALIFICATION_INTENTIONAL_CRIME": "因故意犯罪受过刑事处罚", "DISQUALIFICATION_DISMISSED_FROM_PUBLIC_OFFICE": "曾被开除公职",
        "DISQUALIFICATION_LAWYER_LICENCE_REVOKED": "曾被吊销律师执业证书", "DISQUALIFICATION_NOTARY_LICENCE_REVOKED": "曾被吊销公证员执业证书",
        "DISQUALIFICATION_QUALIFICATION_REVOKED": "被吊销法律职业资格证书", "DISQUALIFICATION_EXAM_BAN": "不得报名的处理期限未满或终身不得报名",
        "DISQUALIFICATION_CREDIT_BLACKLIST": "因严重失信被纳入失信联合惩戒对象", "DISQUALIFICATION_LIFETIME_PROFESSION_BAN": "被给予终身禁止从事法律职业处理",
        "admission_ticket": "准考证号", "materials": "提交的材料（每行一项）",
    ]

    static let rpcs = RPCTable<LegalExamService>([
        RPC(Method.SubmitRegistration.descriptor, .anyone, verb: "register", help: "考试报名（实施办法 第九条、第十条，待确认）", title: "国家统一法律职业资格考试报名", intake: true,
            aliases: [
                "name": "candidate.name", "id-number": "candidate.id_number", "phone": "candidate.phone", "address": "candidate.address",
                "year": "exam_year", "region": "region_code", "level": "education.level", "major": "education.major",
                "disqualification": "disqualifications",
            ], labels: formLabels, LegalExamService.submitRegistration),
        RPC(Method.ConfirmRegistration.descriptor, .handlers, verb: "confirm", help: "确认符合全部报名条件的报名（实施办法 第九条、第十条，待确认）",
            LegalExamService.confirmRegistration),
        RPC(Method.RefuseRegistration.descriptor, .handlers, verb: "refuse-registration", help: "不予确认报名，列明不符合的条件（未列明的，采用规则查明的条件）",
            aliases: ["condition": "unmet_conditions"], LegalExamService.refuseRegistration),
        RPC(Method.SetPassLine.descriptor, .handlers, verb: "set-pass-line", help: "设置某年度某地的合格分数线（自治区司法厅；由司法部公布，待确认）",
            aliases: [
                "year": "line.exam_year", "region": "line.region_code", "objective": "line.objective", "subjective": "line.subjective",
                "certificate-class": "line.certificate_class",
            ], defaults: ["line.region_code": "640000", "line.certificate_class": "A"], LegalExamService.setPassLine),
        RPC(Method.RecordResult.descriptor, .handlers, verb: "record-result", help: "登记（导入）一名考生的成绩",
            aliases: [
                "year": "exam_year", "ticket": "admission_ticket", "name": "candidate.name", "id-number": "candidate.id_number",
                "region": "region_code", "objective": "objective_score", "subjective": "subjective_score",
            ], LegalExamService.recordResult),
        RPC(Method.LookupResult.descriptor, .anyone, verb: "lookup-result", help: "凭准考证号和身份证号查询成绩",
            aliases: ["year": "exam_year", "ticket": "admission_ticket"], LegalExamService.lookupResult),
        RPC(Method.ApplyCertificate.descriptor, .anyone, verb: "apply-certificate", help: "申请授予法律职业资格（管理办法，待确认）", title: "申请授予法律职业资格", intake: true,
            aliases: [
                "name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "address": "applicant.address",
                "year": "exam_year", "ticket": "admission_ticket", "material": "materials",
            ], labels: formLabels, LegalExamService.applyCertificate),
        RPC(Method.ApproveCertificate.descriptor, .handlers, verb: "approve-certificate", help: "授予法律职业资格并生成证书编号（自治区司法厅）",
            LegalExamService.approveCertificate),
        RPC(Method.RefuseCertificate.descriptor, .handlers, verb: "refuse-certificate", help: "不予授予法律职业资格，书面说明理由（自治区司法厅）",
            LegalExamService.refuseCertificate),
        RPC(Method.FileAppeal.descriptor, .anyone, verb: "file-appeal", help: "在期限内对不予授予的决定申请复核（凭手机号后四位；管理办法，待确认）",
            LegalExamService.fileAppeal),
        RPC(Method.DecideAppeal.descriptor, .handlers, verb: "decide-appeal", help: "复核决定：维持不予授予，或撤销原决定并授予（自治区司法厅）",
            LegalExamService.decideAppeal),
    ])

    // MARK: Registration confirmation

    func submitRegistration(_ request: Fawang_Exam_V1_SubmitRegistrationRequest) async throws -> Fawang_Exam_V1_SubmitRegistrationResponse {
        let (handling, candidate, declaration) = try RegistrationApplication.validate(request, now: context.now())
        let unmet = EligibilityRules.unmetConditions(declaration, regionCode: request.regionCode)
        var response: Fawang_Exam_V1_SubmitRegistrationResponse = try await registrations.matters.intake(
            request, requestID: \.requestID, matterType: RegistrationWorkflow.matterType,
            initialStatus: RegistrationWorkflow.machine.initialStatus, applicant: candidate, regionCode: request.regionCode,
            handling: handling, details: RegistrationDetails(declaration: declaration, unmetAtSubmission: unmet),
            attributes: [
                "exam_year": String(declaration.examYear),
                "eligibility": unmet.isEmpty ? "eligible" : unmet.map(\.rawValue).joined(separator: ","),
            ])
        response.eligibility = RegistrationApplication.eligibility(unmet)
        return response
    }

    func confirmRegistration(_ request: Fawang_Exam_V1_ConfirmRegistrationRequest) async throws -> Fawang_Matter_V1_Matter {
        try await registrations.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .confirm(note: request.note)
        }
    }

    func refuseRegistration(_ request: Fawang_Exam_V1_RefuseRegistrationRequest) async throws -> Fawang_Matter_V1_Matter {
        try await registrations.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let conditions = check.distinct(request.unmetConditions, field: "unmet_conditions", "不符合的报名条件无效") { EligibilityCondition($0) }
            check.note(request.note)
            return .refuse(conditions: conditions, note: request.note)
        }
    }

    // MARK: Results

    func setPassLine(_ request: Fawang_Exam_V1_SetPassLineRequest) async throws -> Fawang_Exam_V1_PassLine {
        let line = request.line
        let handling = try certificates.validate(request.context) { check in
            check.examYear(line.examYear, now: context.now(), field: "line.exam_year")
            check.divisionCode(line.regionCode, field: "line.region_code")
            check.require((0...Score.objectiveMaximum).contains(line.objective), "line.objective", "客观题合格分数线应在0至300分之间")
            check.require((0...Score.subjectiveMaximum).contains(line.subjective), "line.subjective", "主观题合格分数线应在0至180分之间")
            check.require(["A", "C"].contains(line.certificateClass), "line.certificate_class", "证书类别应为A或C")
        }
        // Pass lines are the province's to publish, within the department.
        try ProvincialReview.check(Principal.current)
        try requireHandles(line.regionCode)
        guard try await context.directory.division(code: line.regionCode) != nil else {
            throw FawangError.invalidArgument(field: "line.region_code", "行政区划代码 \(line.regionCode) 不在本平台服务范围内")
        }
        try await context.storage.execute([SQLStatement(
            """
            INSERT INTO legal_exam_pass_lines (exam_year, region_code, objective_tenths, subjective_tenths, certificate_class, set_by, set_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (exam_year, region_code) DO UPDATE SET objective_tenths = excluded.objective_tenths,
                subjective_tenths = excluded.subjective_tenths, certificate_class = excluded.certificate_class,
                set_by = excluded.set_by, set_at = excluded.set_at
            """,
            [
                .integer(Int64(line.examYear)), .text(line.regionCode), .integer(Int64(Score.tenths(line.objective))),
                .integer(Int64(Score.tenths(line.subjective))), .text(line.certificateClass), .text(handling.actor),
                .text(ISO8601DateFormatter().string(from: context.now())),
            ])], audit: audit(handling, target: "legal-exam:pass-line:\(line.examYear):\(line.regionCode)", detail: "pass_line_set"))
        context.logger.info("pass line set", metadata: ["exam.year": "\(line.examYear)", "region": "\(line.regionCode)", "actor": "\(handling.actor)"])
        var stored = line
        stored.builtIn = false
        stored.objective = Score.points(Score.tenths(line.objective))
        stored.subjective = Score.points(Score.tenths(line.subjective))
        return stored
    }

    func recordResult(_ request: Fawang_Exam_V1_RecordResultRequest) async throws -> Fawang_Exam_V1_ExamResult {
        var candidate = Person(name: "", idNumber: "", phone: "")
        let handling = try certificates.validate(request.context) { check in
            check.examYear(request.examYear, now: context.now())
            check.admissionTicket(request.admissionTicket)
            candidate = check.person(request.candidate, field: "candidate", label: "考生", phoneRequired: false)
            check.divisionCode(request.regionCode)
            check.require((0...Score.objectiveMaximum).contains(request.objectiveScore), "objective_score", "客观题成绩应在0至300分之间")
            check.require((0...Score.subjectiveMaximum).contains(request.subjectiveScore), "subjective_score", "主观题成绩应在0至180分之间")
        }
        try requireHandles(request.regionCode)
        guard try await context.directory.division(code: request.regionCode) != nil else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码 \(request.regionCode) 不在本平台服务范围内")
        }
        let year = Int(request.examYear)
        let digest = CandidateIdentity.digest(candidate.idNumber)
        if let existing = try await result(year: year, ticket: request.admissionTicket) {
            // A recorded result is changed only by staff who handle its region (and nothing about
            // it, not even that the ticket exists, is told to others).
            try requireHandles(existing.regionCode)
            if existing.idDigest != digest {
                throw FawangError.failedPrecondition("\(year)年度准考证号 \(request.admissionTicket) 已登记为其他考生（\(existing.idMasked)）的成绩，请核对准考证号")
            }
            // The scores a certificate application rests on are not changed under it.
            if !existing.certificateTracking.isEmpty {
                throw FawangError.failedPrecondition(
                    "\(year)年度准考证号 \(request.admissionTicket) 的成绩已用于申请授予法律职业资格（受理编号 \(existing.certificateTracking)），不能再更改；如成绩确有错误，请报自治区司法厅核查处理")
            }
        }
        try await context.storage.execute([SQLStatement(
            """
            INSERT INTO legal_exam_results (exam_year, admission_ticket, id_digest, id_masked, candidate_name, region_code,
                objective_tenths, subjective_tenths, recorded_by, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (exam_year, admission_ticket) DO UPDATE SET candidate_name = excluded.candidate_name,
                region_code = excluded.region_code, objective_tenths = excluded.objective_tenths,
                subjective_tenths = excluded.subjective_tenths, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
            """,
            [
                .integer(Int64(year)), .text(request.admissionTicket), .text(digest), .text(ResidentIdentityNumber.masked(candidate.idNumber)),
                .text(candidate.name), .text(request.regionCode), .integer(Int64(Score.tenths(request.objectiveScore))),
                .integer(Int64(Score.tenths(request.subjectiveScore))), .text(handling.actor),
                .text(ISO8601DateFormatter().string(from: context.now())),
            ])], audit: audit(handling, target: "legal-exam:result:\(year):\(request.admissionTicket)", detail: "result_recorded"))
        context.logger.info("exam result recorded", metadata: ["exam.year": "\(year)", "region": "\(request.regionCode)", "actor": "\(handling.actor)"])
        guard let stored = try await result(year: year, ticket: request.admissionTicket) else {
            throw FawangError(.internalError, "result \(year)/\(request.admissionTicket) not found after recording")
        }
        return try await present(stored, publicView: false)
    }

    func lookupResult(_ request: Fawang_Exam_V1_LookupResultRequest) async throws -> Fawang_Exam_V1_ExamResult {
        var check = FieldValidator()
        check.examYear(request.examYear, now: context.now())
        check.admissionTicket(request.admissionTicket)
        if request.idNumber.isEmpty {
            check.fail("id_number", "请填写身份证号")
        } else if let problem = ResidentIdentityNumber.problem(with: request.idNumber) {
            check.fail("id_number", problem)
        }
        try check.check()
        let row = try await matchingResult(year: Int(request.examYear), ticket: request.admissionTicket, idNumber: request.idNumber)
        return try await present(row, publicView: true)
    }

    // MARK: Certificate

    func applyCertificate(_ request: Fawang_Exam_V1_ApplyCertificateRequest) async throws -> Fawang_Exam_V1_ApplyCertificateResponse {
        let (handling, applicant) = try CertificateApplication.validate(request, now: context.now())
        let year = Int(request.examYear)
        let row = try await matchingResult(year: year, ticket: request.admissionTicket, idNumber: applicant.idNumber)
        guard row.name == applicant.name else {
            throw FawangError.invalidArgument(field: "applicant.name", "申请人姓名与成绩登记的考生姓名不一致，请核对")
        }
        guard let line = try await passLine(year: year, regionCode: row.regionCode) else {
            throw FawangError.failedPrecondition("\(year)年度合格分数线尚未公布，暂不能申请授予法律职业资格")
        }
        guard line.passes(objective: row.objectiveTenths, subjective: row.subjectiveTenths) else {
            throw FawangError.failedPrecondition(
                "\(year)年度准考证号 \(row.ticket) 的成绩（客观题\(format(row.objectiveTenths))分，主观题\(format(row.subjectiveTenths))分）"
                    + "未达到合格分数线（客观题\(format(line.objective))分，主观题\(format(line.subjective))分），"
                    + "不能申请授予法律职业资格（\(ExamArticles.management("关于申请条件的规定"))）")
        }
        if !row.certificateTracking.isEmpty, row.certificateRequestID != request.requestID,
           let number = TrackingNumber(row.certificateTracking),
           let earlier = try await context.matters.matter(trackingNumber: number),
           [CertificateWorkflow.Status.submitted, CertificateWorkflow.Status.appealed, CertificateWorkflow.Status.approved].contains(earlier.status) {
            throw FawangError.failedPrecondition(
                "该成绩已申请授予法律职业资格（受理编号 \(number.formatted)，当前状态：\(CertificateWorkflow.machine.label(ofStatus: earlier.status))），请勿重复申请")
        }
        let details = CertificateDetails(
            examYear: year, admissionTicket: row.ticket, objectiveTenths: row.objectiveTenths, subjectiveTenths: row.subjectiveTenths,
            certificateClass: line.certificateClass, materials: request.materials)
        // The result is marked with the application in the application's own transaction.
        let requestID = request.requestID
        return try await certificates.matters.intake(
            request, requestID: \.requestID, matterType: CertificateWorkflow.matterType,
            initialStatus: CertificateWorkflow.machine.initialStatus, applicant: applicant, regionCode: row.regionCode,
            handling: handling, details: details, attributes: ["exam_year": String(year), "admission_ticket": row.ticket]
        ) { matter in
            [SQLStatement(
                "UPDATE legal_exam_results SET certificate_tracking = ?, certificate_request_id = ? WHERE exam_year = ? AND admission_ticket = ?",
                [.text(matter.trackingNumber.formatted), .text(requestID), .integer(Int64(year)), .text(row.ticket)])]
        }
    }

    func approveCertificate(_ request: Fawang_Exam_V1_ApproveCertificateRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try certificates.validate(request.context) { check in
            _ = check.trackingNumber(request.trackingNumber)
            check.note(request.note)
        }
        try ProvincialReview.check(Principal.current)
        return try await certificates.take(.approve(note: request.note), on: request.trackingNumber, handling, access: .handler)
    }

    func refuseCertificate(_ request: Fawang_Exam_V1_RefuseCertificateRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try certificates.validate(request.context) { check in
            check.reasons(request.reasons, field: "reasons", label: "不予授予法律职业资格的理由")
        }
        try ProvincialReview.check(Principal.current)
        return try await certificates.take(.refuse(reasons: request.reasons), on: request.trackingNumber, handling, access: .handler)
    }

    func fileAppeal(_ request: Fawang_Exam_V1_FileAppealRequest) async throws -> Fawang_Matter_V1_Matter {
        try await certificates.take(on: request.trackingNumber, request.context, access: .applicant(secondFactor: request.phoneLast4)) { check in
            check.reasons(request.grounds, field: "grounds", label: "复核申请的事实和理由")
            return .fileAppeal(grounds: request.grounds)
        }
    }

    func decideAppeal(_ request: Fawang_Exam_V1_DecideAppealRequest) async throws -> Fawang_Matter_V1_Matter {
        let grant: Bool? = switch request.decision {
        case .grant: true
        case .uphold: false
        default: nil
        }
        let handling = try certificates.validate(request.context) { check in
            check.require(grant != nil, "decision", "请选择复核决定：维持原决定或撤销原决定并授予")
            check.reasons(request.reasons, field: "reasons", label: "复核决定的理由")
        }
        try ProvincialReview.check(Principal.current)
        return try await certificates.take(
            .decideAppeal(grant: grant == true, reasons: request.reasons), on: request.trackingNumber, handling, access: .handler)
    }

    // MARK: Helpers

    /// Staff act on results and pass lines only within their region and department.
    private func requireHandles(_ regionCode: String) throws(FawangError) {
        guard let principal = Principal.current, principal.mayHandle(businessLine: LegalExamPlugin.moduleID, regionCode: regionCode) else {
            throw FawangError(.permissionDenied, "行政区划 \(regionCode) 不在本账号的办理范围内（地区或业务条线）")
        }
    }

    struct ResultRow: Sendable {
        var year: Int
        var ticket, idDigest, idMasked, name, regionCode: String
        var objectiveTenths, subjectiveTenths: Int
        var certificateTracking, certificateRequestID: String
    }

    private func result(year: Int, ticket: String) async throws -> ResultRow? {
        try await context.storage.query(SQLStatement(
            "SELECT * FROM legal_exam_results WHERE exam_year = ? AND admission_ticket = ?", [.integer(Int64(year)), .text(ticket)])
        ).first.map { row in
            ResultRow(
                year: row.int("exam_year") ?? year, ticket: row.string("admission_ticket") ?? ticket, idDigest: row.string("id_digest") ?? "",
                idMasked: row.string("id_masked") ?? "", name: row.string("candidate_name") ?? "", regionCode: row.string("region_code") ?? "",
                objectiveTenths: row.int("objective_tenths") ?? 0, subjectiveTenths: row.int("subjective_tenths") ?? 0,
                certificateTracking: row.string("certificate_tracking") ?? "", certificateRequestID: row.string("certificate_request_id") ?? "")
        }
    }

    /// The result of `ticket` if `idNumber` is its candidate's. An unknown ticket and a wrong
    /// identity number give the same answer, so a lookup reveals nothing on a mismatch.
    private func matchingResult(year: Int, ticket: String, idNumber: String) async throws -> ResultRow {
        guard let row = try await result(year: year, ticket: ticket), row.idDigest == CandidateIdentity.digest(idNumber) else {
            throw FawangError.notFound("未查询到成绩，请核对考试年度、准考证号和身份证号")
        }
        return row
    }

    private func passLine(year: Int, regionCode: String) async throws -> PassLine? {
        let set = try await context.storage.query(SQLStatement(
            "SELECT * FROM legal_exam_pass_lines WHERE exam_year = ?", [.integer(Int64(year))])
        ).map { row in
            PassLine(
                examYear: year, regionCode: row.string("region_code") ?? "", objective: row.int("objective_tenths") ?? 0,
                subjective: row.int("subjective_tenths") ?? 0, certificateClass: row.string("certificate_class") ?? "A", builtIn: false)
        }
        return PassLines.resolve(year: year, regionCode: regionCode, set: set)
    }

    private func present(_ row: ResultRow, publicView: Bool) async throws -> Fawang_Exam_V1_ExamResult {
        let line = try await passLine(year: row.year, regionCode: row.regionCode)
        var result = Fawang_Exam_V1_ExamResult()
        result.examYear = Int32(row.year)
        result.admissionTicket = row.ticket
        result.candidateName = publicView ? PersonName.masked(row.name) : row.name
        result.idNumberMasked = row.idMasked
        result.regionCode = row.regionCode
        result.objectiveScore = Score.points(row.objectiveTenths)
        result.subjectiveScore = Score.points(row.subjectiveTenths)
        if let line {
            result.passLine = line.proto
            result.passed = line.passes(objective: row.objectiveTenths, subjective: row.subjectiveTenths)
        }
        result.certificateTrackingNumber = row.certificateTracking
        return result
    }

    private func format(_ tenths: Int) -> String {
        tenths % 10 == 0 ? String(tenths / 10) : String(format: "%.1f", Score.points(tenths))
    }

    /// The audit entry of a change to the exam's own records, written in the same transaction.
    private func audit(_ handling: Handling, target: String, detail: String) -> AuditDraft {
        AuditDraft(actor: handling.actor, role: Principal.current?.role.rawValue ?? "anonymous", channel: handling.channel.rawValue, target: target, detail: detail)
    }
}

extension Fawang_Exam_V1_SubmitRegistrationResponse: SubmissionResponse {}

extension Fawang_Exam_V1_ApplyCertificateResponse: SubmissionResponse {}
