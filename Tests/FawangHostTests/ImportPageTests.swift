import FawangCatalog
import FawangCore
import FawangHost
import FawangTestSupport
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The import page over HTTP: a line's template downloads, an uploaded CSV is imported with the
/// officer's token and the report names each refused row.
@Suite struct ImportPageTests {
    @Test func anOfficeUploadsItsRecordsAndReadsTheReport() async throws {
        let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            let http = try #require(platform.ports.http)
            let session = try await AdminConsoleTests.signIn(http, "staff-640100-reviewer")
            let (status, page) = try await AdminConsoleTests.get(http, "/staff/import", session: session)
            #expect(status == 200 && String(decoding: page, as: UTF8.self).contains("/staff/import/template?line=legal-aid"))
            let (_, template) = try await AdminConsoleTests.get(http, "/staff/import/template?line=legal-aid", session: session)
            #expect(String(decoding: template, as: UTF8.self).hasPrefix("\u{FEFF}row_key,"))

            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let csv = try Data(contentsOf: root.appendingPathComponent("docs/examples/legal-aid-import.csv"))
            let boundary = "fawang\(UUID().uuidString)", csrf = String(repeating: "d", count: 64)
            var body = Data()
            for (name, value) in ["_csrf": csrf, "line": "legal-aid"] {
                body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            }
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"_files\"; filename=\"援助台账.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
            body += csv + Data("\r\n--\(boundary)--\r\n".utf8)
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/staff/import")!)
            request.httpMethod = "POST"
            request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
            request.setValue("fawang_csrf=\(csrf); fawang_staff=\(session)", forHTTPHeaderField: "Cookie")
            request.httpBody = body
            let (data, response) = try await URLSession.isolated().data(for: request)
            let report = String(decoding: data, as: UTF8.self)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(report.contains("导入完成：援助台账.csv 共 3 行，新建 2 件，此前已导入 0 件，未通过 1 行"), "\(report.suffix(800))")
            #expect(report.contains("XQ-2026-0103") && report.contains("applicant.id_number"))
            #expect(try await platform.query("SELECT COUNT(*) FROM matters WHERE channel = 'import'") == "2")
        }
    }
}
