public import Foundation

/// The national exchange's outbox (`exchange_outbox`), on either engine. The matter store appends
/// to it inside each change's transaction (``enqueue(_:matter:kind:at:)``); the host's pusher
/// reads and settles it through ``ExchangeOutbox``.
public struct SQLExchangeOutbox: ExchangeOutbox {
    let engine: any SQLEngine

    public init(engine: any SQLEngine) { self.engine = engine }

    /// Appends the matter's data item, in the caller's (the change's) transaction.
    public static func enqueue(_ db: any SQLConnection, matter: Matter, kind: NationalExchange.Kind, at time: Date) throws {
        // A new matter's event is its first (a booking or a referral adds more in the same write).
        let event = kind == .matterSubmitted ? matter.timeline.first?.kind : matter.timeline.last?.kind
        let payload = try NationalExchange.item(of: matter, event: event ?? "")
        _ = try enqueue(db, kind: kind, matterID: matter.id, payload: payload, at: time)
    }

    @discardableResult
    public static func enqueue(_ db: any SQLConnection, kind: NationalExchange.Kind, matterID: String, payload: Data, at time: Date) throws -> String {
        let messageID = UUID().uuidString.lowercased()
        try db.execute(
            "INSERT INTO exchange_outbox (message_id, kind, matter_id, payload, created_at_micros) VALUES (?, ?, ?, ?, ?)",
            [.text(messageID), .text(kind.rawValue), .text(matterID), .blob(payload), .integer(micros(time))])
        return messageID
    }

