import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.supervision.v1.OversightService` (机构监管): the bureaus' records about every entry of
/// the public directory — licence term, annual assessments, inspections, disciplinary measures,
/// kept in this module's tables — and the credit score and alerts computed from them and the
/// matters each entry handled (``CreditRules``, ``OversightAlertRules``). The directory lays the
/// same records over its entries (``SupervisionPlugin/oversightRecords(context:)``), so the
/// public's credit record and the bureau's are one.
///
/// Who: staff and department admins oversee the entries of their division and their line;
/// supervisors (department `supervision`) and staff without a department every line of their
/// division; platform admins everything.
struct OversightService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Supervision_V1_OversightService.Method

    static let rpcs = RPCTable<OversightService>([
        RPC(Method.ListOverseen.descriptor, .handlers, verb: "oversight", help: "机构监管：本辖区法律服务机构和人员的信用评分与预警（评分低者在前）",
            argument: "region_code", aliases: ["region": "region_code", "kind": "kinds", "grade": "credit_grade", "alerts": "with_alerts_only"],
            rateLimited: false, OversightService.listOverseen),
        RPC(Method.GetOversight.descriptor, .handlers, verb: "oversight-show", help: "一个机构或人员的监管档案：许可期限、年度考核、检查、处罚处分、信用评分和预警",
            argument: "entry_id", OversightService.getOversight),
        RPC(Method.ListOversightAlerts.descriptor, .handlers, verb: "oversight-alerts", help: "机构监管预警：许可到期、投诉集中、多次逾期、考核不合格、整改到期",
            argument: "region_code", aliases: ["region": "region_code", "kind": "kinds"], OversightService.listOversightAlerts),
        RPC(Method.RecordAssessment.descriptor, .handlers, verb: "record-assessment", help: "登记年度考核结果（同一年度再登记即更正）", argument: "entry_id",
            OversightService.recordAssessment),
        RPC(Method.RecordInspection.descriptor, .handlers, verb: "record-inspection", help: "登记一次监督检查及其发现的问题", argument: "entry_id",
            OversightService.recordInspection),
        RPC(Method.RecordMeasure.descriptor, .handlers, verb: "record-measure", help: "登记行政处罚或行业处分（警告、通报批评、罚款、停止执业、吊销）",
            argument: "entry_id", OversightService.recordMeasure),
        RPC(Method.SetLicenceTerm.descriptor, .handlers, verb: "licence-term", help: "登记执业许可的有效期限（到期前60天预警）", argument: "entry_id",
            OversightService.setLicenceTerm),
    ])

    var today: CivilDate { CivilDate(context.now()) }

    // MARK: Reading

    func listOverseen(_ request: Fawang_Supervision_V1_ListOverseenRequest) async throws -> Fawang_Supervision_V1_ListOverseenResponse {
        var check = FieldValidator()
        let kinds = check.distinct(request.kinds, field: "kinds", "类别应为：\(DirectoryKind.all.map(\.id).joined(separator: "、"))") {
            DirectoryKind.named($0)
        }
        let grade = request.creditGrade.isEmpty ? nil : CreditGrade(rawValue: request.creditGrade.uppercased())
        check.require(request.creditGrade.isEmpty || grade != nil, "credit_grade", "信用等级应为 A、B、C 或 D")
        let name = request.name.trimmingCharacters(in: .whitespaces)
        check.require(name.count <= 50, "name", "名称不能超过50字")
        check.require((0...200).contains(request.pageSize), "page_size", "每页条数应在1至200之间")
        let offset = request.pageToken.isEmpty ? 0 : Int(request.pageToken) ?? -1
        check.require(offset >= 0, "page_token", "翻页标记无效，请从第一页重新查找")
        try check.check()
        let region = try await region(request.regionCode)
        let selected = try await overseen(in: region).filter { item in
            (kinds.isEmpty || kinds.contains(item.entry.kind)) && (name.isEmpty || item.entry.name.contains(name))
                && (!request.withAlertsOnly || !item.alerts.isEmpty)
        }
        var response = Fawang_Supervision_V1_ListOverseenResponse()
        for item in selected { response.byGrade[item.assessment.grade.rawValue, default: 0] += 1 }
        let chosen = selected.filter { grade == nil || $0.assessment.grade == grade }
            .sorted { ($0.assessment.score, $0.entry.id) < ($1.assessment.score, $1.entry.id) }
        let size = request.pageSize == 0 ? 50 : Int(request.pageSize)
        let divisions = try await divisions()
        response.total = Int32(chosen.count)
        response.entries = chosen.dropFirst(offset).prefix(size).map { item in
            .with {
                $0.id = item.entry.id
                $0.name = item.entry.name
                $0.kindName = item.entry.kind.nameZH
                $0.regionCode = item.entry.regionCode
                $0.regionName = DivisionCode.fullName(of: item.entry.regionCode, in: divisions)
                $0.businessLineName = context.modules.module(id: item.entry.businessLine)?.manifest.nameZH ?? "公共法律服务"
                $0.licenceStatus = item.entry.licenceStatus
                $0.inGoodStanding = item.entry.inGoodStanding
                $0.creditScore = Int32(item.assessment.score)
                $0.creditGrade = item.assessment.grade.rawValue
                $0.alerts = item.alerts.map { Self.proto($0, item.entry, divisions) }
            }
        }
        if offset + size < chosen.count { response.nextPageToken = String(offset + size) }
        return response
    }

    func getOversight(_ request: Fawang_Supervision_V1_GetOversightRequest) async throws -> Fawang_Supervision_V1_OversightRecord {
        try await record(of: try await entry(request.entryID, field: "entry_id"))
    }

    func listOversightAlerts(_ request: Fawang_Supervision_V1_ListOversightAlertsRequest) async throws -> Fawang_Supervision_V1_ListOversightAlertsResponse {
        var check = FieldValidator()
        let kinds = check.distinct(request.kinds, field: "kinds", "预警类别应为：\(OversightAlert.Kind.allCases.map(\.rawValue).joined(separator: "、"))") {
            OversightAlert.Kind(rawValue: $0)
        }
        try check.check()
        let region = try await region(request.regionCode)
        let divisions = try await divisions()
        let order = Dictionary(uniqueKeysWithValues: OversightAlert.Kind.allCases.enumerated().map { ($0.element, $0.offset) })
        let alerts = try await overseen(in: region).flatMap { item in item.alerts.map { (item.entry, $0) } }
            .filter { kinds.isEmpty || kinds.contains($0.1.kind) }
            .sorted { (order[$0.1.kind] ?? 0, $0.0.regionCode, $0.0.id) < (order[$1.1.kind] ?? 0, $1.0.regionCode, $1.0.id) }
        return .with { $0.alerts = alerts.map { Self.proto($0.1, $0.0, divisions) } }
    }

    // MARK: Recording (each one transaction with its audit entry)

    func recordAssessment(_ request: Fawang_Supervision_V1_RecordAssessmentRequest) async throws -> Fawang_Supervision_V1_OversightRecord {
        var check = FieldValidator()
        let result = Self.assessmentResult(request.result)
        check.require(result != nil, "result", "请选择考核结果：合格（称职）、基本合格（基本称职）或不合格（不称职）")
        let lastYear = today.components.year - 1
        check.require((2000...lastYear).contains(Int(request.year)), "year", "考核年度应在2000至\(lastYear)年之间（年度考核在次年进行）")
        check.require(request.note.count <= 500, "note", "说明不能超过500字")
        try check.check()
        let entry = try await entry(request.entryID, field: "entry_id")
        let principal = try author()
        return try await save([SQLStatement(
            """
            INSERT INTO supervision_assessments (entry_id, year, result, note, recorded_on, recorded_by) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (entry_id, year) DO UPDATE SET result = excluded.result, note = excluded.note,
                recorded_on = excluded.recorded_on, recorded_by = excluded.recorded_by
            """,
            [.text(entry.id), .integer(Int64(request.year)), .text(result!.rawValue), .text(request.note), .text(today.description),
             .text(principal.accountID)])], about: entry, by: principal, "登记\(request.year)年度考核：\(result!.label(isPerson: entry.kind.isPerson))")
    }

    func recordInspection(_ request: Fawang_Supervision_V1_RecordInspectionRequest) async throws -> Fawang_Supervision_V1_OversightRecord {
        var check = FieldValidator()
        let day = past(request.day, field: "day", "检查日期", &check)
        let kind = Self.inspectionKind(request.kind)
        check.require(kind != nil, "kind", "请选择检查方式：日常检查、专项检查或“双随机”抽查")
        let result = Self.inspectionResult(request.result)
        check.require(result != nil, "result", "请选择检查结论：合格、限期整改或不合格")
        let findings = request.findings.trimmingCharacters(in: .whitespacesAndNewlines)
        check.require(result == .passed || !findings.isEmpty, "findings", "限期整改或不合格的，请写明发现的问题")
        check.require(findings.count <= 2000, "findings", "发现的问题不能超过2000字")
        let rectifyBy = endDay(
            request.rectifyBy, after: day, field: "rectify_by", applies: result == .rectify, &check, missing: "限期整改的，请填写整改期限（YYYY-MM-DD）",
            notAfter: "整改期限应晚于检查日期", notApplicable: "只有限期整改的检查才填写整改期限")
        let id = recordID(request.requestID, prefix: "jc-", &check)
        try check.check()
        let entry = try await entry(request.entryID, field: "entry_id")
        let principal = try author()
        return try await save([SQLStatement(
            """
            INSERT INTO supervision_inspections (id, entry_id, day, kind, result, findings, rectify_by, recorded_by, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
            """,
            [.text(id), .text(entry.id), .text(day!.description), .text(kind!.rawValue), .text(result!.rawValue), .text(findings),
             rectifyBy.map { .text($0.description) } ?? .null, .text(principal.accountID), .text(context.now().formatted(.iso8601))])], about: entry, by: principal, "登记\(day!)\(kind!.label)：\(result!.label)")
    }

    func recordMeasure(_ request: Fawang_Supervision_V1_RecordMeasureRequest) async throws -> Fawang_Supervision_V1_OversightRecord {
        var check = FieldValidator()
        let day = past(request.decidedOn, field: "decided_on", "决定日期", &check)
        let kind = Self.measureKind(request.kind)
        check.require(kind != nil, "kind", "请选择处理种类：警告、通报批评、罚款、停止执业或吊销执业证书")
        let basis = request.basis.trimmingCharacters(in: .whitespaces), reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        check.require(!basis.isEmpty, "basis", "请写明依据的条款，如《中华人民共和国律师法》第四十七条")
        check.require(basis.count <= 200, "basis", "依据不能超过200字")
        check.require(!reason.isEmpty, "reason", "请写明违法违规事实")
        check.require(reason.count <= 1000, "reason", "事实和理由不能超过1000字")
        let until = endDay(
            request.until, after: day, field: "until", applies: kind == .suspension, &check, missing: "停止执业的，请填写截止日期（YYYY-MM-DD）",
            notAfter: "停止执业截止日期应晚于决定日期", notApplicable: "只有停止执业才填写截止日期")
        let id = recordID(request.requestID, prefix: "cf-", &check)
        try check.check()
        let entry = try await entry(request.entryID, field: "entry_id")
        let principal = try author()
        return try await save([SQLStatement(
            """
            INSERT INTO supervision_measures (id, entry_id, decided_on, kind, basis, reason, until, recorded_by, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
            """,
            [.text(id), .text(entry.id), .text(day!.description), .text(kind!.rawValue), .text(basis), .text(reason),
             until.map { .text($0.description) } ?? .null, .text(principal.accountID), .text(context.now().formatted(.iso8601))])], about: entry, by: principal, "登记\(day!)\(kind!.label)，依据\(basis)")
    }

    func setLicenceTerm(_ request: Fawang_Supervision_V1_SetLicenceTermRequest) async throws -> Fawang_Supervision_V1_OversightRecord {
        var check = FieldValidator()
        let until = request.validUntil.isEmpty ? nil : CivilDate(strictISO: request.validUntil)
        check.require(request.validUntil.isEmpty || until != nil, "valid_until", "有效期应写作YYYY-MM-DD；留空即清除")
        try check.check()
        let entry = try await entry(request.entryID, field: "entry_id")
        let principal = try author()
        let statement = if let until {
            SQLStatement(
                """
                INSERT INTO supervision_licence_terms (entry_id, valid_until, recorded_by, recorded_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (entry_id) DO UPDATE SET valid_until = excluded.valid_until, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
                """,
                [.text(entry.id), .text(until.description), .text(principal.accountID), .text(context.now().formatted(.iso8601))])
        } else {
            SQLStatement("DELETE FROM supervision_licence_terms WHERE entry_id = ?", [.text(entry.id)])
        }
        return try await save([statement], about: entry, by: principal, until.map { "登记执业许可有效期至\($0)" } ?? "清除执业许可有效期")
    }

    /// A date typed as YYYY-MM-DD, not after today; nil (with the field's reason) otherwise.
    func past(_ text: String, field: String, _ label: String, _ check: inout FieldValidator) -> CivilDate? {
        let day = CivilDate(strictISO: text)
        check.require(day != nil, field, "\(label)应写作YYYY-MM-DD")
        if let day { check.require(day <= today, field, "\(label)不能晚于今天") }
        return day
    }

    /// The last day of a rectification or a suspension: required after `day` where it `applies`,
    /// refused where it does not.
    func endDay(
        _ text: String, after day: CivilDate?, field: String, applies: Bool, _ check: inout FieldValidator, missing: String, notAfter: String,
        notApplicable: String
    ) -> CivilDate? {
        guard applies else {
            check.require(text.isEmpty, field, notApplicable)
            return nil
        }
        let end = text.isEmpty ? nil : CivilDate(strictISO: text)
        check.require(end != nil, field, missing)
        if let end, let day { check.require(end > day, field, notAfter) }
        return end
    }

    /// The record's id: the caller's request id (a retry records nothing twice), or a new one.
    func recordID(_ requestID: String, prefix: String, _ check: inout FieldValidator) -> String {
        check.require(requestID.count <= 64, "request_id", "请求编号不能超过64个字符")
        return requestID.isEmpty ? prefix + UUID().uuidString.prefix(12).lowercased() : requestID
    }

    /// Writes `statements` with their audit entry in one transaction; the entry's file after.
    func save(_ statements: [SQLStatement], about entry: DirectoryEntry, by principal: Principal, _ what: String) async throws
        -> Fawang_Supervision_V1_OversightRecord
    {
        try await context.storage.execute(statements, audit: audit(principal, entry, what))
        return try await record(of: try await self.entry(entry.id, field: "entry_id"))
    }

    // MARK: The records

    /// Every record this module keeps, by directory id: what the directory lays over its entries.
    static func records(_ storage: any ModuleStorage) async throws -> [String: OversightRecord] {
        var records: [String: OversightRecord] = [:]
        for row in try await storage.query(SQLStatement("SELECT * FROM supervision_licence_terms")) {
            records[row.string("entry_id") ?? "", default: OversightRecord()].licenceValidUntil = row.string("valid_until").flatMap { CivilDate(iso: $0) }
        }
        for row in try await storage.query(SQLStatement("SELECT * FROM supervision_assessments ORDER BY year DESC")) {
            guard let result = AnnualAssessmentResult(rawValue: row.string("result") ?? "") else { continue }
            records[row.string("entry_id") ?? "", default: OversightRecord()].assessments.append(AnnualAssessment(
                year: row.int("year") ?? 0, result: result, note: row.string("note") ?? "",
                recordedOn: row.string("recorded_on").flatMap { CivilDate(iso: $0) } ?? CivilDate(dayNumber: 0)))
        }
        for row in try await storage.query(SQLStatement("SELECT * FROM supervision_inspections ORDER BY day DESC, recorded_at DESC, id")) {
            guard let day = row.string("day").flatMap({ CivilDate(iso: $0) }), let kind = InspectionKind(rawValue: row.string("kind") ?? ""),
                let result = InspectionResult(rawValue: row.string("result") ?? "")
            else { continue }
            records[row.string("entry_id") ?? "", default: OversightRecord()].inspections.append(Inspection(
                id: row.string("id") ?? "", day: day, kind: kind, result: result, findings: row.string("findings") ?? "",
                rectifyBy: row.string("rectify_by").flatMap { CivilDate(iso: $0) }))
        }
        for row in try await storage.query(SQLStatement("SELECT * FROM supervision_measures ORDER BY decided_on DESC, recorded_at DESC, id")) {
            guard let day = row.string("decided_on").flatMap({ CivilDate(iso: $0) }), let kind = MeasureKind(rawValue: row.string("kind") ?? "") else { continue }
            records[row.string("entry_id") ?? "", default: OversightRecord()].measures.append(DisciplinaryMeasure(
                id: row.string("id") ?? "", decidedOn: day, kind: kind, basis: row.string("basis") ?? "", description: row.string("reason") ?? "",
                until: row.string("until").flatMap { CivilDate(iso: $0) }))
        }
        return records
    }

    /// An entry with its credit figures, score and alerts as of today.
    struct Overseen {
        var entry: DirectoryEntry
        var credit: CreditSummary
        var assessment: CreditAssessment
        var alerts: [OversightAlert]
    }

    /// The entries of `region` the caller oversees, each assessed.
    func overseen(in region: String) async throws -> [Overseen] {
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        let entries = try await registers().entries().filter { DivisionCode.contains(region, $0.regionCode) && Self.oversees(principal, $0) }
        return try await assess(entries)
    }

    func assess(_ entries: [DirectoryEntry]) async throws -> [Overseen] {
        let day = today
        let credit = try await context.matters.creditSummaries(entryIDs: entries.map(\.id), today: day)
        return entries.map { entry in
            let figures = credit[entry.id] ?? CreditSummary()
            let assessment = CreditRules.assess(entry, credit: figures, today: day)
            return Overseen(entry: entry, credit: figures, assessment: assessment, alerts: OversightAlertRules.alerts(entry, credit: figures, assessment: assessment, today: day))
        }
    }

    /// Whether `principal` oversees `entry`: see the type's comment.
    static func oversees(_ principal: Principal, _ entry: DirectoryEntry) -> Bool {
        switch principal.role {
        case .platformAdmin: true
        case .staff, .departmentAdmin:
            DivisionCode.contains(principal.regionCode, entry.regionCode)
                && (principal.department.isEmpty || principal.department == SupervisionPlugin.moduleID || principal.department == entry.businessLine)
        default: false
        }
    }

    /// The entry `id` names, if the caller oversees it.
    func entry(_ id: String, field: String) async throws -> DirectoryEntry {
        guard !id.isEmpty else { throw FawangError.invalidArgument(field: field, "请填写目录编号，如 notary_office/np-640100-1") }
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        guard let entry = try await registers().entries().first(where: { $0.id == id }) else {
            throw FawangError.notFound("目录中没有编号为 \(id) 的机构或人员（可能已注销，或所属业务在当地未开通）")
        }
        guard Self.oversees(principal, entry) else {
            throw FawangError(.permissionDenied, "本账号不能监管 \(entry.name)：只能监管本辖区（\(principal.regionCode)）本条线的机构和人员")
        }
        return entry
    }

    func record(of entry: DirectoryEntry) async throws -> Fawang_Supervision_V1_OversightRecord {
        let item = try await assess([entry])[0]
        let divisions = try await divisions()
        let record = entry.oversight, isPerson = entry.kind.isPerson
        let bureau = Set(record.measures.map(\.id))
        let directoryEntry = Fawang_Directory_V1_DirectoryEntry(
            entry, regionName: DivisionCode.fullName(of: entry.regionCode, in: divisions),
            lineName: context.modules.module(id: entry.businessLine)?.manifest.nameZH ?? "", credit: item.credit, today: today)
        return .with {
            $0.entry = directoryEntry
            $0.licenceValidUntil = record.licenceValidUntil?.description ?? ""
            $0.assessments = record.assessments.map { assessment in
                .with {
                    $0.year = Int32(assessment.year)
                    $0.result = Self.proto(assessment.result)
                    $0.resultName = assessment.result.label(isPerson: isPerson)
                    $0.note = assessment.note
                    $0.recordedOn = assessment.recordedOn.description
                }
            }
            $0.inspections = record.inspections.map { inspection in
                .with {
                    $0.id = inspection.id
                    $0.day = inspection.day.description
                    $0.kind = Self.proto(inspection.kind)
                    $0.kindName = inspection.kind.label
                    $0.result = Self.proto(inspection.result)
                    $0.resultName = inspection.result.label
                    $0.findings = inspection.findings
                    $0.rectifyBy = inspection.rectifyBy?.description ?? ""
                }
            }
            $0.measures = entry.measures.map { measure in
                .with {
                    $0.id = measure.id
                    $0.decidedOn = measure.decidedOn.description
                    $0.kind = Self.proto(measure.kind)
                    $0.kindName = measure.kind.label
                    $0.basis = measure.basis
                    $0.description_p = measure.description
                    $0.until = measure.until?.description ?? ""
                    $0.recordedByBureau = bureau.contains(measure.id)
                }
            }
            $0.creditScore = Int32(item.assessment.score)
            $0.creditGrade = item.assessment.grade.rawValue
            $0.creditGradeName = item.assessment.grade.nameZH
            $0.deductions = item.assessment.deductions.map { deduction in
                .with {
                    $0.points = Int32(deduction.points)
                    $0.reason = deduction.reason
                }
            }
            $0.alerts = item.alerts.map { Self.proto($0, entry, divisions) }
        }
    }

    // MARK: Helpers

    func registers() throws -> Registers {
        guard let registers = context.registers else { throw FawangError(.unavailable, "本服务器未提供法律服务机构目录") }
        return registers
    }

    /// The division asked for (default the caller's), checked like the statistics' scope.
    func region(_ requested: String) async throws -> String {
        try await StatisticsService(context: context).scope(region: requested, line: "", type: "", field: "").region
    }

    func divisions() async throws -> [String: Division] {
        Dictionary(try await context.directory.allDivisions().map { ($0.code, $0) }) { first, _ in first }
    }

    func author() throws -> Principal {
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        return principal
    }

    func audit(_ principal: Principal, _ entry: DirectoryEntry, _ what: String) -> AuditDraft {
        AuditDraft(
            actor: principal.accountID, role: principal.role.rawValue, channel: (ChannelDecision.current ?? .walkIn).rawValue,
            target: "directory/\(entry.id)", detail: "\(entry.name)：\(what)")
    }

    static func proto(_ alert: OversightAlert, _ entry: DirectoryEntry, _ divisions: [String: Division]) -> Fawang_Supervision_V1_Alert {
        .with {
            $0.kind = alert.kind.rawValue
            $0.kindName = alert.kind.label
            $0.message = alert.message
            $0.entryID = entry.id
            $0.entryName = entry.name
            $0.regionCode = entry.regionCode
            $0.regionName = DivisionCode.fullName(of: entry.regionCode, in: divisions)
        }
    }

    static func assessmentResult(_ value: Fawang_Supervision_V1_AssessmentResult) -> AnnualAssessmentResult? {
        switch value {
        case .pass: .pass
        case .basic: .basic
        case .fail: .fail
        default: nil
        }
    }

    static func proto(_ value: AnnualAssessmentResult) -> Fawang_Supervision_V1_AssessmentResult {
        switch value {
        case .pass: .pass
        case .basic: .basic
        case .fail: .fail
        }
    }

    static func inspectionKind(_ value: Fawang_Supervision_V1_InspectionKind) -> InspectionKind? {
        switch value {
        case .routine: .routine
        case .special: .special
        case .random: .random
        default: nil
        }
    }

    static func proto(_ value: InspectionKind) -> Fawang_Supervision_V1_InspectionKind {
        switch value {
        case .routine: .routine
        case .special: .special
        case .random: .random
        }
    }

    static func inspectionResult(_ value: Fawang_Supervision_V1_InspectionResult) -> InspectionResult? {
        switch value {
        case .passed: .passed
        case .rectify: .rectify
        case .failed: .failed
        default: nil
        }
    }

    static func proto(_ value: InspectionResult) -> Fawang_Supervision_V1_InspectionResult {
        switch value {
        case .passed: .passed
        case .rectify: .rectify
        case .failed: .failed
        }
    }

    static func measureKind(_ value: Fawang_Supervision_V1_MeasureKind) -> MeasureKind? {
        switch value {
        case .warning: .warning
        case .criticism: .criticism
        case .fine: .fine
        case .suspension: .suspension
        case .revocation: .revocation
        default: nil
        }
    }

    static func proto(_ value: MeasureKind) -> Fawang_Supervision_V1_MeasureKind {
        switch value {
        case .warning: .warning
        case .criticism: .criticism
        case .fine: .fine
        case .suspension: .suspension
        case .revocation: .revocation
        }
    }
}
