import FawangCore
import Foundation
import GRDB

/// The law library in SQLite: `laws`, `law_articles` and the contentless FTS5 table `law_fts`
/// (see ``SearchTokens``). Each file is replaced in its own transaction.
struct SQLiteLawIndex: LawIndex {
    let pool: GroupCommitPool

    func importFiles(_ files: [LawFile], progress: @Sendable (Int) -> Void) async throws -> LawImportSummary {
        try await LawImportSummary.importing(files, progress: progress) { file in
            try await pool.write { db -> (LawImportSummary.Outcome, Int) in
                let existing = try Row.fetchOne(db, sql: "SELECT id, content_hash FROM laws WHERE path = ?", arguments: [file.path])
                if let existing, existing["content_hash"] as String == file.contentHash { return (.unchanged, 0) }
                if let existing {
                    let id: Int64 = existing["id"]
                    try Self.unindex(db, lawID: id)
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
                let superseded = try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM laws WHERE law_key = ? AND version_date > ?)", arguments: [file.lawKey, file.versionDate]) ?? false
                try db.execute(sql: "UPDATE laws SET superseded = ? WHERE id = ?", arguments: [superseded, lawID])
                var articleID = try Self.nextID(db, band: Self.band(file.level, superseded: superseded))
                for article in file.articles {
                    try db.execute(
                        sql: "INSERT INTO law_articles (id, law_id, ordinal, number, label, heading, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [articleID, lawID, article.ordinal, article.number, article.label, article.heading, article.text])
                    let columns = SearchTokens.columns(Self.indexed(label: article.label, heading: article.heading, text: article.text))
                    try db.execute(sql: "INSERT INTO law_fts (rowid, uni, bi) VALUES (?, ?, ?)", arguments: [articleID, columns.uni, columns.bi])
                    articleID += 1
                }
                try Self.markCurrent(db, lawKey: file.lawKey)
                return (existing == nil ? .added : .replaced, file.articles.count)
            }
        }
    }

    // MARK: Authority order (LawAuthority)

    static let bandWidth = LawAuthority.bandWidth

    static func band(_ level: LawLevel, superseded: Bool) -> Int64 { LawAuthority.band(level, superseded: superseded) }

    static func nextID(_ db: Database, band: Int64) throws -> Int64 {
        let start = band * bandWidth
        let last = try Int64.fetchOne(
            db, sql: "SELECT MAX(id) FROM law_articles WHERE id >= ? AND id < ?", arguments: [start, start + bandWidth])
        return (last ?? start) + 1
    }

    /// Takes a law's articles out of the FTS index: contentless FTS5 rows are deleted by giving
    /// back the tokens they were indexed with.
    static func unindex(_ db: Database, lawID: Int64) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, label, heading, text FROM law_articles WHERE law_id = ?", arguments: [lawID]) {
            let columns = SearchTokens.columns(indexed(label: row["label"], heading: row["heading"], text: row["text"]))
            try db.execute(
                sql: "INSERT INTO law_fts (law_fts, rowid, uni, bi) VALUES ('delete', ?, ?, ?)",
                arguments: [row["id"] as Int64, columns.uni, columns.bi])
        }
    }

    static func indexed(label: String, heading: String, text: String) -> String {
        LawAuthority.indexed(label: label, heading: heading, text: text)
    }

    /// The latest version of a law is current; earlier ones (by version date) are superseded. A
    /// version whose state changes moves to its new band (the same articles under new ids).
    static func markCurrent(_ db: Database, lawKey: String) throws {
        let changed = try Row.fetchAll(
            db,
            sql: """
                SELECT id, level, superseded, version_date < (SELECT MAX(version_date) FROM laws WHERE law_key = ?) AS now_superseded
                FROM laws WHERE law_key = ?
                """,
            arguments: [lawKey, lawKey]
        ).filter { ($0["superseded"] as Bool) != ($0["now_superseded"] as Bool) }
        for law in changed {
            let lawID: Int64 = law["id"], superseded: Bool = law["now_superseded"]
            try unindex(db, lawID: lawID)
            let articles = try Row.fetchAll(db, sql: "SELECT id, label, heading, text FROM law_articles WHERE law_id = ? ORDER BY id", arguments: [lawID])
            var articleID = try nextID(db, band: band(LawLevel(rawValue: law["level"]) ?? .other, superseded: superseded))
            for article in articles {
                try db.execute(sql: "UPDATE law_articles SET id = ? WHERE id = ?", arguments: [articleID, article["id"] as Int64])
                let columns = SearchTokens.columns(indexed(label: article["label"], heading: article["heading"], text: article["text"]))
                try db.execute(sql: "INSERT INTO law_fts (rowid, uni, bi) VALUES (?, ?, ?)", arguments: [articleID, columns.uni, columns.bi])
                articleID += 1
            }
            try db.execute(sql: "UPDATE laws SET superseded = ? WHERE id = ?", arguments: [superseded, lawID])
        }
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
        // Without a filter on the law, the FTS index counts alone (no join per match: ~30× faster
        // for a one-character term that matches thousands of articles).
        let unfiltered = conditions.count == 1
        let candidates = Self.rankedCandidates
        // Matches in authority order, from the FTS index alone when nothing filters on the law.
        let matches = unfiltered
            ? "SELECT rowid AS id FROM law_fts WHERE law_fts MATCH ? ORDER BY rowid"
            : "SELECT a.id AS id" + from + " ORDER BY law_fts.rowid"
        let scored = matches.replacingOccurrences(of: " AS id ", with: " AS id, bm25(law_fts) AS score ")
        let superseded = Self.bandWidth * 8
        return try await pool.read { db in
            // The order: the first `candidates` matches in authority order (the id bands: current
            // before superseded, statutes first) ranked by BM25, then any further matches in
            // authority order. Below the bound that is plain BM25 over every match. The bound keeps
            // a term found in thousands of articles as quick as a rare one (BM25 costs per match),
            // and only such a term needs counting apart.
            var ranked: [(id: Int64, score: Double)] = []
            let cursor = try Row.fetchCursor(db, sql: scored + " LIMIT ?", arguments: bound + [candidates])
            while let row = try cursor.next() { ranked.append((row["id"], row["score"])) }
            ranked.sort { ($0.id >= superseded ? 1 : 0, $0.score) < ($1.id >= superseded ? 1 : 0, $1.score) }
            let total = ranked.count < candidates
                ? ranked.count
                : unfiltered
                    ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM law_fts WHERE law_fts MATCH ?", arguments: [match]) ?? 0
                    : try Int.fetchOne(db, sql: "SELECT COUNT(*)" + from, arguments: bound) ?? 0
            var ids = ranked.dropFirst(offset).prefix(limit).map(\.id)
            if ids.count < limit, offset + ids.count < total {
                ids += try Int64.fetchAll(
                    db, sql: matches + " LIMIT ? OFFSET ?", arguments: bound + [limit - ids.count, max(offset, ranked.count)])
            }
            guard !ids.isEmpty else { return LawSearchPage(hits: [], total: total) }
            let rows = try Row.fetchAll(
                db,
                sql: Self.columns + " FROM law_articles a JOIN laws l ON l.id = a.law_id WHERE a.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(ids))
            let byID = Dictionary(uniqueKeysWithValues: try rows.map { (($0["id"] as Int64), try Self.record($0)) })
            return LawSearchPage(hits: ids.compactMap { byID[$0] }, total: total)
        }
    }

    /// How many of a term's matches, in authority order, BM25 ranks (see `search`).
    static let rankedCandidates = LawAuthority.rankedCandidates

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
