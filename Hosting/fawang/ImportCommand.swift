import ArgumentParser
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang import <line> FILE.csv|FILE.xlsx`: an office's records of a line, one matter per row, through the
/// line's own intake (ImportService.ImportRows), with a progress bar; the columns come from
/// `fawang supervision import-template <line>`.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import an office's records of a line from a CSV or XLSX file, each row checked by the line's own rules (channel import).",
        discussion: "The columns: fawang supervision import-template <line> > template.csv. Importing the same file again creates nothing; refused rows are listed with their reasons — fix them and import the file again.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "The line (module id), e.g. legal-aid.") var line: String
    @Argument(help: "The CSV file (UTF-8) or Excel workbook (.xlsx, its first sheet), with the template's columns.") var file: String
    @Flag(name: .long, help: "Check every row as the import would; write nothing.") var dryRun = false
    @Option(name: .long, help: "The line's intake by verb, when it has several (default its first).") var intake = ""

    func run() async throws {
        guard let content = FileManager.default.contents(atPath: file) else { throw ValidationError("无法读取文件 \(file)") }
        let request = Fawang_Supervision_V1_ImportRequest.with {
            $0.businessLine = line
            $0.intake = intake
            $0.content = content
            $0.fileName = URL(fileURLWithPath: file).lastPathComponent
            $0.dryRun = dryRun
        }
        // The bar only for a person watching a terminal.
        let quiet = client.json || isatty(STDERR_FILENO) == 0
        let report = try await client.withClient { grpc in
            try await Fawang_Supervision_V1_ImportService.Client(wrapping: grpc).importRows(request) { response in
                var report: Fawang_Supervision_V1_ImportReport?
                for try await progress in response.messages {
                    if progress.hasReport { report = progress.report; continue }
                    if !quiet { Self.bar(Int(progress.done), of: Int(progress.total)) }
                }
                guard let report else { throw ValidationError("导入中断：服务端未返回结果；已导入的行不会重复建档，请重新导入同一文件") }
                return report
            }
        }
        if !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        try client.emit(report) { Self.text(report) }
    }

    /// `[#####     ] 350/1000 行` on one line of stderr.
    static func bar(_ done: Int, of total: Int) {
        let filled = total == 0 ? 0 : min(30, done * 30 / total)
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] \(done)/\(total) 行"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func text(_ report: Fawang_Supervision_V1_ImportReport) -> String {
        var lines = [report.summary]
        lines += report.refused.map { "  第\($0.row)行（\($0.rowKey)）\($0.field.isEmpty ? "" : " \($0.field)")：\($0.reason)" }
        if !report.refused.isEmpty { lines.append("修改这些行后重新导入同一文件：已导入的行不会重复建档。") }
        return lines.joined(separator: "\n")
    }
}
