public import FawangCore
import Foundation
import GRDB
public import Logging

/// The embedded storage engine: one SQLite file in WAL mode through GRDB.
///
/// Durability: `synchronous = FULL` is set on the writer connection after GRDB has opened it
/// (GRDB sets `NORMAL` for WAL databases after the setup hooks run, which can lose the last
/// acknowledged transactions on power failure) and read back; opening fails if it is not 2.
public final class SQLiteStorage: PlatformStorage {
    let pool: DatabasePool
    /// The stores' view of `pool`: every write transaction group-commits (``GroupCommitPool``).
    let commits: GroupCommitPool
    public let matters: any MatterStore
    private let matterStore: SQLMatterStore
    public let directory: any DirectoryStore
    public let audit: any AuditLog
    public let identity: any IdentityStore
    /// The law, regulation and case library.
    public let laws: any LawIndex
    /// The national exchange's outbox, written by matter changes when the storage was opened
    /// with `exchange: true`.
    public let exchange: any ExchangeOutbox
    /// What the national platform referred.
    public let referrals: any ExchangeInbox
    /// Signalled after each commit that added to the outbox (nil when the exchange is off).
    public var exchangeSignal: ChangeSignal? { matterStore.exchange }
    /// Closed, every change but sign-in, read audits and the deadline index is refused (``WriteGate``).
    public let writes: WriteGate
    private let logger: Logger

    /// Rebuilds the monthly statistics rollups from the facts index, in one transaction: after the
    /// facts were written behind the store's back (a benchmark's bulk fill, a repair).
    public func rebuildStatisticsRollup() async throws {
        try await MatterRollups.rebuild(engine)
    }

    /// Opens (creating if needed) the database at `path`; its folder is created too. Both are
    /// created for the owner only (folder 0700, file 0600, and so the `-wal`/`-shm` files SQLite
    /// derives from it); existing ones keep their mode. Identity numbers are sealed with `cipher`
    /// at rest.
    /// `deadlines` keeps the deadline index (`matter_deadlines`) in step with every write; without
    /// it the index stays empty. `writes` refuses changes while it is closed (read-only host).
    /// `exchange`: every matter change also writes the national exchange's outbox (``exchange``)
    /// in its transaction; off, nothing is written there.
    public init(
        path: String, cipher: PersonalDataCipher, logger: Logger, deadlines: DeadlineEngine? = nil, writes: WriteGate = WriteGate(),
        exchange: Bool = false
    ) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try PrivateFiles.createDirectory(folder.path)
        try PrivateFiles.createFileIfMissing(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.label = "fawang"
        let pool = try DatabasePool(path: path, configuration: configuration)
        let synchronous = try pool.barrierWriteWithoutTransaction { db -> Int in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Each write of a group commit is a savepoint, and a round of them outgrew SQLite's
            // in-memory sub-journal (64 KiB) into a temporary file created, written and deleted
            // per round. In memory, the writer keeps it there; durability is the WAL's, unchanged.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
        guard synchronous == 2 else {
            throw FawangError(.internalError, "SQLite synchronous reads back \(synchronous), expected 2 (FULL): refusing to run without durable commits")
        }
        self.pool = pool
        let commits = try GroupCommitPool(pool: pool)
        self.commits = commits
        self.logger = logger
        self.writes = writes
        self.matterStore = SQLMatterStore(
            engine: SQLiteEngine(pool: commits), cipher: cipher, deadlines: deadlines, logger: logger, writes: writes,
            exchange: exchange ? ChangeSignal() : nil)
        let engine = SQLiteEngine(pool: commits)
        self.exchange = SQLExchangeOutbox(engine: engine)
        self.referrals = SQLExchangeInbox(engine: engine, writes: writes, signal: matterStore.exchange)
        self.matters = matterStore
        self.directory = SQLDirectoryStore(engine: engine, writes: writes)
        self.audit = SQLAuditLog(engine: engine)
        self.identity = SQLIdentityStore(engine: engine, cipher: cipher, writes: writes)
        self.laws = SQLiteLawIndex(pool: commits)
    }

    /// The database through the engine-neutral interface, for tools and tests that need it raw.
    public var engine: any SQLEngine { SQLiteEngine(pool: commits) }

    /// Write transactions committed since opening, and the writes they held (``GroupCommitPool``):
    /// writes per commit above 1 is group commit at work.
    public var commitStatistics: (commits: Int, writes: Int) { commits.statistics }

    /// `PRAGMA synchronous` and `PRAGMA journal_mode` on the writer, for tests and diagnostics.
    public func durabilitySettings() async throws -> (synchronous: Int, journalMode: String) {
        try await pool.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1, try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "")
        }
    }

    /// Fails with a message naming the key if the configured data keys cannot open the stored data.
    public func checkDataKeys() async throws {
        do {
            try await matterStore.checkDataKeys()
        } catch let error as FawangError {
            throw FawangError(.failedPrecondition, "\(error.message). Configure the data keys this database was written with (FAWANG_DATA_KEYS or security.data_key_file), see docs/configuration.md")
        }
    }

    /// The module's own tables (``ModuleTables``): statements naming any other table are refused.
    public func moduleStorage(for moduleID: String) -> any ModuleStorage {
        SQLModuleStorage(engine: SQLiteEngine(pool: commits), moduleID: moduleID, writes: writes)
    }

    public func migrate(modules: [(moduleID: String, migrations: [StorageMigration])]) async throws {
        var plan = DatabaseMigrator()
        var order: [String] = []
        for migration in CoreSchema.migrations {
            order.append("core/\(migration.id)")
            plan.registerMigration("core/\(migration.id)") { db in
                for statement in migration.statements { try db.execute(sql: statement) }
            }
        }
        for module in modules {
            for migration in module.migrations {
                order.append("\(module.moduleID)/\(migration.id)")
                plan.registerMigration("\(module.moduleID)/\(migration.id)") { db in
                    for statement in migration.statements { try db.execute(sql: statement) }
                }
            }
        }
        let migrator = plan
        let pending = try await pool.read { db in try migrator.appliedIdentifiers(db) }
        try migrator.migrate(pool)
        let applied = try await pool.read { db in try migrator.appliedIdentifiers(db) }
        for id in order where applied.contains(id) && !pending.contains(id) {
            logger.info("applied storage migration", metadata: ["migration": "\(id)"])
        }
    }
}

