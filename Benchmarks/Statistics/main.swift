// Statistics benchmark: the supervision dashboard's queries (StatisticsService) on a facts index
// of N matters (default 1,000,000) spread over 11 lines, 22 counties, 7 channels and two years.
// Build in release for figures:
//
//   swift run -c release statistics-bench [--matters 1000000] [--rounds 7] [--keep]
//
// Fills `matter_facts` directly (the table every figure is read from; the matters themselves are
// not needed to time the reads), then runs each chart's query `rounds` times through the store's
// own `statistics(_:)` and prints the median and the slowest in ms. The dashboard's goal is each
// chart ≤ 200 ms on 1,000,000 matters; machines are shared and noisy, so read several rounds.
import FawangCore
import FawangSQLite
import Foundation
import GRDB
import Logging

@main
struct StatisticsBenchmark {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String, _ fallback: Int) -> Int {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? fallback
        }
        let count = option("--matters", 1_000_000), rounds = option("--rounds", 7)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-bench-\(UUID().uuidString)/stats.sqlite").path
        let storage = try SQLiteStorage(
            path: path, cipher: try PersonalDataCipher(keys: [("bench", Data(repeating: 1, count: 32))]), logger: Logger(label: "bench"))
        try await storage.migrate(modules: [])

        // The facts of `count` matters, written in batches with a progress line.
        let lines = ["legal-aid", "mediation", "petitions", "notarization", "judicial-appraisal", "lawyers", "legal-exam", "admin-approval",
                     "consultation", "disclosure", "hotline"]
        let counties = ["640104", "640105", "640106", "640121", "640122", "640181", "640202", "640205", "640221", "640302", "640303",
                        "640323", "640324", "640381", "640402", "640422", "640423", "640424", "640425", "640502", "640521", "640522"]
        let channels = Channel.allCases.map(\.rawValue)
        let today = CivilDate(year: 2026, month: 12, day: 7)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let fillStart = ContinuousClock.now
        var written = 0
        while written < count {
            let (first, batch) = (written, min(50_000, count - written))
            try await queue.write { db in
                var random = SystemRandomNumberGenerator()
                let insert = try db.makeStatement(sql: """
                    INSERT INTO matter_facts (matter_id, business_line, matter_type, region_code, channel, submitted_day, accepted_day, outcome,
                        ended_day, handling_days, transferred_day, rating, rated_day, met_late, open_due)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                    """)
                for index in first..<(first + batch) {
                    let line = lines[Int.random(in: 0..<lines.count, using: &random)]
                    let submitted = today.adding(days: -Int.random(in: 0..<730, using: &random))
                    let accepted = Int.random(in: 0..<10, using: &random) < 9 ? submitted.adding(days: Int.random(in: 0...3, using: &random)) : nil
                    let ends = Int.random(in: 0..<10, using: &random) < 8
                    let ended = ends ? submitted.adding(days: Int.random(in: 1...60, using: &random)) : nil
                    let outcome = ended == nil ? nil : ["concluded", "concluded", "concluded", "refused", "stopped"][Int.random(in: 0..<5, using: &random)]
                    let rated = ended != nil && Bool.random(using: &random) ? ended!.adding(days: 1) : nil
                    try insert.execute(arguments: [
                        String(index), line, line + ".application", counties[Int.random(in: 0..<counties.count, using: &random)],
                        channels[Int.random(in: 0..<channels.count, using: &random)], submitted.description, accepted?.description, outcome,
                        ended?.description, ended.map { submitted.days(until: $0) * 5 / 7 }, rated.map { _ in Int.random(in: 1...5, using: &random) },
                        rated?.description, Int.random(in: 0..<20, using: &random) == 0, ended == nil ? submitted.adding(days: 15).description : nil,
                    ])
                }
            }
            written += batch
            // One line per batch: progress that reads the same in a terminal and in a log.
            print("  facts of \(written) of \(count) matters written")
        }
        try await storage.rebuildStatisticsRollup()
        print("\(count) matters' facts and their monthly rollups in \(ContinuousClock.now - fillStart)")

        let year = (CivilDate(year: 2026, month: 1, day: 1), today)
        let charts: [(String, StatisticsQuery)] = [
            ("totals (this year)", StatisticsQuery(from: year.0, to: year.1, today: today)),
            ("totals (last year, the comparison)", StatisticsQuery(from: CivilDate(year: 2025, month: 1, day: 1), to: CivilDate(year: 2025, month: 12, day: 7), today: today)),
            ("trend by month", StatisticsQuery(from: year.0, to: year.1, today: today, groupBy: [.period], periodUnit: .month)),
            ("lines by city", StatisticsQuery(from: year.0, to: year.1, today: today, groupBy: [.region, .line], regionLevel: .city)),
            ("channel mix", StatisticsQuery(from: year.0, to: year.1, today: today, groupBy: [.channel])),
            ("overdue by county", StatisticsQuery(from: year.0, to: year.1, today: today, groupBy: [.region], regionLevel: .county)),
            ("satisfaction by line", StatisticsQuery(from: year.0, to: year.1, today: today, groupBy: [.line])),
            ("one county, one line, a month", StatisticsQuery(
                from: CivilDate(year: 2026, month: 11, day: 1), to: CivilDate(year: 2026, month: 11, day: 30), today: today, regionCode: "640104",
                businessLines: ["legal-aid"], groupBy: [.channel])),
            ("today by channel (live counter)", StatisticsQuery(from: today, to: today, today: today, groupBy: [.channel])),
        ]
        // As the dashboard's charts ask (no percentile), and as a download asks (with the 90th
        // percentile of handling days, which reads the handling-day histogram).
        print("query                                   chart: median / slowest ms   with p90: median / slowest ms   groups")
        for (name, query) in charts {
            var line = name.padding(toLength: 40, withPad: " ", startingAt: 0)
            var groups = 0
            for percentiles in [false, true] {
                var asked = query
                asked.percentiles = percentiles
                var times: [Double] = []
                for _ in 0..<rounds {
                    let start = ContinuousClock.now
                    groups = try await storage.matters.statistics(asked).count
                    let elapsed = ContinuousClock.now - start
                    times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                times.sort()
                line += String(format: "%14.1f / %-14.1f", times[times.count / 2], times.last ?? 0)
            }
            print(line + String(groups))
        }
        if arguments.contains("--keep") {
            print("database kept at \(path)")
        } else {
            // The whole folder: the database with its write-ahead log and shared-memory files.
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
        }
    }
}
