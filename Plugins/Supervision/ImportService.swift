import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.supervision.v1.ImportService` (网上录入数据): records kept elsewhere, imported one matter
/// per row through the line's own intake handler — its validation, its rules, its transaction —
/// with channel `import`; the row's key makes a re-import create nothing.
struct ImportService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Supervision_V1_ImportService.Method
    static let maximumRows = 20_000

    static let rpcs = RPCTable<ImportService>([
        RPC(Method.GetImportTemplate.descriptor, .handlers, verb: "import-template", help: "批量导入的表格模板（CSV：字段路径一行、中文说明一行）",
            argument: "business_line", aliases: ["line": "business_line"], ImportService.template),
        RPC(Method.ImportRows.descriptor, .handlers, help: "批量导入：逐行经本条线受理规则校验，进度每50行推送一次", stream: ImportService.importRows),
    ])

    /// Every column of a line's intake: its field paths (the request id and the channel context
    /// are the import's), with their Chinese labels.
    func columns(_ entry: Intakes.Entry) -> [(path: String, label: String)] {
        guard let message = ProtoSchema.current.messages[entry.input.protoMessageName] else { return [] }
        return ProtoSchema.current.leafFields(of: message)
            .filter { $0.path != "request_id" && !$0.path.hasPrefix("context.") }
            .map { path, _, comment in
                // The online form's label; a field the public form leaves out (an empty label) by its comment.
                let label = FormLabels.label(path, in: entry.labels) ?? ""
                return (path, label.isEmpty ? comment : label)
            }
    }

    func template(_ request: Fawang_Supervision_V1_ImportTemplateRequest) async throws -> Fawang_Supervision_V1_ExportedFile {
        let entry = try intake(request.businessLine, request.intake)
        _ = try requireStaff(of: entry.module)
        let columns = columns(entry)
        let table = Spreadsheet(
            header: ["row_key"] + columns.map(\.path),
            rows: [[.text("# 本单位记录编号（同一编号重复导入不会重复建档）")] + columns.map { .text($0.label) }])
        return .with {
            $0.fileName = "导入模板_\(entry.module)_\(entry.verb ?? "intake").csv"
            $0.contentType = Spreadsheet.csvType
            $0.content = table.csv()
        }
    }

    /// A marker thrown from inside a dry run's transaction: everything checked, nothing kept.
    private struct DryRunPassed: Error {}

    func importRows(_ request: Fawang_Supervision_V1_ImportRequest, _ writer: RPCWriter<Fawang_Supervision_V1_ImportProgress>) async throws {
        let entry = try intake(request.businessLine, request.intake)
        let principal = try requireStaff(of: entry.module)
        guard let intakes = context.intakes else { throw FawangError(.unavailable, "本平台暂不能批量导入") }
        let workbook = Spreadsheet.isZip(request.content)
        guard let table = workbook ? Spreadsheet.rows(xlsx: request.content) : Spreadsheet.rows(csv: request.content), let header = table.first else {
            throw FawangError.invalidArgument(
                field: "content",
                workbook
                    ? "无法读取这个 Excel 文件（应为 .xlsx 工作簿，数据在第一个工作表）；可以在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后重新导入"
                    : "文件不是 UTF-8 编码的 CSV，或有未闭合的引号；请用模板填写后另存为 CSV（UTF-8）或 Excel 工作簿（.xlsx）")
        }
        let known = Set(columns(entry).map(\.path))
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.first == "row_key" else {
            throw FawangError.invalidArgument(field: "content", "第一列应为 row_key（本单位记录编号）；请用模板（fawang supervision import-template \(entry.module)）")
        }
        let unknown = names.dropFirst().filter { !$0.isEmpty && !known.contains($0) }
        guard unknown.isEmpty else {
            throw FawangError.invalidArgument(field: "content", "表头有本事项没有的列：\(unknown.joined(separator: "、"))；请用模板的列")
        }
        let rows = Array(table.dropFirst())
        guard rows.count <= Self.maximumRows else {
            throw FawangError.invalidArgument(field: "content", "一次最多导入\(Self.maximumRows)行，本文件有\(rows.count)行；请分成几个文件")
        }
        var report = Fawang_Supervision_V1_ImportReport.with {
            $0.dryRun = request.dryRun
            $0.fileName = request.fileName
        }
        var seen: Set<String> = []
        let dryRun = request.dryRun
        for (index, cells) in rows.enumerated() {
            let number = index + 1
            // Each row once: its first field at fault, and every reason (the others' fields named).
            func refuse(_ key: String, _ problems: [(field: String, reason: String)]) {
                let field = problems.first?.field ?? ""
                report.refused.append(.with {
                    $0.row = Int32(number)
                    $0.rowKey = key
                    $0.field = field
                    $0.reason = problems.map { $0.field == field || $0.field.isEmpty ? $0.reason : "\($0.field)：\($0.reason)" }.joined(separator: "；")
                })
            }
            if index % 50 == 0 {
                try await writer.write(.with {
                    $0.total = Int32(rows.count)
                    $0.done = Int32(index)
                })
            }
            let key = (cells.first ?? "").trimmingCharacters(in: .whitespaces)
            // Notes and blank lines.
            if key.hasPrefix("#") || cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            report.total += 1
            guard !key.isEmpty, key.count <= 64 else { refuse(key, [("row_key", "请填写本单位记录编号（1至64个字符）")]); continue }
            guard seen.insert(key).inserted else { refuse(key, [("row_key", "文件中已有编号为 \(key) 的一行")]); continue }
            var json: [String: Any] = ["request_id": "import:\(key)"]
            var problems: [(field: String, reason: String)] = []
            for (column, cell) in zip(names.dropFirst(), cells.dropFirst()) where !column.isEmpty {
                let text = cell.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty { continue }
                // Several values of one field: ；-separated.
                for value in text.split(whereSeparator: { $0 == "；" || $0 == ";" || $0 == "\n" }).map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    do {
                        try ProtoSchema.current.assign(
                            value, at: column.split(separator: ".").map(String.init), in: &json,
                            message: ProtoSchema.current.messages[entry.input.protoMessageName]!)
                    } catch {
                        problems.append((column, error.reason))
                    }
                }
            }
            guard problems.isEmpty else { refuse(key, problems); continue }
            // The row's matter must lie within the importer's division; a dry run stops just before
            // its transaction commits.
            let companion = CompanionWrite(module: SupervisionPlugin.moduleID) { matter in
                guard principal.role == .platformAdmin || DivisionCode.contains(principal.regionCode, matter.regionCode) else {
                    throw FawangError.invalidArgument(field: "region_code", "\(matter.regionCode) 不在本账号的辖区（\(principal.regionCode)）内")
                }
                if dryRun { throw DryRunPassed() }
                return []
            }
            do {
                let body = try JSONSerialization.data(withJSONObject: json)
                let response = try await ChannelDecision.$current.withValue(.dataImport) {
                    try await intakes.file(json: body, with: entry, companion: companion)
                }
                if (response as? any SubmissionResponse)?.replayed == true { report.alreadyImported += 1 } else { report.created += 1 }
            } catch is DryRunPassed {
                report.created += 1
            } catch let error as FawangError {
                refuse(key, error.violations.isEmpty ? [("", error.message)] : error.violations.map { ($0.field, $0.reason) })
            }
        }
        if !dryRun {
            try await context.storage.execute([], audit: AuditDraft(
                actor: principal.accountID, role: principal.role.rawValue, channel: Channel.dataImport.rawValue,
                target: "import:\(entry.module)", detail: "\(request.fileName): \(report.created) created, \(report.alreadyImported) already, \(report.refused.count) refused"))
        }
        try await writer.write(.with {
            $0.total = Int32(rows.count)
            $0.done = Int32(rows.count)
            $0.report = report
        })
    }

    // MARK: Pieces

    /// The line's intake by verb, default its first.
    func intake(_ line: String, _ verb: String) throws -> Intakes.Entry {
        guard let intakes = context.intakes else { throw FawangError(.unavailable, "本平台暂不能批量导入") }
        let offered = intakes.all.filter { $0.module == line }
        guard let first = offered.first else {
            let lines = Set(intakes.all.map(\.module)).sorted().joined(separator: "、")
            throw FawangError.invalidArgument(field: "business_line", "「\(line)」没有可导入的受理事项；可选：\(lines)")
        }
        guard !verb.isEmpty else { return first }
        guard let chosen = offered.first(where: { $0.verb == verb }) else {
            throw FawangError.invalidArgument(field: "intake", "「\(line)」没有 \(verb)；可选：\(offered.compactMap(\.verb).joined(separator: "、"))")
        }
        return chosen
    }

    /// Staff who handle the line (in their own division).
    func requireStaff(of line: String) throws(FawangError) -> Principal {
        guard let principal = Principal.current, principal.mayHandle(businessLine: line, regionCode: principal.regionCode) else {
            throw FawangError(.permissionDenied, "只有「\(line)」条线的工作人员可以导入本条线的记录")
        }
        return principal
    }
}
