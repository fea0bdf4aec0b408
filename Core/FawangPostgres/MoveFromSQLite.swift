public import FawangCore
import Foundation

/// Moves a deployment's data from its SQLite file to a new PostgreSQL database (`fawang migrate`):
/// every table PostgreSQL's schema has, row for row, sealed personal data and the audit chain as
/// stored (nothing is opened or re-sealed), then a count of every table on both sides and a walk of
/// the audit chain on PostgreSQL that must end at SQLite's head.
///
/// The law library is not moved: its search index differs by engine, and it is imported again from
/// the corpus (`fawang laws import`). The target must be empty: a second run refuses rather than
/// doubling rows.
public enum MoveFromSQLite {
    public struct TableCount: Sendable, Equatable {
        public var table: String
        public var source: Int
        public var target: Int
    }

    public struct Summary: Sendable {
        public var tables: [TableCount]
        public var auditEntries: Int64
        public var auditHead: String
        public var balances: Bool { tables.allSatisfy { $0.source == $0.target } }
    }

    /// Tables left behind: the migrations' own bookkeeping, and the law library.
    static let skipped: Set<String> = ["fawang_migrations", "grdb_migrations", "laws", "law_articles"]
    static let batch = 500

    /// Copies `source` (a SQLite database at the current schema) into `target` (migrated, empty).
    /// `progress` is told (table, rows copied, rows in all) as each batch commits.
    public static func run(
        from source: any SQLEngine, to target: PostgresStorage, progress: @Sendable (String, Int, Int) -> Void
    ) async throws -> Summary {
        let occupied = try await target.engine.read { db in
            try db.row("SELECT (SELECT COUNT(*) FROM matters) + (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM accounts) AS n")?.int("n") ?? 0
        }
        guard occupied == 0 else {
            throw FawangError(.failedPrecondition, "the PostgreSQL database already holds matters, accounts or audit entries: move into a new, empty database")
        }
        // In creation order, so a table comes after the tables it references.
        let tables = try await target.engine.read { db in
            try db.rows("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY oid", [])
                .compactMap { $0.string("relname") }.filter { !skipped.contains($0) }
        }
        var counts: [TableCount] = []
        for table in tables {
            let targetColumns = try await target.engine.read { db in
                try db.rows(
                    "SELECT column_name, is_identity FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position",
                    [.text(table)]
                ).map { ($0.string("column_name") ?? "", $0.string("is_identity") == "YES") }
            }
            let sourceColumns = try await source.read { db -> Set<String>? in
                guard try db.hasTable(table) else { return nil }
                return Set(try db.rows("SELECT name FROM pragma_table_info(?)", [.text(table)]).compactMap { $0.string("name") })
            }
            guard let sourceColumns else {
                counts.append(TableCount(table: table, source: 0, target: 0))
                continue
            }
            let columns = targetColumns.map(\.0).filter(sourceColumns.contains)
            let identity = targetColumns.contains { $0.1 && columns.contains($0.0) }
            let list = columns.joined(separator: ", ")
            let total = try await source.read { db in try db.row("SELECT COUNT(*) AS n FROM \(table)")?.int("n") ?? 0 }
            let insert = "INSERT INTO \(table) (\(list))" + (identity ? " OVERRIDING SYSTEM VALUE" : "")
                + " VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
            var copied = 0
            progress(table, 0, total)
            while copied < total {
                // By SQLite's own row order (rowid, or the key of a table without one): stable
                // while the file is not being written, which `fawang migrate` requires.
                let offset = copied
                let rows = try await source.read { db in
                    try db.rows("SELECT \(list) FROM \(table) ORDER BY \(orderKey(table, columns: columns)) LIMIT \(batch) OFFSET ?", [.integer(Int64(offset))])
                }
                if rows.isEmpty { break }
                try await target.engine.write { db in
                    for row in rows { try db.execute(insert, columns.map { row.values[$0] ?? .null }) }
                }
                copied += rows.count
                progress(table, copied, total)
            }
            if identity, let column = targetColumns.first(where: { $0.1 })?.0 {
                try await target.engine.write { db in
                    _ = try db.rows(
                        "SELECT setval(pg_get_serial_sequence(?, ?), GREATEST((SELECT COALESCE(MAX(\(column)), 0) FROM \(table)), 1))",
                        [.text(table), .text(column)])
                }
            }
            let landed = try await target.engine.read { db in try db.row("SELECT COUNT(*) AS n FROM \(table)")?.int("n") ?? -1 }
            counts.append(TableCount(table: table, source: total, target: landed))
        }
        let sourceHead = try await SQLAuditLog(engine: source).verify(expectedHead: nil) { _ in }
        let targetHead = try await target.audit.verify(expectedHead: sourceHead.head) { _ in }
        if let problem = targetHead.problem {
            throw FawangError(.internalError, "the audit chain does not verify on PostgreSQL after the move: \(problem)")
        }
        guard targetHead.count == sourceHead.count else {
            throw FawangError(.internalError, "the audit chain has \(targetHead.count) entries on PostgreSQL, \(sourceHead.count) on SQLite")
        }
        return Summary(tables: counts, auditEntries: targetHead.count, auditHead: targetHead.head)
    }

    /// SQLite's rowid where the table has one; the whole row otherwise (the rollups, keyed by
    /// every column of their key).
    static func orderKey(_ table: String, columns: [String]) -> String {
        table.hasPrefix("matter_stats_") ? columns.joined(separator: ", ") : "rowid"
    }
}
