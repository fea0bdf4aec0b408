public import Foundation
public import Logging
import Synchronization

/// Matters and their timelines, on either engine. Every write is one transaction: the matter,
/// its events, its module's and companion's statements, its audit entry, its derived indexes and
/// its exchange item commit together or not at all.
///
/// With several writers (PostgreSQL, several hosts) a submission holds its idempotency key and a
/// step holds its matter (``SQLConnection/serialize(_:)``) between reading and writing, so two
/// hosts taking the same step at once do it one after the other, each deciding on what the other
/// wrote; a write of a module's tables holds the module (``SQLModuleStorage/hold(_:modules:)``).
/// Locks are taken in one order — submission key, matters, modules, the audit chain's head — so
/// that no two transactions wait for each other.
public struct SQLMatterStore: MatterStore {
    let engine: any SQLEngine
    /// Identity numbers are sealed before they reach the database and opened after.
    let cipher: PersonalDataCipher
    /// Keeps `matter_deadlines` in step; nil leaves it empty.
    let deadlines: DeadlineEngine?
    let logger: Logger
    let writes: WriteGate
    /// Set, every change also writes the national exchange's outbox, and this wakes the pusher
    /// after the commit.
    public let exchange: ChangeSignal?
    /// Matters decoded by earlier reads, checked against their revision before use.
    let cache = MatterCache()

    public init(
        engine: any SQLEngine, cipher: PersonalDataCipher, deadlines: DeadlineEngine?, logger: Logger, writes: WriteGate, exchange: ChangeSignal?
    ) {
        (self.engine, self.cipher, self.deadlines, self.logger, self.writes, self.exchange) = (engine, cipher, deadlines, logger, writes, exchange)
    }

