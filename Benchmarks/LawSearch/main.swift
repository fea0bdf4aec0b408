// Law search benchmark: SQLiteLawIndex.search over the whole corpus next to a brute-force
// substring scan of the same articles held in memory, in one run (shared, noisy machines: read
// the ratio). Build in release for figures:
//
//   swift run -c release law-search-bench ../shared/corpus/laws [--rounds 20] [--keep]
//
// `--keep` leaves the database for a look with sqlite3 and prints its path.
//
// Prints, per query class and overall, p50/p99 in ms for the index (first page of 20 with the
// total count, as SearchLaws asks) and for the scan, and index/scan.
import FawangCore
import FawangSQLite
import Foundation
import Logging

@main
struct LawSearchBenchmark {
    static let queries: [(String, [String])] = [
        ("1 character", ["援", "诉", "罚", "赔", "婚", "债", "税", "医"]),
        ("2 characters", ["律师", "调解", "公证", "鉴定", "期限", "合同", "继承", "工资"]),
        ("phrase", ["法律援助", "人民调解委员会", "经济困难", "不予受理", "劳动报酬", "行政许可决定"]),
        ("two terms", ["法律援助 经济困难", "律师 执业证书", "公证 遗嘱", "合同 违约金"]),
    ]

    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let corpus = arguments.first else {
            print("usage: law-search-bench CORPUS_DIR [--rounds N] [--keep]")
            exit(2)
        }
        let rounds = arguments.firstIndex(of: "--rounds").flatMap { Int(arguments[arguments.index(after: $0)]) } ?? 20
        let root = URL(fileURLWithPath: corpus)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-bench-\(UUID().uuidString)/laws.sqlite").path
        let storage = try SQLiteStorage(
            path: path, cipher: try PersonalDataCipher(keys: [("bench", Data(repeating: 1, count: 32))]), logger: Logger(label: "bench"))
        try await storage.migrate(modules: [])
        let files = try LawCorpus.files(under: root).map { try LawCorpus.read($0, root: root) }
        let importStart = ContinuousClock.now
        let summary = try await storage.laws.importFiles(files) { _ in }
        print("imported \(summary.added) files, \(summary.articles) articles in \(ContinuousClock.now - importStart)")
        // The brute force's best case: every article's text already in memory.
        let texts = files.flatMap(\.articles).map { "\($0.label)\n\($0.heading)\n\($0.text)" }

        func ms(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        var allIndex: [Double] = [], allScan: [Double] = []
        print("class          index p50   p99 |  scan p50    p99 | index/scan (p50)")
        for (name, terms) in queries {
            var index: [Double] = [], scan: [Double] = []
            for _ in 0..<rounds {
                for query in terms {
                    let start = ContinuousClock.now
                    let page = try await storage.laws.search(query, filter: LawSearchFilter(), limit: 20, offset: 0)
                    index.append(ms(ContinuousClock.now - start))
                    let words = SearchTokens.terms(query)
                    let scanStart = ContinuousClock.now
                    let found = texts.reduce(0) { count, text in words.allSatisfy { text.contains($0) } ? count + 1 : count }
                    scan.append(ms(ContinuousClock.now - scanStart))
                    if found != page.total { print("MISMATCH \(query): index \(page.total), scan \(found)") }
                }
            }
            allIndex += index
            allScan += scan
            print(String(
                format: "%-12@ %8.3f %7.3f | %8.3f %7.3f | %.4f", name as NSString, percentile(index, 0.5), percentile(index, 0.99),
                percentile(scan, 0.5), percentile(scan, 0.99), percentile(index, 0.5) / percentile(scan, 0.5)))
        }
        print(String(
            format: "%-12@ %8.3f %7.3f | %8.3f %7.3f | %.4f (p99 %.4f)", "all" as NSString, percentile(allIndex, 0.5), percentile(allIndex, 0.99),
            percentile(allScan, 0.5), percentile(allScan, 0.99), percentile(allIndex, 0.5) / percentile(allScan, 0.5),
            percentile(allIndex, 0.99) / percentile(allScan, 0.99)))
        if arguments.contains("--keep") {
            print("database kept: \(path)")
        } else {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
    }
}
