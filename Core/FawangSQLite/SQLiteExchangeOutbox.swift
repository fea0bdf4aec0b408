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
        // A new matter's event is its first (a booking or a referral adds more in the same write).
        let event = kind == .matterSubmitted ? matter.timeline.first?.kind : matter.timeline.last?.kind
        let payload = try NationalExchange.item(of: matter, event: event ?? "")
        _ = try enqueue(db, kind: kind, matterID: matter.id, payload: payload, at: time)
    }

    static func enqueue(_ db: Database, kind: NationalExchange.Kind, matterID: String, payload: Data, at time: Date) throws -> String {
        let messageID = UUID().uuidString.lowercased()
        try db.executeCached(
            sql: "INSERT INTO exchange_outbox (message_id, kind, matter_id, payload, created_at_micros) VALUES (?, ?, ?, ?, ?)",
            arguments: [messageID, kind.rawValue, matterID, payload, Self.micros(time)])
        return messageID
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

    /// The day's figures from the facts index (`matter_facts`), by county and line, in one
    /// transaction with the marker that makes it once per day.
    func enqueueDailyStatistics(day: CivilDate, at time: Date) async throws -> Bool {
        try await pool.write { db in
            let text = day.description
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM exchange_statistics_days WHERE day = ?", arguments: [text]) == true { return false }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT region_code, business_line,
                        SUM(submitted_day = ?1) AS received, SUM(COALESCE(accepted_day = ?1, 0)) AS accepted,
                        SUM(COALESCE(ended_day = ?1, 0)) AS ended, SUM(COALESCE(rated_day = ?1, 0)) AS rated,
                        SUM(COALESCE(rated_day = ?1 AND rating >= 4, 0)) AS satisfied
                    FROM matter_facts WHERE submitted_day = ?1 OR accepted_day = ?1 OR ended_day = ?1 OR rated_day = ?1
                    GROUP BY region_code, business_line ORDER BY region_code, business_line
                    """,
                arguments: [text])
            let figures = rows.map { row in
                NationalExchange.DailyFigures(
                    regionCode: row["region_code"], businessLine: row["business_line"], received: row["received"], accepted: row["accepted"],
                    ended: row["ended"], rated: row["rated"], satisfied: row["satisfied"])
            }
            let messageID = try Self.enqueue(
                db, kind: .statisticsDaily, matterID: "", payload: try NationalExchange.statistics(day: day, figures), at: time)
            try db.execute(sql: "INSERT INTO exchange_statistics_days (day, message_id) VALUES (?, ?)", arguments: [text, messageID])
            return true
        }
    }

    func lastStatisticsDay() async throws -> CivilDate? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT MAX(day) FROM exchange_statistics_days").flatMap { CivilDate(iso: $0) }
        }
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
            ).map { ExchangeReport.Rejection(messageID: $0["message_id"], reason: $0["last_error"]) }
            let oldest: Int64? = row["oldest"]
            var report = ExchangeReport(
                day: day.description, enqueued: row["enqueued"], acknowledged: row["acknowledged"], duplicates: row["duplicates"],
                rejected: row["rejected"], pending: row["pending"], attempts: row["attempts"],
                oldestPending: oldest.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }, rejections: rejections)
            let referrals = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(state = 'accepted'), 0) AS taken, COALESCE(SUM(state = 'rejected'), 0) AS refused
                    FROM exchange_inbox WHERE received_at >= ? AND received_at < ?
                    """,
                arguments: [Double(start) / 1_000_000, Double(end) / 1_000_000])!
            (report.referralsTaken, report.referralsRefused) = (referrals["taken"], referrals["refused"])
            return report
        }
    }
}

/// The referrals' inbox in SQLite (`exchange_inbox`, migration `v27`).
struct SQLiteExchangeInbox: ExchangeInbox {
    let pool: GroupCommitPool
    let writes: WriteGate
    /// Wakes the pusher after a refusal's answer was added to the outbox (nil: the exchange is off).
    let signal: ChangeSignal?

    func referralCursor() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(national_sequence) FROM exchange_inbox") ?? 0 }
    }

    func referral(messageID: String) async throws -> ReferralRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT national_sequence, state, tracking_number, reason FROM exchange_inbox WHERE message_id = ?", arguments: [messageID]
            ).map { row in
                ReferralRecord(
                    messageID: messageID, sequence: row["national_sequence"], state: ReferralRecord.State(rawValue: row["state"]) ?? .rejected,
                    trackingNumber: row["tracking_number"], reason: row["reason"])
            }
        }
    }

    func refuseReferral(_ refusal: NationalExchange.ReferralRefusal, sequence: Int64, audit: AuditDraft, at time: Date) async throws -> Bool {
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        let recorded = try await pool.write { db -> Bool in
            try db.execute(
                sql: """
                    INSERT INTO exchange_inbox (message_id, national_sequence, state, matter_id, tracking_number, reason, received_at)
                    VALUES (?, ?, 'rejected', '', '', ?, ?) ON CONFLICT (message_id) DO NOTHING
                    """,
                arguments: [refusal.referralID, sequence, String(refusal.reason.prefix(2000)), time.timeIntervalSince1970])
            guard db.changesCount == 1 else { return false }
            try SQLiteAuditLog.append(db, audit, method: method, peer: peer, at: time)
            if signal != nil {
                _ = try SQLiteExchangeOutbox.enqueue(db, kind: .referralRejected, matterID: "", payload: try NationalExchange.item(of: refusal), at: time)
            }
            return true
        }
        if recorded { signal?.notify() }
        return recorded
    }
}
