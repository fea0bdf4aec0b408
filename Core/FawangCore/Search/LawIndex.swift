import Foundation

/// What a search may be narrowed to.
public struct LawSearchFilter: Sendable, Equatable {
    public var levels: [LawLevel] = []
    /// A category folder, or its start (`行政法`, `案例/劳动人事`).
    public var category: String = ""
    /// Only the current version of each law.
    public var currentOnly = false
    /// `YYYY-MM-DD` bounds on the version date (inclusive); empty for none.
    public var from = ""
    public var to = ""

    public init(levels: [LawLevel] = [], category: String = "", currentOnly: Bool = false, from: String = "", to: String = "") {
        self.levels = levels
        self.category = category
        self.currentOnly = currentOnly
        self.from = from
        self.to = to
    }
}

/// An article (or section) with the law it belongs to.
public struct LawArticleRecord: Sendable, Equatable {
    public var id: Int64
    public var lawTitle: String
    public var lawSubtitle: String
    public var path: String
    public var level: LawLevel
    public var category: String
    public var versionDate: String
    /// A later version of the same law exists: still searchable, ranked after the current one.
    public var superseded: Bool
    public var article: LawArticle

    public init(
        id: Int64, lawTitle: String, lawSubtitle: String, path: String, level: LawLevel, category: String, versionDate: String,
        superseded: Bool, article: LawArticle
    ) {
        self.id = id
        self.lawTitle = lawTitle
        self.lawSubtitle = lawSubtitle
        self.path = path
        self.level = level
        self.category = category
        self.versionDate = versionDate
        self.superseded = superseded
        self.article = article
    }

    /// `《中华人民共和国法律援助法》第四十三条`.
    public var citation: String { "《\(lawTitle)》\(article.label)" }
}

public struct LawSearchPage: Sendable, Equatable {
    public var hits: [LawArticleRecord]
    /// Matches in all (for paging).
    public var total: Int

    public init(hits: [LawArticleRecord], total: Int) {
        self.hits = hits
        self.total = total
    }
}

/// What an import did.
public struct LawImportSummary: Sendable, Equatable {
    public var added = 0
    public var replaced = 0
    public var unchanged = 0
    public var articles = 0

    public init() {}

    /// What one file's transaction did to it.
    public enum Outcome: Sendable {
        case added, replaced, unchanged
    }

    /// Imports `files` one transaction each with `importOne` (what it did to the file and how many
    /// articles it wrote), telling `progress` after each.
    public static func importing(
        _ files: [LawFile], progress: @Sendable (Int) -> Void, _ importOne: (LawFile) async throws -> (Outcome, Int)
    ) async rethrows -> LawImportSummary {
        var summary = LawImportSummary()
        for (index, file) in files.enumerated() {
            let (outcome, articles) = try await importOne(file)
            switch outcome {
            case .added: summary.added += 1
            case .replaced: summary.replaced += 1
            case .unchanged: summary.unchanged += 1
            }
            summary.articles += articles
            progress(index + 1)
        }
        return summary
    }
}

/// The law, regulation and case library: imported from the corpus layout, searched by words or
/// looked up by citation. `SQLiteLawIndex` is the embedded implementation (FTS5 over bigrams).
public protocol LawIndex: Sendable {
    /// Adds or replaces each file (by path; an unchanged one by its hash is skipped), then marks
    /// which version of each law is current. `progress` is told after each file.
    func importFiles(_ files: [LawFile], progress: @Sendable (Int) -> Void) async throws -> LawImportSummary

    /// Articles containing every term of `query`, current versions first, then by BM25.
    func search(_ query: String, filter: LawSearchFilter, limit: Int, offset: Int) async throws -> LawSearchPage

    /// The article a citation names, in the current version of the law it names; nil if none.
    func article(_ citation: LawCitation) async throws -> LawArticleRecord?

    func article(id: Int64) async throws -> LawArticleRecord?

    /// How many files and articles the library holds.
    func counts() async throws -> (files: Int, articles: Int)
}

/// The stretch of an article around the first match, with every match in it marked.
public enum LawSnippet {
    /// At most `width` characters of `text`, starting a little before the first occurrence of
    /// any term; highlights are (start, length) in characters of the snippet.
    public static func make(_ text: String, query: String, width: Int = 90) -> (snippet: String, highlights: [(start: Int, length: Int)]) {
        let characters = Array(text)
        let terms = SearchTokens.terms(query).map { Array($0) }.filter { !$0.isEmpty }
        func matches(at index: Int) -> Int? {
            for term in terms where index + term.count <= characters.count && Array(characters[index..<index + term.count]) == term {
                return term.count
            }
            return nil
        }
        let first = characters.indices.first { matches(at: $0) != nil } ?? 0
        let start = max(0, min(first - width / 4, characters.count - width))
        var end = min(characters.count, start + width)
        var highlights: [(Int, Int)] = []
        var index = start
        while index < end {
            if let length = matches(at: index) {
                // A match is never cut: the snippet runs to its end.
                end = max(end, index + length)
                highlights.append((index - start, length))
                index += length
            } else {
                index += 1
            }
        }
        let snippet = (start > 0 ? "…" : "") + String(characters[start..<end]) + (end < characters.count ? "…" : "")
        return (snippet, highlights.map { (start > 0 ? $0.0 + 1 : $0.0, $0.1) })
    }
}