    public func submit(_ draft: MatterDraft, at time: Date) async throws -> SubmissionOutcome {
        try writes.check()
        let (method, peer, role) = (AuditContext.method, AuditContext.peer, Principal.current?.role.rawValue ?? "anonymous")
        let outcome: SubmissionOutcome = try await engine.write { db in
            try db.serialize("submission:\(draft.businessLine):\(draft.requestID)")
            // The key is the line the request was submitted to (`draft.businessLine`), whatever line
            // the matter has been transferred to since: a late retry finds the moved matter.
            if let existing = try db.row(
                "SELECT matter_id, request_digest FROM matter_submissions WHERE business_line = ? AND request_id = ?",
                [.text(draft.businessLine), .text(draft.requestID)])
            {
                guard existing.string("request_digest") == draft.requestDigest else {
                    throw FawangError.failedPrecondition("请求编号 \(draft.requestID) 已用于另一份内容不同的申请；重新提交新申请请使用新的请求编号")
                }
                guard let matter = try load(db, id: existing.string("matter_id") ?? "") else {
                    throw FawangError(.internalError, "submission key \(draft.requestID) names a missing matter")
                }
                return .replayed(matter)
            }
            let id = UUID().uuidString.lowercased()
            // 10^15 random numbers: a collision is astronomically rare, but never silently fatal.
            var tracking = TrackingNumber.random()
            while try db.row("SELECT 1 AS taken FROM matters WHERE tracking_number = ?", [.text(tracking.digits)]) != nil {
                tracking = TrackingNumber.random()
            }
            try db.execute(
                """
                INSERT INTO matters (id, tracking_number, request_id, request_digest, business_line, matter_type,
                    status, applicant_json, parties_json, region_code, channel, operator_id, submitted_at,
                    updated_at, details_json, owner_account_id, assignee_account_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(id), .text(tracking.digits), .text(draft.requestID), .text(draft.requestDigest), .text(draft.businessLine),
                    .text(draft.matterType), .text(draft.initialStatus),
                    .text(try JSONCoding.string(cipher.seal(draft.applicant, context: "matter:\(id):applicant"))),
                    .text(try JSONCoding.string(draft.parties.enumerated().map { index, party in
                        Party(role: party.role, person: try cipher.seal(party.person, context: "matter:\(id):party:\(index)"))
                    })),
                    .text(draft.regionCode), .text(draft.channel.rawValue), .text(draft.operatorID), .real(time.timeIntervalSince1970),
                    .real(time.timeIntervalSince1970), .text(String(decoding: draft.details, as: UTF8.self)), .text(draft.ownerAccountID),
                    .text(draft.assigneeAccountID ?? ""),
                ])
            try db.execute(
                "INSERT INTO matter_submissions (business_line, request_id, request_digest, matter_id) VALUES (?, ?, ?, ?)",
                [.text(draft.businessLine), .text(draft.requestID), .text(draft.requestDigest), .text(id)])
            let events = [draft.firstEvent] + (draft.companion?.events ?? [])
            try Self.append(db, matterID: id, events: events, startingAt: 1, at: time)
            // The matter as a read would return it, without reading back and decoding what was
            // just written (`aSubmissionReturnsTheMatterAsStored` holds the two equal).
            let stored = Date(timeIntervalSince1970: time.timeIntervalSince1970)
            let matter = Matter(
                id: id, trackingNumber: tracking, businessLine: draft.businessLine, matterType: draft.matterType,
                status: draft.initialStatus, applicant: draft.applicant, parties: draft.parties, regionCode: draft.regionCode,
                channel: draft.channel, operatorID: draft.operatorID, submittedAt: stored, updatedAt: stored,
                details: Data(String(decoding: draft.details, as: UTF8.self).utf8),
                timeline: events.enumerated().map { offset, event in
                    MatterEvent(
                        sequence: offset + 1, kind: event.kind, at: stored, actor: event.actor, channel: event.channel,
                        note: event.note, attributes: event.attributes)
                },
                ownerAccountID: draft.ownerAccountID, assigneeAccountID: draft.assigneeAccountID ?? "")
            // Every lock this transaction takes, in the one order all writers take them (matters,
            // then module tables, then the audit chain's head, held to the end): the matter it
            // links to and the module tables it writes.
            if let linked = draft.linkedUpdate { try db.serialize("matter:\(linked.trackingNumber.digits)") }
            let statements = draft.moduleStatements(matter)
            try SQLModuleStorage.hold(db, modules: (statements.isEmpty ? [] : [draft.businessLine]) + [draft.companion?.module].compactMap { $0 })
            try SQLAuditLog.append(db, Self.audit(id, events, role: role), method: method, peer: peer, at: time)
            try SQLModuleStorage.run(db, statements, module: draft.businessLine)
            try Self.run(db, draft.companion, matter, method: method, peer: peer, at: time)
            try index(db, matter)
            if exchange != nil { try SQLExchangeOutbox.enqueue(db, matter: matter, kind: .matterSubmitted, at: time) }
            if let linked = draft.linkedUpdate {
                _ = try apply(db, trackingNumber: linked.trackingNumber, at: time, role: role, method: method, peer: peer) { other in
                    try linked.decide(other, matter)
                }
            }
            return .created(matter)
        }
        if case .created = outcome {
            deadlines?.changeSignal.notify()
            exchange?.notify()
        }
        return outcome
    }

    public func matter(id: String) async throws -> Matter? {
        try await engine.pointRead { db in
            guard let revision = try db.row("SELECT revision FROM matters WHERE id = ?", [.text(id)])?.int64("revision") else { return nil }
            return try committed(db, id: id, revision: revision)
        }
    }

    public func matter(trackingNumber: TrackingNumber) async throws -> Matter? {
        try await engine.pointRead { db in
            guard let row = try db.row("SELECT id, revision FROM matters WHERE tracking_number = ?", [.text(trackingNumber.digits)]),
                let id = row.string("id"), let revision = row.int64("revision")
            else { return nil }
            return try committed(db, id: id, revision: revision)
        }
    }

    /// A matter as committed at `revision`, read in the same read transaction: from the cache
    /// when it holds that revision, else loaded and kept. Only reads outside the writer fill the
    /// cache, so it never holds a change that could still roll back.
    private func committed(_ db: any SQLConnection, id: String, revision: Int64) throws -> Matter? {
        if let sealed = cache.matter(id: id, revision: revision) { return try open(sealed) }
        guard let row = try db.row("SELECT * FROM matters WHERE id = ?", [.text(id)]) else { return nil }
        let sealed = try loadSealed(db, row: row)
        cache.keep(sealed, revision: row.int64("revision") ?? 0)
        return try open(sealed)
    }

    public func update(
        trackingNumber: TrackingNumber, at time: Date,
        _ decide: @escaping @Sendable (Matter) throws -> MatterChange
    ) async throws -> Matter {
        try writes.check()
        let (method, peer, role) = (AuditContext.method, AuditContext.peer, Principal.current?.role.rawValue ?? "anonymous")
        let (updated, changed) = try await engine.write { db -> (Matter, Bool) in
            try apply(db, trackingNumber: trackingNumber, at: time, role: role, method: method, peer: peer, decide)
        }
        if changed {
            deadlines?.changeSignal.notify()
            exchange?.notify()
        }
        return updated
    }

    /// Reads the matter, decides and writes the change with its events, module statements, audit
    /// entry and deadline index, in the caller's transaction. Returns the matter and whether it changed.
    private func apply(
        _ db: any SQLConnection, trackingNumber: TrackingNumber, at time: Date, role: String, method: String, peer: String,
        _ decide: (Matter) throws -> MatterChange
    ) throws -> (Matter, Bool) {
        try db.serialize("matter:\(trackingNumber.digits)")
        guard let row = try db.row("SELECT id, revision FROM matters WHERE tracking_number = ?", [.text(trackingNumber.digits)]),
            let id = row.string("id"), let revision = row.int64("revision")
        else {
            throw FawangError.notFound("未找到受理编号为 \(trackingNumber) 的事项，请核对编号")
        }
        // A kept revision is a committed one: the writer never fills the cache.
        guard let matter = try cache.matter(id: id, revision: revision).map(open) ?? load(db, id: id) else {
            throw FawangError(.internalError, "matter \(id) vanished inside its transaction")
        }
        let change = try decide(matter)
        if change.isEmpty { return (matter, false) }
        try db.execute(
            """
            UPDATE matters SET status = ?, details_json = ?, assignee_account_id = ?, business_line = ?, matter_type = ?,
                updated_at = ?, revision = revision + 1 WHERE id = ?
            """,
            [
                .text(change.newStatus ?? matter.status), .text(String(decoding: change.details ?? matter.details, as: UTF8.self)),
                .text(change.assigneeAccountID ?? matter.assigneeAccountID), .text(change.transfer?.businessLine ?? matter.businessLine),
                .text(change.transfer?.matterType ?? matter.matterType), .real(time.timeIntervalSince1970), .text(matter.id),
            ])
        try Self.append(db, matterID: matter.id, events: change.events, startingAt: matter.timeline.count + 1, at: time)
        try storeMaterials(db, change, matter: matter, firstSequence: matter.timeline.count + 1, at: time)
        try SQLModuleStorage.hold(
            db, modules: (change.moduleStatements.isEmpty ? [] : [matter.businessLine]) + [change.companion?.module].compactMap { $0 })
        try SQLModuleStorage.run(db, change.moduleStatements, module: matter.businessLine)
        try SQLAuditLog.append(db, Self.audit(matter.id, change.events, role: role), method: method, peer: peer, at: time)
        try Self.run(db, change.companion, matter, method: method, peer: peer, at: time)
        let updated = try load(db, id: matter.id)!
        try index(db, updated)
        // The national platform hears of status changes and moves to another line.
        if exchange != nil, updated.status != matter.status || updated.businessLine != matter.businessLine {
            try SQLExchangeOutbox.enqueue(db, matter: updated, kind: .matterStatus, at: time)
        }
        return (updated, true)
    }

    public func deadlineAlerts(_ query: DeadlineAlertQuery) async throws -> [DeadlineAlert] {
        let today = query.today.description
        var filters: [String] = []
        var filterArguments: [SQLValue] = []
        if let region = query.regionCode {
            filters.append("region_code LIKE ?")
            filterArguments.append(.text(DivisionCode.scopePrefix(of: region) + "%"))
        }
        if let line = query.businessLine {
            filters.append("business_line = ?")
            filterArguments.append(.text(line))
        }
        if let supervisor = query.escalatedWithin {
            filters.append("escalated_to LIKE ? AND due_date < ?")
            filterArguments.append(contentsOf: [.text(DivisionCode.scopePrefix(of: supervisor) + "%"), .text(today)])
        }
        let filter = filters.map { " AND " + $0 }.joined()
        // Each branch reads its own partial index (the rows at or past their warning day; the
        // uncomputable ones), so the cost follows the number of alerts, not of matters. A limit
        // is past its warning day whenever it is overdue (warn_from <= due_date).
        var branches = ["SELECT * FROM matter_deadlines WHERE state = 'running' AND warn_from <= ?" + filter]
        var arguments: [SQLValue] = [.text(today)] + filterArguments
        if query.unescalatedOverdueOnly {
            branches[0] += " AND due_date < ? AND escalated_to IS NULL"
            arguments.append(.text(today))
        } else if query.escalatedWithin == nil {
            branches.append("SELECT * FROM matter_deadlines WHERE state = 'uncomputable'" + filter)
            arguments += filterArguments
        }
        let sql = "SELECT * FROM (" + branches.joined(separator: " UNION ALL ") + ") AS alerts"
            + " ORDER BY due_date IS NULL, due_date, tracking_number, rule_id LIMIT \(max(1, query.limit))"
        let values = arguments
        return try await engine.read { db in
            try db.rows(sql, values).map { row in
                let due = row.string("due_date").flatMap(CivilDate.init(strictISO:))
                let kind: DeadlineAlert.Kind = if row.string("state") == "uncomputable" {
                    .calendarMissing
                } else if let due, due < query.today {
                    .overdue
                } else {
                    .dueSoon
                }
                return DeadlineAlert(
                    kind: kind, matterID: row.string("matter_id") ?? "", trackingNumber: row.string("tracking_number") ?? "",
                    businessLine: row.string("business_line") ?? "", matterType: row.string("matter_type") ?? "",
                    regionCode: row.string("region_code") ?? "", ruleID: row.string("rule_id") ?? "", dueDate: due,
                    escalatedTo: row.string("escalated_to"))
            }
        }
    }

    public func refreshDeadlines() async throws -> Int {
        guard deadlines != nil else { return 0 }
        let total = try await engine.read { db in try db.row("SELECT COUNT(*) AS n FROM matters")?.int("n") ?? 0 }
        var done = 0
        var after = ""
        while true {
            let cursor = after
            let batch = try await engine.write { db -> [String] in
                let ids = try db.rows("SELECT id FROM matters WHERE id > ? ORDER BY id LIMIT 500", [.text(cursor)]).compactMap { $0.string("id") }
                for id in ids { try index(db, try load(db, id: id)!) }
                return ids
            }
            guard let last = batch.last else { break }
            after = last
            done += batch.count
            if total > 2000 {
                logger.info("re-deriving the deadline index", metadata: ["done": "\(done)", "total": "\(total)"])
            }
        }
        deadlines?.changeSignal.notify()
        return done
    }

    public func refreshIndexes(unlessDerivedWith fingerprint: String) async throws -> Int? {
        guard deadlines != nil else { return nil }
        // The phone index is keyed by the data key: a probe's key stands for it.
        let full = fingerprint + "|phone-key:" + cipher.phoneKey("13800000000")
        let stored = try await engine.read { db in try db.row("SELECT fingerprint FROM matter_index_state WHERE id = 1")?.string("fingerprint") }
        guard stored != full else { return nil }
        let count = try await refreshDeadlines()
        try await engine.write { db in
            try db.execute(
                """
                INSERT INTO matter_index_state (id, fingerprint, derived_at) VALUES (1, ?, ?)
                ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, derived_at = excluded.derived_at
                """,
                [.text(full), .real(Date().timeIntervalSince1970)])
        }
        return count
    }

    /// Rewrites `matter`'s rows of the deadline and credit indexes, in the caller's transaction.
    private func index(_ db: any SQLConnection, _ matter: Matter) throws {
        try db.execute("DELETE FROM matter_phones WHERE matter_id = ?", [.text(matter.id)])
        let phones = [("applicant", matter.applicant.phone)] + matter.parties.map { ($0.role, $0.person.phone) }
        for (role, phone) in phones {
            let key = cipher.phoneKey(phone)
            if key.isEmpty { continue }
            try db.execute(
                "INSERT INTO matter_phones (matter_id, phone_key, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [.text(matter.id), .text(key), .text(role)])
        }
        guard let deadlines else { return }
        let facts = deadlines.facts(of: matter)
        // The monthly rollup moves from what the matter counted for to what it counts for now.
        let before = try db.row("SELECT * FROM matter_facts WHERE matter_id = ?", [.text(matter.id)]).map { row in
            MatterRollups.contributions(
                line: row.string("business_line") ?? "", type: row.string("matter_type") ?? "", region: row.string("region_code") ?? "",
                channel: row.string("channel") ?? "", submitted: row.string("submitted_day"), accepted: row.string("accepted_day"),
                outcome: row.string("outcome"), ended: row.string("ended_day"), handling: row.int("handling_days"),
                transferred: row.string("transferred_day"), rating: row.int("rating"), rated: row.string("rated_day"))
        } ?? MatterRollups.Contributions()
        let after = MatterRollups.contributions(
            line: matter.businessLine, type: matter.matterType, region: matter.regionCode, channel: matter.channel.rawValue,
            submitted: facts.submittedDay.description, accepted: facts.acceptedDay?.description, outcome: facts.outcome?.rawValue,
            ended: facts.endedDay?.description, handling: facts.handlingDays, transferred: facts.transferredDay?.description, rating: facts.rating,
            rated: facts.ratedDay?.description)
        try MatterRollups.rollUp(db, from: before, to: after)
        let credit = deadlines.creditRows(of: matter, facts: facts)
        try db.execute(
            """
            INSERT INTO matter_facts (matter_id, business_line, matter_type, region_code, channel, submitted_day, accepted_day,
                outcome, ended_day, handling_days, transferred_day, rating, rated_day, met_late, open_due, office)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (matter_id) DO UPDATE SET business_line = excluded.business_line, matter_type = excluded.matter_type,
                region_code = excluded.region_code, channel = excluded.channel, submitted_day = excluded.submitted_day,
                accepted_day = excluded.accepted_day, outcome = excluded.outcome, ended_day = excluded.ended_day,
                handling_days = excluded.handling_days, transferred_day = excluded.transferred_day, rating = excluded.rating,
                rated_day = excluded.rated_day, met_late = excluded.met_late, open_due = excluded.open_due, office = excluded.office
            """,
            [
                .text(matter.id), .text(matter.businessLine), .text(matter.matterType), .text(matter.regionCode), .text(matter.channel.rawValue),
                .text(facts.submittedDay.description), .of(facts.acceptedDay?.description), .of(facts.outcome?.rawValue),
                .of(facts.endedDay?.description), .of(facts.handlingDays), .of(facts.transferredDay?.description), .of(facts.rating),
                .of(facts.ratedDay?.description), .of(facts.metLate), .of(facts.openDue?.description), .text(CreditIndexRow.office(of: credit)),
            ])
        try db.execute("DELETE FROM matter_opinion WHERE matter_id = ?", [.text(matter.id)])
        for row in deadlines.opinionRows(of: matter) {
            try db.execute(
                "INSERT INTO matter_opinion (matter_id, day, region_code, business_line, source, topic, keyword) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(matter.id), .text(row.day.description), .text(matter.regionCode), .text(matter.businessLine), .text(row.source.rawValue),
                    .text(row.topic), .text(row.keyword),
                ])
        }
        try db.execute("DELETE FROM matter_credit WHERE matter_id = ?", [.text(matter.id)])
        for row in credit {
            try db.execute(
                "INSERT INTO matter_credit (matter_id, entry_id, role, rating, met_late, upheld) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(matter.id), .text(row.entryID), .text(row.role.rawValue), .of(row.rating), .of(row.metLate), row.upheld.map(SQLValue.of) ?? .null])
        }
        try db.execute("DELETE FROM matter_deadlines WHERE matter_id = ?", [.text(matter.id)])
        for projection in deadlines.projections(of: matter) {
            try db.execute(
                """
                INSERT INTO matter_deadlines (matter_id, rule_id, state, due_date, warn_from, escalated_to, business_line,
                    matter_type, region_code, tracking_number)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(matter.id), .text(projection.ruleID), .text(projection.state.rawValue), .of(projection.dueDate?.description),
                    .of(projection.warnFrom?.description), .of(projection.escalatedTo), .text(matter.businessLine), .text(matter.matterType),
                    .text(matter.regionCode), .text(matter.trackingNumber.digits),
                ])
        }
    }

    public func matters(phone: String, limit: Int) async throws -> [Matter] {
        let key = cipher.phoneKey(phone)
        guard !key.isEmpty else { return [] }
        return try await engine.read { db in
            let ids = try db.rows(
                """
                SELECT m.id FROM matters m WHERE m.id IN (SELECT matter_id FROM matter_phones WHERE phone_key = ?)
                ORDER BY m.submitted_at DESC LIMIT ?
                """, [.text(key), .integer(Int64(limit))]
            ).compactMap { $0.string("id") }
            return try ids.compactMap { try load(db, id: $0) }
        }
    }

    public func creditSummaries(entryIDs: [String], today: CivilDate) async throws -> [String: CreditSummary] {
        let ids = Array(Set(entryIDs))
        guard !ids.isEmpty else { return [:] }
        return try await engine.read { db in
            var summaries: [String: CreditSummary] = [:]
            // SQLite allows 32,766 parameters; a directory page is far below, a whole register in chunks.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let rows = try db.rows(
                    """
                    SELECT c.entry_id,
                        SUM(CASE WHEN c.role = 'handler' THEN 1 ELSE 0 END) AS handled,
                        SUM(CASE WHEN c.role = 'handler' AND c.rating IS NOT NULL THEN 1 ELSE 0 END) AS rated,
                        COALESCE(SUM(CASE WHEN c.role = 'handler' THEN c.rating END), 0) AS rating_total,
                        SUM(CASE WHEN c.role = 'handler' AND (c.met_late = 1 OR EXISTS (
                            SELECT 1 FROM matter_deadlines d
                            WHERE d.matter_id = c.matter_id AND d.state = 'running' AND d.due_date < ?)) THEN 1 ELSE 0 END) AS overdue,
                        SUM(CASE WHEN c.role = 'complaint' AND c.upheld IS NOT NULL THEN 1 ELSE 0 END) AS decided,
                        SUM(CASE WHEN c.role = 'complaint' AND c.upheld = 1 THEN 1 ELSE 0 END) AS upheld,
                        SUM(CASE WHEN c.role = 'complaint' AND EXISTS (
                            SELECT 1 FROM matter_facts f WHERE f.matter_id = c.matter_id AND f.submitted_day > ?) THEN 1 ELSE 0 END) AS recent
                    FROM matter_credit c WHERE c.entry_id IN (\(marks)) GROUP BY c.entry_id
                    """,
                    [.text(today.description), .text(today.adding(days: -CreditSummary.recentComplaintDays).description)] + chunk.map(SQLValue.text))
                for row in rows {
                    summaries[row.string("entry_id") ?? ""] = CreditSummary(
                        handled: row.int("handled") ?? 0, rated: row.int("rated") ?? 0, ratingTotal: row.int("rating_total") ?? 0,
                        overdue: row.int("overdue") ?? 0, complaintsDecided: row.int("decided") ?? 0, complaintsUpheld: row.int("upheld") ?? 0,
                        recentComplaints: row.int("recent") ?? 0)
                }
            }
            return summaries
        }
    }

    public func list(_ query: MatterQuery) async throws -> MatterPage {
        var clauses: [String] = []
        var arguments: [SQLValue] = []
        if let line = query.businessLine {
            clauses.append("business_line = ?")
            arguments.append(.text(line))
        }
        if let status = query.status {
            clauses.append("status = ?")
            arguments.append(.text(status))
        }
        if let owner = query.ownerAccountID {
            clauses.append("owner_account_id = ?")
            arguments.append(.text(owner))
        }
        if let assignee = query.assigneeAccountID {
            clauses.append("assignee_account_id = ?")
            arguments.append(.text(assignee))
        }
        if let region = query.regionCode {
            clauses.append("region_code LIKE ?")
            arguments.append(.text(DivisionCode.scopePrefix(of: region) + "%"))
        }
        if let cursor = query.after.flatMap(Cursor.init) {
            clauses.append("(submitted_at < ? OR (submitted_at = ? AND id < ?))")
            arguments.append(contentsOf: [.real(cursor.submittedAt), .real(cursor.submittedAt), .text(cursor.id)])
        }
        let limit = max(1, query.limit)
        let sql = "SELECT * FROM matters" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY submitted_at DESC, id DESC LIMIT \(limit + 1)"
        let values = arguments
        return try await engine.read { db in
            let rows = try db.rows(sql, values)
            let matters = try rows.prefix(limit).map { try open(sealed(row: $0, timeline: [])) }
            let next = rows.count > limit ? matters.last.map { Cursor(submittedAt: $0.submittedAt.timeIntervalSince1970, id: $0.id).encoded } : nil
            return MatterPage(matters: matters, nextCursor: next)
        }
    }

    /// Opens the newest stored identity number, to prove at start-up that the configured data keys
    /// match the database (rather than failing on the first read of a citizen's record).
    public func checkDataKeys() async throws {
        try await engine.read { db in
            guard let row = try db.row("SELECT id, applicant_json FROM matters ORDER BY submitted_at DESC LIMIT 1") else { return }
            let id = row.string("id") ?? ""
            _ = try cipher.open(try JSONCoding.decode(Person.self, row.string("applicant_json") ?? ""), context: "matter:\(id):applicant")
        }
    }

    // MARK: Materials

    /// Seals and inserts the change's files, each with the sequence of the event that names it.
    private func storeMaterials(_ db: any SQLConnection, _ change: MatterChange, matter: Matter, firstSequence: Int, at time: Date) throws {
        for material in change.materials {
            guard let offset = change.events.firstIndex(where: { $0.attributes["material_id"] == material.id }) else {
                throw FawangError(.internalError, "material \(material.id) has no timeline event naming it")
            }
            let sealed = try cipher.seal(data: material.file.content, context: "material:\(material.id)")
            try db.execute(
                """
                INSERT INTO matter_materials (id, matter_id, event_sequence, title, file_name, type, size_bytes, sha256,
                    key_id, sealed_content, uploaded_at, uploaded_by, channel)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(material.id), .text(matter.id), .of(firstSequence + offset), .text(material.file.title), .text(material.file.fileName),
                    .text(material.file.type.rawValue), .of(material.file.content.count), .text(material.file.sha256), .text(sealed.keyID),
                    .blob(sealed.sealed), .real(time.timeIntervalSince1970), .text(material.uploadedBy), .text(material.channel.rawValue),
                ])
        }
    }

    private static let materialColumns = """
        SELECT m.id, m.matter_id, t.tracking_number, m.event_sequence, m.title, m.file_name, m.type, m.size_bytes, m.sha256,
            m.uploaded_at, m.uploaded_by, m.channel
        """

    public func materials(matterID: String) async throws -> [StoredMaterial] {
        try await engine.read { db in
            try db.rows(
                Self.materialColumns + " FROM matter_materials m JOIN matters t ON t.id = m.matter_id WHERE m.matter_id = ? ORDER BY m.event_sequence",
                [.text(matterID)]
            ).map(Self.material)
        }
    }

    public func material(id: String) async throws -> (material: StoredMaterial, content: Data)? {
        let found = try await engine.read { db -> (StoredMaterial, String, Data)? in
            guard let row = try db.row(
                Self.materialColumns + ", m.key_id, m.sealed_content FROM matter_materials m JOIN matters t ON t.id = m.matter_id WHERE m.id = ?",
                [.text(id)])
            else { return nil }
            return (try Self.material(row), row.string("key_id") ?? "", row.data("sealed_content") ?? Data())
        }
        guard let (material, keyID, sealed) = found else { return nil }
        let content = try cipher.open(data: sealed, keyID: keyID, context: "material:\(material.id)")
        guard MaterialFile.digest(content) == material.sha256 else {
            throw FawangError(.internalError, "stored material \(material.id) no longer matches its SHA-256: restore it from the backup")
        }
        return (material, content)
    }

    private static func material(_ row: SQLRow) throws -> StoredMaterial {
        guard let type = MaterialType(rawValue: row.string("type") ?? "") else {
            throw FawangError(.internalError, "stored material has unknown type \(row.string("type") ?? "")")
        }
        return StoredMaterial(
            id: row.string("id") ?? "", matterID: row.string("matter_id") ?? "", trackingNumber: row.string("tracking_number") ?? "",
            title: row.string("title") ?? "", fileName: row.string("file_name") ?? "", type: type, sizeBytes: row.int("size_bytes") ?? 0,
            sha256: row.string("sha256") ?? "", uploadedAt: Date(timeIntervalSince1970: row.real("uploaded_at") ?? 0),
            uploadedBy: row.string("uploaded_by") ?? "", channel: Channel(rawValue: row.string("channel") ?? "") ?? .api,
            eventSequence: row.int("event_sequence") ?? 0)
    }

    /// Another module's writes with a matter's creation or step, and its audit entry.
    private static func run(_ db: any SQLConnection, _ companion: CompanionWrite?, _ matter: Matter, method: String, peer: String, at time: Date) throws {
        guard let companion else { return }
        try SQLModuleStorage.run(db, try companion.write(matter), module: companion.module)
        if let audit = companion.audit { try SQLAuditLog.append(db, audit, method: method, peer: peer, at: time) }
    }

    /// The audit entry of a change: who (the events' actor, with the caller's role), through which
    /// channel, what happened.
    private static func audit(_ matterID: String, _ events: [MatterEventDraft], role: String) -> AuditDraft {
        AuditDraft(
            actor: events.first?.actor ?? "system", role: role, channel: events.first?.channel.rawValue ?? "",
            target: "matter:\(matterID)", detail: events.map(\.kind).joined(separator: ","))
    }

    // MARK: Rows

    private struct Cursor {
        var submittedAt: Double
        var id: String

        init(submittedAt: Double, id: String) {
            self.submittedAt = submittedAt
            self.id = id
        }

        init?(_ text: String) {
            let parts = text.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, let time = Double(parts[0]) else { return nil }
            self.init(submittedAt: time, id: String(parts[1]))
        }

        var encoded: String { "\(submittedAt)|\(id)" }
    }

    private static func append(_ db: any SQLConnection, matterID: String, events: [MatterEventDraft], startingAt first: Int, at time: Date) throws {
        for (offset, event) in events.enumerated() {
            try db.execute(
                """
                INSERT INTO matter_events (matter_id, sequence, kind, at, actor, channel, note, attributes_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(matterID), .of(first + offset), .text(event.kind), .real(time.timeIntervalSince1970), .text(event.actor),
                    .text(event.channel.rawValue), .text(event.note), .text(try JSONCoding.string(event.attributes)),
                ])
        }
    }

    private func load(_ db: any SQLConnection, id: String) throws -> Matter? {
        guard let row = try db.row("SELECT * FROM matters WHERE id = ?", [.text(id)]) else { return nil }
        return try open(try loadSealed(db, row: row))
    }

    /// The matter of `row` with its timeline, its people still sealed as stored.
    private func loadSealed(_ db: any SQLConnection, row: SQLRow) throws -> Matter {
        let id = row.string("id") ?? ""
        let timeline = try db.rows("SELECT * FROM matter_events WHERE matter_id = ? ORDER BY sequence", [.text(id)]).map { event in
            MatterEvent(
                sequence: event.int("sequence") ?? 0, kind: event.string("kind") ?? "", at: Date(timeIntervalSince1970: event.real("at") ?? 0),
                actor: event.string("actor") ?? "", channel: Channel(rawValue: event.string("channel") ?? "") ?? .api, note: event.string("note") ?? "",
                attributes: try JSONCoding.attributes(event.string("attributes_json") ?? "{}"))
        }
        return try sealed(row: row, timeline: timeline)
    }

    private func sealed(row: SQLRow, timeline: [MatterEvent]) throws -> Matter {
        guard let tracking = TrackingNumber(row.string("tracking_number") ?? "") else {
            throw FawangError(.internalError, "stored tracking number fails its check digit")
        }
        return Matter(
            id: row.string("id") ?? "", trackingNumber: tracking, businessLine: row.string("business_line") ?? "",
            matterType: row.string("matter_type") ?? "", status: row.string("status") ?? "",
            applicant: try JSONCoding.decode(Person.self, row.string("applicant_json") ?? ""),
            parties: try JSONCoding.decode([Party].self, row.string("parties_json") ?? ""),
            regionCode: row.string("region_code") ?? "", channel: Channel(rawValue: row.string("channel") ?? "") ?? .api,
            operatorID: row.string("operator_id") ?? "",
            submittedAt: Date(timeIntervalSince1970: row.real("submitted_at") ?? 0),
            updatedAt: Date(timeIntervalSince1970: row.real("updated_at") ?? 0),
            details: Data((row.string("details_json") ?? "").utf8), timeline: timeline,
            ownerAccountID: row.string("owner_account_id") ?? "", assigneeAccountID: row.string("assignee_account_id") ?? "")
    }

    /// The matter with its applicant and parties opened.
    private func open(_ sealed: Matter) throws -> Matter {
        var matter = sealed
        matter.applicant = try cipher.open(sealed.applicant, context: "matter:\(sealed.id):applicant")
        matter.parties = try sealed.parties.enumerated().map { index, party in
            Party(role: party.role, person: try cipher.open(party.person, context: "matter:\(sealed.id):party:\(index)"))
        }
        return matter
    }
}

/// Decoded matters by id, each with the revision it was read at (`matters.revision`, one more
/// on every change). A read first looks up the revision (one indexed column) and uses the kept
/// matter only when it is the same, so the cache is never stale, whichever process or host
/// changed the row. The people stay sealed as stored: personal data is opened per read, as
/// without the cache. At ``capacity`` it starts again empty (hot matters come back at once).
final class MatterCache: Sendable {
    static let capacity = 4096
    private let entries = Mutex<[String: (revision: Int64, matter: Matter)]>([:])

    func matter(id: String, revision: Int64) -> Matter? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.revision == revision else { return nil }
            return entry.matter
        }
    }

    func keep(_ sealed: Matter, revision: Int64) {
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[sealed.id] == nil { entries.removeAll(keepingCapacity: true) }
            entries[sealed.id] = (revision, sealed)
        }
    }
}

enum JSONCoding {
    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// An event's attributes: most events have none, stored as `{}`, which needs no decoder.
    static func attributes(_ text: String) throws -> [String: String] {
        text == "{}" ? [:] : try decode([String: String].self, text)
    }
}
