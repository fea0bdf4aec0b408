import FawangCore
import FawangTestSupport
import Foundation
import Synchronization
import Testing

/// The matter store on both engines (a real SQLite file, a real PostgreSQL database): one store
/// logic, the same behaviour.
@Suite struct MatterStoreTests {
    func draft(requestID: String = UUID().uuidString, digest: String = "d1") -> MatterDraft {
        MatterDraft(
            requestID: requestID, requestDigest: digest, businessLine: "demo", matterType: "demo.item", initialStatus: "new",
            applicant: Person(name: "张三", idNumber: "11010519491231002X", phone: "13951001234"), parties: [],
            regionCode: "640104", channel: .hotline, operatorID: "op", details: Data("{}".utf8),
            firstEvent: MatterEventDraft(kind: "submitted", actor: "op", channel: .hotline))
    }

 
    @Test(arguments: Engine.allCases) func aStepAndItsModuleWritesCommitTogetherOrNotAtAll(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
        let matter = try await storage.matters.submit(draft(), at: Date()).matter
        let step = MatterEventDraft(kind: "registered", actor: "op", channel: .walkIn)
        var change = MatterChange(newStatus: "done", events: [step])
        change.moduleStatements = [
            SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("x"), .integer(1)]), SQLStatement("INSERT INTO demo_items (id, n) VALUES ('x', 2)"),
        ]
        let failing = change
        await expectFailure(containing: engine.uniqueViolation) { _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in failing } }
        #expect(try await storage.matters.matter(id: matter.id)?.status == "new")
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).isEmpty)
        change.moduleStatements.removeLast()
        let working = change
        let updated = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in working }
        #expect(updated.status == "done" && updated.timeline.count == 2)
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).count == 1)
    }

    @Test(arguments: Engine.allCases) func aSubmissionAndItsModuleWritesCommitTogether(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
        var failing = draft(requestID: "with-bad-write")
        failing.moduleStatements = { _ in [SQLStatement("INSERT INTO demo_items (id, n) VALUES ('dup', 1), ('dup', 2)")] }
        await expectFailure(containing: engine.uniqueViolation) { _ = try await storage.matters.submit(failing, at: Date()) }
        #expect(try await storage.matters.list(MatterQuery()).matters.isEmpty)
        var working = draft(requestID: "with-write")
        working.moduleStatements = { matter in [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, 1)", [.text(matter.trackingNumber.digits)])] }
        let created = try await storage.matters.submit(working, at: Date()).matter
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).compactMap { $0.string("id") } == [created.trackingNumber.digits])
        // A replay writes nothing again.
        _ = try await storage.matters.submit(working, at: Date())
        #expect(try await storage.moduleStorage(for: "demo").query(SQLStatement("SELECT id FROM demo_items")).count == 1)
    }

    @Test(arguments: Engine.allCases) func aSubmissionAndItsLinkedUpdateCommitTogether(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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


    @Test(arguments: Engine.allCases) func sameRequestIDReturnsTheSameMatter(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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

    func transfer(_ storage: any PlatformStorage, _ matter: Matter, to line: String) async throws -> Matter {
        try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
            MatterChange(
                newStatus: "new", events: [MatterEventDraft(kind: PlatformEvent.transferred, actor: "op", channel: .walkIn)],
                transfer: (line, "\(line).item"))
        }
    }

    @Test(arguments: Engine.allCases) func theIdempotencyKeyStaysWithTheLineTheRequestWasSubmittedTo(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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

    @Test(arguments: Engine.allCases) func sameRequestIDWithOtherContentIsRefused(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
        _ = try await storage.matters.submit(draft(requestID: "r-2", digest: "a"), at: Date())
        await expectError(.failedPrecondition) {
            _ = try await storage.matters.submit(draft(requestID: "r-2", digest: "b"), at: Date())
        }
    }

    @Test(arguments: Engine.allCases) func updateIsAllOrNothing(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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
    @Test(arguments: Engine.allCases) func aSubmissionReturnsTheMatterAsStored(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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
    @Test(arguments: Engine.allCases) func keptMattersAreNeverStale(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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
        try await store.raw.write { db in _ = try db.execute("UPDATE matters SET status = 'repaired' WHERE id = ?", [.text(matter.id)]) }
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

    @Test(arguments: Engine.allCases) func timelineIsAppendOnlyInTheDatabase(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
        _ = try await storage.matters.submit(draft(), at: Date())
        let module = storage.moduleStorage(for: "demo")
        // A plugin cannot even name the table; and the database itself refuses to rewrite it.
        await expectError(.internalError, containing: ["demo_"]) { try await module.execute([SQLStatement("UPDATE matter_events SET note = 'x'")]) }
        for sql in ["UPDATE matter_events SET note = 'x'", "DELETE FROM matter_events"] {
            await expectFailure(containing: "matter_events is append-only") { try await store.raw.write { db in _ = try db.execute(sql, []) } }
        }
    }

    @Test(arguments: Engine.allCases) func listsByRegionScopeNewestFirstWithPaging(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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
    @Test(arguments: Engine.allCases) func aLoginChecksThePasswordOutsideTheWriterAndAgainAfterAChange(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let storage = store.storage
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
