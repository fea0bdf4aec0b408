import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
@testable import SupervisionPlugin
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Public opinion over a real host: questions asked by the public over five weeks, then a week in
/// which one county's residents ask about their property management company again and again; the
/// alert names the topic and the county, lists the matters, and stays within the division.
@Suite struct OpinionTests {
    typealias Opinion = Fawang_Opinion_V1_OpinionService.Client<HTTP2ClientTransport.Posix>
    typealias Consultation = Fawang_Consultation_V1_ConsultationService.Client<HTTP2ClientTransport.Posix>

    @Test("舆情预警：兴庆区近7日关于物业的咨询骤增，一出现即预警，写明话题和县区并列出事项；西夏区零星几件不预警；其他市的工作人员看不到")
    func aSpikeOfOneTopicInOneCountyRaisesAnAlert() async throws {
        let clock = TestClock(at: beijing(2026, 11, 2, hour: 10))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            var asked = 0
            func ask(_ question: String, in region: String, topic: Fawang_Consultation_V1_Topic = .propertyLand) async throws {
                asked += 1
                let number = asked
                _ = try await platform.withClient { client in
                    try await Consultation(wrapping: client).recordConsultation(.with {
                        $0.requestID = "opinion-\(number)"
                        $0.person.name = "居民\(number)"
                        $0.person.phone = String(format: "1380000%04d", number)
                        $0.regionCode = region
                        $0.topic = topic
                        $0.question = question
                    })
                }
            }
            // Four ordinary weeks: one question a week about property management in Xingqing,
            // unpaid wages now and then in Xixia.
            for week in 0..<4 {
                clock.set(beijing(2026, 11, 3 + 7 * week, hour: 10))
                try await ask("物业公司不给修电梯，物业费还要照交吗？", in: "640104")
                try await ask("老板拖欠工资两个月了怎么办？", in: "640105", topic: .labour)
            }
            // This week: eight households of one Xingqing compound ask about its property company,
            // and Xixia sees two — too few to be anything.
            for day in 1...7 {
                clock.set(beijing(2026, 12, day, hour: 9))
                try await ask("我们小区物业公司把公共车位卖了，业主能不能要回来？", in: "640104")
                if day == 3 { try await ask("物业费涨价没有开业主大会，合法吗？", in: "640104") }
                if day == 5 || day == 6 { try await ask("物业公司不开发票怎么办？", in: "640105") }
            }

            let alert = try await platform.withClient(as: "supervision-640100") { client in
                var found: Fawang_Opinion_V1_Alert?
                try await eventually(timeout: .seconds(40), "the spike is noticed") {
                    found = try await Opinion(wrapping: client).listAlerts(.init()).alerts.first { $0.topic == "物业纠纷" }
                    return found != nil
                }
                return try #require(found)
            }
            #expect(alert.regionCode == "640104" && alert.regionName == "兴庆区")
            #expect(alert.summary.contains("兴庆区") && alert.summary.contains("物业纠纷"), "\(alert.summary)")
            // Raised as soon as the rise shows — while the week's questions are still coming in, the
            // host looks after every write — so on the day the fifth to eighth arrived.
            #expect((5...8).contains(alert.count) && alert.usualPerWeek == 1.0, "this week's against one a week: \(alert.count)")
            let raisedOn = try #require(CivilDate(iso: alert.toDay))
            #expect(raisedOn >= CivilDate(year: 2026, month: 12, day: 4) && raisedOn <= CivilDate(year: 2026, month: 12, day: 7), "\(alert.toDay)")
            #expect(alert.fromDay == raisedOn.adding(days: -6).description)

            let listedMatters = try await platform.withClient(as: "supervision-640100") { client in
                let opinion = Opinion(wrapping: client)
                let alerts = try await opinion.listAlerts(.init()).alerts
                #expect(alerts.count == 1, "Xixia's two and the wages are no spike: \(alerts.map(\.summary))")
                let detailed = try await opinion.getAlert(.with { $0.id = alert.id })
                #expect((Int(alert.count)...8).contains(detailed.matters.count), "the matters of its seven days: \(detailed.matters.count)")
                #expect(detailed.matters.allSatisfy { $0.businessLineName == "法律咨询" && $0.excerpt.contains("物业") })

                // The trend: every week's property questions in Xingqing, by topic and by keyword.
                let trends = try await opinion.getTrends(.with {
                    $0.regionCode = "640104"
                    $0.fromDay = "2026-11-02"
                    $0.toDay = "2026-12-07"
                })
                let property = try #require(trends.series.first { $0.name == "物业纠纷" })
                #expect(trends.periods.first == "2026-11-02" && trends.periods.last == "2026-12-07")
                #expect(property.total == 12 && property.counts.prefix(4) == [1, 1, 1, 1], "\(trends.periods) \(property.counts)")
                #expect(!trends.series.contains { $0.name == "拖欠工资" }, "Xixia's wages are not Xingqing's")
                let words = try await opinion.getTrends(.with {
                    $0.regionCode = "640104"
                    $0.fromDay = "2026-11-02"
                    $0.by = .keyword
                })
                #expect(words.series.first?.name == "物业公司" && words.series.first?.total == 11, "\(words.series.map { ($0.name, $0.total) })")
                return detailed.matters.count
            }

            // The workbench's page: the alert, opening the matters behind it.
            let http = try #require(platform.ports.http)
            let session = try await platform.accessToken("supervision-640100")
            func page(_ path: String) async throws -> String {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)\(path)")!)
                request.setValue("fawang_staff=\(session)", forHTTPHeaderField: "Cookie")
                return String(decoding: try await URLSession.isolated().data(for: request).0, as: UTF8.self)
            }
            let overview = try await page("/staff/opinion")
            #expect(overview.contains("/staff/opinion/\(alert.id)") && overview.contains("<svg") && overview.contains("物业纠纷"))
            let behind = try await page("/staff/opinion/\(alert.id)")
            #expect(behind.components(separatedBy: "href=\"/staff/matter/").count - 1 == listedMatters, "its matters, each linked")

