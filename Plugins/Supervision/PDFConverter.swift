import FawangCore
import Foundation
import Logging

/// HTML to PDF with `wkhtmltopdf` (Debian package `wkhtmltopdf` 0.12.6, installed by
/// `scripts/setup.sh`), run as a child process without an X server (`QT_QPA_PLATFORM=offscreen`)
/// on files in a fresh temporary folder, within ``timeout``. The Chinese text needs a CJK font
/// (`fonts-noto-cjk`).
enum PDFConverter {
    static let timeout: Duration = .seconds(60)
    static let searchPath = ["/usr/bin", "/usr/local/bin", "/bin"]

    static var executable: URL? {
        let paths = (ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []) + searchPath
        return paths.lazy.map { URL(fileURLWithPath: $0).appendingPathComponent("wkhtmltopdf") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The PDF of `html`, printed by `program` (default: `wkhtmltopdf` on the path); a missing
    /// program is `FAILED_PRECONDITION` saying how to install it.
    static func pdf(fromHTML html: Data, logger: Logger, program: URL? = executable) async throws -> Data {
        guard let executable = program else {
            throw FawangError(.failedPrecondition, "服务器未安装 wkhtmltopdf，请运行 scripts/setup.sh")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-bulletin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, output) = (folder.appendingPathComponent("bulletin.html"), folder.appendingPathComponent("bulletin.pdf"))
        try html.write(to: input)

        let process = Process()
        process.executableURL = executable
        // No network: the document is self-contained; local files only from its own folder.
        process.arguments = [
            "--quiet", "--encoding", "utf-8", "--page-size", "A4", "--margin-top", "15mm", "--margin-bottom", "15mm",
            "--disable-external-links", "--disable-javascript", "--allow", folder.path, input.path, output.path,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["QT_QPA_PLATFORM"] = "offscreen"
        environment["XDG_RUNTIME_DIR"] = folder.path
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let finished = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in finished.continuation.finish() }
        try process.run()
        // The child's error output, read as it comes so a full pipe never blocks it: on a thread
        // of its own (a serial queue's), as a blocking read must never hold a cooperative thread.
        let reading = errors.fileHandleForReading
        let stderr = Task {
            await withCheckedContinuation { continuation in
                DispatchQueue(label: "fawang.pdf-stderr").async { continuation.resume(returning: reading.readDataToEndOfFile()) }
            }
        }
        let timedOut = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in finished.stream {}
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return !Task.isCancelled
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if timedOut {
            process.terminate()
            process.waitUntilExit()
            throw FawangError(.unavailable, "生成PDF超过\(timeout.components.seconds)秒未完成，请稍后重试")
        }
        process.waitUntilExit()
        let message = String(decoding: await stderr.value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, let pdf = try? Data(contentsOf: output), pdf.starts(with: Data("%PDF-".utf8)) else {
            logger.error("assessment: wkhtmltopdf failed", metadata: ["status": "\(process.terminationStatus)", "stderr": "\(message.suffix(2000))"])
            throw FawangError(.internalError, "生成PDF失败（wkhtmltopdf 退出码 \(process.terminationStatus)），请查看服务器日志")
        }
        return pdf
    }
}
