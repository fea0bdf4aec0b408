import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangPostgres
@testable import FawangSQLite
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import Logging
@testable import SupervisionPlugin
import SwiftProtobuf
import Testing

/// The statistics over a store of a few thousand generated matters across every line, county and
/// channel (`demo.synthetic_matters`), each walked through its own workflow: every figure the
/// service gives is checked against a brute-force count over the raw matters and events, read
/// straight from the SQLite file.
@Suite(.serialized) struct StatisticsTests {
    typealias Statistics = Fawang_Supervision_V1_StatisticsService.Client<InProcessTransport.Client>
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))
    static let today = CivilDate(year: 2026, month: 12, day: 7)
    static let config = "demo.synthetic_matters: 2500\n" + TestPlatform.unlimitedRates

    /// One matter as the raw tables hold it.
    struct Raw {
        var line = "", type = "", region = "", channel = ""
        var submitted = CivilDate(dayNumber: 0)
        var events: [(kind: String, day: CivilDate, score: Int?)] = []
    }

    /// What a matter counts for, worked out naively from its events and its line's milestones.
    struct Naive {
        var accepted: CivilDate?
        var outcome: MatterWorkflow.Milestone?
        var ended: CivilDate?
        var handling: Int?
        var rating: Int?
        var rated: CivilDate?
    }

    static func readRaw(_ platform: TestPlatform) async throws -> [String: Raw] {
        var matters: [String: Raw] = [:]
        let rows = try await platform.query("SELECT id, business_line, matter_type, region_code, channel, submitted_at FROM matters")
        for line in rows.split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            matters[cells[0]] = Raw(
                line: cells[1], type: cells[2], region: cells[3], channel: cells[4],
                submitted: CivilDate(Date(timeIntervalSince1970: Double(cells[5])!)))
        }
        let events = try await platform.query(
            "SELECT matter_id, kind, at, COALESCE(\(platform.database.jsonField("attributes_json", "score")), '') FROM matter_events ORDER BY matter_id, sequence")
        for line in events.split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            matters[cells[0]]?.events.append((cells[1], CivilDate(Date(timeIntervalSince1970: Double(cells[2])!)), Int(cells[3])))
        }
        return matters
    }

    static func naive(_ matter: Raw) -> Naive {
        let workflow = PluginCatalog.all.flatMap(\.manifest.matterTypes).first { $0.id == matter.type }!.workflow
        var result = Naive()
        let moving = Set(workflow.transitions.values.filter { $0.to != nil }.map(\.event))
        if !workflow.milestones.values.contains(.accepted) { result.accepted = matter.submitted }
        for event in matter.events {
            if let milestone = workflow.milestones[event.kind] {
                if milestone == .accepted {
                    result.accepted = result.accepted ?? event.day
                } else {
                    (result.outcome, result.ended) = (milestone, event.day)
                    if milestone == .concluded { result.accepted = result.accepted ?? event.day }
                }
            } else if moving.contains(event.kind) {
                (result.outcome, result.ended) = (nil, nil)
            }
            if event.kind == "rated", let score = event.score { (result.rating, result.rated) = (score, event.day) }
        }
        if let ended = result.ended {
            var days = 0
            var day = matter.submitted.adding(days: 1)
            while day <= ended {
                if WorkingDayCalendar.builtIn.isWorkingDay(day) ?? !day.isWeekend { days += 1 }
                day = day.adding(days: 1)
            }
            result.handling = days
        }
        return result
    }

    /// The figures a brute-force count gives for `matters` from `from` to `to`.
    static func count(_ matters: [(Raw, Naive)], from: CivilDate, to: CivilDate, overdue: Set<String>, ids: [String]) -> [String: Double] {
        let span = from...to
        var figures: [String: Double] = [:]
        var handling: [Int] = []
        var ratings: [Int] = []
        for (index, (raw, facts)) in matters.enumerated() {
            if span.contains(raw.submitted) {
                figures["received", default: 0] += 1
                if overdue.contains(ids[index]) { figures["overdue", default: 0] += 1 }
            }
            if let day = facts.accepted, span.contains(day) { figures["accepted", default: 0] += 1 }
            if let day = facts.ended, span.contains(day), let outcome = facts.outcome {
                figures[outcome.rawValue, default: 0] += 1
                handling.append(facts.handling!)
            }
            if let day = facts.rated, span.contains(day), let rating = facts.rating { ratings.append(rating) }
        }
        figures["ended"] = Double(handling.count)
        if !handling.isEmpty {
            figures["average"] = (Double(handling.reduce(0, +)) / Double(handling.count) * 10).rounded() / 10
            figures["p90"] = Double(handling.sorted()[Int((0.9 * Double(handling.count)).rounded(.up)) - 1])
        }
        figures["ratings"] = Double(ratings.count)
        if !ratings.isEmpty {
            figures["rating"] = (Double(ratings.reduce(0, +)) / Double(ratings.count) * 100).rounded() / 100
            figures["satisfied"] = (Double(ratings.filter { $0 >= 4 }.count) / Double(ratings.count) * 1000).rounded() / 1000
        }
        return figures
    }

    static func figures(_ proto: Fawang_Supervision_V1_Figures) -> [String: Double] {
        var figures: [String: Double] = [
            "received": Double(proto.received), "accepted": Double(proto.accepted), "concluded": Double(proto.concluded),
            "refused": Double(proto.refused), "stopped": Double(proto.stopped), "overdue": Double(proto.overdue), "ended": Double(proto.ended),
            "ratings": Double(proto.ratings),
        ]
        if proto.ended > 0 { (figures["average"], figures["p90"]) = (proto.averageHandlingDays, Double(proto.p90HandlingDays)) }
        if proto.ratings > 0 { (figures["rating"], figures["satisfied"]) = (proto.averageRating, proto.satisfiedShare) }
        return figures.filter { $0.value != 0 }
    }

    @Test("每项统计数字与对原始事项和办理记录的逐条计数一致（按地区、条线、渠道、事项类型、月份，含上期对比）")
    func everyFigureMatchesABruteForceCount() async throws {
        try await TestPlatform.with(extraConfig: Self.config, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let raw = try await Self.readRaw(platform)
            #expect(raw.count >= 2500)
            #expect(Set(raw.values.map(\.line)).count >= 10 && Set(raw.values.map(\.channel)).count == Channel.allCases.count && Set(raw.values.map(\.region)).count >= 20)
            let ids = Array(raw.keys)
            let matters = ids.map { (raw[$0]!, Self.naive(raw[$0]!)) }
            #expect(matters.contains { $0.1.outcome == .refused } && matters.contains { $0.1.outcome == .concluded } && matters.contains { $0.1.rating != nil })
            // Open deadlines past their day (from the deadline index), or met late.
            let late = try await platform.query(
                "SELECT matter_id FROM matter_deadlines WHERE state = 'running' AND due_date < '\(Self.today)' "
                    + "UNION SELECT matter_id FROM matter_facts WHERE met_late = 1")
            let overdue = Set(late.split(separator: "\n").map(String.init))
            #expect(!overdue.isEmpty)

            try await platform.withInProcessClient(as: "admin") { client in
                let statistics = Statistics(wrapping: client)
                // The whole year, by city and line.
                let (from, to) = (CivilDate(year: 2025, month: 12, day: 1), Self.today)
                let byCity = try await statistics.getStatistics(.with {
                    $0.fromDay = from.description
                    $0.toDay = to.description
                    $0.groupBy = [.region, .line]
                })
                #expect(byCity.regionCode == "640000" && byCity.groups.count > 20)
                #expect(Self.figures(byCity.total) == Self.count(matters, from: from, to: to, overdue: overdue, ids: ids).filter { $0.value != 0 })
                for group in byCity.groups {
                    let (city, line) = (group.key[0].value, group.key[1].value)
                    #expect(city.hasSuffix("00") && !group.key[0].label.isEmpty && !group.key[1].label.isEmpty)
                    let members = matters.indices.filter { matters[$0].0.region.hasPrefix(city.prefix(4)) && matters[$0].0.line == line }
                    let expected = Self.count(members.map { matters[$0] }, from: from, to: to, overdue: overdue, ids: members.map { ids[$0] })
                    #expect(Self.figures(group.figures) == expected.filter { $0.value != 0 }, "\(city) \(line)")
                }
                // The channel mix over the same span (read from the rollup without line and type).
                let byChannel = try await statistics.getStatistics(.with {
                    $0.fromDay = from.description
                    $0.toDay = to.description
                    $0.groupBy = [.channel]
                })
                #expect(byChannel.groups.count == Channel.allCases.count)
                for group in byChannel.groups {
                    let members = matters.indices.filter { matters[$0].0.channel == group.key[0].value }
                    let expected = Self.count(members.map { matters[$0] }, from: from, to: to, overdue: overdue, ids: members.map { ids[$0] })
                    #expect(Self.figures(group.figures) == expected.filter { $0.value != 0 }, "\(group.key[0].value)")
                }
                // By month, each beside the month before.
                let byMonth = try await statistics.getStatistics(.with {
                    $0.fromDay = "2026-06-01"
                    $0.toDay = "2026-11-30"
                    $0.groupBy = [.period]
                    $0.comparePrevious = true
                })
                #expect(byMonth.groups.map { $0.key[0].value } == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"])
                #expect(byMonth.previousFromDay == "2025-12-01" && byMonth.previousToDay == "2026-05-31")
                #expect(byMonth.groups.first?.key.first?.label == "2026年6月")
                for group in byMonth.groups {
                    let first = CivilDate(strictISO: group.key[0].value + "-01")!
                    let last = first.adding(days: 40).components
                    let end = CivilDate(year: last.year, month: last.month, day: 1).adding(days: -1)
                    let previousFirst = CivilDate(strictISO: StatisticsService.period(before: group.key[0].value, .month) + "-01")!
                    #expect(Self.figures(group.figures) == Self.count(matters, from: first, to: end, overdue: overdue, ids: ids).filter { $0.value != 0 })
                    #expect(
                        Self.figures(group.previous)
                            == Self.count(matters, from: previousFirst, to: first.adding(days: -1), overdue: overdue, ids: ids).filter { $0.value != 0 })
                }
                // One county, by channel and matter type, in one quarter.
                let county = try await statistics.getStatistics(.with {
                    $0.regionCode = "640104"
                    $0.fromDay = "2026-07-01"
                    $0.toDay = "2026-09-30"
                    $0.groupBy = [.channel, .matterType]
                })
                for group in county.groups {
                    let members = matters.indices.filter {
                        matters[$0].0.region == "640104" && matters[$0].0.channel == group.key[0].value && matters[$0].0.type == group.key[1].value
                    }
                    let expected = Self.count(
                        members.map { matters[$0] }, from: CivilDate(year: 2026, month: 7, day: 1), to: CivilDate(year: 2026, month: 9, day: 30),
                        overdue: overdue, ids: members.map { ids[$0] })
                    #expect(Self.figures(group.figures) == expected.filter { $0.value != 0 }, "\(group.key.map(\.value))")
                }
                #expect(Set(county.groups.map { $0.key[0].label }).isSubset(of: Set(Channel.allCases.map(\.label))))
                // By week (read from the facts, not the monthly rollup), for one line.
                let weeks = try await statistics.getStatistics(.with {
                    $0.fromDay = "2026-08-03"
                    $0.toDay = "2026-10-25"
                    $0.businessLine = "legal-aid"
                    $0.groupBy = [.period]
                    $0.periodUnit = .week
                })
                #expect(weeks.groups.count == 12 && weeks.groups.first?.key.first?.value == "2026-08-03")
                for group in weeks.groups {
                    let monday = CivilDate(strictISO: group.key[0].value)!
                    let members = matters.indices.filter { matters[$0].0.line == "legal-aid" }
                    let expected = Self.count(members.map { matters[$0] }, from: monday, to: monday.adding(days: 6), overdue: overdue, ids: members.map { ids[$0] })
                    #expect(Self.figures(group.figures) == expected.filter { $0.value != 0 }, "week of \(monday)")
                }
            }
        }
    }

    /// Every rollup table, row by row in key order, as the sqlite3 command line prints it.
    static func rollupRows(_ platform: TestPlatform) async throws -> [String: String] {
        var rows: [String: String] = [:]
        for rollup in MatterRollups.figureRollups + [MatterRollups.handlingDays] {
            rows[rollup.table] = try await platform.query("SELECT * FROM \(rollup.table) ORDER BY \(rollup.key.joined(separator: ", "))")
        }
        return rows
    }

    /// Each coarser figure rollup holds exactly the finest one summed over the columns it leaves out.
    static func expectCoarserAreTheFinestSummed(_ platform: TestPlatform, _ when: String) async throws {
        for rollup in MatterRollups.figureRollups where rollup.table != MatterRollups.figuresByMonth.table {
            let key = rollup.key.joined(separator: ", ")
            let coarse = try await platform.query("SELECT \(key), n, total FROM \(rollup.table) ORDER BY \(key)")
            let summed = try await platform.query("SELECT \(key), SUM(n), SUM(total) FROM matter_stats_monthly GROUP BY \(key) ORDER BY \(key)")
            #expect(coarse.split(separator: "\n").count > 500, "\(rollup.table) \(when)")
            #expect(coarse == summed, "\(rollup.table) \(when)")
        }
    }

    @Test("粗的月度汇总表等于最细一张按其键的合计：随每件事项写入维护后如此，重建后亦然，且与重建结果相同")
    func theCoarserRollupsAreTheFinestSummedAsKeptAndAsRebuilt() async throws {
        let config = "demo.synthetic_matters: 1000\n" + TestPlatform.unlimitedRates
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            // Some matters move to another line and type (a transfer): the finest rollup's rows move
            // between keys, the coarser ones' between theirs (or stay, where the key leaves it out).
            let candidates = try await platform.query(
                "SELECT tracking_number FROM matters WHERE business_line NOT IN ('petitions', 'mediation') ORDER BY id LIMIT 300")
            var moved = 0
            try await platform.withInProcessClient(as: "admin") { client in
                let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
                for number in candidates.split(separator: "\n") where moved < 40 {
                    // Ended matters refuse a transfer; the open ones move.
                    let transferred = try? await matters.transferMatter(.with {
                        $0.trackingNumber = String(number)
                        $0.toMatterType = moved % 2 == 0 ? "petitions.petition" : "mediation.dispute"
                        $0.reason = "不属于本条线，转办"
                        $0.context.channel = .walkIn
                    })
                    if transferred != nil { moved += 1 }
                }
            }
            #expect(moved == 40)
            // Kept in each matter's own transaction while the matters were seeded, walked and moved.
            let kept = try await Self.rollupRows(platform)
            try await Self.expectCoarserAreTheFinestSummed(platform, "as kept")
            // Rebuilt from the facts behind the store's back: the same rows.
            let cipher = try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t"))
            if let url = platform.database.postgresURL {
                let storage = PostgresStorage(settings: try .init(url: url, connections: 1), cipher: cipher, logger: Logger(label: "test"))
                do {
                    try await storage.rebuildStatisticsRollup()
                    await storage.close()
                } catch {
                    await storage.close()
                    throw error
                }
            } else {
                try await SQLiteStorage(path: platform.databasePath, cipher: cipher, logger: Logger(label: "test")).rebuildStatisticsRollup()
            }
            try await Self.expectCoarserAreTheFinestSummed(platform, "as rebuilt")
            let rebuilt = try await Self.rollupRows(platform)
            for (table, rows) in kept { #expect(rows == rebuilt[table], "\(table): kept and rebuilt differ") }
        }
    }
}
