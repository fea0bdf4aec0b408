import FawangCore
import Foundation
import GRDB

/// The law library in SQLite: `laws`, `law_articles` and the contentless FTS5 table `law_fts`
/// (see ``SearchTokens``). Each file is replaced in its own transaction.
struct SQLiteLawIndex: LawIndex {
    let pool: DatabasePool

    func importFiles(_ files: [LawFile], progress: @Sendable (Int) -> Void) async throws -> LawImportSummary {
        var summary = LawImportSummary()
        for (index, file) in files.enumerated() {
            let outcome = try await pool.write { db -> (String, Int) in
                let existing = try Row.fetchOne(db, sql: "SELECT id, content_hash FROM laws WHERE path = ?", arguments: [file.path])
                if let existing, existing["content_hash"] as String == file.contentHash { return ("unchanged", 0) }
                if let existing {
                    let id: Int64 = existing["id"]
                    // Contentless FTS5 rows are deleted by giving back the tokens they were indexed with.
                    for row in try Row.fetchAll(db, sql: "SELECT id, label, heading, text FROM law_articles WHERE law_id = ?", arguments: [id]) {
                        let columns = SearchTokens.columns(Self.indexed(label: row["label"], heading: row["heading"], text: row["text"]))
                        try db.execute(
                            sql: "INSERT INTO law_fts (law_fts, rowid, uni, bi) VALUES ('delete', ?, ?, ?)",
                            arguments: [row["id"] as Int64, columns.uni, columns.bi])
                    }
                    try db.execute(sql: "DELETE FROM law_articles WHERE law_id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM laws WHERE id = ?", arguments: [id])
                }
                try db.execute(
                    sql: """
                        INSERT INTO laws (path, title, subtitle, law_key, category, level, version_date, content_hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        file.path, file.title, file.subtitle, file.lawKey, file.category, file.level.rawValue, file.versionDate, file.contentHash,
                    ])
                let lawID = db.lastInsertedRowID
                for article in file.articles {
                    try db.execute(
                        sql: "INSERT INTO law_articles (law_id, ordinal, number, label, heading, text) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [lawID, article.ordinal, article.number, article.label, article.heading, article.text])
                    let columns = SearchTokens.columns(Self.indexed(label: article.label, heading: article.heading, text: article.text))
                    try db.execute(
                        sql: "INSERT INTO law_fts (rowid, uni, bi) VALUES (?, ?, ?)", arguments: [db.lastInsertedRowID, columns.uni, columns.bi])
                }
                try Self.markCurrent(db, lawKey: file.lawKey)
                return (existing == nil ? "added" : "replaced", file.articles.count)
            }
            switch outcome.0 {
            case "added": summary.added += 1
            case "replaced": summary.replaced += 1
            default: summary.unchanged += 1
            }
            summary.articles += outcome.1
            progress(index + 1)
        }
        return summary
    }

    /// What an article is found by: its label and heading too (第四十三条, 第五章 法律援助程序).
    static func indexed(label: String, heading: String, text: String) -> String {
        "\(label)\n\(heading)\n\(text)"
    }

    /// The latest version of a law is current; earlier ones (by version date) are superseded.
    static func markCurrent(_ db: Database, lawKey: String) throws {
        try db.execute(
            sql: """
                UPDATE laws SET superseded = CASE WHEN version_date < (SELECT MAX(version_date) FROM laws WHERE law_key = ?) THEN 1 ELSE 0 END
                WHERE law_key = ?
                """,
            arguments: [lawKey, lawKey])
    }

    static let columns = """
        SELECT a.id, a.ordinal, a.number, a.label, a.heading, a.text, l.title, l.subtitle, l.path, l.level, l.category,
            l.version_date, l.superseded
        """

    func search(_ query: String, filter: LawSearchFilter, limit: Int, offset: Int) async throws -> LawSearchPage {
        guard let match = SearchTokens.match(query) else { return LawSearchPage(hits: [], total: 0) }
        var conditions = ["law_fts MATCH ?"]
        var arguments: [any DatabaseValueConvertible] = [match]
        if !filter.levels.isEmpty {
            conditions.append("l.level IN (\(filter.levels.map { _ in "?" }.joined(separator: ",")))")
            arguments += filter.levels.map(\.rawValue)
        }
        if !filter.category.isEmpty {
            conditions.append("(l.category = ? OR l.category LIKE ? ESCAPE '\\')")
            arguments += [filter.category, filter.category.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "/%"]
        }
        if filter.currentOnly { conditions.append("l.superseded = 0") }
        if !filter.from.isEmpty {
            conditions.append("l.version_date >= ?")
            arguments.append(filter.from)
        }
        if !filter.to.isEmpty {
            conditions.append("l.version_date <> '' AND l.version_date <= ?")
            arguments.append(filter.to)
        }
        let from = " FROM law_fts JOIN law_articles a ON a.id = law_fts.rowid JOIN laws l ON l.id = a.law_id WHERE " + conditions.joined(separator: " AND ")
        let bound = StatementArguments(arguments.map(\.databaseValue))
        var paged = arguments
        paged.append(limit)
        paged.append(offset)
        let page = StatementArguments(paged.map(\.databaseValue))
        // Without a filter on the law, the FTS index counts alone (no join per match: ~30× faster
        // for a one-character term that matches thousands of articles).
        let unfiltered = conditions.count == 1
        return try await pool.read { db in
            let total = unfiltered
                ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM law_fts WHERE law_fts MATCH ?", arguments: [match]) ?? 0
                : try Int.fetchOne(db, sql: "SELECT COUNT(*)" + from, arguments: bound) ?? 0
            let rows = try Row.fetchAll(db, sql: Self.columns + from + " ORDER BY l.superseded, bm25(law_fts) LIMIT ? OFFSET ?", arguments: page)
            return LawSearchPage(hits: try rows.map(Self.record), total: total)
        }
    }

    func article(_ citation: LawCitation) async throws -> LawArticleRecord? {
        try await pool.read { db in
            // The law by its name, short or full (法律援助法, 中华人民共和国法律援助法); a name that is
            // the end of a longer title (民法典 → 中华人民共和国民法典) too, the exact name first.
            let row = try Row.fetchOne(
                db,
                sql: Self.columns + """
                     FROM law_articles a JOIN laws l ON l.id = a.law_id
                    WHERE a.number = ? AND (l.title = ? OR l.title = ? OR l.title LIKE ? ESCAPE '\\')
                    ORDER BY l.superseded, (l.title = ? OR l.title = ?) DESC,
                        CASE l.level WHEN '法律' THEN 0 WHEN '宪法' THEN 0 WHEN '行政法规' THEN 1 ELSE 2 END, l.version_date DESC
                    LIMIT 1
                    """,
                arguments: [
                    citation.article, citation.lawName, "中华人民共和国" + citation.lawName,
                    "%" + citation.lawName.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_"),
                    citation.lawName, "中华人民共和国" + citation.lawName,
                ])
            return try row.map(Self.record)
        }
    }

    func article(id: Int64) async throws -> LawArticleRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: Self.columns + " FROM law_articles a JOIN laws l ON l.id = a.law_id WHERE a.id = ?", arguments: [id]).map(Self.record)
        }
    }

    func counts() async throws -> (files: Int, articles: Int) {
        try await pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM laws") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM law_articles") ?? 0)
        }
    }

    static func record(_ row: Row) throws -> LawArticleRecord {
        LawArticleRecord(
            id: row["id"], lawTitle: row["title"], lawSubtitle: row["subtitle"], path: row["path"],
            level: LawLevel(rawValue: row["level"]) ?? .other, category: row["category"], versionDate: row["version_date"],
            superseded: (row["superseded"] as Int) != 0,
            article: LawArticle(ordinal: row["ordinal"], number: row["number"], label: row["label"], heading: row["heading"], text: row["text"]))
    }
}