            // Another city's officer sees neither the alert nor Xingqing's trends.
            try await platform.withClient(as: "staff-640200-reviewer") { client in
                let opinion = Opinion(wrapping: client)
                let theirs = try await opinion.listAlerts(.init()).alerts
                #expect(theirs.isEmpty)
                await expectStatus(.permissionDenied) { _ = try await opinion.getAlert(.with { $0.id = alert.id }) }
                await expectStatus(.permissionDenied) { _ = try await opinion.getTrends(.with { $0.regionCode = "640104" }) }
            }
            try await platform.withClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Opinion(wrapping: client).listAlerts(.init()) }
            }
        }
    }

    @Test("舆情分词：按话题词典正向最大匹配，“拖欠工资”是一个词；一段话可涉及几个话题")
    func segmentation() {
        #expect(PublicOpinion.words(in: "老板拖欠工资三个月") == ["拖欠工资"])
        #expect(PublicOpinion.topics(in: "物业公司乱收费，态度差").map(\.topic) == ["物业纠纷", "收费问题", "服务态度"])
        #expect(PublicOpinion.topics(in: "小区物业公司乱收费，物业公司还不理").map(\.keyword) == ["小区", "物业公司", "乱收费"], "each word once")
        #expect(PublicOpinion.topics(in: "今天天气很好").isEmpty)
    }

    @Test("舆情预警的规则：近7日至少5件，且不少于此前4周周均的3倍（周均不足1件按1件计）")
    func theSpikeRule() {
        typealias Rule = OpinionService.SpikeRule
        #expect(Rule.isSpike(count: 5, baseline: 0))
        #expect(!Rule.isSpike(count: 4, baseline: 0), "too few")
        #expect(!Rule.isSpike(count: 8, baseline: 12), "three a week usually: eight is not triple")
        #expect(Rule.isSpike(count: 9, baseline: 12))
    }
}
