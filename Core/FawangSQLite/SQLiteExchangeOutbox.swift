import FawangCore
import Foundation
import GRDB

/// The national exchange's outbox in SQLite (`exchange_outbox`, migration `v25`). The matter
/// store appends to it inside each change's transaction (``enqueue(_:matter:kind:at:)``); the
/// host's pusher reads and settles it through ``ExchangeOutbox``.
struct SQLiteExchangeOutbox: ExchangeOutbox {
    let pool: GroupCommitPool

    /// Appends the matter's data item, in the caller's (the change's) transaction.
    static func enqueue(_ db: Database, matter: Matter, kind: NationalExchange.Kind, at time: Date) throws {
        let payload = try NationalExchange.item(of: matter, event: matter.timeline.last?.kind ?? "")
        try db.executeCached(
            sql: "INSERT INTO exchange_outbox (message_id, kind, matter_id, payload, created_at_micros) VALUES (?, ?, ?, ?, ?)",
            arguments: [UUID().uuidString.lowercased(), kind.rawValue, matter.id, payload, Self.micros(time)])
    }

    static func micros(_ time: Date) -> Int64 { Int64((time.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// In outbox order, stopping at the first entry not yet due: an entry waiting to be retried
    /// holds back those after it, so the national side hears of a matter's changes in order.
    func due(limit: Int, now: Date) async throws -> [OutboxEntry] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, message_id, kind, payload, created_at_micros, attempts, next_attempt_at FROM exchange_outbox
                    WHERE state = 'pending' ORDER BY seq LIMIT ?
                    """,
                arguments: [limit])
            return rows.prefix { ($0["next_attempt_at"] as Double) <= now.timeIntervalSince1970 }.map { row in
                OutboxEntry(
                    sequence: row["seq"], messageID: row["message_id"], kind: row["kind"], payload: row["payload"],
                    createdAtMicros: row["created_at_micros"], attempts: row["attempts"])
            }
        }
    }

    func settle(sequence: Int64, as settlement: OutboxSettlement, reason: String, at time: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE exchange_outbox SET state = ?, disposition = ?, last_error = ?, attempts = attempts + 1, settled_at = ?
                    WHERE seq = ? AND state = 'pending'
                    """,
                arguments: [settlement == .rejected ? "rejected" : "acknowledged", settlement.rawValue, reason, time.timeIntervalSince1970, sequence])
        }
    }

    func retry(sequence: Int64, error: String, next: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE exchange_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ? AND state = 'pending'",
                arguments: [String(error.prefix(500)), next.timeIntervalSince1970, sequence])
        }
    }

    func nextDue() async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: "SELECT next_attempt_at FROM exchange_outbox WHERE state = 'pending' ORDER BY seq LIMIT 1")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    func pendingCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending'") ?? 0 }
    }

    func report(day: CivilDate) async throws -> ExchangeReport {
        let start = Int64(day.dayNumber * 86_400 - CivilDate.chinaOffsetSeconds) * 1_000_000
        let end = start + 86_400 * 1_000_000
        return try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS enqueued,
                        COALESCE(SUM(state = 'acknowledged'), 0) AS acknowledged,
                        COALESCE(SUM(disposition = 'duplicate'), 0) AS duplicates,
                        COALESCE(SUM(state = 'rejected'), 0) AS rejected,
                        COALESCE(SUM(state = 'pending'), 0) AS pending,
                        COALESCE(SUM(attempts), 0) AS attempts,
                        MIN(CASE WHEN state = 'pending' THEN created_at_micros END) AS oldest
                    FROM exchange_outbox WHERE created_at_micros >= ? AND created_at_micros < ?
                    """,
                arguments: [start, end])!
            let rejections = try Row.fetchAll(
                db, sql: "SELECT message_id, last_error FROM exchange_outbox WHERE state = 'rejected' AND created_at_micros >= ? AND created_at_micros < ? ORDER BY seq",
                arguments: [start, end]
            ).map { (messageID: $0["message_id"] as String, reason: $0["last_error"] as String) }
            let oldest: Int64? = row["oldest"]
            return ExchangeReport(
                day: day.description, enqueued: row["enqueued"], acknowledged: row["acknowledged"], duplicates: row["duplicates"],
                rejected: row["rejected"], pending: row["pending"], attempts: row["attempts"],
                oldestPending: oldest.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }, rejections: rejections)
        }
    }
}
