import FawangCore
@testable import FawangPostgres
import FawangSQLite
import FawangTestSupport
import Foundation
import Logging
import Testing

/// The engines the platform stores on. Behaviour tests of the engine-neutral stores take one as
/// their argument and run on both: a real SQLite file, a real PostgreSQL database.
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// How each engine words a primary-key or unique violation.
    var uniqueViolation: String {
        switch self {
        case .sqlite: "UNIQUE constraint failed"
        case .postgres: "duplicate key value violates unique constraint"
        }
    }
}

/// One opened store of an engine: what the engine-neutral stores so far offer on both.
struct StoreUnderTest: Sendable {
    /// The whole storage, as the host uses it.
    let storage: any PlatformStorage
    let audit: any AuditLog
    let identity: any IdentityStore
    let directory: any DirectoryStore
    let exchange: any ExchangeOutbox
    let referrals: any ExchangeInbox
    let moduleStorage: @Sendable (String) -> any ModuleStorage
    let raw: any SQLEngine
    /// Opens another store on the same database: a second host.
    let another: @Sendable () async throws -> StoreUnderTest
    let close: @Sendable () async -> Void

    static let demo: [(moduleID: String, migrations: [StorageMigration])] = [
        ("demo", [StorageMigration(id: "v1", statements: ["CREATE TABLE demo_items (id TEXT PRIMARY KEY, n INTEGER, at REAL, data BLOB)"])])
    ]

    /// Opens a store of `engine` on a new database, with the national exchange on; `deadlines`
    /// keeps the derived indexes.
    static func open(_ engine: Engine, deadlines: DeadlineEngine? = nil) async throws -> StoreUnderTest {
        let cipher = try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t"))
        switch engine {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-engine-\(UUID().uuidString)/test.sqlite").path
            @Sendable func sqlite() async throws -> StoreUnderTest {
                let storage = try SQLiteStorage(path: path, cipher: cipher, logger: Logger(label: "test"), deadlines: deadlines, exchange: true)
                try await storage.migrate(modules: demo)
                return StoreUnderTest(
                    storage: storage, audit: storage.audit, identity: storage.identity, directory: storage.directory, exchange: storage.exchange,
                    referrals: storage.referrals, moduleStorage: { storage.moduleStorage(for: $0) }, raw: storage.engine, another: sqlite, close: {})
            }
            return try await sqlite()
        case .postgres:
            let url = try await PostgresTestCluster.freshDatabase()
            @Sendable func postgres() async throws -> StoreUnderTest {
                let storage = PostgresStorage(
                    settings: try PostgresEngine.Settings(url: url, connections: 4), cipher: cipher, logger: Logger(label: "test"), deadlines: deadlines,
                    exchange: true)
                try await storage.migrate(modules: demo)
                return StoreUnderTest(
                    storage: storage, audit: storage.audit, identity: storage.identity, directory: storage.directory, exchange: storage.exchange,
                    referrals: storage.referrals, moduleStorage: { storage.moduleStorage(for: $0) }, raw: storage.engine, another: postgres,
                    close: { await storage.close() })
            }
            return try await postgres()
        }
    }
}

