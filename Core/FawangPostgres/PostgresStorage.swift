public import FawangCore
import Foundation
public import Logging

/// The platform's storage on PostgreSQL, for a deployment of several hosts on one database.
///
/// Every store is the engine-neutral one (``SQLConnection``), the same code as on SQLite: matters
/// with their indexes and statistics, the audit chain, the modules' own tables, identity, the
/// directory and the national exchange's outbox and inbox; the law library has its own search
/// index here (``PostgresLawIndex``: GIN-indexed lexemes, where SQLite has FTS5). The host runs on
/// it with `storage.engine: postgres`.
public final class PostgresStorage: PlatformStorage, Sendable {
    /// The database, for tools and tests that need it raw (`fawang migrate`).
    public let engine: PostgresEngine
    public let matters: any MatterStore
    private let matterStore: SQLMatterStore
    public let audit: any AuditLog
    public let identity: any IdentityStore
    public let directory: any DirectoryStore
    /// The national exchange's outbox and the referrals' inbox.
    public let exchange: any ExchangeOutbox
    public let referrals: any ExchangeInbox
    /// The law, regulation and case library.
    public let laws: any LawIndex
    public let writes: WriteGate
    private let logger: Logger

    /// Signalled after each commit that added to the outbox (nil when the exchange is off).
    public var exchangeSignal: ChangeSignal? { matterStore.exchange }

    /// `cipher` seals identity numbers at rest, as on SQLite. `deadlines` keeps the deadline index
    /// in step with every write. `exchange`: every matter change also writes the national
    /// exchange's outbox in its transaction.
    public init(
        settings: PostgresEngine.Settings, cipher: PersonalDataCipher, logger: Logger, deadlines: DeadlineEngine? = nil, writes: WriteGate = WriteGate(),
        exchange: Bool = false
    ) {
        let engine = PostgresEngine(settings: settings, logger: logger)
        self.engine = engine
        let exchangeSignal = exchange ? ChangeSignal() : nil
        self.matterStore = SQLMatterStore(
            engine: engine, cipher: cipher, deadlines: deadlines, logger: logger, writes: writes, exchange: exchangeSignal)
        self.matters = matterStore
        self.audit = SQLAuditLog(engine: engine)
        self.identity = SQLIdentityStore(engine: engine, cipher: cipher, writes: writes)
        self.directory = SQLDirectoryStore(engine: engine, writes: writes)
        self.exchange = SQLExchangeOutbox(engine: engine)
        self.referrals = SQLExchangeInbox(engine: engine, writes: writes, signal: exchangeSignal)
        self.laws = PostgresLawIndex(engine: engine)
        self.writes = writes
        self.logger = logger
    }

    /// The module's own tables (``ModuleTables``): statements naming any other table are refused.
    public func moduleStorage(for moduleID: String) -> any ModuleStorage {
        SQLModuleStorage(engine: engine, moduleID: moduleID, writes: writes)
    }

    /// Applies the platform's PostgreSQL schema, then each module's migrations (their portable
    /// DDL in PostgreSQL's types, ``PostgresDialect/ddl(_:)``), each once and in order, recorded in
    /// `fawang_migrations`. Hosts starting together take turns: each migration runs in its own
    /// transaction under an advisory lock and is skipped if another host applied it meanwhile.
    public func migrate(modules: [(moduleID: String, migrations: [StorageMigration])]) async throws {
        // Under the migrations' lock: two hosts starting at once on a new database would both
        // create the table, and one would fail on PostgreSQL's catalogue.
        try await engine.write { db in
            try db.serialize("migrations")
            try db.execute("CREATE TABLE IF NOT EXISTS fawang_migrations (id TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)", [])
        }
        var plan: [(id: String, statements: [String])] = PostgresSchema.migrations.map { ("core/\($0.id)", $0.statements) }
        for module in modules {
            plan += module.migrations.map { ("\(module.moduleID)/\($0.id)", $0.statements.map(PostgresDialect.ddl)) }
        }
        for migration in plan {
            let applied = try await engine.write { db -> Bool in
                try db.serialize("migrations")
                if try db.row("SELECT 1 AS done FROM fawang_migrations WHERE id = ?", [.text(migration.id)]) != nil { return false }
                for statement in migration.statements { try db.execute(statement, []) }
                try db.execute("INSERT INTO fawang_migrations (id, applied_at) VALUES (?, ?)", [.text(migration.id), .real(Date().timeIntervalSince1970)])
                return true
            }
            if applied { logger.info("applied storage migration", metadata: ["migration": "\(migration.id)", "engine": "postgres"]) }
        }
    }

