import Crypto
import FawangCore
import FawangSQLite
import FawangTestSupport
import Foundation
import Logging
import Testing

/// The national exchange's signing and its outbox on a real SQLite file.
@Suite struct NationalExchangeTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-exchange-\(UUID().uuidString)/test.sqlite").path

    func open(exchange: Bool = true, writes: WriteGate = WriteGate()) async throws -> SQLiteStorage {
        let storage = try SQLiteStorage(
            path: path, cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"),
            writes: writes, exchange: exchange)
        try await storage.migrate(modules: [])
        return storage
    }

    func draft() -> MatterDraft {
        MatterDraft(
            requestID: UUID().uuidString, requestDigest: "d", businessLine: "demo", matterType: "demo.item", initialStatus: "new",
            applicant: Person(name: "张三", idNumber: "11010519491231002X", phone: "13951001234"), parties: [],
            regionCode: "640104", channel: .hotline, operatorID: "op", details: Data("{}".utf8),
            firstEvent: MatterEventDraft(kind: "submitted", actor: "op", channel: .hotline))
    }

    @Test func theSignatureCoversEveryFieldButTheKeyID() throws {
        let key = ExchangeSigningKey(privateKey: .init())
        let entry = OutboxEntry(sequence: 1, messageID: "m-1", kind: "matter.status", payload: Data("{\"a\":1}".utf8), createdAtMicros: 42, attempts: 0)
        let signature = try key.sign(entry, source: "640000")
        func verifies(messageID: String = "m-1", source: String = "640000", kind: String = "matter.status", at: Int64 = 42, payload: String = "{\"a\":1}") -> Bool {
            ExchangeSigningKey.verify(
                signature: signature, publicKey: key.privateKey.publicKey, messageID: messageID, source: source, kind: kind, createdAtMicros: at,
                payload: Data(payload.utf8))
        }
        #expect(verifies())
        #expect(!verifies(messageID: "m-2"))
        #expect(!verifies(source: "650000"))
        #expect(!verifies(kind: "matter.submitted"))
        #expect(!verifies(at: 43))
        #expect(!verifies(payload: "{\"a\":2}"))
        // Field boundaries are part of what is signed: moving a character across one fails.
        #expect(!verifies(messageID: "m-16", source: "40000"))
        #expect(key.keyID.count == 16 && key.keyID == ExchangeSigningKey.keyID(of: key.privateKey.publicKey))
        #expect(throws: FawangError.self) { try ExchangeSigningKey(text: "not base64!", from: "the test") }
        let generated = ExchangeSigningKey.generate()
        #expect(try ExchangeSigningKey(text: generated.fileLine, from: "the test").publicKeyBase64 == generated.publicKey)
    }

    @Test func retriesBackOffToFiveMinutes() {
        #expect([1, 2, 3, 4, 10, 50].map { ExchangeBackoff.delay(afterAttempts: $0, random: 0) } == [1, 2, 4, 8, 300, 300])
        #expect(ExchangeBackoff.delay(afterAttempts: 2, random: 0.2) == 2.4)
        for _ in 0..<100 { #expect((1...1.2).contains(ExchangeBackoff.delay(afterAttempts: 1))) }
    }

    /// The outbox is written in the change's transaction: a change that rolls back leaves nothing
    /// to send, and without the exchange nothing is written at all.
    @Test func theOutboxIsWrittenWithTheChangeOrNotAtAll() async throws {
        let storage = try await open()
        let matter = try await storage.matters.submit(draft(), at: Date()).matter
        await expectError(.failedPrecondition, containing: ["no"]) {
            _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
                throw FawangError.failedPrecondition("no")
            }
        }
        // A timeline event without a status change is not a data item.
        _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
            MatterChange(events: [MatterEventDraft(kind: "note", actor: "x", channel: .web)])
        }
        _ = try await storage.matters.update(trackingNumber: matter.trackingNumber, at: Date()) { _ in
            MatterChange(newStatus: "done", events: [MatterEventDraft(kind: "closed", actor: "x", channel: .web)])
        }
        let due = try await storage.exchange.due(limit: 10, now: Date())
        #expect(due.map(\.kind) == ["matter.submitted", "matter.status"])
        let item = try JSONSerialization.jsonObject(with: due[1].payload) as? [String: String]
        #expect(item?["status"] == "done" && item?["event"] == "closed" && item?["tracking_number"] == matter.trackingNumber.digits)
        #expect(item?.values.contains { $0.contains("张三") || $0.contains("1101051949") || $0.contains("1395100") } == false)

        let plain = try SQLiteStorage(
            path: path + ".plain", cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"))
        try await plain.migrate(modules: [])
        _ = try await plain.matters.submit(draft(), at: Date())
        #expect(try await plain.exchange.due(limit: 10, now: Date()).isEmpty)
    }

    /// An entry put off holds back those after it; settling is final; the day's report balances.
    @Test func entriesGoInOrderAndTheReportBalances() async throws {
        let storage = try await open()
        let now = Date()
        for _ in 0..<3 { _ = try await storage.matters.submit(draft(), at: now) }
        let all = try await storage.exchange.due(limit: 10, now: now)
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted() && all.count == 3)
        try await storage.exchange.retry(sequence: all[0].sequence, error: "refused", next: now.addingTimeInterval(60))
        #expect(try await storage.exchange.due(limit: 10, now: now).isEmpty, "the first waits, and the rest behind it")
        #expect(try await storage.exchange.nextDue() == Date(timeIntervalSince1970: now.addingTimeInterval(60).timeIntervalSince1970))
        let later = now.addingTimeInterval(61)
        #expect(try await storage.exchange.due(limit: 10, now: later).map(\.attempts) == [1, 0, 0])
        try await storage.exchange.settle(sequence: all[0].sequence, as: .accepted, reason: "", at: later)
        try await storage.exchange.settle(sequence: all[1].sequence, as: .duplicate, reason: "", at: later)
        try await storage.exchange.settle(sequence: all[2].sequence, as: .rejected, reason: "unknown kind", at: later)
        // A late second receipt changes nothing.
        try await storage.exchange.settle(sequence: all[2].sequence, as: .accepted, reason: "", at: later)
        #expect(try await storage.exchange.due(limit: 10, now: later).isEmpty)
        #expect(try await storage.exchange.nextDue() == nil)
        let report = try await storage.exchange.report(day: CivilDate(now))
        #expect(report.enqueued == 3 && report.acknowledged == 2 && report.duplicates == 1 && report.rejected == 1 && report.pending == 0)
        #expect(report.attempts == 4 && report.balances)
        #expect(report.rejections.map(\.reason) == ["unknown kind"])
        #expect(try await storage.exchange.report(day: CivilDate(now).adding(days: 1)).enqueued == 0)
    }

    /// A day's figures go into the outbox once, whoever asks again.
    @Test func aDaysFiguresAreAddedOnce() async throws {
        let storage = try await open()
        let day = CivilDate(year: 2026, month: 12, day: 6)
        #expect(try await storage.exchange.lastStatisticsDay() == nil)
        #expect(try await storage.exchange.enqueueDailyStatistics(day: day, at: Date()))
        #expect(try await !storage.exchange.enqueueDailyStatistics(day: day, at: Date()))
        #expect(try await storage.exchange.lastStatisticsDay() == day)
        let due = try await storage.exchange.due(limit: 10, now: Date())
        #expect(due.map(\.kind) == ["statistics.daily"])
        #expect(String(decoding: due[0].payload, as: UTF8.self) == "{\"day\":\"2026-12-06\",\"rows\":[]}")
    }

    /// A referral is recorded once, taken (its row in the matter's own transaction, the matter's
    /// item naming it) or refused (its row, audit entry and answer together); the cursor is the
    /// highest sequence recorded.
    @Test func aReferralIsRecordedOnceTakenOrRefused() async throws {
        let writes = WriteGate()
        let storage = try await open(writes: writes)
        #expect(try await storage.referrals.referralCursor() == 0)
        let now = Date()
        // Taken: the inbox row rides on the submission, as the receiver's companion write.
        var taken = draft()
        let referred = MatterEventDraft(
            kind: NationalExchange.referredEvent, actor: NationalExchange.referralAccount, channel: .api, attributes: [NationalExchange.referralAttribute: "r-1"])
        taken.companion = CompanionWrite(module: "exchange", events: [referred]) { matter in
            [NationalExchange.takenReferral(messageID: "r-1", sequence: 7, matter: matter, at: now)]
        }
        let matter = try await storage.matters.submit(taken, at: now).matter
        #expect(try await storage.referrals.referral(messageID: "r-1") == ReferralRecord(
            messageID: "r-1", sequence: 7, state: .accepted, trackingNumber: matter.trackingNumber.digits, reason: ""))
        // A companion that fails takes the matter with it: no inbox row without its matter, nor the reverse.
        var failing = draft()
        failing.companion = CompanionWrite(module: "exchange") { matter in
            [NationalExchange.takenReferral(messageID: "r-1", sequence: 8, matter: matter, at: now)]
        }
        let before = try await storage.audit.lastSequence()
        await #expect(throws: (any Error).self) { _ = try await storage.matters.submit(failing, at: now) }
        #expect(try await storage.matters.list(MatterQuery()).matters.count == 1)
        #expect(try await storage.audit.lastSequence() == before)

        let audit = AuditDraft(actor: NationalExchange.referralAccount, role: "service", channel: "api", target: "referral:r-2", outcome: "refused", detail: "bad")
        let refusal = NationalExchange.ReferralRefusal(referralID: "r-2", reason: "请求内容有误", violations: [.init(field: "application.region_code", reason: "x")])
        #expect(try await storage.referrals.refuseReferral(refusal, sequence: 9, audit: audit, at: now))
        #expect(try await !storage.referrals.refuseReferral(refusal, sequence: 10, audit: audit, at: now), "a second time changes nothing")
        #expect(try await storage.referrals.referral(messageID: "r-2")?.state == .rejected)
        #expect(try await storage.referrals.referralCursor() == 9)
        let last = try await storage.audit.entry(sequence: try await storage.audit.lastSequence())
        #expect(last?.target == "referral:r-2" && last?.outcome == "refused")
        #expect(try await storage.audit.lastSequence() == before + 1, "one audit entry for the refusal, none for its repeat")

        let due = try await storage.exchange.due(limit: 10, now: now)
        #expect(due.map(\.kind) == ["matter.submitted", "referral.rejected"])
        let item = try JSONSerialization.jsonObject(with: due[0].payload) as? [String: Any]
        #expect(item?["referral_id"] as? String == "r-1" && item?["event"] as? String == "submitted" && item?["channel"] as? String == "hotline")
        let answer = try JSONDecoder().decode(NationalExchange.ReferralRefusal.self, from: due[1].payload)
        #expect(answer == refusal)
        // A matter not referred names no referral.
        _ = try await storage.matters.submit(draft(), at: now)
        let plain = try await storage.exchange.due(limit: 10, now: now).last
        #expect(String(decoding: plain?.payload ?? Data(), as: UTF8.self).contains("referral_id") == false)
        let report = try await storage.exchange.report(day: CivilDate(now))
        #expect(report.referralsTaken == 1 && report.referralsRefused == 1 && report.balances)

        // A read-only host records no verdict: the referral waits until it can.
        #expect(writes.close(reason: "test"))
        await expectError(.failedPrecondition) {
            _ = try await storage.referrals.refuseReferral(.init(referralID: "r-3", reason: "x"), sequence: 11, audit: audit, at: now)
        }
        #expect(try await storage.referrals.referral(messageID: "r-3") == nil)
    }
}

