public import Foundation
public import Testing

/// The engine the behaviour tests' hosts store their data in: `FAWANG_TEST_ENGINE=postgres` runs
/// every ``TestPlatform`` on a fresh PostgreSQL database of its own (``PostgresTestCluster``),
/// anything else (or nothing) on a SQLite file in the platform's directory. scripts/test.sh runs
/// the behaviour suites once per engine: the same tests, not copies.
public enum TestEngine: String, Sendable {
    case sqlite
    case postgres

    public static let current: TestEngine = {
        let raw = ProcessInfo.processInfo.environment["FAWANG_TEST_ENGINE"] ?? ""
        guard !raw.isEmpty else { return .sqlite }
        guard let engine = TestEngine(rawValue: raw) else {
            fatalError("FAWANG_TEST_ENGINE=\(raw): expected sqlite or postgres")
        }
        return engine
    }()
}

extension Trait where Self == ConditionTrait {
    /// For a test of what only a SQLite deployment has (its file, its permissions, the sqlite3
    /// tool): skipped on the PostgreSQL pass, saying why.
    public static func sqliteOnly(_ why: Comment) -> Self {
        .enabled(if: TestEngine.current == .sqlite, why)
    }
}

/// The database of a test's host, on the engine of the run (``TestEngine/current``): a SQLite file
/// in the test's directory, or a fresh PostgreSQL database on the test cluster. What a test reads
/// behind the host's back goes through ``query(_:)``, which runs on either.
public struct TestDatabase: Sendable {
    /// The folder of the host's files; the SQLite file is `fawang.sqlite` in it.
    public let directory: URL
    /// The PostgreSQL database, on that engine; nil on SQLite.
    public let postgresURL: String?

    /// A database for a host whose files are in `directory` (a new PostgreSQL database is made on
    /// that engine; a SQLite file is made by the host that opens it).
    public static func make(in directory: URL, engine: TestEngine = .current) async throws -> TestDatabase {
        TestDatabase(directory: directory, postgresURL: engine == .postgres ? try await PostgresTestCluster.freshDatabase() : nil)
    }

    public var engine: TestEngine { postgresURL == nil ? .sqlite : .postgres }

    /// The SQLite file (on SQLite).
    public var sqlitePath: String { directory.appendingPathComponent("fawang.sqlite").path }

    /// How `fawang audit verify`, `exchange report` and `laws import` name it.
    public var commandLine: [String] { ["--database", postgresURL ?? sqlitePath] }

    /// Runs `sql` (portable: both engines run it) with sqlite3 or psql, returning the rows as
    /// text: columns joined by `|`, a row a line.
    public func query(_ sql: String) async throws -> String {
        if let postgresURL { return try await PostgresTestCluster.psql(sql, on: postgresURL) }
        return try await sqlite(sql, on: sqlitePath)
    }

    /// SQL for the top-level field `key` of the JSON text in `column`, as text.
    public func jsonField(_ column: String, _ key: String) -> String {
        engine == .postgres ? "(\(column)::json ->> '\(key)')" : "json_extract(\(column), '$.\(key)')"
    }

    /// Runs `sql` on the audit trail as an intruder would: past its append-only triggers (the
    /// owner of a PostgreSQL database can switch them off; a SQLite file's can be dropped).
    public func tamperWithAuditTrail(_ sql: String) async throws {
        if engine == .postgres {
            _ = try await query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; \(sql); ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
        } else {
            try await FawangTestSupport.tamperWithAuditTrail(sql, on: sqlitePath)
        }
    }

    /// Drops the PostgreSQL database (the SQLite file goes with the test's directory).
    public func drop() async {
        if let postgresURL { try? await PostgresTestCluster.dropDatabase(postgresURL) }
    }
}
