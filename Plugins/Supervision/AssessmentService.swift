import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf

/// `fawang.supervision.v1.AssessmentService` (考核、通报): the month's scores from the declared
/// indicators (``AssessmentIndicators``) by line and by division, and the monthly bulletin of a
/// division, generated once (HTML and PDF) and archived in `supervision_bulletins`.
struct AssessmentService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Supervision_V1_AssessmentService.Method
    typealias Score = AssessmentIndicators.Score

    static let rpcs = RPCTable<AssessmentService>([
        RPC(Method.GetScores.descriptor, .handlers, verb: "scores", help: "月度考核得分：办理及时率、群众满意度、网上办理率、数据完整率，按条线和地区排名",
            argument: "month", aliases: ["region": "region_code"], AssessmentService.getScores),
        RPC(Method.PublishBulletin.descriptor, .handlers, verb: "bulletin-publish", help: "生成并存档某月考核通报（HTML和PDF；每月每地一份，重复生成返回已存档的通报）",
            argument: "month", aliases: ["region": "region_code"], AssessmentService.publishBulletin),
        RPC(Method.ListBulletins.descriptor, .handlers, verb: "bulletins", help: "已存档的考核通报（本辖区及下级）", argument: "region_code",
            aliases: ["region": "region_code"], AssessmentService.listBulletins),
        RPC(Method.GetBulletin.descriptor, .handlers, verb: "bulletin", help: "下载一份考核通报（HTML或PDF）", argument: "id", AssessmentService.getBulletin),
    ])

    var statistics: StatisticsService { StatisticsService(context: context) }
    var today: CivilDate { CivilDate(context.now()) }

    // MARK: Scores

    func getScores(_ request: Fawang_Supervision_V1_ScoresRequest) async throws -> Fawang_Supervision_V1_ScoresReport {
        let month = try Self.month(request.month, today: today, mustHaveEnded: false)
        let scope = try await statistics.scope(region: request.regionCode, line: "", type: "", field: "")
        var report = try await scores(month: month, region: scope.region, lines: scope.lines)
        if request.by == .line { report.byDivision = [] }
        if request.by == .division { report.byLine = [] }
        return report
    }

    /// The first day of the month `text` names (YYYY-MM; empty: this month, or last month when it
    /// must have ended).
    static func month(_ text: String, today: CivilDate, mustHaveEnded: Bool) throws -> CivilDate {
        let current = today.monthStart()
        if text.isEmpty { return mustHaveEnded ? today.monthStart(movedBy: -1) : current }
        var check = FieldValidator()
        let parsed = text.count == 7 ? CivilDate(strictISO: text + "-01") : nil
        check.require(parsed != nil, "month", "月份应写作YYYY-MM，例如\(current.description.prefix(7))")
        if let parsed {
            check.require(parsed <= current, "month", "\(label(parsed))还没有到，不能考核")
            if mustHaveEnded {
                check.require(parsed < current, "month", "\(label(parsed))尚未结束：月度通报在次月1日起生成，请选择已结束的月份")
            }
        }
        try check.check()
        return parsed!
    }

    static func label(_ month: CivilDate) -> String { "\(month.components.year)年\(month.components.month)月" }
    static func key(_ month: CivilDate) -> String { String(month.description.prefix(7)) }

    /// The month's scores in `region` over `lines`, by line and by the divisions one level below.
    func scores(month: CivilDate, region: String, lines: [String]) async throws -> Fawang_Supervision_V1_ScoresReport {
        let end = month.monthStart(movedBy: 1).adding(days: -1)
        // A limit still running counts as overdue once past its day on the day of reading.
        let asOf = today
        let counts = try await context.matters.assessmentCounts(
            from: month, to: end, today: asOf, regionCode: region, businessLines: lines,
            onlineChannels: AssessmentIndicators.onlineChannels.map(\.rawValue))
        guard let division = try await context.directory.division(code: region) else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码 \(region) 不在本平台服务范围内")
        }
        // By line: every line the caller may see, with or without matters.
        let byLine = lines.map { line in
            let count = counts.filter { $0.businessLine == line }.reduce(into: AssessmentCount(regionCode: region, businessLine: line)) { $0.add($1) }
            return AssessmentIndicators.score(unit: line, name: statistics.lineName(line), count)
        }
        // By division: each child (a matter filed at the division's own level is its 本级).
        var children = try await context.directory.divisions(parentCode: region).map { ($0.code, $0.name) }
        if counts.contains(where: { $0.regionCode == region }) || children.isEmpty {
            children.append((region, children.isEmpty ? division.name : division.name + "本级"))
        }
        let byDivision = children.map { code, name in
            let members = counts.filter { code == region ? $0.regionCode == region : DivisionCode.contains(code, $0.regionCode) }
            let count = members.reduce(into: AssessmentCount(regionCode: code, businessLine: "")) { $0.add($1) }
            return AssessmentIndicators.score(unit: code, name: name, count)
        }
        let overall = AssessmentIndicators.score(
            unit: region, name: division.name, counts.reduce(into: AssessmentCount(regionCode: region, businessLine: "")) { $0.add($1) })
        return .with {
            $0.month = Self.key(month)
            $0.regionCode = region
            $0.regionName = division.name
            $0.indicators = AssessmentIndicators.all.map { indicator in
                .with {
                    $0.id = indicator.id
                    $0.name = indicator.name
                    $0.weight = Int32(indicator.weight)
                    $0.definition = indicator.definition
                }
            }
            $0.byLine = AssessmentIndicators.ranked(byLine).map(Self.proto)
            $0.byDivision = AssessmentIndicators.ranked(byDivision).map(Self.proto)
            $0.overall = Self.proto(overall)
            $0.asOfDay = asOf.description
        }
    }

    static func proto(_ score: Score) -> Fawang_Supervision_V1_ScoreRow {
        .with {
            $0.unit = score.unit
            $0.unitName = score.name
            $0.indicators = zip(AssessmentIndicators.all, score.results).map { indicator, result in
                .with {
                    $0.id = indicator.id
                    $0.measured = result.hasData
                    $0.value = result.hasData ? (result.value * 10000).rounded() / 10000 : 0
                    $0.display = AssessmentIndicators.display(result, of: indicator)
                    $0.points = AssessmentIndicators.rounded(AssessmentIndicators.points(result, of: indicator))
                    $0.numerator = Int64(result.numerator)
                    $0.denominator = Int64(result.denominator)
                }
            }
            $0.measured = score.total != nil
            $0.total = score.total ?? 0
            $0.rank = Int32(score.rank)
            $0.received = Int64(score.count.received)
        }
    }

    // MARK: Bulletins

    /// Supervisors (department `supervision`) and the platform's admins publish; a bureau's staff
    /// read the bulletins of their division and below.
    func publishBulletin(_ request: Fawang_Supervision_V1_PublishBulletinRequest) async throws -> Fawang_Supervision_V1_Bulletin {
        let month = try Self.month(request.month, today: today, mustHaveEnded: true)
        let scope = try await statistics.scope(region: request.regionCode, line: "", type: "", field: "")
        guard let principal = Principal.current, principal.role == .platformAdmin || principal.department == SupervisionPlugin.moduleID else {
            throw FawangError(.permissionDenied, "考核通报由监管部门工作人员或平台管理员生成；本账号可以查看和下载已存档的通报")
        }
        return try await publish(month: month, region: scope.region, by: principal.accountID)
    }

    /// The month's bulletin of `region`: the archived one (replayed), or generated and archived
    /// now — both files and the audit entry in one transaction, guarded so that two publishers
    /// (two hosts, or a supervisor and the monthly generation) leave one.
    func publish(month: CivilDate, region: String, by actor: String) async throws -> Fawang_Supervision_V1_Bulletin {
        if let archived = try await bulletin(month: month, region: region) { return archived }
        let lines = context.modules.matterLines
        let scores = try await scores(month: month, region: region, lines: lines)
        let generatedAt = context.now()
        let document = BulletinDocument(scores: scores, monthLabel: Self.label(month), generatedAt: generatedAt)
        let html = Data(document.html().utf8)
        let pdf = try await PDFConverter.pdf(fromHTML: html, logger: context.logger)
        let id = "tb-\(region)-\(Self.key(month))"
        do {
            try await context.storage.execute(
                [SQLStatement(
                    """
                    INSERT INTO supervision_bulletins (id, month, region_code, title, summary, html, pdf, generated_at, generated_by)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM supervision_bulletins WHERE month = ? AND region_code = ?)
                    """,
                    [
                        .text(id), .text(Self.key(month)), .text(region), .text(document.title), .text(document.summary), .blob(html), .blob(pdf),
                        .text(generatedAt.formatted(.iso8601)), .text(actor), .text(Self.key(month)), .text(region),
                    ], unlessChanged: "published already")],
                audit: AuditDraft(
                    actor: actor, role: Principal.current?.role.rawValue ?? "system", channel: ChannelDecision.current?.rawValue ?? Channel.api.rawValue,
                    target: "supervision:bulletin:\(id)", detail: "bulletin_published"))
        } catch let error as FawangError where error.code == .failedPrecondition {
            // Published meanwhile by someone else: theirs stands.
        }
        guard var stored = try await bulletin(month: month, region: region) else {
            throw FawangError(.internalError, "bulletin \(id) not found after publishing")
        }
        stored.replayed = stored.generatedAt != generatedAt.formatted(.iso8601) || stored.generatedBy != actor
        if !stored.replayed {
            context.logger.notice("assessment: bulletin published", metadata: ["region": "\(region)", "month": "\(Self.key(month))", "by": "\(actor)"])
        }
        return stored
    }

    static let listColumns = "id, month, region_code, title, summary, generated_at, generated_by, length(html) AS html_bytes, length(pdf) AS pdf_bytes"

    func bulletin(month: CivilDate, region: String) async throws -> Fawang_Supervision_V1_Bulletin? {
        let rows = try await context.storage.query(SQLStatement(
            "SELECT \(Self.listColumns) FROM supervision_bulletins WHERE month = ? AND region_code = ?", [.text(Self.key(month)), .text(region)]))
        guard let row = rows.first else { return nil }
        var found = Self.bulletin(row, regionName: try await context.directory.division(code: region)?.name ?? region)
        found.replayed = true
        return found
    }

    static func bulletin(_ row: SQLRow, regionName name: String) -> Fawang_Supervision_V1_Bulletin {
        let region = row.string("region_code") ?? ""
        return .with {
            $0.id = row.string("id") ?? ""
            $0.month = row.string("month") ?? ""
            $0.regionCode = region
            $0.regionName = name
            $0.title = row.string("title") ?? ""
            $0.summary = row.string("summary") ?? ""
            $0.generatedAt = row.string("generated_at") ?? ""
            $0.generatedBy = row.string("generated_by") ?? ""
            $0.htmlBytes = Int64(row.int("html_bytes") ?? 0)
            $0.pdfBytes = Int64(row.int("pdf_bytes") ?? 0)
        }
    }

    func listBulletins(_ request: Fawang_Supervision_V1_ListBulletinsRequest) async throws -> Fawang_Supervision_V1_ListBulletinsResponse {
        let scope = try await statistics.scope(region: request.regionCode, line: "", type: "", field: "")
        let rows = try await context.storage.query(SQLStatement(
            "SELECT \(Self.listColumns) FROM supervision_bulletins WHERE region_code LIKE ? ORDER BY month DESC, region_code LIMIT 500",
            [.text(DivisionCode.scopePrefix(of: scope.region) + "%")]))
        let names = Dictionary(try await context.directory.allDivisions().map { ($0.code, $0.name) }) { first, _ in first }
        return .with {
            $0.bulletins = rows.map { row in Self.bulletin(row, regionName: names[row.string("region_code") ?? ""] ?? row.string("region_code") ?? "") }
        }
    }

    func getBulletin(_ request: Fawang_Supervision_V1_GetBulletinRequest) async throws -> Fawang_Supervision_V1_ExportedFile {
        let pdf = request.format == .pdf
        guard let row = try await context.storage.query(SQLStatement(
            "SELECT id, title, region_code, \(pdf ? "pdf" : "html") AS content FROM supervision_bulletins WHERE id = ?", [.text(request.id)])).first
        else { throw FawangError.notFound("没有编号为 \(request.id) 的考核通报") }
        _ = try await statistics.scope(region: row.string("region_code") ?? "", line: "", type: "", field: "")
        guard case .some(.blob(let content)) = row.values["content"] else { throw FawangError(.internalError, "bulletin \(request.id) has no stored file") }
        let title = (row.string("title") ?? request.id).trimmingCharacters(in: CharacterSet(charactersIn: "《》"))
        return .with {
            $0.fileName = title + (pdf ? ".pdf" : ".html")
            $0.contentType = pdf ? "application/pdf" : "text/html; charset=utf-8"
            $0.content = content
        }
    }

    // MARK: Monthly generation

    /// Last month's bulletin of the province and of each city, where missing and the division had
    /// any matter that month; returns those generated. Cheap when there is nothing to do: one
    /// query of the archive.
    func generateLastMonth() async throws -> [Fawang_Supervision_V1_Bulletin] {
        let month = today.monthStart(movedBy: -1)
        let end = today.monthStart().adding(days: -1)
        let provinces = try await context.directory.divisions(parentCode: nil)
        var regions: [String] = []
        for province in provinces {
            regions.append(province.code)
            regions += try await context.directory.divisions(parentCode: province.code).map(\.code)
        }
        let archived = Set(try await context.storage.query(SQLStatement(
            "SELECT region_code FROM supervision_bulletins WHERE month = ?", [.text(Self.key(month))])).compactMap { $0.string("region_code") })
        let lines = context.modules.matterLines
        var generated: [Fawang_Supervision_V1_Bulletin] = []
        for region in regions where !archived.contains(region) {
            // A division with no matter in the month gets no bulletin by itself (one can still be published by hand).
            let counts = try await context.matters.assessmentCounts(
                from: month, to: end, today: today, regionCode: region, businessLines: lines, onlineChannels: [])
            guard counts.contains(where: { $0.received > 0 || $0.ratings > 0 }) else { continue }
            let bulletin = try await publish(month: month, region: region, by: "system")
            if !bulletin.replayed { generated.append(bulletin) }
        }
        return generated
    }
}