    /// Fails with a message naming the key if the configured data keys cannot open the stored data.
    public func checkDataKeys() async throws {
        try await matterStore.checkDataKeys()
    }

    /// Rebuilds the monthly statistics rollups from the facts index, in one transaction (a repair;
    /// as ``SQLiteStorage``'s).
    public func rebuildStatisticsRollup() async throws {
        try await MatterRollups.rebuild(engine)
    }

    public func close() async { await engine.close() }
}

/// The platform's own tables on PostgreSQL. Append only, like SQLite's `CoreSchema`; it starts
/// from today's schema (a PostgreSQL deployment begins at this version, or is moved over by
/// `fawang migrate`), so it does not replay SQLite's history.
enum PostgresSchema {
    static let migrations: [StorageMigration] = [
        // The audit trail (SQLAuditLog): append-only, enforced by the database for every role
        // that is not its owner's superuser, truncation included.
        StorageMigration(id: "p1-audit", statements: [
            """
            CREATE TABLE audit_log (
                sequence BIGINT PRIMARY KEY,
                at_us BIGINT NOT NULL,
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
            CREATE FUNCTION fawang_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END
            $$
            """,
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION fawang_append_only()",
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION fawang_append_only()",
            """
            CREATE TABLE audit_checkpoint (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                entry_count BIGINT NOT NULL,
                head_hash TEXT NOT NULL,
                at_us BIGINT NOT NULL,
                signature TEXT NOT NULL
            )
            """,
        ]),
        // Accounts, refresh tokens and revoked access tokens (SQLIdentityStore): in the database,
        // so every host sees the same lockouts and revocations.
        StorageMigration(id: "p2-identity", statements: [
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
                failed_attempts BIGINT NOT NULL DEFAULT 0,
                locked_until DOUBLE PRECISION,
                id_number TEXT NOT NULL DEFAULT '',
                channel TEXT NOT NULL DEFAULT ''
            )
            """,
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts (id),
                expires_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION
            )
            """,
            "CREATE TABLE revoked_access_tokens (token_id TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)",
        ]),
        // The directory (SQLDirectoryStore): divisions with their seats, organisations, staff.
        StorageMigration(id: "p3-directory", statements: [
            """
            CREATE TABLE divisions (
                code TEXT PRIMARY KEY, name TEXT NOT NULL, parent_code TEXT, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION
            )
            """,
            "CREATE INDEX divisions_by_parent ON divisions (parent_code)",
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, region_code TEXT NOT NULL, business_line TEXT NOT NULL,
                phone TEXT NOT NULL, address TEXT NOT NULL, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION
            )
            """,
            "CREATE TABLE staff (id TEXT PRIMARY KEY, name TEXT NOT NULL, organization_id TEXT, role TEXT NOT NULL, region_code TEXT NOT NULL)",
        ]),
        // The national exchange (SQLExchangeOutbox, SQLExchangeInbox). The outbox's order is its
        // identity column's; per matter, changes commit in order (each locks the matter's row).
        StorageMigration(id: "p4-exchange", statements: [
            """
            CREATE TABLE exchange_outbox (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                message_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                matter_id TEXT NOT NULL,
                payload BYTEA NOT NULL,
                created_at_micros BIGINT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acknowledged', 'rejected')),
                disposition TEXT NOT NULL DEFAULT '',
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at DOUBLE PRECISION NOT NULL DEFAULT 0,
                last_error TEXT NOT NULL DEFAULT '',
                settled_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX exchange_outbox_pending ON exchange_outbox (seq) WHERE state = 'pending'",
            "CREATE INDEX exchange_outbox_created ON exchange_outbox (created_at_micros)",
            "CREATE TABLE exchange_statistics_days (day TEXT PRIMARY KEY, message_id TEXT NOT NULL)",
            """
            CREATE TABLE exchange_inbox (
                message_id TEXT PRIMARY KEY,
                national_sequence BIGINT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('accepted', 'rejected')),
                matter_id TEXT NOT NULL,
                tracking_number TEXT NOT NULL,
                reason TEXT NOT NULL,
                received_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX exchange_inbox_received ON exchange_inbox (received_at)",
        ]),
        // Matters, their timelines, submission keys and materials, and the indexes derived from
        // them in each matter's own transaction: deadlines, credit, phones, facts with their
        // monthly rollups, opinion; as SQLite's schema stands at core/v27.
        StorageMigration(id: "p5-matters", statements: [
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
                submitted_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                details_json TEXT NOT NULL,
                owner_account_id TEXT NOT NULL DEFAULT '',
                assignee_account_id TEXT NOT NULL DEFAULT '',
                revision BIGINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX matters_by_line_status ON matters (business_line, status, submitted_at)",
            "CREATE INDEX matters_by_region ON matters (region_code text_pattern_ops, submitted_at)",
            "CREATE INDEX matters_by_owner ON matters (owner_account_id) WHERE owner_account_id <> ''",
            "CREATE INDEX matters_by_assignee ON matters (assignee_account_id) WHERE assignee_account_id <> ''",
            // Any other UPDATE of a row (a repair by hand) moves its revision too: kept copies go stale.
            """
            CREATE FUNCTION fawang_matters_revision() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.revision = OLD.revision THEN NEW.revision := OLD.revision + 1; END IF;
                RETURN NEW;
            END
            $$
            """,
            "CREATE TRIGGER matters_revision BEFORE UPDATE ON matters FOR EACH ROW EXECUTE FUNCTION fawang_matters_revision()",
            """
            CREATE TABLE matter_events (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                sequence BIGINT NOT NULL,
                kind TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                actor TEXT NOT NULL,
                channel TEXT NOT NULL,
                note TEXT NOT NULL,
                attributes_json TEXT NOT NULL,
                PRIMARY KEY (matter_id, sequence)
            )
            """,
            "CREATE TRIGGER matter_events_no_change BEFORE UPDATE OR DELETE ON matter_events FOR EACH ROW EXECUTE FUNCTION fawang_append_only()",
            "CREATE TRIGGER matter_events_no_truncate BEFORE TRUNCATE ON matter_events FOR EACH STATEMENT EXECUTE FUNCTION fawang_append_only()",
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
            CREATE TABLE matter_materials (
                id TEXT PRIMARY KEY,
                matter_id TEXT NOT NULL REFERENCES matters (id),
                event_sequence BIGINT NOT NULL,
                title TEXT NOT NULL,
                file_name TEXT NOT NULL,
                type TEXT NOT NULL,
                size_bytes BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                key_id TEXT NOT NULL,
                sealed_content BYTEA NOT NULL,
                uploaded_at DOUBLE PRECISION NOT NULL,
                uploaded_by TEXT NOT NULL,
                channel TEXT NOT NULL,
                UNIQUE (matter_id, sha256)
            )
            """,
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
            "CREATE INDEX matter_deadlines_uncomputable ON matter_deadlines (matter_id) WHERE state = 'uncomputable'",
            """
            CREATE TABLE matter_credit (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                entry_id TEXT NOT NULL,
                role TEXT NOT NULL,
                rating BIGINT,
                met_late BIGINT NOT NULL DEFAULT 0,
                upheld BIGINT,
                PRIMARY KEY (matter_id, entry_id, role)
            )
            """,
            "CREATE INDEX matter_credit_by_entry ON matter_credit (entry_id, role)",
            """
            CREATE TABLE matter_phones (
                matter_id TEXT NOT NULL REFERENCES matters (id),
                phone_key TEXT NOT NULL,
                role TEXT NOT NULL,
                PRIMARY KEY (matter_id, phone_key, role)
            )
            """,
            "CREATE INDEX matter_phones_by_key ON matter_phones (phone_key)",
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
                handling_days BIGINT,
                transferred_day TEXT,
                rating BIGINT,
                rated_day TEXT,
                met_late BIGINT NOT NULL,
                open_due TEXT,
                office TEXT NOT NULL DEFAULT ''
            )
            """,
            "CREATE INDEX matter_facts_submitted_groups ON matter_facts (submitted_day, region_code, business_line, matter_type, channel)",
            "CREATE INDEX matter_facts_accepted_groups ON matter_facts (accepted_day, region_code, business_line, matter_type, channel) WHERE accepted_day IS NOT NULL",
            """
            CREATE INDEX matter_facts_ended_groups ON matter_facts (ended_day, outcome, handling_days, region_code, business_line, matter_type, channel)
            WHERE ended_day IS NOT NULL
            """,
            """
            CREATE INDEX matter_facts_transferred_groups ON matter_facts (transferred_day, region_code, business_line, matter_type, channel)
            WHERE transferred_day IS NOT NULL
            """,
            "CREATE INDEX matter_facts_rated_groups ON matter_facts (rated_day, rating, region_code, business_line, matter_type, channel) WHERE rated_day IS NOT NULL",
            "CREATE INDEX matter_facts_met_late ON matter_facts (submitted_day, region_code, business_line, matter_type, channel) WHERE met_late = 1",
            """
            CREATE INDEX matter_facts_open_due ON matter_facts (open_due, submitted_day, region_code, business_line, matter_type, channel)
            WHERE met_late = 0 AND open_due IS NOT NULL
            """,
            """
            CREATE TABLE matter_stats_monthly (
                month TEXT NOT NULL, region_code TEXT NOT NULL, business_line TEXT NOT NULL, matter_type TEXT NOT NULL, channel TEXT NOT NULL,
                kind TEXT NOT NULL, n BIGINT NOT NULL, total BIGINT NOT NULL,
                PRIMARY KEY (month, region_code, business_line, matter_type, channel, kind)
            )
            """,
            """
            CREATE TABLE matter_stats_days (
                month TEXT NOT NULL, region_code TEXT NOT NULL, business_line TEXT NOT NULL, days BIGINT NOT NULL, n BIGINT NOT NULL,
                PRIMARY KEY (month, region_code, business_line, days)
            )
            """,
            """
            CREATE TABLE matter_stats_monthly_lines (
                month TEXT NOT NULL, region_code TEXT NOT NULL, business_line TEXT NOT NULL, kind TEXT NOT NULL, n BIGINT NOT NULL, total BIGINT NOT NULL,
                PRIMARY KEY (month, region_code, business_line, kind)
            )
            """,
            """
            CREATE TABLE matter_stats_monthly_channels (
                month TEXT NOT NULL, region_code TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL, n BIGINT NOT NULL, total BIGINT NOT NULL,
                PRIMARY KEY (month, region_code, channel, kind)
            )
            """,
            """
            CREATE TABLE matter_opinion (
                matter_id TEXT NOT NULL REFERENCES matters (id),
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
            "CREATE TABLE matter_index_state (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL, derived_at DOUBLE PRECISION NOT NULL)",
        ]),
        // The law library (PostgresLawIndex): each article with its search lexemes, GIN-indexed.
        StorageMigration(id: "p6-laws", statements: [
            """
            CREATE TABLE laws (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                path TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                subtitle TEXT NOT NULL,
                law_key TEXT NOT NULL,
                category TEXT NOT NULL,
                level TEXT NOT NULL,
                version_date TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                superseded BIGINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX laws_by_key ON laws (law_key, version_date)",
            """
            CREATE TABLE law_articles (
                id BIGINT PRIMARY KEY,
                law_id BIGINT NOT NULL REFERENCES laws (id),
                ordinal BIGINT NOT NULL,
                number BIGINT,
                label TEXT NOT NULL,
                heading TEXT NOT NULL,
                text TEXT NOT NULL,
                uni tsvector NOT NULL,
                bi tsvector NOT NULL,
                bi_text TEXT NOT NULL
            )
            """,
            "CREATE INDEX law_articles_by_law ON law_articles (law_id, ordinal)",
            "CREATE INDEX law_articles_by_number ON law_articles (number)",
            "CREATE INDEX law_articles_uni ON law_articles USING GIN (uni)",
            "CREATE INDEX law_articles_bi ON law_articles USING GIN (bi)",
        ]),
    ]
}
