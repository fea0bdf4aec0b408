import FawangCore
import Foundation
import GRDB
import Logging
import Synchronization

/// Matters and their timelines in SQLite. Every write is one transaction on the single writer.
struct SQLiteMatterStore: MatterStore {
    let pool: GroupCommitPool
    /// Identity numbers are sealed before they reach the database and opened after.
    let cipher: PersonalDataCipher
    /// Keeps `matter_deadlines` in step; nil leaves it empty.
    let deadlines: DeadlineEngine?
    let logger: Logger
    let writes: WriteGate
    /// Set, every change also writes the national exchange's outbox, and this wakes the pusher
    /// after the commit.
    let exchange: ChangeSignal?
    /// Matters decoded by earlier reads, checked against their revision before use.
    let cache = MatterCache()

    func submit(_ draft: MatterDraft, at time: Date) async throws -> SubmissionOutcome {
        try writes.check()
        let (method, peer, role) = (AuditContext.method, AuditContext.peer, Principal.current?.role.rawValue ?? "anonymous")
        let outcome: SubmissionOutcome = try await pool.write { db in
            // The key is the line the request was submitted to (`draft.businessLine`), whatever line
            // the matter has been transferred to since: a late retry finds the moved matter.
            if let existing = try Row.fetchOne(
                db, sql: "SELECT matter_id, request_digest FROM matter_submissions WHERE business_line = ? AND request_id = ?",
                arguments: [draft.businessLine, draft.requestID])
            {
                guard existing["request_digest"] as String == draft.requestDigest else {
                    throw FawangError.failedPrecondition("请求编号 \(draft.requestID) 已用于另一份内容不同的申请；重新提交新申请请使用新的请求编号")
                }
                guard let matter = try load(db, id: existing["matter_id"]) else {
                    throw FawangError(.internalError, "submission key \(draft.requestID) names a missing matter")
                }
                return .replayed(matter)
            }
            let id = UUID().uuidString.lowercased()
            // 10^15 random numbers: a collision is astronomically rare, but never silently fatal.
            var tracking = TrackingNumber.random()
            while try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM matters WHERE tracking_number = ?"), arguments: [tracking.digits]) == true {
                tracking = TrackingNumber.random()
            }
            try db.executeCached(
                sql: """
                    INSERT INTO matters (id, tracking_number, request_id, request_digest, business_line, matter_type,
                        status, applicant_json, parties_json, region_code, channel, operator_id, submitted_at,
                        updated_at, details_json, owner_account_id, assignee_account_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, tracking.digits, draft.requestID, draft.requestDigest, draft.businessLine, draft.matterType,
                    draft.initialStatus, try JSONCoding.string(cipher.seal(draft.applicant, context: "matter:\(id):applicant")),
                    try JSONCoding.string(draft.parties.enumerated().map { index, party in
                        Party(role: party.role, person: try cipher.seal(party.person, context: "matter:\(id):party:\(index)"))
                    }),
                    draft.regionCode, draft.channel.rawValue, draft.operatorID, time.timeIntervalSince1970,
                    time.timeIntervalSince1970, String(decoding: draft.details, as: UTF8.self), draft.ownerAccountID,
                    draft.assigneeAccountID ?? "",
                ])
            try db.executeCached(
                sql: "INSERT INTO matter_submissions (business_line, request_id, request_digest, matter_id) VALUES (?, ?, ?, ?)",
                arguments: [draft.businessLine, draft.requestID, draft.requestDigest, id])
            let events = [draft.firstEvent] + (draft.companion?.events ?? [])
            try Self.append(db, matterID: id, events: events, startingAt: 1, at: time)
            try SQLiteAuditLog.append(db, Self.audit(id, events, role: role), method: method, peer: peer, at: time)
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
            try SQLiteModuleStorage.run(db, draft.moduleStatements(matter), module: draft.businessLine)
            try Self.run(db, draft.companion, matter, method: method, peer: peer, at: time)
            try index(db, matter)
            if exchange != nil { try SQLiteExchangeOutbox.enqueue(db, matter: matter, kind: .matterSubmitted, at: time) }
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

    func matter(id: String) async throws -> Matter? {
        try pool.pointRead { db in
            guard let revision = try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM matters WHERE id = ?"), arguments: [id])
            else { return nil }
            return try committed(db, id: id, revision: revision)
        }
    }

    func matter(trackingNumber: TrackingNumber) async throws -> Matter? {
        try pool.pointRead { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, revision FROM matters WHERE tracking_number = ?"), arguments: [trackingNumber.digits])
            else { return nil }
            return try committed(db, id: row[0], revision: row[1])
        }
    }

    /// A matter as committed at `revision`, read in the same read transaction: from the cache
    /// when it holds that revision, else loaded and kept. Only reads outside the writer fill the
    /// cache, so it never holds a change that could still roll back.
    private func committed(_ db: Database, id: String, revision: Int64) throws -> Matter? {
        if let sealed = cache.matter(id: id, revision: revision) { return try open(sealed) }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM matters WHERE id = ?"), arguments: [id]) else { return nil }
        let sealed = try loadSealed(db, row: row)
        cache.keep(sealed, revision: row["revision"])
        return try open(sealed)
    }

    func update(
        trackingNumber: TrackingNumber, at time: Date,
        _ decide: @escaping @Sendable (Matter) throws -> MatterChange
    ) async throws -> Matter {
        try writes.check()
        let (method, peer, role) = (AuditContext.method, AuditContext.peer, Principal.current?.role.rawValue ?? "anonymous")
        let (updated, changed) = try await pool.write { db -> (Matter, Bool) in
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
        _ db: Database, trackingNumber: TrackingNumber, at time: Date, role: String, method: String, peer: String,
        _ decide: (Matter) throws -> MatterChange
    ) throws -> (Matter, Bool) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, revision FROM matters WHERE tracking_number = ?"), arguments: [trackingNumber.digits]) else {
            throw FawangError.notFound("未找到受理编号为 \(trackingNumber) 的事项，请核对编号")
        }
        // A kept revision is a committed one: the writer never fills the cache.
        let (id, revision): (String, Int64) = (row[0], row[1])
        guard let matter = try cache.matter(id: id, revision: revision).map(open) ?? load(db, id: id) else {
            throw FawangError(.internalError, "matter \(id) vanished inside its transaction")
        }
        let change = try decide(matter)
        if change.isEmpty { return (matter, false) }
        try db.executeCached(
            sql: """
                UPDATE matters SET status = ?, details_json = ?, assignee_account_id = ?, business_line = ?, matter_type = ?,
                    updated_at = ?, revision = revision + 1 WHERE id = ?
                """,
            arguments: [
                change.newStatus ?? matter.status,
                String(decoding: change.details ?? matter.details, as: UTF8.self),
                change.assigneeAccountID ?? matter.assigneeAccountID,
                change.transfer?.businessLine ?? matter.businessLine,
                change.transfer?.matterType ?? matter.matterType,
                time.timeIntervalSince1970, matter.id,
            ])
        try Self.append(db, matterID: matter.id, events: change.events, startingAt: matter.timeline.count + 1, at: time)
        try storeMaterials(db, change, matter: matter, firstSequence: matter.timeline.count + 1, at: time)
        try SQLiteModuleStorage.run(db, change.moduleStatements, module: matter.businessLine)
        try SQLiteAuditLog.append(db, Self.audit(matter.id, change.events, role: role), method: method, peer: peer, at: time)
        try Self.run(db, change.companion, matter, method: method, peer: peer, at: time)
        let updated = try load(db, id: matter.id)!
        try index(db, updated)
        // The national platform hears of status changes and moves to another line.
        if exchange != nil, updated.status != matter.status || updated.businessLine != matter.businessLine {
            try SQLiteExchangeOutbox.enqueue(db, matter: updated, kind: .matterStatus, at: time)
        }
        return (updated, true)
    }

    func deadlineAlerts(_ query: DeadlineAlertQuery) async throws -> [DeadlineAlert] {
        let today = query.today.description
        var filters: [String] = []
        var filterArguments: [DatabaseValue] = []
        if let region = query.regionCode {
            filters.append("region_code LIKE ?")
            filterArguments.append((DivisionCode.scopePrefix(of: region) + "%").databaseValue)
        }
        if let line = query.businessLine {
            filters.append("business_line = ?")
            filterArguments.append(line.databaseValue)
        }
        if let supervisor = query.escalatedWithin {
            filters.append("escalated_to LIKE ? AND due_date < ?")
            filterArguments.append(contentsOf: [(DivisionCode.scopePrefix(of: supervisor) + "%").databaseValue, today.databaseValue])
        }
        let filter = filters.map { " AND " + $0 }.joined()
        // Each branch reads its own partial index (the rows at or past their warning day; the
        // uncomputable ones), so the cost follows the number of alerts, not of matters. A limit
        // is past its warning day whenever it is overdue (warn_from <= due_date).
        var branches = ["SELECT * FROM matter_deadlines WHERE state = 'running' AND warn_from <= ?" + filter]
        var arguments = [today.databaseValue] + filterArguments
        if query.unescalatedOverdueOnly {
            branches[0] += " AND due_date < ? AND escalated_to IS NULL"
            arguments.append(today.databaseValue)
        } else if query.escalatedWithin == nil {
            branches.append("SELECT * FROM matter_deadlines WHERE state = 'uncomputable'" + filter)
            arguments += filterArguments
        }
        let sql = "SELECT * FROM (" + branches.joined(separator: " UNION ALL ") + ")"
            + " ORDER BY due_date IS NULL, due_date, tracking_number, rule_id LIMIT \(max(1, query.limit))"
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                let due = (row["due_date"] as String?).flatMap(CivilDate.init(strictISO:))
                let kind: DeadlineAlert.Kind = if (row["state"] as String) == "uncomputable" {
                    .calendarMissing
                } else if let due, due < query.today {
                    .overdue
                } else {
                    .dueSoon
                }
                return DeadlineAlert(
                    kind: kind, matterID: row["matter_id"], trackingNumber: row["tracking_number"], businessLine: row["business_line"],
                    matterType: row["matter_type"], regionCode: row["region_code"], ruleID: row["rule_id"], dueDate: due,
                    escalatedTo: row["escalated_to"])
            }
        }
    }

    func refreshDeadlines() async throws -> Int {
        guard deadlines != nil else { return 0 }
        let total = try await pool.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM matters")) ?? 0 }
        var done = 0
        var after = ""
        while true {
            let cursor = after
            let batch = try await pool.write { db -> [String] in
                let ids = try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM matters WHERE id > ? ORDER BY id LIMIT 500"), arguments: [cursor])
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

    func refreshIndexes(unlessDerivedWith fingerprint: String) async throws -> Int? {
        guard deadlines != nil else { return nil }
        // The phone index is keyed by the data key: a probe's key stands for it.
        let full = fingerprint + "|phone-key:" + cipher.phoneKey("13800000000")
        let stored = try await pool.read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM matter_index_state WHERE id = 1")) }
        guard stored != full else { return nil }
        let count = try await refreshDeadlines()
        try await pool.write { db in
            try db.executeCached(
                sql: "INSERT OR REPLACE INTO matter_index_state (id, fingerprint, derived_at) VALUES (1, ?, ?)",
                arguments: [full, Date().timeIntervalSince1970])
        }
        return count
    }

    /// Rewrites `matter`'s rows of the deadline and credit indexes, in the caller's transaction.
    private func index(_ db: Database, _ matter: Matter) throws {
        try db.executeCached(sql: "DELETE FROM matter_phones WHERE matter_id = ?", arguments: [matter.id])
        let phones = [("applicant", matter.applicant.phone)] + matter.parties.map { ($0.role, $0.person.phone) }
        for (role, phone) in phones {
            let key = cipher.phoneKey(phone)
            if key.isEmpty { continue }
            try db.executeCached(
                sql: "INSERT OR IGNORE INTO matter_phones (matter_id, phone_key, role) VALUES (?, ?, ?)", arguments: [matter.id, key, role])
        }
        guard let deadlines else { return }
        let facts = deadlines.facts(of: matter)
        // The monthly rollup moves from what the matter counted for to what it counts for now.
        let before = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM matter_facts WHERE matter_id = ?"), arguments: [matter.id]).map { row in
            Self.contributions(
                line: row["business_line"], type: row["matter_type"], region: row["region_code"], channel: row["channel"],
                submitted: row["submitted_day"], accepted: row["accepted_day"], outcome: row["outcome"], ended: row["ended_day"],
                handling: row["handling_days"], transferred: row["transferred_day"], rating: row["rating"], rated: row["rated_day"])
        } ?? Contributions()
        let after = Self.contributions(
            line: matter.businessLine, type: matter.matterType, region: matter.regionCode, channel: matter.channel.rawValue,
            submitted: facts.submittedDay.description, accepted: facts.acceptedDay?.description, outcome: facts.outcome?.rawValue,
            ended: facts.endedDay?.description, handling: facts.handlingDays, transferred: facts.transferredDay?.description, rating: facts.rating,
            rated: facts.ratedDay?.description)
        try Self.rollUp(db, from: before, to: after)
        let credit = deadlines.creditRows(of: matter, facts: facts)
        try db.executeCached(
            sql: """
                INSERT OR REPLACE INTO matter_facts (matter_id, business_line, matter_type, region_code, channel, submitted_day, accepted_day,
                    outcome, ended_day, handling_days, transferred_day, rating, rated_day, met_late, open_due, office)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                matter.id, matter.businessLine, matter.matterType, matter.regionCode, matter.channel.rawValue, facts.submittedDay.description,
                facts.acceptedDay?.description, facts.outcome?.rawValue, facts.endedDay?.description, facts.handlingDays,
                facts.transferredDay?.description, facts.rating, facts.ratedDay?.description, facts.metLate, facts.openDue?.description,
                CreditIndexRow.office(of: credit),
            ])
        try db.executeCached(sql: "DELETE FROM matter_opinion WHERE matter_id = ?", arguments: [matter.id])
        for row in deadlines.opinionRows(of: matter) {
            try db.executeCached(
                sql: "INSERT INTO matter_opinion (matter_id, day, region_code, business_line, source, topic, keyword) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [matter.id, row.day.description, matter.regionCode, matter.businessLine, row.source.rawValue, row.topic, row.keyword])
        }
        try db.executeCached(sql: "DELETE FROM matter_credit WHERE matter_id = ?", arguments: [matter.id])
        for row in credit {
            try db.executeCached(
                sql: "INSERT INTO matter_credit (matter_id, entry_id, role, rating, met_late, upheld) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [matter.id, row.entryID, row.role.rawValue, row.rating, row.metLate, row.upheld])
        }
        try db.executeCached(sql: "DELETE FROM matter_deadlines WHERE matter_id = ?", arguments: [matter.id])
        for projection in deadlines.projections(of: matter) {
            try db.executeCached(
                sql: """
                    INSERT INTO matter_deadlines (matter_id, rule_id, state, due_date, warn_from, escalated_to, business_line,
                        matter_type, region_code, tracking_number)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    matter.id, projection.ruleID, projection.state.rawValue, projection.dueDate?.description,
                    projection.warnFrom?.description, projection.escalatedTo, matter.businessLine, matter.matterType,
                    matter.regionCode, matter.trackingNumber.digits,
                ])
        }
    }

    func matters(phone: String, limit: Int) async throws -> [Matter] {
        let key = cipher.phoneKey(phone)
        guard !key.isEmpty else { return [] }
        return try await pool.read { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT m.id FROM matters m WHERE m.id IN (SELECT matter_id FROM matter_phones WHERE phone_key = ?)
                    ORDER BY m.submitted_at DESC LIMIT ?
                    """, arguments: [key, limit])
            return try ids.compactMap { try load(db, id: $0) }
        }
    }

    func creditSummaries(entryIDs: [String], today: CivilDate) async throws -> [String: CreditSummary] {
        let ids = Array(Set(entryIDs))
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in
            var summaries: [String: CreditSummary] = [:]
            // SQLite allows 32,766 parameters; a directory page is far below, a whole register in chunks.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.entry_id,
                            SUM(c.role = 'handler') AS handled,
                            SUM(c.role = 'handler' AND c.rating IS NOT NULL) AS rated,
                            COALESCE(SUM(CASE WHEN c.role = 'handler' THEN c.rating END), 0) AS rating_total,
                            SUM(c.role = 'handler' AND (c.met_late = 1 OR EXISTS (
                                SELECT 1 FROM matter_deadlines d
                                WHERE d.matter_id = c.matter_id AND d.state = 'running' AND d.due_date < ?))) AS overdue,
                            SUM(c.role = 'complaint' AND c.upheld IS NOT NULL) AS decided,
                            SUM(c.role = 'complaint' AND c.upheld IS 1) AS upheld,
                            SUM(c.role = 'complaint' AND COALESCE((
                                SELECT f.submitted_day > ? FROM matter_facts f WHERE f.matter_id = c.matter_id), 0)) AS recent
                        FROM matter_credit c WHERE c.entry_id IN (\(marks)) GROUP BY c.entry_id
                        """,
                    arguments: StatementArguments(
                        [today.description, today.adding(days: -CreditSummary.recentComplaintDays).description] + chunk))
                for row in rows {
                    summaries[row["entry_id"]] = CreditSummary(
                        handled: row["handled"], rated: row["rated"], ratingTotal: row["rating_total"], overdue: row["overdue"],
                        complaintsDecided: row["decided"], complaintsUpheld: row["upheld"], recentComplaints: row["recent"])
                }
            }
            return summaries
        }
    }

    func list(_ query: MatterQuery) async throws -> MatterPage {
        var clauses: [String] = []
        var arguments: [DatabaseValue] = []
        if let line = query.businessLine {
            clauses.append("business_line = ?")
            arguments.append(line.databaseValue)
        }
        if let status = query.status {
            clauses.append("status = ?")
            arguments.append(status.databaseValue)
        }
        if let owner = query.ownerAccountID {
            clauses.append("owner_account_id = ?")
            arguments.append(owner.databaseValue)
        }
        if let assignee = query.assigneeAccountID {
            clauses.append("assignee_account_id = ?")
            arguments.append(assignee.databaseValue)
        }
        if let region = query.regionCode {
            clauses.append("region_code LIKE ?")
            arguments.append((DivisionCode.scopePrefix(of: region) + "%").databaseValue)
        }
        if let cursor = query.after.flatMap(Cursor.init) {
            clauses.append("(submitted_at < ? OR (submitted_at = ? AND id < ?))")
            arguments.append(contentsOf: [cursor.submittedAt.databaseValue, cursor.submittedAt.databaseValue, cursor.id.databaseValue])
        }
        let limit = max(1, query.limit)
        let sql = "SELECT * FROM matters" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY submitted_at DESC, id DESC LIMIT \(limit + 1)"
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: statementArguments)
            let matters = try rows.prefix(limit).map { try open(sealed(row: $0, timeline: [])) }
            let next = rows.count > limit ? matters.last.map { Cursor(submittedAt: $0.submittedAt.timeIntervalSince1970, id: $0.id).encoded } : nil
            return MatterPage(matters: matters, nextCursor: next)
        }
    }

    /// Opens the newest stored identity number, to prove at start-up that the configured data keys
    /// match the database (rather than failing on the first read of a citizen's record).
    func checkDataKeys() async throws {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, applicant_json FROM matters ORDER BY submitted_at DESC LIMIT 1")) else { return }
            let id: String = row["id"]
            _ = try cipher.open(try JSONCoding.decode(Person.self, row["applicant_json"]), context: "matter:\(id):applicant")
        }
    }

    // MARK: Materials

    /// Seals and inserts the change's files, each with the sequence of the event that names it.
    private func storeMaterials(_ db: Database, _ change: MatterChange, matter: Matter, firstSequence: Int, at time: Date) throws {
        for material in change.materials {
            guard let offset = change.events.firstIndex(where: { $0.attributes["material_id"] == material.id }) else {
                throw FawangError(.internalError, "material \(material.id) has no timeline event naming it")
            }
            let sealed = try cipher.seal(data: material.file.content, context: "material:\(material.id)")
            try db.executeCached(
                sql: """
                    INSERT INTO matter_materials (id, matter_id, event_sequence, title, file_name, type, size_bytes, sha256,
                        key_id, sealed_content, uploaded_at, uploaded_by, channel)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    material.id, matter.id, firstSequence + offset, material.file.title, material.file.fileName,
                    material.file.type.rawValue, material.file.content.count, material.file.sha256, sealed.keyID, sealed.sealed,
                    time.timeIntervalSince1970, material.uploadedBy, material.channel.rawValue,
                ])
        }
    }

    private static let materialColumns = """
        SELECT m.id, m.matter_id, t.tracking_number, m.event_sequence, m.title, m.file_name, m.type, m.size_bytes, m.sha256,
            m.uploaded_at, m.uploaded_by, m.channel
        """

    func materials(matterID: String) async throws -> [StoredMaterial] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: Self.materialColumns + " FROM matter_materials m JOIN matters t ON t.id = m.matter_id WHERE m.matter_id = ? ORDER BY m.event_sequence",
                arguments: [matterID]
            ).map(Self.material)
        }
    }

    func material(id: String) async throws -> (material: StoredMaterial, content: Data)? {
        let found = try await pool.read { db -> (StoredMaterial, String, Data)? in
            guard let row = try Row.fetchOne(
                db, sql: Self.materialColumns + ", m.key_id, m.sealed_content FROM matter_materials m JOIN matters t ON t.id = m.matter_id WHERE m.id = ?",
                arguments: [id])
            else { return nil }
            return (try Self.material(row), row["key_id"], row["sealed_content"])
        }
        guard let (material, keyID, sealed) = found else { return nil }
        let content = try cipher.open(data: sealed, keyID: keyID, context: "material:\(material.id)")
        guard MaterialFile.digest(content) == material.sha256 else {
            throw FawangError(.internalError, "stored material \(material.id) no longer matches its SHA-256: restore it from the backup")
        }
        return (material, content)
    }

    private static func material(_ row: Row) throws -> StoredMaterial {
        guard let type = MaterialType(rawValue: row["type"]) else {
            throw FawangError(.internalError, "stored material has unknown type \(row["type"] as String)")
        }
        return StoredMaterial(
            id: row["id"], matterID: row["matter_id"], trackingNumber: row["tracking_number"], title: row["title"],
            fileName: row["file_name"], type: type, sizeBytes: row["size_bytes"], sha256: row["sha256"],
            uploadedAt: Date(timeIntervalSince1970: row["uploaded_at"]), uploadedBy: row["uploaded_by"],
            channel: Channel(rawValue: row["channel"]) ?? .api, eventSequence: row["event_sequence"])
    }

    /// The audit entry of a change: who (the events' actor, with the caller's role), through which
    /// channel, what happened.
    /// Another module's writes with a matter's creation or step, and its audit entry.
    private static func run(_ db: Database, _ companion: CompanionWrite?, _ matter: Matter, method: String, peer: String, at time: Date) throws {
        guard let companion else { return }
        try SQLiteModuleStorage.run(db, try companion.write(matter), module: companion.module)
        if let audit = companion.audit { try SQLiteAuditLog.append(db, audit, method: method, peer: peer, at: time) }
    }

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

    private static func append(_ db: Database, matterID: String, events: [MatterEventDraft], startingAt first: Int, at time: Date) throws {
        for (offset, event) in events.enumerated() {
            try db.executeCached(
                sql: """
                    INSERT INTO matter_events (matter_id, sequence, kind, at, actor, channel, note, attributes_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    matterID, first + offset, event.kind, time.timeIntervalSince1970, event.actor,
                    event.channel.rawValue, event.note, try JSONCoding.string(event.attributes),
                ])
        }
    }

    private func load(_ db: Database, id: String) throws -> Matter? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM matters WHERE id = ?"), arguments: [id]) else { return nil }
        return try load(db, row: row)
    }

    private func load(_ db: Database, row: Row) throws -> Matter {
        try open(try loadSealed(db, row: row))
    }

    /// The matter of `row` with its timeline, its people still sealed as stored.
    private func loadSealed(_ db: Database, row: Row) throws -> Matter {
        let id: String = row["id"]
        let timeline = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM matter_events WHERE matter_id = ? ORDER BY sequence"), arguments: [id]
        ).map { event in
            MatterEvent(
                sequence: event["sequence"], kind: event["kind"],
                at: Date(timeIntervalSince1970: event["at"]), actor: event["actor"],
                channel: Channel(rawValue: event["channel"]) ?? .api, note: event["note"],
                attributes: try JSONCoding.attributes(event["attributes_json"]))
        }
        return try sealed(row: row, timeline: timeline)
    }

    private func sealed(row: Row, timeline: [MatterEvent]) throws -> Matter {
        guard let tracking = TrackingNumber(row["tracking_number"] as String) else {
            throw FawangError(.internalError, "stored tracking number fails its check digit")
        }
        return Matter(
            id: row["id"], trackingNumber: tracking, businessLine: row["business_line"],
            matterType: row["matter_type"], status: row["status"],
            applicant: try JSONCoding.decode(Person.self, row["applicant_json"]),
            parties: try JSONCoding.decode([Party].self, row["parties_json"]),
            regionCode: row["region_code"], channel: Channel(rawValue: row["channel"]) ?? .api,
            operatorID: row["operator_id"],
            submittedAt: Date(timeIntervalSince1970: row["submitted_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            details: Data((row["details_json"] as String).utf8), timeline: timeline,
            ownerAccountID: row["owner_account_id"], assigneeAccountID: row["assignee_account_id"])
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
