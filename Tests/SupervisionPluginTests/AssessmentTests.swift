import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
@testable import SupervisionPlugin
import SwiftProtobuf
import Testing

/// The monthly assessment over a real host and SQLite file: a November of consultations and legal
/// aid applications in two of Yinchuan's counties, filed through the lines' own RPCs by the hall
/// window (窗口), the hotline and the public on their phones (移动端), some with the applicant's
/// identity number and some without, some rated, some aid applications decided late or not at all.
/// Every indicator, point and total is checked against a count over the raw tables; then the
/// bulletin is published (HTML and PDF), listed, downloaded, published again (the same one), and
/// the monthly generation makes the province's once the clock is in December.
@Suite(.serialized) struct AssessmentTests {
    typealias Assessment = Fawang_Supervision_V1_AssessmentService.Client<InProcessTransport.Client>
    typealias Consultation = Fawang_Consultation_V1_ConsultationService.Client<InProcessTransport.Client>
    typealias LegalAid = Fawang_Legalaid_V1_LegalAidService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>

    static let counties = ["640104", "640105"]

    /// Seeds November 2026: each day, in each county, five consultations (window twice, hotline, two from
    /// phones), and one or two aid applications at the window (more in Xixia early in the month).
    static func seedNovember(_ platform: TestPlatform, _ clock: TestClock) async throws -> Int {
        var filed = 0
        var pendingAid: [(tracking: String, day: Int, number: Int)] = []
        for day in 2...27 {
            for (countyIndex, county) in counties.enumerated() {
                clock.set(beijing(2026, 11, day, hour: 9 + countyIndex))
                for (slot, login) in ["consultation-640100", "hotline-frontend", nil, nil, "consultation-640100"].enumerated() {
                    filed += 1
                    let number = filed
                    let matter = try await platform.withInProcessClient(as: login) { client in
                        try await Consultation(wrapping: client).recordConsultation(.with {
                            $0.requestID = "assess-\(number)"
                            if login == "hotline-frontend" { $0.context.operatorID = "agent-07" }
                            $0.person.name = "居民\(number)"
                            $0.person.phone = String(format: "1390000%04d", number)
                            // Every third asker also gives an identity number.
                            if number % 3 == 0 { $0.person.idNumber = "11010519491231002X" }
                            $0.regionCode = county
                            $0.topic = .labour
                            $0.question = "单位拖欠工资怎么办？"
                            $0.answer = "可以向劳动保障监察机构投诉，或申请劳动仲裁。"
                        }).matter
                    }
                    // Two in five are rated, the score spread 1–5 (Xixia's a little lower).
                    if number % 5 < 2 {
                        let score = Int32(1 + (number + slot + (county == "640105" ? 0 : 2)) % 5)
                        _ = try await platform.withInProcessClient { client in
                            try await Matters(wrapping: client).rateMatter(.with {
                                $0.trackingNumber = matter.trackingNumber
                                $0.phoneLast4 = String(format: "%04d", number)
                                $0.score = score
                            })
                        }
                    }
                }
                let applications = county == "640105" && day < 12 ? 2 : 1
                for _ in 0..<applications {
                    filed += 1
                    let number = filed
                    let matter = try await platform.withInProcessClient(as: "staff-640100-window") { client in
                        try await LegalAid(wrapping: client).submitApplication(
                            LegalAidSamples.application(requestID: "assess-aid-\(number)", region: county)).matter
                    }
                    pendingAid.append((matter.trackingNumber, day, number))
                }
            }
            // The reviewer decides two in three applications three days after (on time), the third
            // ten days after (late); those of the month's last days wait.
            for (index, pending) in pendingAid.enumerated().reversed() where pending.day == day - (pending.number % 3 == 0 ? 10 : 3) {
                _ = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                    try await LegalAid(wrapping: client).approve(.with {
                        $0.trackingNumber = pending.tracking
                        $0.note = "符合经济困难标准"
                        $0.context = LegalAidSamples.staff()
                    })
                }
                pendingAid.remove(at: index)
            }
        }
        return filed
    }

    /// One matter as the raw tables hold it.
    struct Raw {
        var line = "", region = "", channel = ""
        var submitted = CivilDate(dayNumber: 0)
        var complete = false
        var rating: (score: Int, day: CivilDate)?
    }

    static func readRaw(_ platform: TestPlatform, today: CivilDate) async throws -> (matters: [String: Raw], late: Set<String>) {
        var matters: [String: Raw] = [:]
        let rows = try await platform.query(
            """
            SELECT id, business_line, region_code, channel, submitted_at,
                   CASE WHEN \(platform.database.jsonField("applicant_json", "name")) <> '' AND \(platform.database.jsonField("applicant_json", "phone")) <> ''
                   AND \(platform.database.jsonField("applicant_json", "idNumber")) <> '' THEN 1 ELSE 0 END FROM matters
            """)
        for line in rows.split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            matters[cells[0]] = Raw(
                line: cells[1], region: cells[2], channel: cells[3], submitted: CivilDate(Date(timeIntervalSince1970: Double(cells[4])!)),
                complete: cells[5] == "1")
        }
        // The last rating of each matter, and its day.
        let ratings = try await platform.query(
            "SELECT matter_id, \(platform.database.jsonField("attributes_json", "score")), at FROM matter_events WHERE kind = 'rated' ORDER BY matter_id, sequence")
        for line in ratings.split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            matters[cells[0]]?.rating = (Int(cells[1])!, CivilDate(Date(timeIntervalSince1970: Double(cells[2])!)))
        }
        // Running past its last day on `today`, or met after it.
        let late = try await platform.query(
            "SELECT matter_id FROM matter_deadlines WHERE state = 'running' AND due_date < '\(today)' UNION SELECT matter_id FROM matter_facts WHERE met_late = 1")
        return (matters, Set(late.split(separator: "\n").map(String.init)))
    }

    /// The score of `members` worked out by hand: 40 × on-time share, 30 × mean rating / 5,
    /// 15 × online share, 15 × complete share; the indicators without data left out and the rest
    /// scaled to 100.
    struct Expected: Equatable {
        var received = 0, late = 0, online = 0, complete = 0, ratings = 0, ratingSum = 0
        var total: Double? {
            var (points, weights) = (0.0, 0.0)
            if received > 0 {
                points += 40 * Double(received - late) / Double(received) + 15 * Double(online) / Double(received) + 15 * Double(complete) / Double(received)
                weights += 70
            }
            if ratings > 0 {
                points += 30 * Double(ratingSum) / Double(ratings) / 5
                weights += 30
            }
            return weights == 0 ? nil : points / weights * 100
        }
    }

    static func expected(_ members: [(String, Raw)], late: Set<String>, month: ClosedRange<CivilDate>) -> Expected {
        var result = Expected()
        for (id, matter) in members {
            if month.contains(matter.submitted) {
                result.received += 1
                if late.contains(id) { result.late += 1 }
                if ["web", "mobile", "wechat"].contains(matter.channel) { result.online += 1 }
                if matter.complete { result.complete += 1 }
            }
            if let rating = matter.rating, month.contains(rating.day) {
                result.ratings += 1
                result.ratingSum += rating.score
            }
        }
        return result
    }

    static func check(_ row: Fawang_Supervision_V1_ScoreRow, _ expected: Expected, sourceLocation: SourceLocation = #_sourceLocation) {
        let figures = row.indicators.map { [$0.numerator, $0.denominator] }
        let wanted: [[Int64]] = [
            [Int64(expected.received - expected.late), Int64(expected.received)], [Int64(expected.ratingSum), Int64(expected.ratings)],
            [Int64(expected.online), Int64(expected.received)], [Int64(expected.complete), Int64(expected.received)],
        ]
        #expect(figures == wanted, "\(row.unitName)", sourceLocation: sourceLocation)
        #expect(row.received == Int64(expected.received), sourceLocation: sourceLocation)
        if let total = expected.total {
            #expect(row.measured && abs(row.total - total) < 0.006, "\(row.unitName): \(row.total) against \(total)", sourceLocation: sourceLocation)
        } else {
            #expect(!row.measured && row.rank == 0 && row.indicators.allSatisfy { !$0.measured && $0.display == "无数据" }, "\(row.unitName)", sourceLocation: sourceLocation)
        }
    }

    @Test("月度考核：各项指标、得分和排名与对原始事项的逐条计算一致；县区看不到别县；通报生成、存档、下载，重复生成返回同一份；跨月后自动生成上月通报")
    func scoresAndBulletins() async throws {
        let clock = TestClock(at: beijing(2026, 11, 2, hour: 8))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            let filed = try await Self.seedNovember(platform, clock)
            #expect(filed > 300)
            clock.set(beijing(2026, 12, 2, hour: 10))
            let today = CivilDate(year: 2026, month: 12, day: 2)
            let november = CivilDate(year: 2026, month: 11, day: 1)...CivilDate(year: 2026, month: 11, day: 30)
            let (raw, late) = try await Self.readRaw(platform, today: today)
            let all = raw.map { ($0.key, $0.value) }
            #expect(all.count == filed)
            let seeded = Self.expected(all, late: late, month: november)
            #expect(seeded.late > 10 && seeded.late < seeded.received / 3, "some late, most not: \(seeded.late) of \(seeded.received)")
            #expect(seeded.online > 0 && seeded.online < seeded.received && seeded.complete > 0 && seeded.complete < seeded.received && seeded.ratings > 50)

            try await platform.withInProcessClient(as: "supervision-640100") { client in
                let assessment = Assessment(wrapping: client)
                let report = try await assessment.getScores(.with { $0.month = "2026-11" })
                #expect(report.regionCode == "640100" && report.regionName == "银川市" && report.asOfDay == "2026-12-02")
                #expect(report.indicators.map(\.weight) == [40, 30, 15, 15] && report.indicators.map(\.name) == ["办理及时率", "群众满意度", "网上办理率", "数据完整率"])
                Self.check(report.overall, seeded)
                // By line: consultation and legal aid, each against its own matters; the rest 无数据.
                for row in report.byLine {
                    Self.check(row, Self.expected(all.filter { $0.1.line == row.unit }, late: late, month: november))
                }
                #expect(report.byLine.filter(\.measured).map(\.unit).sorted() == ["consultation", "legal-aid"])
                #expect(report.byLine.first { $0.unit == "legal-aid" }?.indicators[2].display == "0.0%", "aid is filed at the window")
                #expect(report.byLine.first { $0.unit == "legal-aid" }?.indicators[1].display == "无数据", "no aid matter was rated")
                // By county: the two seeded, the city's other counties 无数据.
                for row in report.byDivision {
                    Self.check(row, Self.expected(all.filter { $0.1.region == row.unit }, late: late, month: november))
                }
                let ranked = report.byDivision.filter(\.measured)
                #expect(ranked.map(\.unit).sorted() == Self.counties && report.byDivision.count > 2)
                #expect(ranked[0].total > ranked[1].total && ranked.map(\.rank) == [1, 2], "best first")
                #expect(report.byDivision.dropFirst(2).allSatisfy { !$0.measured && $0.rank == 0 })

                // Refusals name what to fix.
                await expectStatus(.invalidArgument, field: "month") { _ = try await assessment.getScores(.with { $0.month = "2026-13" }) }
                await expectStatus(.invalidArgument, field: "month") { _ = try await assessment.getScores(.with { $0.month = "2027-01" }) }
                await expectStatus(.invalidArgument, field: "month", containing: ["尚未结束"]) {
                    _ = try await assessment.publishBulletin(.with { $0.month = "2026-12" })
                }
            }
            // A county's officer sees their county, not the next one.
            try await platform.withInProcessClient(as: "supervision-640104") { client in
                let own = try await Assessment(wrapping: client).getScores(.with { $0.month = "2026-11" })
                Self.check(own.overall, Self.expected(all.filter { $0.1.region == "640104" }, late: late, month: november))
                await expectStatus(.permissionDenied) {
                    _ = try await Assessment(wrapping: client).getScores(.with {
                        $0.month = "2026-11"
                        $0.regionCode = "640105"
                    })
                }
            }
            // A line's staff read scores of their own line only, and do not publish.
            try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                let theirs = try await Assessment(wrapping: client).getScores(.with { $0.month = "2026-11" })
                #expect(theirs.byLine.map(\.unit) == ["legal-aid"])
                await expectStatus(.permissionDenied) { _ = try await Assessment(wrapping: client).publishBulletin(.with { $0.month = "2026-11" }) }
            }

            // The bulletin: published, archived, both files; the second time the same one.
            try await platform.withInProcessClient(as: "supervision-640100") { client in
                let assessment = Assessment(wrapping: client)
                let report = try await assessment.getScores(.with { $0.month = "2026-11" })
                let bulletin = try await assessment.publishBulletin(.with { $0.month = "2026-11" })
                #expect(bulletin.title == "《银川市司法局2026年11月公共法律服务考核通报》" && bulletin.regionCode == "640100" && bulletin.month == "2026-11")
                #expect(bulletin.htmlBytes > 5000 && bulletin.pdfBytes > 5000 && bulletin.summary.contains("综合得分"))
                let again = try await assessment.publishBulletin(.with { $0.month = "2026-11" })
                #expect(again.replayed && again.id == bulletin.id && again.generatedAt == bulletin.generatedAt && again.generatedBy == bulletin.generatedBy)
                #expect(try await assessment.listBulletins(.init()).bulletins.filter { $0.month == "2026-11" && $0.regionCode == "640100" }.count == 1)

                let html = try await assessment.getBulletin(.with { $0.id = bulletin.id })
                let text = String(decoding: html.content, as: UTF8.self)
                let lowest = try #require(report.byDivision.filter(\.measured).last)
                #expect(html.contentType.hasPrefix("text/html") && html.fileName == "银川市司法局2026年11月公共法律服务考核通报.html")
                #expect(text.contains(bulletin.title) && text.contains("按业务条线排名") && text.contains("按地区排名") && text.contains("<svg"))
                #expect(text.contains("综合得分末位：<strong>\(lowest.unitName)"), "the lowest county is named")
                for row in report.byDivision where row.measured { #expect(text.contains(String(format: "%.2f", row.total))) }
                #expect(!text.contains("src=") && !text.contains("<link") && !text.contains("url(") && !text.contains("<script"), "self-contained")

                let pdf = try await assessment.getBulletin(.with {
                    $0.id = bulletin.id
                    $0.format = .pdf
                })
                #expect(pdf.contentType == "application/pdf" && pdf.content.starts(with: Data("%PDF-".utf8)))
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulletin-\(UUID().uuidString).pdf")
                try pdf.content.write(to: file)
                defer { try? FileManager.default.removeItem(at: file) }
                let output = try await run("pdftotext", [file.path, "-"])
                // The CJK font maps some glyphs to the Kangxi radicals (⽉ for 月): compare compatibility-normalised text.
                let pdfText = output.precomposedStringWithCompatibilityMapping
                #expect(pdfText.contains("银川市司法局2026年11月公共法律服务考核通报"), "\(pdfText.prefix(300))")
                #expect(pdfText.contains(lowest.unitName))
            }
            // The other city's staff cannot open it.
            try await platform.withInProcessClient(as: "staff-640200-reviewer") { client in
                let listed = try await Assessment(wrapping: client).listBulletins(.init()).bulletins
                #expect(listed.isEmpty)
                await expectStatus(.permissionDenied) { _ = try await Assessment(wrapping: client).getBulletin(.with { $0.id = "tb-640100-2026-11" }) }
            }

            // December has come: the next write wakes the monthly generation, which makes the
            // province's November bulletin (Yinchuan's exists; cities without matters get none).
            _ = try await platform.withInProcessClient(as: "consultation-640100") { client in
                try await Consultation(wrapping: client).recordConsultation(.with {
                    $0.requestID = "assess-december"
                    $0.person.name = "居民"
                    $0.person.phone = "13900009999"
                    $0.regionCode = "640104"
                    $0.topic = .labour
                    $0.question = "单位拖欠工资怎么办？"
                })
            }
            try await platform.withInProcessClient(as: "admin") { client in
                var listed: [Fawang_Supervision_V1_Bulletin] = []
                try await eventually(timeout: .seconds(60), "the province's November bulletin is generated") {
                    listed = try await Assessment(wrapping: client).listBulletins(.init()).bulletins
                    return listed.contains { $0.regionCode == "640000" }
                }
                let province = try #require(listed.first { $0.regionCode == "640000" })
                #expect(province.month == "2026-11" && province.generatedBy == "system" && province.title == "《宁夏回族自治区司法厅2026年11月公共法律服务考核通报》")
                #expect(listed.map(\.regionCode).sorted() == ["640000", "640100"], "one each; no bulletin for a city without matters")
            }
        }
    }

    @Test("考核规则：无数据不计分、按有数据的指标折算百分制；同分同名次")
    func theRules() {
        var count = AssessmentCount(regionCode: "640104", businessLine: "legal-aid")
        #expect(AssessmentIndicators.score(unit: "x", name: "x", count).total == nil, "nothing to measure: 无数据, not 100")
        (count.received, count.late, count.online, count.complete) = (10, 2, 5, 10)
        // 40 × 0.8 + 15 × 0.5 + 15 × 1 = 54.5 of 70 → 77.86
        #expect(AssessmentIndicators.score(unit: "x", name: "x", count).total == 77.86)
        (count.ratings, count.ratingSum) = (4, 18)
        // + 30 × 4.5 / 5 = 27 → 81.5 of 100
        #expect(AssessmentIndicators.score(unit: "x", name: "x", count).total == 81.5)
        #expect(AssessmentIndicators.all.reduce(0) { $0 + $1.weight } == 100)
        let a = AssessmentIndicators.score(unit: "a", name: "a", count)
        let ranked = AssessmentIndicators.ranked([AssessmentIndicators.score(unit: "n", name: "n", AssessmentCount(regionCode: "", businessLine: "")), a, a, {
            var worse = count
            worse.late = 5
            return AssessmentIndicators.score(unit: "w", name: "w", worse)
        }()])
        #expect(ranked.map(\.rank) == [1, 1, 3, 0] && ranked.last?.unit == "n")
    }

    @Test("没有安装 wkhtmltopdf 时生成PDF被拒绝（FAILED_PRECONDITION），并说明如何安装")
    func aMissingConverterIsNamed() async throws {
        await expectError(.failedPrecondition, containing: ["wkhtmltopdf", "scripts/setup.sh"]) {
            _ = try await PDFConverter.pdf(fromHTML: Data("<p>通报</p>".utf8), logger: Logger(label: "test"), program: nil)
        }
        // With it: a PDF.
        let pdf = try await PDFConverter.pdf(fromHTML: Data("<p>通报</p>".utf8), logger: Logger(label: "test"))
        #expect(pdf.starts(with: Data("%PDF-".utf8)))
    }

    /// Runs a command and returns its standard output.
    func run(_ command: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(command) exited \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }
}