    static func micros(_ time: Date) -> Int64 { Int64((time.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// In outbox order, stopping at the first entry not yet due: an entry waiting to be retried
    /// holds back those after it, so the national side hears of a matter's changes in order.
    public func due(limit: Int, now: Date) async throws -> [OutboxEntry] {
        try await engine.read { db in
            let rows = try db.rows(
                """
                SELECT seq, message_id, kind, payload, created_at_micros, attempts, next_attempt_at FROM exchange_outbox
                WHERE state = 'pending' ORDER BY seq LIMIT ?
                """,
                [.integer(Int64(limit))])
            return rows.prefix { ($0.real("next_attempt_at") ?? 0) <= now.timeIntervalSince1970 }.map { row in
                OutboxEntry(
                    sequence: row.int64("seq") ?? 0, messageID: row.string("message_id") ?? "", kind: row.string("kind") ?? "",
                    payload: row.data("payload") ?? Data(), createdAtMicros: row.int64("created_at_micros") ?? 0, attempts: row.int("attempts") ?? 0)
            }
        }
    }

    public func settle(sequence: Int64, as settlement: OutboxSettlement, reason: String, at time: Date) async throws {
        try await engine.write { db in
            try db.execute(
                """
                UPDATE exchange_outbox SET state = ?, disposition = ?, last_error = ?, attempts = attempts + 1, settled_at = ?
                WHERE seq = ? AND state = 'pending'
                """,
                [
                    .text(settlement == .rejected ? "rejected" : "acknowledged"), .text(settlement.rawValue), .text(reason),
                    .real(time.timeIntervalSince1970), .integer(sequence),
                ])
        }
    }

    public func retry(sequence: Int64, error: String, next: Date) async throws {
        try await engine.write { db in
            try db.execute(
                "UPDATE exchange_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ? AND state = 'pending'",
                [.text(String(error.prefix(500))), .real(next.timeIntervalSince1970), .integer(sequence)])
        }
    }

    public func nextDue() async throws -> Date? {
        try await engine.read { db in
            try db.row("SELECT next_attempt_at FROM exchange_outbox WHERE state = 'pending' ORDER BY seq LIMIT 1")?.real("next_attempt_at")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func pendingCount() async throws -> Int {
        try await engine.read { db in try db.row("SELECT COUNT(*) AS n FROM exchange_outbox WHERE state = 'pending'")?.int("n") ?? 0 }
    }

    /// The day's figures from the facts index (`matter_facts`), by county and line, in one
    /// transaction with the marker that makes it once per day.
    public func enqueueDailyStatistics(day: CivilDate, at time: Date) async throws -> Bool {
        try await engine.write { db in
            let text = day.description
            try db.serialize("statistics_day:\(text)")
            if try db.row("SELECT 1 AS done FROM exchange_statistics_days WHERE day = ?", [.text(text)]) != nil { return false }
            let rows = try db.rows(
                """
                SELECT region_code, business_line,
                    SUM(CASE WHEN submitted_day = ?1 THEN 1 ELSE 0 END) AS received,
                    SUM(CASE WHEN accepted_day = ?1 THEN 1 ELSE 0 END) AS accepted,
                    SUM(CASE WHEN ended_day = ?1 THEN 1 ELSE 0 END) AS ended,
                    SUM(CASE WHEN rated_day = ?1 THEN 1 ELSE 0 END) AS rated,
                    SUM(CASE WHEN rated_day = ?1 AND rating >= 4 THEN 1 ELSE 0 END) AS satisfied
                FROM matter_facts WHERE submitted_day = ?1 OR accepted_day = ?1 OR ended_day = ?1 OR rated_day = ?1
                GROUP BY region_code, business_line ORDER BY region_code, business_line
                """,
                [.text(text)])
            let figures = rows.map { row in
                NationalExchange.DailyFigures(
                    regionCode: row.string("region_code") ?? "", businessLine: row.string("business_line") ?? "", received: row.int("received") ?? 0,
                    accepted: row.int("accepted") ?? 0, ended: row.int("ended") ?? 0, rated: row.int("rated") ?? 0, satisfied: row.int("satisfied") ?? 0)
            }
            let messageID = try Self.enqueue(db, kind: .statisticsDaily, matterID: "", payload: try NationalExchange.statistics(day: day, figures), at: time)
            try db.execute("INSERT INTO exchange_statistics_days (day, message_id) VALUES (?, ?)", [.text(text), .text(messageID)])
            return true
        }
    }

    public func lastStatisticsDay() async throws -> CivilDate? {
        try await engine.read { db in try db.row("SELECT MAX(day) AS day FROM exchange_statistics_days")?.string("day").flatMap { CivilDate(iso: $0) } }
    }

    public func report(day: CivilDate) async throws -> ExchangeReport {
        let start = Int64(day.dayNumber * 86_400 - CivilDate.chinaOffsetSeconds) * 1_000_000
        let end = start + 86_400 * 1_000_000
        return try await engine.read { db in
            let row = try db.row(
                """
                SELECT COUNT(*) AS enqueued,
                    COALESCE(SUM(CASE WHEN state = 'acknowledged' THEN 1 ELSE 0 END), 0) AS acknowledged,
                    COALESCE(SUM(CASE WHEN disposition = 'duplicate' THEN 1 ELSE 0 END), 0) AS duplicates,
                    COALESCE(SUM(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END), 0) AS rejected,
                    COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
                    COALESCE(SUM(attempts), 0) AS attempts,
                    MIN(CASE WHEN state = 'pending' THEN created_at_micros END) AS oldest
                FROM exchange_outbox WHERE created_at_micros >= ? AND created_at_micros < ?
                """,
                [.integer(start), .integer(end)])
            let rejections = try db.rows(
                "SELECT message_id, last_error FROM exchange_outbox WHERE state = 'rejected' AND created_at_micros >= ? AND created_at_micros < ? ORDER BY seq",
                [.integer(start), .integer(end)]
            ).map { ExchangeReport.Rejection(messageID: $0.string("message_id") ?? "", reason: $0.string("last_error") ?? "") }
            var report = ExchangeReport(
                day: day.description, enqueued: row?.int("enqueued") ?? 0, acknowledged: row?.int("acknowledged") ?? 0,
                duplicates: row?.int("duplicates") ?? 0, rejected: row?.int("rejected") ?? 0, pending: row?.int("pending") ?? 0,
                attempts: row?.int("attempts") ?? 0,
                oldestPending: row?.int64("oldest").map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }, rejections: rejections)
            let referrals = try db.row(
                """
                SELECT COALESCE(SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END), 0) AS taken,
                    COALESCE(SUM(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END), 0) AS refused
                FROM exchange_inbox WHERE received_at >= ? AND received_at < ?
                """,
                [.real(Double(start) / 1_000_000), .real(Double(end) / 1_000_000)])
            (report.referralsTaken, report.referralsRefused) = (referrals?.int("taken") ?? 0, referrals?.int("refused") ?? 0)
            return report
        }
    }
}

/// The referrals' inbox (`exchange_inbox`), on either engine.
public struct SQLExchangeInbox: ExchangeInbox {
    let engine: any SQLEngine
    let writes: WriteGate
    /// Wakes the pusher after a refusal's answer was added to the outbox (nil: the exchange is off).
    let signal: ChangeSignal?

    public init(engine: any SQLEngine, writes: WriteGate, signal: ChangeSignal?) {
        (self.engine, self.writes, self.signal) = (engine, writes, signal)
    }

    public func referralCursor() async throws -> Int64 {
        try await engine.read { db in try db.row("SELECT MAX(national_sequence) AS last FROM exchange_inbox")?.int64("last") ?? 0 }
    }

    public func referral(messageID: String) async throws -> ReferralRecord? {
        try await engine.read { db in
            try db.row("SELECT national_sequence, state, tracking_number, reason FROM exchange_inbox WHERE message_id = ?", [.text(messageID)]).map { row in
                ReferralRecord(
                    messageID: messageID, sequence: row.int64("national_sequence") ?? 0,
                    state: ReferralRecord.State(rawValue: row.string("state") ?? "") ?? .rejected, trackingNumber: row.string("tracking_number") ?? "",
                    reason: row.string("reason") ?? "")
            }
        }
    }

    public func refuseReferral(_ refusal: NationalExchange.ReferralRefusal, sequence: Int64, audit: AuditDraft, at time: Date) async throws -> Bool {
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        let exchange = signal != nil
        let recorded = try await engine.write { db -> Bool in
            let inserted = try db.execute(
                """
                INSERT INTO exchange_inbox (message_id, national_sequence, state, matter_id, tracking_number, reason, received_at)
                VALUES (?, ?, 'rejected', '', '', ?, ?) ON CONFLICT (message_id) DO NOTHING
                """,
                [.text(refusal.referralID), .integer(sequence), .text(String(refusal.reason.prefix(2000))), .real(time.timeIntervalSince1970)])
            guard inserted == 1 else { return false }
            try SQLAuditLog.append(db, audit, method: method, peer: peer, at: time)
            if exchange {
                try SQLExchangeOutbox.enqueue(db, kind: .referralRejected, matterID: "", payload: try NationalExchange.item(of: refusal), at: time)
            }
            return true
        }
        if recorded { signal?.notify() }
        return recorded
    }
}
