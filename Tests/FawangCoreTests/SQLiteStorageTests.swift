import FawangCore
import FawangSQLite
import FawangTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The embedded engine on a real SQLite file.
@Suite struct SQLiteStorageTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-core-\(UUID().uuidString)/test.sqlite").path

    func open() async throws -> SQLiteStorage {
        let storage = try SQLiteStorage(path: path, cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"))
        try await storage.migrate(modules: [("demo", [StorageMigration(id: "v1", statements: ["CREATE TABLE demo_items (id TEXT PRIMARY KEY, n INTEGER)"])])])
        return storage
    }

    func draft(requestID: String = UUID().uuidString, digest: String = "d1") -> MatterDraft {
        MatterDraft(
            requestID: requestID, requestDigest: digest, businessLine: "demo", matterType: "demo.item", initialStatus: "new",
            applicant: Person(name: "张三", idNumber: "11010519491231002X", phone: "13951001234"), parties: [],
            regionCode: "640104", channel: .hotline, operatorID: "op", details: Data("{}".utf8),
            firstEvent: MatterEventDraft(kind: "submitted", actor: "op", channel: .hotline))
    }

    @Test func moduleWritesCanBeAuditedInTheirTransaction() async throws {
        let storage = try await open()
        let module = storage.moduleStorage(for: "demo")
        try await module.execute(
            [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("a"), .integer(1)])],
            audit: AuditDraft(actor: "staff-1", role: "staff", channel: "walk_in", target: "demo_item:a", detail: "created"))
        // A failing statement rolls back the whole write, audit entry included.
        await expectFailure(containing: "UNIQUE constraint failed") {
            try await module.execute(
                [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("b"), .integer(2)]), SQLStatement("INSERT INTO demo_items (id, n) VALUES ('a', 3)")],
                audit: AuditDraft(actor: "staff-1", role: "staff", channel: "walk_in", target: "demo_item:b", detail: "created"))
        }
        #expect(try await module.query(SQLStatement("SELECT id FROM demo_items")).compactMap { $0.string("id") } == ["a"])
        let verified = try await storage.audit.verify(expectedHead: nil) { _ in }
        #expect(verified.count == 1 && verified.problem == nil)
    }

    /// Group commit (issue 14): writes that arrive together share a commit, yet each stays
    /// all-or-nothing on its own — the failing ones roll back alone and get their own error — and
    /// they apply in order (the audit chain they extend verifies).
    @Test func concurrentWritesShareCommitsAndFailAlone() async throws {
        let storage = try await open()
        let module = storage.moduleStorage(for: "demo")
        let before = storage.commitStatistics
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    // Every fifth write inserts a duplicate after its first row: it must fail whole.
                    var statements = [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("item-\(index)"), .integer(Int64(index))])]
                    if index % 5 == 0 { statements.append(SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, 0)", [.text("item-\(index)")])) }
                    do {
                        try await module.execute(statements, audit: AuditDraft(actor: "staff-1", role: "staff", channel: "", target: "demo_item:\(index)", detail: "created"))
                        return true
                    } catch {
                        #expect("\(error)".contains("UNIQUE constraint failed"))
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 160 && outcomes.filter { !$0 }.count == 40)
        let rows = try await module.query(SQLStatement("SELECT id FROM demo_items")).compactMap { $0.string("id") }
        #expect(Set(rows) == Set((0..<200).filter { $0 % 5 != 0 }.map { "item-\($0)" }))
        let after = storage.commitStatistics
        #expect(after.writes - before.writes == 200)
        #expect(after.commits - before.commits < 200, "no two writes shared a commit: \(after)")
        let verified = try await storage.audit.verify(expectedHead: nil) { _ in }
        #expect(verified.count == 160 && verified.problem == nil)
    }

    @Test func aStepAndItsModuleWritesCommitTogetherOrNotAtAll() async throws {
        let storage = try await open()
        let matter = try await storage.matters.submit(draft(), at: Date()).matter
        let step = MatterEventDraft(kind: "registered", actor: "op", channel: .walkIn)
        var change = MatterChange(newStatus: "done", events: [step])
        change.moduleStatements = [
            SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("x"), .integer(1)]), SQLStatement("INSERT INTO demo_items (id, n) VALUES ('x', 2)"),
        ]
        let failing = change
        await expectFailure(containing: "UNIQUE constraint failed") { _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in failing } }
        #expect(try await storage.matters.matter(id: matter.id)?.status == "new")
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).isEmpty)
        change.moduleStatements.removeLast()
        let working = change
        let updated = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in working }
        #expect(updated.status == "done" && updated.timeline.count == 2)
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).count == 1)
    }

    @Test func aSubmissionAndItsModuleWritesCommitTogether() async throws {
        let storage = try await open()
        var failing = draft(requestID: "with-bad-write")
        failing.moduleStatements = { _ in [SQLStatement("INSERT INTO demo_items (id, n) VALUES ('dup', 1), ('dup', 2)")] }
        await expectFailure(containing: "UNIQUE constraint failed") { _ = try await storage.matters.submit(failing, at: Date()) }
        #expect(try await storage.matters.list(MatterQuery()).matters.isEmpty)
        var working = draft(requestID: "with-write")
        working.moduleStatements = { matter in [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, 1)", [.text(matter.trackingNumber.digits)])] }
        let created = try await storage.matters.submit(working, at: Date()).matter
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).compactMap { $0.string("id") } == [created.trackingNumber.digits])
        // A replay writes nothing again.
        _ = try await storage.matters.submit(working, at: Date())
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).count == 1)
    }

    @Test func aSubmissionAndItsLinkedUpdateCommitTogether() async throws {
        let storage = try await open()
        let original = try await storage.matters.submit(draft(), at: Date()).matter
        var failing = draft(requestID: "repeat-1")
        failing.linkedUpdate = LinkedUpdate(trackingNumber: original.trackingNumber) { _, _ in
            throw FawangError.failedPrecondition("refused")
        }
        await expectError(.failedPrecondition, containing: ["refused"]) { _ = try await storage.matters.submit(failing, at: Date()) }
        #expect(try await storage.matters.list(MatterQuery()).matters.count == 1)
        var linking = draft(requestID: "repeat-2")
        linking.linkedUpdate = LinkedUpdate(trackingNumber: original.trackingNumber) { _, created in
            MatterChange(events: [MatterEventDraft(kind: "linked", actor: "system", channel: .api, attributes: ["to": created.trackingNumber.digits])])
        }
        let created = try await storage.matters.submit(linking, at: Date()).matter
        let linked = try #require(try await storage.matters.matter(id: original.id))
        #expect(linked.timeline.last?.attributes["to"] == created.trackingNumber.digits)
        // A replay does not link again.
        _ = try await storage.matters.submit(linking, at: Date())
        #expect(try await storage.matters.matter(id: original.id)?.timeline.count == 2)
    }

    @Test func durabilityIsFullWAL() async throws {
        let storage = try await open()
        let settings = try await storage.durabilitySettings()
        #expect(settings.synchronous == 2)
        #expect(settings.journalMode == "wal")
    }

    @Test func sameRequestIDReturnsTheSameMatter() async throws {
        let storage = try await open()
        let first = try await storage.matters.submit(draft(requestID: "r-1"), at: Date())
        let second = try await storage.matters.submit(draft(requestID: "r-1"), at: Date())
        guard case .created(let created) = first, case .replayed(let replayed) = second else {
            Issue.record("expected created then replayed")
            return
        }
        #expect(created.id == replayed.id)
        #expect(created.trackingNumber == replayed.trackingNumber)
        #expect(try await storage.matters.list(MatterQuery()).matters.count == 1)
    }

    func transfer(_ storage: SQLiteStorage, _ matter: Matter, to line: String) async throws -> Matter {
        try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
            MatterChange(
                newStatus: "new", events: [MatterEventDraft(kind: PlatformEvent.transferred, actor: "op", channel: .walkIn)],
                transfer: (line, "\(line).item"))
        }
    }

    @Test func theIdempotencyKeyStaysWithTheLineTheRequestWasSubmittedTo() async throws {
        let storage = try await open()
        let original = try await storage.matters.submit(draft(requestID: "r-t"), at: Date()).matter
        var elsewhere = draft(requestID: "r-t")
        elsewhere.businessLine = "other"
        elsewhere.matterType = "other.item"
        guard case .created(let other) = try await storage.matters.submit(elsewhere, at: Date()) else {
            Issue.record("another line's request with the same id is a new matter")
            return
        }
        // Moving the demo matter into the line that holds the same request id does not collide.
        let moved = try await transfer(storage, original, to: "other")
        #expect(moved.businessLine == "other")
        // A late retry of the demo submission is the same (moved) matter, replayed.
        guard case .replayed(let replayed) = try await storage.matters.submit(draft(requestID: "r-t"), at: Date()) else {
            Issue.record("a retry after a transfer created a second matter")
            return
        }
        #expect(replayed.id == original.id && replayed.businessLine == "other")
        guard case .replayed(let otherAgain) = try await storage.matters.submit(elsewhere, at: Date()) else {
            Issue.record("the other line's retry created a second matter")
            return
        }
        #expect(otherAgain.id == other.id)
        // And back again: still no collision, still one matter per submission.
        _ = try await transfer(storage, other, to: "demo")
        #expect(try await storage.matters.list(MatterQuery()).matters.count == 2)
    }

    @Test func sameRequestIDWithOtherContentIsRefused() async throws {
        let storage = try await open()
        _ = try await storage.matters.submit(draft(requestID: "r-2", digest: "a"), at: Date())
        await expectError(.failedPrecondition) {
            _ = try await storage.matters.submit(draft(requestID: "r-2", digest: "b"), at: Date())
        }
    }

    @Test func updateIsAllOrNothing() async throws {
        let storage = try await open()
        let matter = try await storage.matters.submit(draft(), at: Date()).matter
        await expectError(.failedPrecondition, containing: ["no"]) {
            _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
                throw FawangError.failedPrecondition("no")
            }
        }
        let updated = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
            MatterChange(newStatus: "done", events: [MatterEventDraft(kind: "a", actor: "x", channel: .web), MatterEventDraft(kind: "b", actor: "x", channel: .web)])
        }
        #expect(updated.status == "done")
        #expect(updated.timeline.map(\.sequence) == [1, 2, 3])
        #expect(updated.timeline.map(\.kind) == ["submitted", "a", "b"])
    }

    /// A submission returns the matter it wrote without reading it back: it must be exactly what a
    /// read returns, people, parties, timeline attributes and details included.
    @Test func aSubmissionReturnsTheMatterAsStored() async throws {
        let storage = try await open()
        var submitted = draft()
        submitted.parties = [Party(role: "respondent", person: Person(name: "某公司", idNumber: "91640100MA76XXXX0X", phone: "09515551234"))]
        submitted.details = Data(#"{"summary":"欠薪 3 个月","amount":12000}"#.utf8)
        submitted.firstEvent = MatterEventDraft(kind: "submitted", actor: "op", channel: .hotline, note: "来电受理", attributes: ["source": "12348", "号码": "尾号1234"])
        let created = try await storage.matters.submit(submitted, at: Date(timeIntervalSinceReferenceDate: 818_000_000.123_456_7)).matter
        #expect(try await storage.matters.matter(id: created.id) == created)
        #expect(try await storage.matters.matter(trackingNumber: created.trackingNumber) == created)
    }

    /// Reads keep decoded matters (`MatterCache`) and use one only at the revision it was read
    /// at: a change through the store, and a change by hand in another connection (the trigger
    /// bumps the revision), are both seen by the next read, by id and by tracking number.
    @Test func keptMattersAreNeverStale() async throws {
        let storage = try await open()
        let matter = try await storage.matters.submit(draft(), at: Date()).matter
        let first = try #require(try await storage.matters.matter(id: matter.id))
        #expect(first.applicant.name == "张三" && first.applicant.idNumber == "11010519491231002X", "people are opened on every read")
        #expect(try await storage.matters.matter(id: matter.id) == first)
        #expect(try await storage.matters.matter(trackingNumber: matter.trackingNumber) == first)
        _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
            MatterChange(newStatus: "accepted", events: [MatterEventDraft(kind: "accepted", actor: "x", channel: .web)])
        }
        let accepted = try #require(try await storage.matters.matter(id: matter.id))
        #expect(accepted.status == "accepted" && accepted.timeline.map(\.kind) == ["submitted", "accepted"])
        _ = try await sqlite("UPDATE matters SET status = 'repaired' WHERE id = '\(matter.id)'", on: path)
        #expect(try await storage.matters.matter(id: matter.id)?.status == "repaired")
        #expect(try await storage.matters.matter(trackingNumber: matter.trackingNumber)?.status == "repaired")
        // And the store's next step starts from the repaired row.
        let next = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { current in
            #expect(current.status == "repaired")
            return MatterChange(newStatus: "closed", events: [MatterEventDraft(kind: "closed", actor: "x", channel: .web)])
        }
        #expect(next.status == "closed" && next.timeline.count == 3)
        #expect(try await storage.matters.matter(id: matter.id) == next)
    }

    @Test func timelineIsAppendOnlyInTheDatabase() async throws {
        let storage = try await open()
        _ = try await storage.matters.submit(draft(), at: Date())
        let module = storage.moduleStorage(for: "demo")
        // A plugin cannot even name the table; and the database itself refuses to rewrite it.
        await expectError(.internalError, containing: ["demo_"]) { try await module.execute([SQLStatement("UPDATE matter_events SET note = 'x'")]) }
        for sql in ["UPDATE matter_events SET note = 'x'", "DELETE FROM matter_events"] {
            await expectFailure(containing: "matter_events is append-only") { _ = try await sqlite(sql, on: path) }
        }
    }

    @Test func moduleStorageRunsMigrationsAndStatements() async throws {
        let storage = try await open()
        let module = storage.moduleStorage(for: "demo")
        try await module.execute([SQLStatement("INSERT INTO demo_items VALUES (?, ?)", [.text("a"), .integer(7)])])
        let rows = try await module.query(SQLStatement("SELECT * FROM demo_items WHERE id = ?", [.text("a")]))
        #expect(rows.first?.int("n") == 7)
        // A failing statement rolls back the whole batch.
        await expectFailure(containing: "UNIQUE constraint failed") {
            try await module.execute([
                SQLStatement("INSERT INTO demo_items VALUES ('b', 1)"), SQLStatement("INSERT INTO demo_items VALUES ('a', 1)"),
            ])
        }
        #expect(try await module.query(SQLStatement("SELECT * FROM demo_items")).count == 1)
        // Migrations run once: reopening applies nothing twice.
        _ = try await open()
    }

    @Test func listsByRegionScopeNewestFirstWithPaging() async throws {
        let storage = try await open()
        var ids: [String] = []
        for index in 0..<5 {
            var item = draft()
            item.regionCode = index % 2 == 0 ? "640104" : "640202"
            ids.append(try await storage.matters.submit(item, at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index))).matter.id)
        }
        let yinchuan = try await storage.matters.list(MatterQuery(regionCode: "640100"))
        #expect(yinchuan.matters.map(\.id) == [ids[4], ids[2], ids[0]])
        let page1 = try await storage.matters.list(MatterQuery(limit: 2))
        #expect(page1.matters.map(\.id) == [ids[4], ids[3]])
        let page2 = try await storage.matters.list(MatterQuery(limit: 2, after: page1.nextCursor))
        #expect(page2.matters.map(\.id) == [ids[2], ids[1]])
        let province = try await storage.matters.list(MatterQuery(regionCode: "640000"))
        #expect(province.matters.count == 5)
    }

    /// The password check runs before the write transaction: the writer stays free while it
    /// runs, and a verdict reached on a password changed meanwhile is not used.
    @Test func aLoginChecksThePasswordOutsideTheWriterAndAgainAfterAChange() async throws {
        let storage = try await open()
        let principal = Principal(accountID: "staff-1", displayName: "窗口", role: .staff, regionCode: "640104")
        try await storage.identity.save(Account(principal: principal, login: "window", passwordHash: "old-hash"))
        let checked = Mutex<[String]>([])
        let attempt = try await storage.identity.attemptLogin(login: "window", at: Date(), maxFailures: 5, lockout: 900) { account in
            let first = checked.withLock { $0.append(account.passwordHash); return $0.count == 1 }
            if first {
                // Another write lands while the password is checked: the writer is not held.
                var changed = account
                changed.passwordHash = "new-hash"
                try? await storage.identity.save(changed)
            }
            return account.passwordHash == "new-hash"
        }
        #expect(checked.withLock { $0 } == ["old-hash", "new-hash"])
        #expect(attempt == .accepted(principal))
        // A wrong password is counted once, against the account as it is now.
        let wrong = try await storage.identity.attemptLogin(login: "window", at: Date(), maxFailures: 5, lockout: 900) { _ in false }
        #expect(wrong == .wrongPassword(remainingAttempts: 4))
        #expect(try await storage.identity.attemptLogin(login: "nobody", at: Date(), maxFailures: 5, lockout: 900) { _ in true } == .unknownLogin)
    }
}