@Suite struct StorageEngineTests {
    @Test(arguments: Engine.allCases)
    func moduleWritesCanBeAuditedInTheirTransaction(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let module = store.moduleStorage("demo")
        try await module.execute(
            [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("a"), .integer(1)])],
            audit: AuditDraft(actor: "staff-1", role: "staff", channel: "walk_in", target: "demo_item:a", detail: "created"))
        // A failing statement rolls back the whole write, audit entry included.
        await expectFailure(containing: engine.uniqueViolation) {
            try await module.execute(
                [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("b"), .integer(2)]), SQLStatement("INSERT INTO demo_items (id, n) VALUES ('a', 3)")],
                audit: AuditDraft(actor: "staff-1", role: "staff", channel: "walk_in", target: "demo_item:b", detail: "created"))
        }
        #expect(try await module.query(SQLStatement("SELECT id FROM demo_items")).compactMap { $0.string("id") } == ["a"])
        let verified = try await store.audit.verify(expectedHead: nil) { _ in }
        #expect(verified.count == 1 && verified.problem == nil)
    }

    /// A key taken meanwhile is the same error on both engines: the caller can tell it from any
    /// other failure, read again and retry.
    @Test(arguments: Engine.allCases)
    func aTakenUniqueKeyIsAConflictOnBothEngines(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let module = store.moduleStorage("demo")
        try await module.execute([SQLStatement("INSERT INTO demo_items (id, n) VALUES ('a', 1)")])
        do {
            try await module.execute([SQLStatement("INSERT INTO demo_items (id, n) VALUES ('a', 2)")])
            Issue.record("a second row with the same key was written")
        } catch let conflict as UniqueKeyConflict {
            #expect(conflict.detail.contains(engine == .sqlite ? "demo_items.id" : "demo_items_pkey"), "\(conflict)")
        }
    }

    /// A module's writes run one at a time across hosts, as on SQLite's one writer: guarded
    /// inserts that count before they insert, 40 at once through two hosts, fill exactly the 5
    /// places (on PostgreSQL without the module's lock, several counted the same rows).
    @Test(arguments: Engine.allCases)
    func aModulesGuardedWritesRunOneAtATimeAcrossHosts(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        let other = try await store.another()
        defer { Task { await store.close(); await other.close() } }
        let refused = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                let module = (index % 2 == 0 ? store : other).moduleStorage("demo")
                group.addTask {
                    do {
                        try await module.execute([SQLStatement(
                            "INSERT INTO demo_items (id, n) SELECT ?, 1 WHERE (SELECT COUNT(*) FROM demo_items) < 5", [.text("i\(index)")],
                            unlessChanged: "已满")])
                        return 0
                    } catch let error as FawangError where error.code == .failedPrecondition {
                        return 1
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(refused == 35)
        #expect(try await store.moduleStorage("demo").query(SQLStatement("SELECT COUNT(*) AS n FROM demo_items")).first?.int("n") == 5)
    }

    @Test(arguments: Engine.allCases)
    func moduleStorageRunsMigrationsAndStatements(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let module = store.moduleStorage("demo")
        // Every storage class round-trips as written: a 64-bit integer, a double, text, bytes, null.
        let bytes = Data([0, 1, 2, 255])
        try await module.execute([
            SQLStatement("INSERT INTO demo_items VALUES (?, ?, ?, ?)", [.text("a"), .integer(7_000_000_000_123), .real(1_800_000_000.123456), .blob(bytes)]),
            SQLStatement("INSERT INTO demo_items (id) VALUES (?)", [.text("c")]),
        ])
        let row = try #require(try await module.query(SQLStatement("SELECT * FROM demo_items WHERE id = ?", [.text("a")])).first)
        #expect(row.values["n"] == .integer(7_000_000_000_123) && row.values["at"] == .real(1_800_000_000.123456) && row.values["data"] == .blob(bytes))
        #expect(try await module.query(SQLStatement("SELECT n FROM demo_items WHERE id = 'c'")).first?.values["n"] == .null)
        // Aggregates read as integers on both engines.
        let sums = try await module.query(SQLStatement("SELECT COUNT(*) AS c, SUM(n) AS s FROM demo_items"))
        #expect(sums.first?.int("c") == 2 && sums.first?.int("s") == 7_000_000_000_123)
        // A failing statement rolls back the whole batch.
        await expectFailure(containing: engine.uniqueViolation) {
            try await module.execute([
                SQLStatement("INSERT INTO demo_items (id, n) VALUES ('b', 1)"), SQLStatement("INSERT INTO demo_items (id, n) VALUES ('a', 1)"),
            ])
        }
        #expect(try await module.query(SQLStatement("SELECT * FROM demo_items")).count == 2)
        // A guarded statement that changed nothing rolls its write back with its message.
        await expectError(.failedPrecondition, containing: ["已被预约"]) {
            try await module.execute([
                SQLStatement("INSERT INTO demo_items (id, n) VALUES ('d', 1)"),
                SQLStatement("UPDATE demo_items SET n = 2 WHERE id = 'nobody'", unlessChanged: "该时段已被预约"),
            ])
        }
        #expect(try await module.query(SQLStatement("SELECT id FROM demo_items WHERE id = 'd'")).isEmpty)
        // Migrations run once: opening again (another host) applies nothing twice.
        let second = try await store.another()
        #expect(try await second.moduleStorage("demo").query(SQLStatement("SELECT id FROM demo_items ORDER BY id")).compactMap { $0.string("id") } == ["a", "c"])
        await second.close()
    }

    /// Two hosts append to one trail at once: it stays one chain, numbered without gaps.
    @Test(arguments: Engine.allCases)
    func theAuditChainStaysOneChainUnderConcurrentWritersOfTwoHosts(_ engine: Engine) async throws {
        let first = try await StoreUnderTest.open(engine)
        let second = try await first.another()
        defer { Task { await first.close(); await second.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                let store = index % 2 == 0 ? first : second
                group.addTask {
                    try await store.moduleStorage("demo").execute(
                        [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("i\(index)"), .integer(Int64(index))])],
                        audit: AuditDraft(actor: "staff-\(index % 2)", role: "staff", channel: "walk_in", target: "demo_item:i\(index)", detail: "created"))
                }
                group.addTask { try await store.audit.append(AuditDraft(actor: "staff-\(index % 2)", role: "staff", channel: "", target: "read:\(index)", detail: "read")) }
            }
            try await group.waitForAll()
        }
        let verified = try await first.audit.verify(expectedHead: nil) { _ in }
        #expect(verified.count == 120 && verified.problem == nil, "\(verified)")
        #expect(try await second.audit.lastSequence() == 120)
        let last = try #require(try await second.audit.entry(sequence: 120))
        #expect(verified.head == last.hash)
    }

    /// The trail cannot be rewritten even with SQL: the database refuses; a checkpoint is kept.
    @Test(arguments: Engine.allCases)
    func theAuditTrailIsAppendOnlyInTheDatabase(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        try await store.audit.append(AuditDraft(actor: "a", role: "staff", channel: "", target: "t", detail: "d"))
        for sql in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"] {
            await expectFailure(containing: "audit_log is append-only") { _ = try await store.raw.write { db in try db.execute(sql, []) } }
        }
        #expect(try await store.audit.checkpoint() == nil)
        let head = try #require(try await store.audit.entry(sequence: 1)).hash
        let checkpoint = SignedAuditCheckpoint(entryCount: 1, headHash: head, atMicroseconds: 42, signature: "s1")
        try await store.audit.store(checkpoint: checkpoint)
        try await store.audit.store(checkpoint: SignedAuditCheckpoint(entryCount: 1, headHash: head, atMicroseconds: 43, signature: "s2"))
        #expect(try await store.audit.checkpoint()?.signature == "s2")
        let resumed = try await store.audit.verify(resumingAfter: (1, head), expectedHead: head) { _ in }
        #expect(resumed.count == 1 && resumed.problem == nil)
    }

    func account(_ id: String, login: String, hash: String = "h1") -> Account {
        Account(
            principal: Principal(accountID: id, displayName: "王五", role: .staff, regionCode: "640104", department: "legal-aid"), login: login,
            passwordHash: hash)
    }

    /// Accounts, sign-in failures and lockouts, refresh tokens and revocations, with two hosts on
    /// one database: a failure counted on one is seen by the other, a token spent on one is spent.
    @Test(arguments: Engine.allCases)
    func identityIsOneForEveryHost(_ engine: Engine) async throws {
        let first = try await StoreUnderTest.open(engine)
        let second = try await first.another()
        defer { Task { await first.close(); await second.close() } }
        try await first.identity.register(account("c-1", login: "13900000001"), identityNumber: "11010519491231002X")
        await expectError(.alreadyExists) { try await second.identity.register(account("c-2", login: "13900000001"), identityNumber: "") }
        try await first.identity.save(account("s-1", login: "staff-1"))
        #expect(try await second.identity.account(login: "staff-1")?.principal.department == "legal-aid")

        // Ten wrong passwords at once, five on each host: every one is counted, and the fifth locks.
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let outcomes = try await withThrowingTaskGroup(of: LoginAttempt.self) { group in
            for index in 0..<10 {
                let store = index % 2 == 0 ? first : second
                group.addTask { try await store.identity.attemptLogin(login: "staff-1", at: now, maxFailures: 5, lockout: 600) { _ in false } }
            }
            return try await group.reduce(into: [LoginAttempt]()) { $0.append($1) }
        }
        let wrong = outcomes.filter { if case .wrongPassword = $0 { true } else { false } }
        #expect(wrong.count == 4, "\(outcomes)")
        #expect(outcomes.filter { $0 == .locked(until: now.addingTimeInterval(600)) }.count == 6, "\(outcomes)")
        let stored = try #require(try await second.identity.account(login: "staff-1"))
        #expect(stored.failedAttempts == 5 && stored.lockedUntil == now.addingTimeInterval(600))
        // After the lock: a right password opens it.
        let later = now.addingTimeInterval(601)
        #expect(try await first.identity.attemptLogin(login: "staff-1", at: later, maxFailures: 5, lockout: 600) { _ in true } == .accepted(stored.principal))

        // A refresh token works once, whichever host is asked; revocations are seen by all.
        try await first.identity.storeRefreshToken(hash: "r1", accountID: "s-1", expiresAt: later.addingTimeInterval(3600))
        async let a = first.identity.consumeRefreshToken(hash: "r1", at: later)
        async let b = second.identity.consumeRefreshToken(hash: "r1", at: later)
        let spent = [try await a, try await b].compactMap(\.self)
        #expect(spent.map(\.accountID) == ["s-1"])
        try await first.identity.revokeAccessToken(id: "jti-1", expiresAt: Date().addingTimeInterval(3600))
        try await first.identity.revokeAccessToken(id: "jti-1", expiresAt: Date().addingTimeInterval(3600))
        #expect(try await second.identity.isAccessTokenRevoked(id: "jti-1"))
        #expect(try await !second.identity.isAccessTokenRevoked(id: "jti-2"))
        let trail = try await first.audit.verify(expectedHead: nil) { _ in }
        #expect(trail.problem == nil && trail.count >= 14)
    }

    @Test(arguments: Engine.allCases)
    func theDirectoryIsSavedAndReadAlike(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        #expect(try await store.directory.isEmpty())
        let seat = GeoPoint(latitude: 38.4872, longitude: 106.2309)
        try await store.directory.save(
            divisions: [
                Division(code: "640000", name: "宁夏回族自治区", parentCode: nil, seat: nil),
                Division(code: "640100", name: "银川市", parentCode: "640000", seat: seat),
            ],
            organizations: [
                Organization(id: "o1", kind: "legal_aid_center", name: "银川市法律援助中心", regionCode: "640100", businessLine: "legal-aid", phone: "12348", address: "x", location: nil)
            ],
            staff: [StaffMember(id: "s1", name: "李四", organizationID: nil, role: "reviewer", regionCode: "640100")])
        // Saved again with a change: an update, not a second row.
        try await store.directory.save(
            divisions: [Division(code: "640100", name: "银川市（改）", parentCode: "640000", seat: seat)], organizations: [], staff: [])
        #expect(try await !store.directory.isEmpty())
        #expect(try await store.directory.division(code: "640100") == Division(code: "640100", name: "银川市（改）", parentCode: "640000", seat: seat))
        #expect(try await store.directory.divisions(parentCode: nil).map(\.code) == ["640000"])
        #expect(try await store.directory.divisions(parentCode: "640000").map(\.code) == ["640100"])
        #expect(try await store.directory.organizations(businessLine: "legal-aid", within: "640000").map(\.id) == ["o1"])
        #expect(try await store.directory.organizations(businessLine: nil, within: "650000").isEmpty)
        #expect(try await store.directory.staffMember(id: "s1")?.organizationID == nil)
    }

    /// The outbox's flow (in order, put off, settled once, daily figures once, the report) and a
    /// refused referral's single record with its answer, on both engines.
    @Test(arguments: Engine.allCases)
    func theExchangeOutboxAndInboxBehaveAlike(_ engine: Engine) async throws {
        let store = try await StoreUnderTest.open(engine)
        defer { Task { await store.close() } }
        let now = Date()
        try await store.raw.write { db in
            for index in 0..<3 {
                try SQLExchangeOutbox.enqueue(db, kind: .matterStatus, matterID: "m\(index)", payload: Data("{\"n\":\(index)}".utf8), at: now)
            }
        }
        let all = try await store.exchange.due(limit: 10, now: now)
        #expect(all.count == 3 && all.map(\.sequence) == all.map(\.sequence).sorted() && all[2].payload == Data("{\"n\":2}".utf8))
        try await store.exchange.retry(sequence: all[0].sequence, error: "refused", next: now.addingTimeInterval(60))
        #expect(try await store.exchange.due(limit: 10, now: now).isEmpty, "the first waits, and the rest behind it")
        let later = now.addingTimeInterval(61)
        try await store.exchange.settle(sequence: all[0].sequence, as: .accepted, reason: "", at: later)
        try await store.exchange.settle(sequence: all[1].sequence, as: .duplicate, reason: "", at: later)
        try await store.exchange.settle(sequence: all[2].sequence, as: .rejected, reason: "unknown kind", at: later)
        try await store.exchange.settle(sequence: all[2].sequence, as: .accepted, reason: "", at: later)
        #expect(try await store.exchange.pendingCount() == 0)
        #expect(try await store.exchange.nextDue() == nil)

        let day = CivilDate(year: 2026, month: 12, day: 6)
        #expect(try await store.exchange.enqueueDailyStatistics(day: day, at: now))
        #expect(try await !store.exchange.enqueueDailyStatistics(day: day, at: now))
        #expect(try await store.exchange.lastStatisticsDay() == day)

        let audit = AuditDraft(actor: NationalExchange.referralAccount, role: "service", channel: "api", target: "referral:r-2", outcome: "refused", detail: "bad")
        let refusal = NationalExchange.ReferralRefusal(referralID: "r-2", reason: "请求内容有误")
        #expect(try await store.referrals.refuseReferral(refusal, sequence: 9, audit: audit, at: now))
        #expect(try await !store.referrals.refuseReferral(refusal, sequence: 10, audit: audit, at: now))
        #expect(try await store.referrals.referral(messageID: "r-2")?.state == .rejected)
        #expect(try await store.referrals.referralCursor() == 9)
        #expect(try await store.exchange.due(limit: 10, now: now).map(\.kind) == ["statistics.daily", "referral.rejected"])

        let report = try await store.exchange.report(day: CivilDate(now))
        #expect(report.enqueued == 5 && report.acknowledged == 2 && report.duplicates == 1 && report.rejected == 1 && report.pending == 2)
        #expect(report.attempts == 4 && report.balances && report.rejections.map(\.reason) == ["unknown kind"])
        #expect(report.referralsRefused == 1 && report.referralsTaken == 0)
    }

    /// A line with acceptance, an ending and a 20-day limit (行政许可法 第四十二条's shape).
    static let drill: ModuleManifest = {
        let decision = DeadlineRule(
            id: "drill.decision", label: "作出决定", article: "《中华人民共和国行政许可法》第四十二条", days: 20, startsOn: ["submitted"], metBy: ["decided"])
        let workflow = MatterWorkflow(
            initialStatus: "submitted", statuses: ["submitted": "待受理", "accepted": "已受理", "decided": "已决定"],
            transitions: [
                .init(command: "accept", from: ["submitted"], to: "accepted", event: "accepted"),
                .init(command: "decide", from: ["accepted"], to: "decided", event: "decided"),
            ],
            eventLabels: ["submitted": "提交", "accepted": "受理", "decided": "决定"], milestones: ["accepted": .accepted, "decided": .concluded])
        return ModuleManifest(id: "drill", nameZH: "演练", nameEN: "Drill", version: "1", matterTypes: [
            MatterTypeSpec(id: "drill.case", nameZH: "演练", nameEN: "Drill", requiredFields: [], requiredMaterials: [], workflow: workflow, deadlines: [decision])
        ])
    }()

    /// The same matters and steps on both engines give the same derived indexes and the same
    /// answers to every question asked of them: statistics over whole months and their edges, by
    /// week, quarter and city, with percentiles; deadline alerts; the assessment's counts; a
    /// caller's matters by phone; the credit and opinion indexes.
    @Test func theDerivedIndexesAnswerAlikeOnBothEngines() async throws {
        let registry = ModuleRegistry()
        registry.register(Self.drill, serviceNames: [], enabled: true)
        let deadlines = DeadlineEngine(registry: registry, calendar: .builtIn)
        let start = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21
        struct Answers {
            var months: [StatisticsBucket] = []
            var edges: [StatisticsBucket] = []
            var weeks: [StatisticsBucket] = []
            var quarters: [StatisticsBucket] = []
            /// Alerts with each matter named by its place in the order of submission (ids and
            /// tracking numbers are random on each engine).
            var alerts: [String] = []
            var escalationQueue: [String] = []
            var assessment: [AssessmentCount] = []
            var byPhone: [Int] = []
            var opinion: [PublicOpinion.Count] = []
            var credit: [String: CreditSummary] = [:]
        }
        var answers: [Engine: Answers] = [:]
        for engine in Engine.allCases {
            let store = try await StoreUnderTest.open(engine, deadlines: deadlines)
            let matters = store.storage.matters
            var tracking: [String] = []
            for index in 0..<36 {
                let at = start.addingTimeInterval(Double(index) * 86_400 * 2 + 3600)
                let draft = MatterDraft(
                    requestID: "r\(index)", requestDigest: "d", businessLine: "drill", matterType: "drill.case", initialStatus: "submitted",
                    applicant: Person(name: index % 4 == 0 ? "" : "申请人\(index)", idNumber: "11010519491231002X", phone: "1395100\(String(format: "%04d", index % 5))"),
                    parties: [], regionCode: ["640104", "640105", "640202"][index % 3], channel: index % 2 == 0 ? .web : .walkIn, operatorID: "op",
                    details: Data(#"{"summary":"拖欠工资，家暴求助"}"#.utf8),
                    firstEvent: MatterEventDraft(kind: "submitted", actor: "op", channel: index % 2 == 0 ? .web : .walkIn, note: "欠薪"))
                let matter = try await matters.submit(draft, at: at).matter
                tracking.append(matter.trackingNumber.digits)
                if index % 3 != 2 {
                    _ = try await matters.update(trackingNumber: matter.trackingNumber, at: at.addingTimeInterval(86_400 * 3)) { _ in
                        MatterChange(newStatus: "accepted", events: [MatterEventDraft(kind: "accepted", actor: "s", channel: .walkIn)])
                    }
                }
                if index % 3 == 0 {
                    _ = try await matters.update(trackingNumber: matter.trackingNumber, at: at.addingTimeInterval(86_400 * Double(10 + index))) { _ in
                        MatterChange(
                            newStatus: "decided",
                            events: [
                                MatterEventDraft(kind: "decided", actor: "s", channel: .walkIn),
                                MatterEventDraft(kind: MatterRating.event, actor: "applicant", channel: .web, attributes: [MatterRating.scoreAttribute: "\(1 + index % 5)"]),
                            ])
                    }
                }
            }
            let today = CivilDate(year: 2026, month: 12, day: 7)
            var answer = Answers()
            answer.months = try await matters.statistics(StatisticsQuery(
                from: CivilDate(year: 2026, month: 10, day: 1), to: CivilDate(year: 2026, month: 11, day: 30), today: today, groupBy: [.region, .channel, .period]))
            answer.edges = try await matters.statistics(StatisticsQuery(
                from: CivilDate(year: 2026, month: 9, day: 25), to: CivilDate(year: 2026, month: 12, day: 3), today: today, groupBy: [.region, .line]))
            answer.weeks = try await matters.statistics(StatisticsQuery(
                from: CivilDate(year: 2026, month: 9, day: 1), to: today, today: today, groupBy: [.period], periodUnit: .week))
            answer.quarters = try await matters.statistics(StatisticsQuery(
                from: CivilDate(year: 2026, month: 7, day: 1), to: today, today: today, groupBy: [.region, .period], regionLevel: .city, periodUnit: .quarter))
            func named(_ alerts: [DeadlineAlert]) -> [String] {
                alerts.map { "\(tracking.firstIndex(of: $0.trackingNumber) ?? -1) \($0.kind) \($0.ruleID) \($0.dueDate?.description ?? "-") \($0.regionCode)" }
            }
            answer.alerts = named(try await matters.deadlineAlerts(DeadlineAlertQuery(regionCode: "640100", today: today)))
            answer.escalationQueue = named(try await matters.deadlineAlerts(DeadlineAlertQuery(unescalatedOverdueOnly: true, today: today, limit: 5)))
            answer.assessment = try await matters.assessmentCounts(
                from: CivilDate(year: 2026, month: 9, day: 1), to: today, today: today, regionCode: "640000", businessLines: ["drill"], onlineChannels: ["web"])
            answer.byPhone = try await matters.matters(phone: "13951000002", limit: 50).map { tracking.firstIndex(of: $0.trackingNumber.digits) ?? -1 }
            answer.opinion = try await matters.opinionCounts(
                from: CivilDate(year: 2026, month: 9, day: 1), to: today, regionCode: "640000", byMonth: true, byKeyword: true)
            answer.credit = try await matters.creditSummaries(entryIDs: ["x/1"], today: today)
            answers[engine] = answer
            // Sanity: the questions found what was put in.
            #expect(answer.months.reduce(0) { $0 + $1.figures.received } > 20, "\(engine)")
            #expect(answer.weeks.count > 8 && answer.weeks.reduce(0) { $0 + $1.figures.concluded } > 5, "\(engine)")
            #expect(answer.edges.reduce(0) { $0 + $1.figures.ratings } > 0 && answer.edges.contains { !$0.figures.handlingDays.isEmpty }, "\(engine)")
            #expect(!answer.alerts.isEmpty && answer.escalationQueue.count == 5 && answer.byPhone.count == 7, "\(engine)")
            #expect(answer.assessment.reduce(0) { $0 + $1.received } == 36 && answer.assessment.reduce(0) { $0 + $1.online } == 18, "\(engine)")
            await store.close()
        }
        let (sqlite, postgres) = (try #require(answers[.sqlite]), try #require(answers[.postgres]))
        #expect(sqlite.months == postgres.months)
        #expect(sqlite.edges == postgres.edges)
        #expect(sqlite.weeks == postgres.weeks)
        #expect(sqlite.quarters == postgres.quarters)
        #expect(sqlite.alerts == postgres.alerts)
        #expect(sqlite.escalationQueue == postgres.escalationQueue)
        #expect(sqlite.assessment == postgres.assessment)
        #expect(sqlite.byPhone == postgres.byPhone)
        #expect(sqlite.opinion == postgres.opinion)
        #expect(sqlite.credit == postgres.credit)
    }
}


/// The law library on both engines: FTS5 on SQLite, GIN-indexed lexemes on PostgreSQL. On a part
/// of the real corpus, every query finds the same articles (recall equal: every match on one is a
/// match on the other, none more), the same totals and the same citations; only the order among a
/// term's matches may differ (BM25 there, density here).
@Suite struct LawIndexEngineTests {
    @Test func bothEnginesFindTheSameArticles() async throws {
        let root = try LawCorpusLocation.root
        let all = try LawCorpus.files(under: root)
        // Every tenth file and the ones the queries below are about.
        let named = ["律师法", "法律援助法", "民法典", "公证法"]
        let chosen = all.enumerated().filter { entry in entry.offset % 10 == 0 || named.contains { entry.element.lastPathComponent.hasPrefix($0) } }
        let files = try chosen.map { try LawCorpus.read($0.element, root: root) }
        let queries = ["法律援助", "律师 执业", "\"经济困难\"", "法", "合同 解除", "第三十条", "gb", "公证 遗嘱 继承", "不存在的词语组合甲乙"]
        var answers: [Engine: [String]] = [:]
        for engine in Engine.allCases {
            let store = try await StoreUnderTest.open(engine)
            let laws: any LawIndex = switch store.storage {
            case let sqlite as SQLiteStorage: sqlite.laws
            case let postgres as PostgresStorage: postgres.laws
            default: throw TestFailure("unknown storage")
            }
            let summary = try await laws.importFiles(files) { _ in }
            #expect(summary.added == files.count)
            var lines: [String] = ["\(try await laws.counts())"]
            for query in queries {
                let page = try await laws.search(query, filter: LawSearchFilter(), limit: 5000, offset: 0)
                lines.append("\(query): \(page.total) \(page.hits.map(\.id).sorted())")
                let current = try await laws.search(query, filter: LawSearchFilter(levels: [.law], currentOnly: true), limit: 20, offset: 0)
                lines.append("\(query) 法律 current: \(current.total) \(current.hits.count)")
            }
            lines.append("\(String(describing: try await laws.article(LawCitation(lawName: "法律援助法", article: 43))?.id))")
            // Importing the same files again changes nothing.
            #expect(try await laws.importFiles(files) { _ in }.unchanged == files.count)
            answers[engine] = lines
            await store.close()
        }
        let (sqlite, postgres) = (try #require(answers[.sqlite]), try #require(answers[.postgres]))
        for (left, right) in zip(sqlite, postgres) { #expect(left == right) }
        #expect(sqlite.contains { $0.hasPrefix("法律援助: ") && !$0.hasPrefix("法律援助: 0 ") })
    }
}

/// The few rewrites PostgreSQL needs of the portable SQL.
@Suite struct PostgresDialectTests {
    @Test func placeholdersAreNumberedOutsideStringsAndReservedNamesQuoted() {
        #expect(
            PostgresDialect.numbered("SELECT window, '?' AS q, \"a?\" FROM t WHERE a = ? AND b LIKE ? -- why?\nAND c = ?")
                == "SELECT \"window\", '?' AS q, \"a?\" FROM t WHERE a = $1 AND b LIKE $2 -- why?\nAND c = $3")
        #expect(PostgresDialect.numbered("SELECT ?1, ?1 || ?2") == "SELECT $1, $1 || $2")
        #expect(
            PostgresDialect.ddl("CREATE TABLE x_t (id INTEGER PRIMARY KEY, at REAL, data BLOB, window TEXT NOT NULL DEFAULT 'REAL')")
                == "CREATE TABLE x_t (id BIGINT PRIMARY KEY, at DOUBLE PRECISION, data BYTEA, \"window\" TEXT NOT NULL DEFAULT 'REAL')")
    }
}

/// Hosts started together on a new database: each migration runs once, and none fails on
/// another's half-made schema (the migrations' table included).
@Suite struct PostgresMigrationTests {
    @Test func fourHostsMigratingANewDatabaseAtOnceAllStart() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let cipher = try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t"))
        let stores = try (0..<4).map { _ in
            PostgresStorage(settings: try PostgresEngine.Settings(url: url, connections: 2), cipher: cipher, logger: Logger(label: "test"))
        }
        // Every store is closed, failed or not (an open connection left to deinit traps).
        let failures = await withTaskGroup(of: String?.self) { group in
            for store in stores {
                group.addTask {
                    do {
                        try await store.migrate(modules: StoreUnderTest.demo)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        for store in stores { await store.close() }
        #expect(failures.isEmpty, "\(failures)")
        // Each recorded once (the table's key would refuse a second record anyway: the count shows
        // all of them made it).
        let applied = try await PostgresTestCluster.psql("SELECT COUNT(*) FROM fawang_migrations", on: url)
        #expect(Int(applied) == PostgresSchema.migrations.count + StoreUnderTest.demo[0].migrations.count, "\(applied)")
    }
}

/// PostgreSQL restarted under a running store: calls made while it is down fail UNAVAILABLE
/// within the connect time limit rather than hang, and once it is back the store reconnects by
/// itself (a cluster of its own, so no other test sees the restart).
@Suite struct PostgresRestartTests {
    @Test func theStoreReconnectsAfterARestartAndFailsCleanlyMeanwhile() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres-cluster.sh").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-restart-\(UUID().uuidString)").path
        let started = try await runChildProcess(URL(fileURLWithPath: "/bin/bash"), [script, "start", directory])
        let url = try #require(started.output.split(separator: "\n").last.map(String.init), "\(started.output)")
        let port = try #require(URLComponents(string: url)?.port)
        let cipher = try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t"))
        let storage = PostgresStorage(settings: try PostgresEngine.Settings(url: url, connections: 2), cipher: cipher, logger: Logger(label: "test"))
        try await storage.migrate(modules: [])
        let draft = AuditDraft(actor: "a", role: "staff", channel: "", target: "t", detail: "d")
        try await storage.audit.append(draft)

        _ = try await runChildProcess(URL(fileURLWithPath: "/bin/bash"), [script, "stop", directory])
        let down = ContinuousClock.now
        await expectError(.unavailable) { try await storage.audit.append(draft) }
        await expectError(.unavailable) { try await storage.audit.append(draft) }
        #expect(ContinuousClock.now - down < .seconds(40), "failed, not hung")

        _ = try await runChildProcess(URL(fileURLWithPath: "/bin/bash"), [script, "start", directory, String(port)])
        // Back: the lanes reconnect on their next use, no restart of the store.
        try await eventually(timeout: .seconds(30), every: .milliseconds(200), "the store writes again") {
            (try? await storage.audit.append(draft)) != nil
        }
        #expect(try await storage.audit.verify(expectedHead: nil) { _ in }.problem == nil)
        #expect(try await storage.audit.lastSequence() >= 2)
        await storage.close()
        _ = try await runChildProcess(URL(fileURLWithPath: "/bin/bash"), [script, "stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }
}
