import FawangCore
import FawangSQLite
import FawangTestSupport
import Foundation
import Logging
import Testing

/// The law library on the real corpus (`../shared/corpus/laws`), imported once into a real
/// SQLite file for the suite.
@Suite(.serialized) struct LawSearchTests {
    /// The whole corpus, imported once (the import is what takes time).
    static let library: Task<(SQLiteStorage, [LawFile]), any Error> = Task {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-laws-\(UUID().uuidString)/laws.sqlite").path
        let storage = try SQLiteStorage(path: path, cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"))
        try await storage.migrate(modules: [])
        let root = try LawCorpusLocation.root
        let files = try LawCorpus.files(under: root).map { try LawCorpus.read($0, root: root) }
        _ = try await storage.laws.importFiles(files) { _ in }
        return (storage, files)
    }

    @Test func chineseNumeralsAndCitations() {
        #expect(ChineseNumber.parse("一千一百六十五") == 1165)
        #expect(ChineseNumber.parse("十三") == 13)
        #expect(ChineseNumber.parse("二十") == 20)
        #expect(ChineseNumber.parse("一百零五") == 105)
        #expect(ChineseNumber.parse("四十三") == 43)
        #expect(ChineseNumber.parse("30") == 30)
        #expect(ChineseNumber.parse("条") == nil)
        #expect(LawCitation("法律援助法第四十三条") == LawCitation(lawName: "法律援助法", article: 43))
        #expect(LawCitation("公证法 第30条") == LawCitation(lawName: "公证法", article: 30))
        #expect(LawCitation("《中华人民共和国民法典》第一千一百六十五条") == LawCitation(lawName: "民法典", article: 1165))
        #expect(LawCitation("第四十三条") == nil, "no law named")
        #expect(LawCitation("法律援助法") == nil, "no article")
    }

    @Test func aSnippetMarksEveryMatchWhole() {
        let text = String(repeating: "甲", count: 100) + "法律援助" + String(repeating: "乙", count: 20) + "经济困难"
        let (snippet, highlights) = LawSnippet.make(text, query: "法律援助 经济困难", width: 40)
        let characters = Array(snippet)
        let marked = highlights.map { String(characters[$0.start..<$0.start + $0.length]) }
        #expect(marked == ["法律援助", "经济困难"], "\(snippet)")
        #expect(snippet.hasPrefix("…"), "cut at the front, marked")
    }

    @Test func aLawFileSplitsIntoArticlesUnderTheirChapters() throws {
        let root = try LawCorpusLocation.root
        let file = try LawCorpus.read(root.appendingPathComponent("行政法/律师法(2017-09-01).md"), root: root)
        #expect(file.title == "中华人民共和国律师法" && file.level == .law && file.versionDate == "2017-09-01" && file.category == "行政法")
        let numbers = file.articles.compactMap(\.number)
        #expect(numbers == Array(1...numbers.count), "every article, in order, none twice")
        let twelve = try #require(file.articles.first { $0.number == 12 })
        #expect(twelve.label == "第十二条" && twelve.text.hasPrefix("高等院校、科研机构中从事法学教育") && twelve.heading.contains("第二章"))
        let six = try #require(file.articles.first { $0.number == 6 })
        #expect(six.text.contains("申请兼职律师执业的，还应当提交"), "an article keeps its later paragraphs")
        // A case has no articles: its sections are the units.
        let cases = try LawCorpus.files(under: root.appendingPathComponent("案例")).first!
        let lawCase = try LawCorpus.read(cases, root: root)
        #expect(lawCase.level == .lawCase && !lawCase.articles.isEmpty && lawCase.articles.allSatisfy { $0.number == nil })
    }

    /// Recall 1.0 (and precision): the index finds exactly the articles a substring scan finds,
    /// for one- and two-character terms and longer phrases.
    @Test func searchFindsExactlyWhatASubstringScanFinds() async throws {
        let (storage, files) = try await Self.library.value
        let terms = ["援", "诉", "罚", "律师", "调解", "公证", "鉴定", "期限", "十五日", "法律援助", "人民调解委员会", "经济困难", "不予受理", "第四十三条"]
        for term in terms {
            let scanned = files.flatMap(\.articles).filter { "\($0.label)\n\($0.heading)\n\($0.text)".contains(term) }.count
            let found = try await storage.laws.search(term, filter: LawSearchFilter(), limit: 1, offset: 0).total
            #expect(found == scanned, "\(term): index \(found), scan \(scanned)")
            #expect(scanned > 0, "\(term) occurs in the corpus")
        }
        // Two terms: both must occur.
        let both = files.flatMap(\.articles).filter { $0.text.contains("法律援助") && $0.text.contains("经济困难") }.count
        #expect(try await storage.laws.search("法律援助 经济困难", filter: LawSearchFilter(), limit: 1, offset: 0).total == both)
        // Nothing across punctuation: 援，助 is not 援助.
        #expect(SearchTokens.match("，。") == nil)
    }

    @Test func aLaterVersionSupersedesAndRanksFirst() async throws {
        let (storage, _) = try await Self.library.value
        let page = try await storage.laws.search("道路运输经营", filter: LawSearchFilter(levels: [.administrativeRegulation]), limit: 200, offset: 0)
        let versions = Set(page.hits.filter { $0.lawTitle == "中华人民共和国道路运输条例" }.map(\.versionDate))
        #expect(versions == ["2019-03-02", "2022-03-29", "2023-07-20"], "every version stays searchable")
        let first = try #require(page.hits.first { $0.lawTitle == "中华人民共和国道路运输条例" })
        #expect(first.versionDate == "2023-07-20" && !first.superseded, "the current version first")
        #expect(page.hits.filter { $0.lawTitle == "中华人民共和国道路运输条例" && $0.versionDate != "2023-07-20" }.allSatisfy { $0.superseded })
        let current = try await storage.laws.search("道路运输经营", filter: LawSearchFilter(currentOnly: true), limit: 200, offset: 0)
        #expect(current.hits.allSatisfy { !$0.superseded })
    }

    /// A term found in thousands of articles: its first 1,000 matches in authority order are
    /// ranked, the rest follow; paging across that bound gives every match exactly once, and the
    /// first page is current statute law.
    @Test func aCommonTermPagesThroughEveryMatchOnceStatutesFirst() async throws {
        let (storage, files) = try await Self.library.value
        let scanned = files.flatMap(\.articles).filter { "\($0.label)\n\($0.heading)\n\($0.text)".contains("罚") }.count
        #expect(scanned > 2000, "罚 is common enough to cross the bound")
        var seen = Set<Int64>(), offset = 0, total = 0
        repeat {
            let page = try await storage.laws.search("罚", filter: LawSearchFilter(), limit: 100, offset: offset)
            total = page.total
            if offset == 0 { #expect(page.hits.prefix(20).allSatisfy { ($0.level == .law || $0.level == .constitution) && !$0.superseded }) }
            for hit in page.hits { #expect(seen.insert(hit.id).inserted, "article \(hit.id) came twice") }
            offset += page.hits.count
            if page.hits.isEmpty { break }
        } while offset < total
        #expect(total == scanned && seen.count == scanned)
        // The same across the bound with a filter on the law (the joined path).
        let filtered = LawSearchFilter(currentOnly: true)
        let count = try await storage.laws.search("罚", filter: filtered, limit: 1, offset: 0).total
        let around = try await storage.laws.search("罚", filter: filtered, limit: 40, offset: 980)
        let before = try await storage.laws.search("罚", filter: filtered, limit: 20, offset: 980)
        let after = try await storage.laws.search("罚", filter: filtered, limit: 20, offset: 1000)
        #expect(count > 1020 && around.hits.map(\.id) == (before.hits + after.hits).map(\.id))
    }

    /// Versions imported newest first: the older one still ends up superseded and after it.
    @Test func anOlderVersionImportedLaterIsSupersededAtOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-versions-\(UUID().uuidString)/laws.sqlite").path
        let storage = try SQLiteStorage(path: path, cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"))
        try await storage.migrate(modules: [])
        func version(_ date: String, _ text: String) -> LawFile {
            var file = LawFile(path: "行政法规/示例条例(\(date)).md", markdown: "")
            (file.title, file.subtitle, file.category, file.level) = ("示例条例", "", "行政法规", .administrativeRegulation)
            (file.versionDate, file.contentHash) = (date, date)
            file.articles = [LawArticle(ordinal: 1, number: 1, label: "第一条", heading: "", text: text)]
            return file
        }
        _ = try await storage.laws.importFiles([version("2024-01-01", "新版本的独角兽条款更长一些")]) { _ in }
        _ = try await storage.laws.importFiles([version("2010-01-01", "独角兽条款")]) { _ in }
        let page = try await storage.laws.search("独角兽条款", filter: LawSearchFilter(), limit: 10, offset: 0)
        #expect(page.hits.map(\.versionDate) == ["2024-01-01", "2010-01-01"], "current first although BM25 prefers the shorter old text")
        #expect(page.hits.map(\.superseded) == [false, true])
        // A newer version still: the 2024 one moves to the superseded band too.
        _ = try await storage.laws.importFiles([version("2025-06-01", "最新版本的独角兽条款")]) { _ in }
        let latest = try await storage.laws.search("独角兽条款", filter: LawSearchFilter(), limit: 10, offset: 0)
        #expect(latest.hits.map(\.versionDate).first == "2025-06-01" && latest.hits.dropFirst().allSatisfy(\.superseded) && latest.total == 3)
        #expect(try await storage.laws.search("独角兽", filter: LawSearchFilter(currentOnly: true), limit: 10, offset: 0).total == 1)
    }

    @Test func filtersNarrowByLevelCategoryAndVersionDate() async throws {
        let (storage, files) = try await Self.library.value
        func count(_ filter: LawSearchFilter) async throws -> Int { try await storage.laws.search("调解", filter: filter, limit: 1, offset: 0).total }
        func scan(_ keep: (LawFile) -> Bool) -> Int {
            files.filter(keep).flatMap(\.articles).filter { "\($0.label)\n\($0.heading)\n\($0.text)".contains("调解") }.count
        }
        #expect(try await count(LawSearchFilter(levels: [.judicialInterpretation])) == scan { $0.level == .judicialInterpretation })
        #expect(try await count(LawSearchFilter(levels: [.law, .lawCase])) == scan { $0.level == .law || $0.level == .lawCase })
        #expect(try await count(LawSearchFilter(category: "案例")) == scan { $0.category.hasPrefix("案例") }, "a folder and its subfolders")
        #expect(try await count(LawSearchFilter(category: "案例/劳动人事")) == scan { $0.category == "案例/劳动人事" })
        #expect(try await count(LawSearchFilter(category: "行政")) == 0, "a category is a whole folder name, not a prefix of one")
        #expect(try await count(LawSearchFilter(from: "2020-01-01", to: "2021-12-31"))
                == scan { !$0.versionDate.isEmpty && $0.versionDate >= "2020-01-01" && $0.versionDate <= "2021-12-31" })
        #expect(try await count(LawSearchFilter(levels: [.judicialInterpretation])) > 0)
    }

    @Test func aCitationFindsItsArticle() async throws {
        let (storage, _) = try await Self.library.value
        let tort = try #require(try await storage.laws.article(LawCitation(lawName: "民法典", article: 1165)))
        #expect(tort.lawTitle == "中华人民共和国民法典" && tort.article.text.hasPrefix("行为人因过错侵害他人民事权益"))
        let notary = try #require(try await storage.laws.article(LawCitation(lawName: "公证法", article: 30)))
        #expect(notary.lawTitle == "中华人民共和国公证法" && notary.article.label == "第三十条")
        let aid = try #require(try await storage.laws.article(LawCitation(lawName: "法律援助法", article: 43)))
        #expect(aid.citation == "《中华人民共和国法律援助法》第四十三条")
        #expect(try await storage.laws.article(LawCitation(lawName: "法律援助法", article: 900)) == nil)
    }

    @Test func reImportingChangesNothingAndAChangedFileIsReplaced() async throws {
        let (storage, files) = try await Self.library.value
        let before = try await storage.laws.counts()
        let again = try await storage.laws.importFiles(Array(files.prefix(20))) { _ in }
        #expect(again.unchanged == 20 && again.added == 0)
        var changed = files[0]
        changed.contentHash = "changed"
        changed.articles = [LawArticle(ordinal: 1, number: 1, label: "第一条", heading: "", text: "一个只在测试中出现的词：独角兽条款")]
        let replaced = try await storage.laws.importFiles([changed]) { _ in }
        #expect(replaced.replaced == 1)
        #expect(try await storage.laws.search("独角兽条款", filter: LawSearchFilter(), limit: 5, offset: 0).total == 1)
        _ = try await storage.laws.importFiles([files[0]]) { _ in }
        #expect(try await storage.laws.search("独角兽条款", filter: LawSearchFilter(), limit: 5, offset: 0).total == 0, "the old rows left the index")
        #expect(try await storage.laws.counts() == before)
    }
}
