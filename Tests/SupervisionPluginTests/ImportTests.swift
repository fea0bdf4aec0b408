import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
@testable import SupervisionPlugin
import Testing

/// Bulk data entry over a real host: 1,000 legal aid records of which 20 break a rule, through
/// the line's own intake; a dry run writes nothing; a re-import creates nothing.
@Suite struct ImportTests {
    typealias Imports = Fawang_Supervision_V1_ImportService.Client<InProcessTransport.Client>
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))
    static let columns = [
        "row_key", "applicant.name", "applicant.id_number", "applicant.phone", "applicant.address", "region_code", "case_category",
        "service_form", "case_summary", "opposing_party", "hardship.household_size", "hardship.monthly_income_per_capita_yuan",
        "hardship.description", "hardship.verification", "materials",
    ]

    /// 1,000 rows; rows 50, 100, … 1000 (20 of them) each break one rule.
    static func file() -> (csv: Data, bad: [Int: String]) {
        var lines = [columns.joined(separator: ","), "# 说明行，不导入"]
        var bad: [Int: String] = [:]
        for row in 1...1000 {
            var cells = [
                String(format: "LA-2025-%04d", row), "马小花\(row)", "11010519491231002X", String(format: "139%08d", row), "银川市兴庆区文化街1号",
                row % 2 == 0 ? "640104" : "640105", "labour_remuneration", "litigation_agency", "\"在工地务工六个月，被拖欠工资，共\(row)元。\"",
                "某建筑劳务公司", "4", "600", "家庭无其他收入来源", "personal_commitment", "身份证复印件；务工情况说明",
            ]
            if row % 50 == 0 {
                switch row / 50 % 4 {
                case 0:
                    cells[2] = "110105194912310021"
                    bad[row] = "applicant.id_number"
                case 1:
                    cells[8] = ""
                    bad[row] = "case_summary"
                case 2:
                    cells[5] = "640202"
                    bad[row] = "region_code"
                default:
                    cells[6] = "no_such_category"
                    bad[row] = "case_category"
                }
            }
            lines.append(cells.joined(separator: ","))
        }
        return (Data((lines.joined(separator: "\r\n") + "\r\n").utf8), bad)
    }

    static func run(_ platform: TestPlatform, as login: String, _ request: Fawang_Supervision_V1_ImportRequest) async throws
        -> (report: Fawang_Supervision_V1_ImportReport, progress: Int)
    {
        try await platform.withInProcessClient(as: login) { client in
            try await Imports(wrapping: client).importRows(request) { response in
                var (report, progress) = (Fawang_Supervision_V1_ImportReport?.none, 0)
                for try await message in response.messages {
                    if message.hasReport { report = message.report } else { progress += 1 }
                }
                return (try #require(report), progress)
            }
        }
    }

    @Test("批量导入1000行其中20行有误：980件建档、20行逐行说明原因；试导入不写入；重复导入不重复建档")
    func aThousandRowsWithTwentyBad() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            // The template: the intake's field paths and their Chinese labels.
            let template = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Imports(wrapping: client).getImportTemplate(.with { $0.businessLine = "legal-aid" })
            }
            let rows = try #require(Spreadsheet.rows(csv: template.content))
            #expect(rows.first?.first == "row_key" && Set(Self.columns).isSubset(of: Set(rows[0])), "\(rows.first ?? [])")
            #expect(rows[1].first?.hasPrefix("#") == true && rows[1].contains { $0.contains("身份证") })

            let (csv, bad) = Self.file()
            let count = { try await platform.query("SELECT COUNT(*) FROM matters WHERE business_line = 'legal-aid'") }
            let before = try await count()
            var request = Fawang_Supervision_V1_ImportRequest.with {
                $0.businessLine = "legal-aid"
                $0.content = csv
                $0.fileName = "援助台账.csv"
                $0.dryRun = true
            }
            let dry = try await Self.run(platform, as: "staff-640100-reviewer", request)
            #expect(dry.report.total == 1000 && dry.report.created == 980 && dry.report.refused.count == 20)
            #expect(try await count() == before, "a dry run writes nothing")

            request.dryRun = false
            let (report, progress) = try await Self.run(platform, as: "staff-640100-reviewer", request)
            #expect(report.created == 980 && report.alreadyImported == 0 && progress >= 20, "progress every 50 rows: \(progress)")
            #expect(Dictionary(report.refused.map { (Int($0.row) - 1, $0.field) }) { first, _ in first } == bad, "row numbers count the note row")
            #expect(report.refused.allSatisfy { !$0.reason.isEmpty && $0.rowKey.hasPrefix("LA-2025-") })
            #expect(report.refused.contains { $0.field == "region_code" && $0.reason.contains("640202") })
            #expect(try await count() == String(Int(before)! + 980))
            let imported = try await platform.query("SELECT COUNT(*) FROM matters WHERE channel = 'import' AND operator_id = 'staff-640100-reviewer'")
            #expect(imported == "980", "channel import, the importer as operator")

            let again = try await Self.run(platform, as: "staff-640100-reviewer", request)
            #expect(again.report.created == 0 && again.report.alreadyImported == 980 && again.report.refused.count == 20)
            #expect(try await count() == String(Int(before)! + 980))

            // Another line's staff may not import legal aid records.
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Imports(wrapping: client).getImportTemplate(.with { $0.businessLine = "legal-aid" })
                }
            }
            // A header the line does not know.
            request.content = Data("row_key,applicant.shoe_size\r\nx,42\r\n".utf8)
            await expectStatus(.invalidArgument, field: "content", containing: ["applicant.shoe_size"]) {
                _ = try await Self.run(platform, as: "staff-640100-reviewer", request)
            }
        }
    }
    /// The rows as Excel writes a workbook: deflated parts, text in the shared strings, digits as
    /// numbers (a phone number too, as a clerk types it), written by Python's zipfile.
    static func workbook(_ rows: [[String]], in directory: URL) async throws -> Data {
        let json = directory.appendingPathComponent("rows.json"), book = directory.appendingPathComponent("rows.xlsx")
        try JSONSerialization.data(withJSONObject: rows).write(to: json)
        let script = #"""
            import json, sys, zipfile
            from xml.sax.saxutils import escape
            rows = json.load(open(sys.argv[1]))
            strings, index, sheet = [], {}, []
            def col(i):
                name = ""
                i += 1
                while i:
                    i, r = divmod(i - 1, 26)
                    name = chr(65 + r) + name
                return name
            for r, row in enumerate(rows, 1):
                cells = []
                for c, value in enumerate(row):
                    ref = f"{col(c)}{r}"
                    if value == "":
                        continue
                    if value.isdigit() and len(value) < 15 and r > 2:
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        if value not in index:
                            index[value] = len(strings)
                            strings.append(value)
                        cells.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
                sheet.append(f'<row r="{r}">' + "".join(cells) + "</row>")
            main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
            with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
                z.writestr("xl/workbook.xml", f'<workbook xmlns="{main}"><sheets><sheet name="台账" sheetId="1"/></sheets></workbook>')
                z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}" count="{len(strings)}">' + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + "</sst>")
                z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>' + "".join(sheet) + "</sheetData></worksheet>")
            """#
        let (status, output) = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, json.path, book.path])
        #expect(status == 0, "\(output)")
        return try Data(contentsOf: book)
    }

    @Test("Excel 工作簿导入：同样1000行（压缩、共享字符串、数字单元格）新建980件、逐行说明20行；随后导入同一批的CSV不再新建")
    func anExcelWorkbookImportsLikeItsCSV() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let (csv, bad) = Self.file()
            let rows = try #require(Spreadsheet.rows(csv: csv))
            let book = try await Self.workbook(rows, in: platform.directory)
            #expect(Spreadsheet.isZip(book) && Spreadsheet.rows(xlsx: book) == rows, "the workbook reads back as the CSV's rows")
            var request = Fawang_Supervision_V1_ImportRequest.with {
                $0.businessLine = "legal-aid"
                $0.content = book
                $0.fileName = "援助台账.xlsx"
            }
            let first = try await Self.run(platform, as: "staff-640100-reviewer", request)
            #expect(first.report.created == 980 && first.report.refused.count == 20)
            #expect(Dictionary(first.report.refused.map { (Int($0.row) - 1, $0.field) }) { first, _ in first } == bad)
            request.content = csv
            let again = try await Self.run(platform, as: "staff-640100-reviewer", request)
            #expect(again.report.created == 0 && again.report.alreadyImported == 980)
            // A damaged workbook is named as such, with what to do.
            request.content = book.prefix(book.count / 2)
            await expectStatus(.invalidArgument, field: "content", containing: ["Excel"]) {
                _ = try await Self.run(platform, as: "staff-640100-reviewer", request)
            }
        }
    }

    @Test("本平台导出的 XLSX（未压缩、内联字符串）读回原样：中文、逗号、引号、数字")
    func ourOwnWorkbookReadsBack() throws {
        let table = Spreadsheet(header: ["名称", "数量"], rows: [[.text("宁夏, \"银川\" <兴庆>"), .number(600)], [.text("法律援助"), .number(2.5)]])
        #expect(Spreadsheet.rows(xlsx: table.xlsx()) == [["名称", "数量"], ["宁夏, \"银川\" <兴庆>", "600"], ["法律援助", "2.50"]])
        #expect(Spreadsheet.rows(xlsx: Data("PK not a workbook".utf8)) == nil)
    }
}
