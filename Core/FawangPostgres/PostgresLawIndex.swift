import FawangCore
import Foundation

/// The law library on PostgreSQL: `laws` and `law_articles`, each article with its search tokens
/// (``SearchTokens``) as two GIN-indexed `tsvector`s — every single Han character or ASCII word
/// (`uni`), every overlapping pair within a run (`bi`) — and the pairs in order as text
/// (`bi_text`). The lexemes are given as they are (no parser, no dictionary), so what matches is
/// what SQLite's FTS5 index matches: a one-unit term by `uni`, a longer term by all its pairs in
/// `bi` (the index finds the candidates) next to each other in `bi_text` (the phrase, never across
/// punctuation). Article ids carry authority order in bands, as on SQLite.
struct PostgresLawIndex: LawIndex {
    let engine: PostgresEngine

    func importFiles(_ files: [LawFile], progress: @Sendable (Int) -> Void) async throws -> LawImportSummary {
        try await LawImportSummary.importing(files, progress: progress) { file in
            try await engine.write { db -> (LawImportSummary.Outcome, Int) in
                try db.serialize("laws:\(file.lawKey)")
                let existing = try db.row("SELECT id, content_hash FROM laws WHERE path = ?", [.text(file.path)])
                if let existing, existing.string("content_hash") == file.contentHash { return (.unchanged, 0) }
                if let existing, let id = existing.int64("id") {
                    try db.execute("DELETE FROM law_articles WHERE law_id = ?", [.integer(id)])
                    try db.execute("DELETE FROM laws WHERE id = ?", [.integer(id)])
                }
                guard let lawID = try db.row(
                    """
                    INSERT INTO laws (path, title, subtitle, law_key, category, level, version_date, content_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                    [
                        .text(file.path), .text(file.title), .text(file.subtitle), .text(file.lawKey), .text(file.category), .text(file.level.rawValue),
                        .text(file.versionDate), .text(file.contentHash),
                    ])?.int64("id")
                else { throw FawangError(.internalError, "no id for the law \(file.path)") }
                let superseded = try db.row(
                    "SELECT EXISTS (SELECT 1 FROM laws WHERE law_key = ? AND version_date > ?) AS newer", [.text(file.lawKey), .text(file.versionDate)]
                )?.bool("newer") ?? false
                try db.execute("UPDATE laws SET superseded = ? WHERE id = ?", [.of(superseded), .integer(lawID)])
                var articleID = try Self.nextID(db, band: LawAuthority.band(file.level, superseded: superseded))
                for article in file.articles {
                    try Self.insert(db, id: articleID, lawID: lawID, article)
                    articleID += 1
                }
                try Self.markCurrent(db, lawKey: file.lawKey)
                return (existing == nil ? .added : .replaced, file.articles.count)
            }
        }
    }

    static func insert(_ db: any SQLConnection, id: Int64, lawID: Int64, _ article: LawArticle) throws {
        let columns = SearchTokens.columns(LawAuthority.indexed(label: article.label, heading: article.heading, text: article.text))
        try db.execute(
            """
            INSERT INTO law_articles (id, law_id, ordinal, number, label, heading, text, uni, bi, bi_text)
            VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS tsvector), CAST(? AS tsvector), ?)
            """,
            [
                .integer(id), .integer(lawID), .of(article.ordinal), .of(article.number), .text(article.label), .text(article.heading), .text(article.text),
                .text(lexemes(columns.uni)), .text(lexemes(columns.bi)), .text(" \(columns.bi) "),
            ])
    }

    /// Space-separated tokens as a `tsvector` literal of quoted lexemes (no positions).
    static func lexemes(_ tokens: String) -> String {
        Set(tokens.split(separator: " ")).map { "'\($0.replacingOccurrences(of: "'", with: "''").replacingOccurrences(of: "\\", with: "\\\\"))'" }
            .joined(separator: " ")
    }

    static func nextID(_ db: any SQLConnection, band: Int64) throws -> Int64 {
        let start = band * LawAuthority.bandWidth
        let last = try db.row(
            "SELECT MAX(id) AS last FROM law_articles WHERE id >= ? AND id < ?", [.integer(start), .integer(start + LawAuthority.bandWidth)])?.int64("last")
        return (last ?? start) + 1
    }

    /// The latest version of a law is current; earlier ones (by version date) are superseded. A
    /// version whose state changes moves to its new band (the same articles under new ids).
    static func markCurrent(_ db: any SQLConnection, lawKey: String) throws {
        let changed = try db.rows(
            """
            SELECT id, level, superseded, CASE WHEN version_date < (SELECT MAX(version_date) FROM laws WHERE law_key = ?) THEN 1 ELSE 0 END AS now_superseded
            FROM laws WHERE law_key = ?
            """,
            [.text(lawKey), .text(lawKey)]
        ).filter { $0.int("superseded") != $0.int("now_superseded") }
        for law in changed {
            guard let lawID = law.int64("id") else { continue }
            let superseded = law.int("now_superseded") == 1
            let articles = try db.rows("SELECT id FROM law_articles WHERE law_id = ? ORDER BY id", [.integer(lawID)]).compactMap { $0.int64("id") }
            var articleID = try nextID(db, band: LawAuthority.band(LawLevel(rawValue: law.string("level") ?? "") ?? .other, superseded: superseded))
            for old in articles {
                try db.execute("UPDATE law_articles SET id = ? WHERE id = ?", [.integer(articleID), .integer(old)])
                articleID += 1
            }
            try db.execute("UPDATE laws SET superseded = ? WHERE id = ?", [.of(superseded), .integer(lawID)])
        }
    }

    static let columns = """
        SELECT a.id, a.ordinal, a.number, a.label, a.heading, a.text, l.title, l.subtitle, l.path, l.level, l.category,
            l.version_date, l.superseded
        """

    /// The condition a query's terms make, with its arguments: every term must match.
    static func condition(_ query: String) -> (sql: String, arguments: [SQLValue])? {
        var parts: [String] = []
        var arguments: [SQLValue] = []
        for term in SearchTokens.terms(query) {
            for units in SearchTokens.segments(term) {
                if units.count == 1 {
                    parts.append("a.uni @@ CAST(? AS tsquery)")
                    arguments.append(.text(lexemes(units[0])))
                } else {
                    let pairs = zip(units, units.dropFirst()).map { $0 + $1 }
                    parts.append("a.bi @@ CAST(? AS tsquery) AND strpos(a.bi_text, ?) > 0")
                    arguments += [.text(Set(pairs).map { "'\($0)'" }.joined(separator: " & ")), .text(" " + pairs.joined(separator: " ") + " ")]
                }
            }
        }
        return parts.isEmpty ? nil : (parts.joined(separator: " AND "), arguments)
    }

    func search(_ query: String, filter: LawSearchFilter, limit: Int, offset: Int) async throws -> LawSearchPage {
        guard let match = Self.condition(query) else { return LawSearchPage(hits: [], total: 0) }
        var conditions = [match.sql]
        var arguments = match.arguments
        if !filter.levels.isEmpty {
            conditions.append("l.level IN (\(filter.levels.map { _ in "?" }.joined(separator: ",")))")
            arguments += filter.levels.map { .text($0.rawValue) }
        }
        if !filter.category.isEmpty {
            conditions.append("(l.category = ? OR l.category LIKE ? ESCAPE '\\')")
            arguments += [
                .text(filter.category), .text(filter.category.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "/%"),
            ]
        }
        if filter.currentOnly { conditions.append("l.superseded = 0") }
        if !filter.from.isEmpty {
            conditions.append("l.version_date >= ?")
            arguments.append(.text(filter.from))
        }
        if !filter.to.isEmpty {
            conditions.append("l.version_date <> '' AND l.version_date <= ?")
            arguments.append(.text(filter.to))
        }
        let from = " FROM law_articles a JOIN laws l ON l.id = a.law_id WHERE " + conditions.joined(separator: " AND ")
        let candidates = LawAuthority.rankedCandidates
        let superseded = LawAuthority.bandWidth * 8
        let bound = arguments
        // As on SQLite: the first `candidates` matches in authority order (the id bands) ranked by
        // how densely the text holds the terms, then any further matches in authority order.
        let terms = SearchTokens.terms(query).joined()
        return try await engine.read { db in
            var ranked = try db.rows("SELECT a.id, a.text" + from + " ORDER BY a.id LIMIT \(candidates)", bound).map { row in
                (id: row.int64("id") ?? 0, score: -LawAuthority.density(of: terms, in: row.string("text") ?? ""))
            }
            ranked.sort { ($0.id >= superseded ? 1 : 0, $0.score, $0.id) < ($1.id >= superseded ? 1 : 0, $1.score, $1.id) }
            let total = ranked.count < candidates ? ranked.count : try db.row("SELECT COUNT(*) AS n" + from, bound)?.int("n") ?? 0
            var ids = ranked.dropFirst(offset).prefix(limit).map(\.id)
            if ids.count < limit, offset + ids.count < total {
                ids += try db.rows(
                    "SELECT a.id" + from + " ORDER BY a.id LIMIT ? OFFSET ?", bound + [.of(limit - ids.count), .of(max(offset, ranked.count))]
                ).compactMap { $0.int64("id") }
            }
            guard !ids.isEmpty else { return LawSearchPage(hits: [], total: total) }
            let rows = try db.rows(
                Self.columns + " FROM law_articles a JOIN laws l ON l.id = a.law_id WHERE a.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                ids.map(SQLValue.integer))
            let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.int64("id") ?? 0, Self.record($0)) })
            return LawSearchPage(hits: ids.compactMap { byID[$0] }, total: total)
        }
    }

    func article(_ citation: LawCitation) async throws -> LawArticleRecord? {
        try await engine.read { db in
            // The law by its name, short or full; a name that ends a longer title too, the exact name first.
            try db.row(
                Self.columns + """
                     FROM law_articles a JOIN laws l ON l.id = a.law_id
                    WHERE a.number = ? AND (l.title = ? OR l.title = ? OR l.title LIKE ? ESCAPE '\\')
                    ORDER BY l.superseded, CASE WHEN l.title = ? OR l.title = ? THEN 0 ELSE 1 END,
                        CASE l.level WHEN '法律' THEN 0 WHEN '宪法' THEN 0 WHEN '行政法规' THEN 1 ELSE 2 END, l.version_date DESC
                    LIMIT 1
                    """,
                [
                    .of(citation.article), .text(citation.lawName), .text("中华人民共和国" + citation.lawName),
                    .text("%" + citation.lawName.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")),
                    .text(citation.lawName), .text("中华人民共和国" + citation.lawName),
                ]
            ).map(Self.record)
        }
    }

    func article(id: Int64) async throws -> LawArticleRecord? {
        try await engine.read { db in
            try db.row(Self.columns + " FROM law_articles a JOIN laws l ON l.id = a.law_id WHERE a.id = ?", [.integer(id)]).map(Self.record)
        }
    }

    func counts() async throws -> (files: Int, articles: Int) {
        try await engine.read { db in
            (try db.row("SELECT COUNT(*) AS n FROM laws")?.int("n") ?? 0, try db.row("SELECT COUNT(*) AS n FROM law_articles")?.int("n") ?? 0)
        }
    }

    static func record(_ row: SQLRow) -> LawArticleRecord {
        LawArticleRecord(
            id: row.int64("id") ?? 0, lawTitle: row.string("title") ?? "", lawSubtitle: row.string("subtitle") ?? "", path: row.string("path") ?? "",
            level: LawLevel(rawValue: row.string("level") ?? "") ?? .other, category: row.string("category") ?? "",
            versionDate: row.string("version_date") ?? "", superseded: (row.int("superseded") ?? 0) != 0,
            article: LawArticle(
                ordinal: row.int("ordinal") ?? 0, number: row.int("number"), label: row.string("label") ?? "", heading: row.string("heading") ?? "",
                text: row.string("text") ?? ""))
    }
}
