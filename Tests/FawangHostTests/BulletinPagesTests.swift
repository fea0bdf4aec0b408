import FawangCatalog
import FawangCore
import FawangHost
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The workbench's assessment page over HTTP: a supervisor reads November's scores, publishes the
/// month's bulletin with the button, and downloads it as HTML and PDF; a line's clerk sees the
/// page without the button.
@Suite struct BulletinPagesTests {
    @Test("考核通报页面：监管人员查看得分表，点击生成通报，下载HTML和PDF；业务人员没有生成按钮")
    func aSupervisorPublishesAndDownloads() async throws {
        let clock = TestClock(at: beijing(2026, 11, 10, hour: 9))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            for number in 1...6 {
                _ = try await platform.withInProcessClient(as: "consultation-640100") { client in
                    try await Fawang_Consultation_V1_ConsultationService.Client(wrapping: client).recordConsultation(.with {
                        $0.requestID = "page-\(number)"
                        $0.person.name = "居民\(number)"
                        $0.person.phone = "1390000000\(number)"
                        $0.regionCode = number % 2 == 0 ? "640104" : "640105"
                        $0.topic = .labour
                        $0.question = "单位拖欠工资怎么办？"
                    })
                }
            }
            clock.set(beijing(2026, 12, 7, hour: 12))
            let http = try #require(platform.ports.http)
            let staff = try await AdminConsoleTests.signIn(http, "supervision-640100")
            let (status, data) = try await AdminConsoleTests.get(http, "/staff/bulletins?month=2026-11", session: staff)
            let page = String(decoding: data, as: UTF8.self)
            #expect(status == 200 && page.contains("id=\"scores-by-line\"") && page.contains("id=\"scores-by-division\""))
            #expect(page.contains("<td>法律咨询</td><td>6</td>") && page.contains("兴庆区") && page.contains("id=\"publish-bulletin\""), "\(page)")

            let published = try await SurveyPagesTests.post(http, "/staff/bulletins", [("month", "2026-11"), ("region", "640100")], cookie: "fawang_staff=\(staff)")
            #expect(published.status == 303 && published.location.hasPrefix("/staff/bulletins?"), "\(published.html)")
            let listed = String(decoding: try await AdminConsoleTests.get(http, "/staff/bulletins?month=2026-11", session: staff).1, as: UTF8.self)
            #expect(listed.contains("《银川市司法局2026年11月公共法律服务考核通报》") && listed.contains("/staff/bulletins/tb-640100-2026-11?format=pdf"))

            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/staff/bulletins/tb-640100-2026-11?format=pdf")!)
            request.setValue("fawang_staff=\(staff)", forHTTPHeaderField: "Cookie")
            let (pdf, response) = try await URLSession.isolated().data(for: request)
            let answer = try #require(response as? HTTPURLResponse)
            #expect(answer.statusCode == 200 && answer.value(forHTTPHeaderField: "Content-Type") == "application/pdf")
            #expect(pdf.starts(with: Data("%PDF-".utf8)) && (answer.value(forHTTPHeaderField: "Content-Disposition") ?? "").contains(".pdf"))
            let (htmlStatus, html) = try await AdminConsoleTests.get(http, "/staff/bulletins/tb-640100-2026-11?format=html", session: staff)
            #expect(htmlStatus == 200 && String(decoding: html, as: UTF8.self).contains("按地区排名"))

            // A legal aid clerk reads the page (their line's scores) but has no button.
            let clerk = try await AdminConsoleTests.signIn(http, "staff-640100-reviewer")
            let theirs = String(decoding: try await AdminConsoleTests.get(http, "/staff/bulletins?month=2026-11", session: clerk).1, as: UTF8.self)
            #expect(theirs.contains("id=\"scores-by-line\"") && !theirs.contains("id=\"publish-bulletin\"") && theirs.contains("tb-640100-2026-11"))
        }
    }
}