/// The platform's own tables. Append only: a shipped migration is never edited. A change here
/// needs its PostgreSQL twin in `PostgresSchema` (FawangPostgres) and a table `fawang migrate`
/// moves (`MoveFromSQLite`); `StorageEngineTests` and `MigrateTests` compare the two engines.
enum CoreSchema {
    static let migrations: [StorageMigration] = [
        StorageMigration(id: "v1-matters", statements: [
            """
            CREATE TABLE matters (
                id TEXT PRIMARY KEY,
                tracking_number TEXT NOT NULL UNIQUE,
                request_id TEXT NOT NULL,
                request_digest TEXT NOT NULL,
                business_line TEXT NOT NULL,
                matter_type TEXT NOT NULL,
                status TEXT NOT NULL,
                applicant_json TEXT NOT NULL,
                parties_json TEXT NOT NULL,
                region_code TEXT NOT NULL,
                channel TEXT NOT NULL,
                operator_id TEXT NOT NULL,
                submitted_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                details_json TEXT NOT NULL,
                UNIQUE (business_line, request_id)
            )
            """,
            "CREATE INDEX matters_by_line_status ON matters (business_line, status, submitted_at)",
            "CREATE INDEX matters_by_region ON matters (region_code, submitted_at)",
            """
            CREATE TABLE matter_events (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                sequence INTEGER NOT NULL,
                kind TEXT NOT NULL,
                at REAL NOT NULL,
                actor TEXT NOT NULL,
                channel TEXT NOT NULL,
                note TEXT NOT NULL,
                attributes_json TEXT NOT NULL,
                PRIMARY KEY (matter_id, sequence)
            )
            """,
            // The timeline is append-only: the database itself refuses to rewrite history.
            """
            CREATE TRIGGER matter_events_no_update BEFORE UPDATE ON matter_events
            BEGIN SELECT RAISE(ABORT, 'matter_events is append-only'); END
            """,
            """
            CREATE TRIGGER matter_events_no_delete BEFORE DELETE ON matter_events
            BEGIN SELECT RAISE(ABORT, 'matter_events is append-only'); END
            """,
        ]),
        StorageMigration(id: "v1-directory", statements: [
            "CREATE TABLE divisions (code TEXT PRIMARY KEY, name TEXT NOT NULL, parent_code TEXT)",
            "CREATE INDEX divisions_by_parent ON divisions (parent_code)",
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, region_code TEXT NOT NULL,
                business_line TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE staff (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, organization_id TEXT, role TEXT NOT NULL,
                region_code TEXT NOT NULL
            )
            """,
        ]),
        StorageMigration(id: "v2-audit", statements: [
            """
            CREATE TABLE audit_log (
                sequence INTEGER PRIMARY KEY,
                at_us INTEGER NOT NULL,
                actor TEXT NOT NULL,
                role TEXT NOT NULL,
                channel TEXT NOT NULL,
                method TEXT NOT NULL,
                target TEXT NOT NULL,
                outcome TEXT NOT NULL,
                detail TEXT NOT NULL,
                peer TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_log_by_target ON audit_log (target)",
            """
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
            """,
            """
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
            """,
        ]),
        StorageMigration(id: "v3-identity", statements: [
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                login TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL,
                region_code TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                department TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until REAL
            )
            """,
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts (id),
                expires_at REAL NOT NULL,
                revoked_at REAL
            )
            """,
            "CREATE TABLE revoked_access_tokens (token_id TEXT PRIMARY KEY, expires_at REAL NOT NULL)",
        ]),
        StorageMigration(id: "v4-matter-access", statements: [
            "ALTER TABLE matters ADD COLUMN owner_account_id TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE matters ADD COLUMN assignee_account_id TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX matters_by_owner ON matters (owner_account_id) WHERE owner_account_id <> ''",
            "CREATE INDEX matters_by_assignee ON matters (assignee_account_id) WHERE assignee_account_id <> ''",
        ]),
        StorageMigration(id: "v5-account-identity", statements: [
            // The real-name identity number of a citizen account, sealed like matters' ones.
            "ALTER TABLE accounts ADD COLUMN id_number TEXT NOT NULL DEFAULT ''",
        ]),
        // The deadline index: each matter's open limits, rewritten in the transaction of every
        // change to the matter, so alerts and escalation read an index instead of every timeline.
        StorageMigration(id: "v6-deadline-index", statements: [
            """
            CREATE TABLE matter_deadlines (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                rule_id TEXT NOT NULL,
                state TEXT NOT NULL,
                due_date TEXT,
                warn_from TEXT,
                escalated_to TEXT,
                business_line TEXT NOT NULL,
                matter_type TEXT NOT NULL,
                region_code TEXT NOT NULL,
                tracking_number TEXT NOT NULL,
                PRIMARY KEY (matter_id, rule_id)
            )
            """,
            "CREATE INDEX matter_deadlines_by_warning ON matter_deadlines (warn_from) WHERE state = 'running'",
            "CREATE INDEX matter_deadlines_by_escalation ON matter_deadlines (escalated_to) WHERE escalated_to IS NOT NULL",
        ]),
        // Alerts read the rows past their warning day and the uncomputable ones as two indexed
        // branches (bench-intake.py: with one OR-ed query the alert list slowed as matters grew).
        StorageMigration(id: "v7-deadline-index-uncomputable", statements: [
            "CREATE INDEX matter_deadlines_uncomputable ON matter_deadlines (matter_id) WHERE state = 'uncomputable'",
        ]),
        // The idempotency key of a submission belongs to the line it was submitted to, not to the
        // line a matter sits in now: a transfer rewrites `matters.business_line`, so the old
        // UNIQUE (business_line, request_id) let a late retry create a second matter and made a
        // transfer into a line holding the same request id fail. The keys move to their own table;
        // `matters` is rebuilt without the constraint (SQLite cannot drop one in place; foreign
        // keys are off while a migration runs). Existing keys go to the line of the matter's first
        // transfer, or its line if never transferred; should a retry already have made a
        // duplicate, the earlier matter keeps the key.
        StorageMigration(id: "v8-submission-keys", statements: [
            """
            CREATE TABLE matter_submissions (
                business_line TEXT NOT NULL,
                request_id TEXT NOT NULL,
                request_digest TEXT NOT NULL,
                matter_id TEXT NOT NULL REFERENCES matters (id),
                PRIMARY KEY (business_line, request_id)
            )
            """,
            """
            INSERT OR IGNORE INTO matter_submissions (business_line, request_id, request_digest, matter_id)
            SELECT COALESCE(
                    (SELECT json_extract(e.attributes_json, '$.from_line') FROM matter_events e
                     WHERE e.matter_id = m.id AND e.kind = 'transferred' ORDER BY e.sequence LIMIT 1),
                    m.business_line),
                m.request_id, m.request_digest, m.id
            FROM matters m ORDER BY m.submitted_at, m.id
            """,
            """
            CREATE TABLE matters_v8 (
                id TEXT PRIMARY KEY,
                tracking_number TEXT NOT NULL UNIQUE,
                request_id TEXT NOT NULL,
                request_digest TEXT NOT NULL,
                business_line TEXT NOT NULL,
                matter_type TEXT NOT NULL,
                status TEXT NOT NULL,
                applicant_json TEXT NOT NULL,
                parties_json TEXT NOT NULL,
                region_code TEXT NOT NULL,
                channel TEXT NOT NULL,
                operator_id TEXT NOT NULL,
                submitted_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                details_json TEXT NOT NULL,
                owner_account_id TEXT NOT NULL DEFAULT '',
                assignee_account_id TEXT NOT NULL DEFAULT ''
            )
            """,
            """
            INSERT INTO matters_v8 (id, tracking_number, request_id, request_digest, business_line, matter_type, status,
                applicant_json, parties_json, region_code, channel, operator_id, submitted_at, updated_at, details_json,
                owner_account_id, assignee_account_id)
            SELECT id, tracking_number, request_id, request_digest, business_line, matter_type, status,
                applicant_json, parties_json, region_code, channel, operator_id, submitted_at, updated_at, details_json,
                owner_account_id, assignee_account_id
            FROM matters
            """,
            "DROP TABLE matters",
            "ALTER TABLE matters_v8 RENAME TO matters",
            "CREATE INDEX matters_by_line_status ON matters (business_line, status, submitted_at)",
            "CREATE INDEX matters_by_region ON matters (region_code, submitted_at)",
            "CREATE INDEX matters_by_owner ON matters (owner_account_id) WHERE owner_account_id <> ''",
            "CREATE INDEX matters_by_assignee ON matters (assignee_account_id) WHERE assignee_account_id <> ''",
        ]),
        // How far the audit chain was verified, signed with the key beside the database
        // (fawang.audit-key): start-up verifies only the entries after it, and a cut tail shows.
        StorageMigration(id: "v9-audit-checkpoint", statements: [
            """
            CREATE TABLE audit_checkpoint (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                entry_count INTEGER NOT NULL,
                head_hash TEXT NOT NULL,
                at_us INTEGER NOT NULL,
                signature TEXT NOT NULL
            )
            """,
        ]),
        // Files handed in with a matter, sealed with the data key (AES-256-GCM, the material id
        // authenticated) and linked to the timeline event that records them. One matter holds a
        // given content once.
        StorageMigration(id: "v10-materials", statements: [
            """
            CREATE TABLE matter_materials (
                id TEXT PRIMARY KEY,
                matter_id TEXT NOT NULL REFERENCES matters (id),
                event_sequence INTEGER NOT NULL,
                title TEXT NOT NULL,
                file_name TEXT NOT NULL,
                type TEXT NOT NULL,
                size_bytes INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                key_id TEXT NOT NULL,
                sealed_content BLOB NOT NULL,
                uploaded_at REAL NOT NULL,
                uploaded_by TEXT NOT NULL,
                channel TEXT NOT NULL,
                UNIQUE (matter_id, sha256)
            )
            """,
        ]),
        // The law library (SQLiteLawIndex): files, their articles, and an FTS5 index of each
        // article's Han characters alone (uni) and in overlapping pairs (bi), contentless: the
        // text lives in law_articles once.
        StorageMigration(id: "v11-laws", statements: [
            """
            CREATE TABLE laws (
                id INTEGER PRIMARY KEY,
                path TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                subtitle TEXT NOT NULL,
                law_key TEXT NOT NULL,
                category TEXT NOT NULL,
                level TEXT NOT NULL,
                version_date TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                superseded INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX laws_by_key ON laws (law_key, version_date)",
            """
            CREATE TABLE law_articles (
                id INTEGER PRIMARY KEY,
                law_id INTEGER NOT NULL REFERENCES laws (id),
                ordinal INTEGER NOT NULL,
                number INTEGER,
                label TEXT NOT NULL,
                heading TEXT NOT NULL,
                text TEXT NOT NULL
            )
            """,
            "CREATE INDEX law_articles_by_law ON law_articles (law_id, ordinal)",
            "CREATE INDEX law_articles_by_number ON law_articles (number)",
            "CREATE VIRTUAL TABLE law_fts USING fts5(uni, bi, content='')",
        ]),
        // Places for the directory's map and nearest-office search: a division's seat, an
        // organisation's own point (NULL: placed at its division's seat).
        StorageMigration(id: "v12-places", statements: [
            "ALTER TABLE divisions ADD COLUMN latitude REAL",
            "ALTER TABLE divisions ADD COLUMN longitude REAL",
            "ALTER TABLE organizations ADD COLUMN latitude REAL",
            "ALTER TABLE organizations ADD COLUMN longitude REAL",
        ]),
        // Article ids now carry authority order (SQLiteLawIndex's bands): a library imported
        // before is emptied, the seed laws come back at start-up and `fawang laws import`
        // reloads the rest.
        StorageMigration(id: "v13-law-authority-order", statements: [
            "INSERT INTO law_fts (law_fts) VALUES ('delete-all')",
            "DELETE FROM law_articles",
            "DELETE FROM laws",
        ]),
        // The credit index (CreditFacts): each matter's part in the credit record of the entries
        // it names, derived like the deadline index (re-derived at every start).
        StorageMigration(id: "v14-credit-index", statements: [
            """
            CREATE TABLE matter_credit (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                entry_id TEXT NOT NULL,
                role TEXT NOT NULL,
                rating INTEGER,
                met_late INTEGER NOT NULL DEFAULT 0,
                upheld INTEGER,
                PRIMARY KEY (matter_id, entry_id, role)
            )
            """,
            "CREATE INDEX matter_credit_by_entry ON matter_credit (entry_id, role)",
        ]),
        // The channel an account works at (Principal.channel; '' for none): ChannelDecision.
        StorageMigration(id: "v15-account-channel", statements: [
            "ALTER TABLE accounts ADD COLUMN channel TEXT NOT NULL DEFAULT ''"
        ]),
        // Who can be reached at a number (PersonalDataCipher.phoneKey of the applicant's and the
        // parties' phones): the hotline desk's look-up of a caller. Derived like the credit index.
        StorageMigration(id: "v16-matter-phones", statements: [
            """
            CREATE TABLE matter_phones (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                phone_key TEXT NOT NULL,
                role TEXT NOT NULL,
                PRIMARY KEY (matter_id, phone_key, role)
            )
            """,
            "CREATE INDEX matter_phones_by_key ON matter_phones (phone_key)",
        ]),
        // What the statistics count of each matter (MatterFacts), derived like the deadline index
        // in the matter's own transaction; filled for existing matters by the start-up refresh.
        // Each figure reads its own day's index.
        StorageMigration(id: "v17-matter-facts", statements: [
            """
            CREATE TABLE matter_facts (
                matter_id TEXT PRIMARY KEY REFERENCES matters (id),
                business_line TEXT NOT NULL,
                matter_type TEXT NOT NULL,
                region_code TEXT NOT NULL,
                channel TEXT NOT NULL,
                submitted_day TEXT NOT NULL,
                accepted_day TEXT,
                outcome TEXT,
                ended_day TEXT,
                handling_days INTEGER,
                transferred_day TEXT,
                rating INTEGER,
                rated_day TEXT,
                met_late INTEGER NOT NULL,
                open_due TEXT
            )
            """,
            "CREATE INDEX matter_facts_submitted ON matter_facts (submitted_day)",
            "CREATE INDEX matter_facts_accepted ON matter_facts (accepted_day) WHERE accepted_day IS NOT NULL",
            "CREATE INDEX matter_facts_ended ON matter_facts (ended_day) WHERE ended_day IS NOT NULL",
            "CREATE INDEX matter_facts_transferred ON matter_facts (transferred_day) WHERE transferred_day IS NOT NULL",
            "CREATE INDEX matter_facts_rated ON matter_facts (rated_day) WHERE rated_day IS NOT NULL",
        ]),
        // The facts by month (MatterFacts, summed per month, group, figure and value), moved in the
        // matter's own transaction from what it counted for to what it counts for: whole months of
        // a statistics query read a few rows per group here instead of every matter
        // (statistics-bench). Overdue depends on the day asked and is read from the facts through
        // two partial indexes of the matters it can concern.
        StorageMigration(id: "v18-matter-stats-monthly", statements: [
            """
            CREATE TABLE matter_stats_monthly (
                month TEXT NOT NULL,
                region_code TEXT NOT NULL,
                business_line TEXT NOT NULL,
                matter_type TEXT NOT NULL,
                channel TEXT NOT NULL,
                kind TEXT NOT NULL,
                n INTEGER NOT NULL,
                total INTEGER NOT NULL,
                PRIMARY KEY (month, region_code, business_line, matter_type, channel, kind)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE matter_stats_days (
                month TEXT NOT NULL,
                region_code TEXT NOT NULL,
                business_line TEXT NOT NULL,
                days INTEGER NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (month, region_code, business_line, days)
            ) WITHOUT ROWID
            """,
            MatterRollups.fillStatisticsRollup,
            "CREATE INDEX matter_facts_met_late ON matter_facts (submitted_day, region_code, business_line, matter_type, channel) WHERE met_late = 1",
            """
            CREATE INDEX matter_facts_open_due ON matter_facts (open_due, submitted_day, region_code, business_line, matter_type, channel)
            WHERE met_late = 0 AND open_due IS NOT NULL
            """,
        ]),
        // Two coarser monthly rollups, kept and rebuilt with the first (MatterRollups.rollUp,
        // figureRollups): without matter type and channel, and without line and type. A question
        // that neither filters nor groups by the columns one leaves out reads it: a year over the
        // province reads about 19,000 rows instead of 130,000 (statistics-bench).
        StorageMigration(id: "v19-matter-stats-coarser", statements: [
            """
            CREATE TABLE matter_stats_monthly_lines (
                month TEXT NOT NULL,
                region_code TEXT NOT NULL,
                business_line TEXT NOT NULL,
                kind TEXT NOT NULL,
                n INTEGER NOT NULL,
                total INTEGER NOT NULL,
                PRIMARY KEY (month, region_code, business_line, kind)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE matter_stats_monthly_channels (
                month TEXT NOT NULL,
                region_code TEXT NOT NULL,
                channel TEXT NOT NULL,
                kind TEXT NOT NULL,
                n INTEGER NOT NULL,
                total INTEGER NOT NULL,
                PRIMARY KEY (month, region_code, channel, kind)
            ) WITHOUT ROWID
            """,
            """
            INSERT INTO matter_stats_monthly_lines (month, region_code, business_line, kind, n, total)
            SELECT month, region_code, business_line, kind, SUM(n), SUM(total) FROM matter_stats_monthly GROUP BY month, region_code, business_line, kind
            """,
            """
            INSERT INTO matter_stats_monthly_channels (month, region_code, channel, kind, n, total)
            SELECT month, region_code, channel, kind, SUM(n), SUM(total) FROM matter_stats_monthly GROUP BY month, region_code, channel, kind
            """,
        ]),
        // The day indexes of the facts hold what a statistics question groups by (and the figure's
        // value): the days at the ends of a span are read from the index alone, not from the table
        // row by row (a year over the province: edges 40-90 ms to 8-16 ms, statistics-bench).
        StorageMigration(id: "v20-matter-facts-covering-days", statements: [
            "DROP INDEX matter_facts_submitted",
            "DROP INDEX matter_facts_accepted",
            "DROP INDEX matter_facts_ended",
            "DROP INDEX matter_facts_transferred",
            "DROP INDEX matter_facts_rated",
            "CREATE INDEX matter_facts_submitted_groups ON matter_facts (submitted_day, region_code, business_line, matter_type, channel)",
            """
            CREATE INDEX matter_facts_accepted_groups ON matter_facts (accepted_day, region_code, business_line, matter_type, channel)
            WHERE accepted_day IS NOT NULL
            """,
            """
            CREATE INDEX matter_facts_ended_groups ON matter_facts (ended_day, outcome, handling_days, region_code, business_line, matter_type, channel)
            WHERE ended_day IS NOT NULL
            """,
            """
            CREATE INDEX matter_facts_transferred_groups ON matter_facts (transferred_day, region_code, business_line, matter_type, channel)
            WHERE transferred_day IS NOT NULL
            """,
            """
            CREATE INDEX matter_facts_rated_groups ON matter_facts (rated_day, rating, region_code, business_line, matter_type, channel)
            WHERE rated_day IS NOT NULL
            """,
        ]),
        // The opinion index (舆情分析): a row per matter, text and topic found, kept in the matter's
        // transaction; filled for existing matters by the start-up re-derivation of the indexes.
        StorageMigration(id: "v21-matter-opinion", statements: [
            """
            CREATE TABLE matter_opinion (
                matter_id TEXT NOT NULL REFERENCES matters(id),
                day TEXT NOT NULL,
                region_code TEXT NOT NULL,
                business_line TEXT NOT NULL,
                source TEXT NOT NULL,
                topic TEXT NOT NULL,
                keyword TEXT NOT NULL
            )
            """,
            "CREATE INDEX matter_opinion_matter ON matter_opinion (matter_id)",
            "CREATE INDEX matter_opinion_day ON matter_opinion (day, region_code)",
            "CREATE INDEX matter_opinion_topic ON matter_opinion (topic, region_code, day)",
        ]),
        // The organisation that handles a matter (its first handler of an organisation's kind in the
        // credit facts: the notary office, the appraisal institution, the mediation committee …; ''
        // for a matter the bureau handles itself), the statistics' office dimension. Filled for
        // existing matters by the start-up re-derivation of the indexes.
        StorageMigration(id: "v22-matter-facts-office", statements: [
            "ALTER TABLE matter_facts ADD COLUMN office TEXT NOT NULL DEFAULT ''"
        ]),
        // What the last complete re-derivation of the matters' indexes was made with
        // (IndexFingerprint): a start-up with the same skips it.
        StorageMigration(id: "v23-matter-index-state", statements: [
            """
            CREATE TABLE matter_index_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                fingerprint TEXT NOT NULL,
                derived_at REAL NOT NULL
            )
            """
        ]),
        // A matter's revision: one more on every change of its row, so a decoded matter can be
        // kept (MatterCache) and trusted while its revision is unchanged. The store's own update
        // bumps it; the trigger bumps it for any other UPDATE (a repair by hand in sqlite3).
        StorageMigration(id: "v24-matter-revision", statements: [
            "ALTER TABLE matters ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TRIGGER matters_revision AFTER UPDATE ON matters FOR EACH ROW WHEN NEW.revision = OLD.revision
            BEGIN
                UPDATE matters SET revision = OLD.revision + 1 WHERE id = NEW.id;
            END
            """,
        ]),
        // The national exchange's outbox (``SQLExchangeOutbox``): one row per data item, written
        // in the change's transaction, settled by the national side's receipt.
        StorageMigration(id: "v25-exchange-outbox", statements: [
            """
            CREATE TABLE exchange_outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                matter_id TEXT NOT NULL,
                payload BLOB NOT NULL,
                created_at_micros INTEGER NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acknowledged', 'rejected')),
                disposition TEXT NOT NULL DEFAULT '',
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL DEFAULT 0,
                last_error TEXT NOT NULL DEFAULT '',
                settled_at REAL
            )
            """,
            "CREATE INDEX exchange_outbox_pending ON exchange_outbox (seq) WHERE state = 'pending'",
            "CREATE INDEX exchange_outbox_created ON exchange_outbox (created_at_micros)",
        ]),
        // Which days' figures went into the outbox (statistics.daily), so each goes once.
        StorageMigration(id: "v26-exchange-statistics", statements: [
            "CREATE TABLE exchange_statistics_days (day TEXT PRIMARY KEY, message_id TEXT NOT NULL)",
        ]),
        // What the national platform referred (ExchangeInbox): a row per message id, taken (with
        // its matter, written in the matter's transaction) or refused (with the reason).
        StorageMigration(id: "v27-exchange-inbox", statements: [
            """
            CREATE TABLE exchange_inbox (
                message_id TEXT PRIMARY KEY,
                national_sequence INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('accepted', 'rejected')),
                matter_id TEXT NOT NULL,
                tracking_number TEXT NOT NULL,
                reason TEXT NOT NULL,
                received_at REAL NOT NULL
            )
            """,
            "CREATE INDEX exchange_inbox_received ON exchange_inbox (received_at)",
        ]),
    ]
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = .integer(number)
        case .double(let number): self = .real(number)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob(data)
        }
    }
}

extension SQLRow {
    init(row: Row) {
        var values: [String: SQLValue] = [:]
        for (column, value) in row { values[column] = SQLValue(value) }
        self.init(values: values)
    }
}
