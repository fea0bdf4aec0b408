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

/// The bureaus' dashboard over a generated store: the page shows the officer's scope with the
/// service's own figures, each chart's numbers download as CSV and XLSX, an officer cannot look
/// past their division or line, and today's intake is pushed as matters arrive.
@Suite struct DashboardTests {
    typealias Statistics = Fawang_Supervision_V1_StatisticsService.Client<InProcessTransport.Client>
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))

    @Test("监管统计页面：图表、数据表、CSV/XLSX 下载；县级工作人员看不到其他县和其他条线；今日收件实时推送")
    func theDashboardShowsTheOfficersScope() async throws {
        try await TestPlatform.with(
            extraConfig: "demo.synthetic_matters: 600\n" + TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock
        ) { platform in
            let http = try #require(platform.ports.http)
            let token = try await AdminConsoleTests.signIn(http, "supervision-640100")
            let (status, data) = try await AdminConsoleTests.get(http, "/staff/dashboard", session: token)
            let page = String(decoding: data, as: UTF8.self)
            #expect(status == 200 && page.contains("<h1>监管统计</h1>") && page.contains("银川市"))
            #expect(page.components(separatedBy: "<svg").count - 1 == 5, "trend, regions, channels, overdue heat, satisfaction as SVG")
            #expect(!page.contains("style="), "no inline style: the portal's CSP refuses it")
            let heat = try #require(page.firstMatch(of: /id="chart-overdue"[\s\S]*?<\/section>/)).output
            #expect(heat.contains("兴庆区") && heat.contains("<rect"), "a cell per county")
            // The page's totals are the service's for the same question.
            let report = try await platform.withInProcessClient(as: "supervision-640100") { client in
                try await Statistics(wrapping: client).getStatistics(.with {
                    $0.fromDay = "2026-01-01"
                    $0.toDay = "2026-12-07"
                    $0.comparePrevious = true
                })
            }
            #expect(report.total.received > 0 && report.regionName == "银川市")
            #expect(page.contains("<td>收件</td><td>\(report.total.received)</td><td>\(report.previousTotal.received)</td>"), "the totals row")
            // Only Yinchuan's counties on its regions chart.
            let counties = try #require(page.firstMatch(of: /id="chart-regions"[\s\S]*?<\/section>/)).output
            #expect(counties.contains("兴庆区") && !counties.contains("大武口区"))

            // Each chart's numbers as CSV, and as a workbook.
            let (csvStatus, csv) = try await AdminConsoleTests.get(http, "/staff/dashboard/export?chart=channels", session: token)
            let text = String(decoding: csv, as: UTF8.self)
            #expect(csvStatus == 200 && text.hasPrefix("\u{FEFF}渠道,收件,受理,办结"), "\(text.prefix(80))")
            #expect(text.contains("合计,,") == false && text.split(separator: "\r\n").last?.hasPrefix("合计,\(report.total.received),") == true)
            let (_, workbook) = try await AdminConsoleTests.get(http, "/staff/dashboard/export?chart=channels&format=xlsx", session: token)
            let file = platform.directory.appendingPathComponent("channels.xlsx")
            try workbook.write(to: file)
            let (python, sheet) = try await runChildProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                ["python3", "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.read('xl/worksheets/sheet1.xml').decode())", file.path])
            #expect(python == 0 && sheet.contains("<t xml:space=\"preserve\">合计</t>") && sheet.contains("<v>\(report.total.received)</v>"), "\(sheet.prefix(300))")

            // A county's mediation officer: their county and their line, nothing else.
            try await platform.withInProcessClient(as: "mediation-640104") { client in
                let statistics = Statistics(wrapping: client)
                let own = try await statistics.getStatistics(.with { $0.groupBy = [.line, .region] })
                #expect(own.regionCode == "640104" && own.businessLines == ["mediation"])
                #expect(own.groups.allSatisfy { $0.key[0].value == "mediation" && $0.key[1].value == "640104" })
                await expectStatus(.permissionDenied, containing: ["640105"]) { _ = try await statistics.getStatistics(.with { $0.regionCode = "640105" }) }
                await expectStatus(.permissionDenied, containing: ["法律援助"]) { _ = try await statistics.getStatistics(.with { $0.businessLine = "legal-aid" }) }
                await expectStatus(.invalidArgument, field: "to_day") {
                    _ = try await statistics.getStatistics(.with {
                        $0.fromDay = "2026-12-07"
                        $0.toDay = "2026-01-01"
                    })
                }
            }
            try await platform.withInProcessClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Statistics(wrapping: client).getStatistics(.init()) }
            }

            // Today's intake, pushed: one more legal aid application arrives by the web.
            try await platform.withInProcessClient(as: "supervision-640100") { client in
                try await Statistics(wrapping: client).watchTodayIntake(.init()) { response in
                    var updates = response.messages.makeAsyncIterator()
                    let first = try #require(try await updates.next())
                    #expect(first.day == "2026-12-07" && first.channels.count == Channel.allCases.count)
                    _ = try await platform.withClient { web in
                        try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: web).submitApplication(LegalAidSamples.application())
                    }
                    let second = try #require(try await updates.next())
                    #expect(second.total == first.total + 1)
                    let mobile = second.channels.first { $0.channel == .mobile }?.received ?? 0
                    #expect(mobile == (first.channels.first { $0.channel == .mobile }?.received ?? 0) + 1, "native gRPC from the public is the mobile channel")
                }
            }
        }
    }
}
