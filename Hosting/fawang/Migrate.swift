import ArgumentParser
import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangPostgres
import FawangSQLite
import Foundation
import Logging

/// `fawang migrate --from sqlite:PATH --to postgres:URL`: a deployment moved to PostgreSQL.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a deployment from its SQLite file to a new, empty PostgreSQL database: every table, then verified by counts and the audit chain (exit 1 if they differ).",
        discussion: """
            Stop the host first. The SQLite file is brought to this version's schema, then copied as stored: \
            personal data stays sealed with the same data keys, so the hosts on PostgreSQL need the same keys \
            (fawang.keys, or FAWANG_DATA_KEYS) and the same token, audit and exchange keys (the files beside the \
            database, or their settings). The law library is not moved: run `fawang laws import` against the new \
            deployment.
            """)

    @Option(name: .long, help: "The database to move: sqlite:PATH.")
    var from: String

    @Option(name: .long, help: "The new, empty database: postgres:postgres://user@host:port/database (the password may come from FAWANG_POSTGRES_PASSWORD).")
    var to: String

    func run() async throws {
        guard from.hasPrefix("sqlite:") else { throw ValidationError("--from must be sqlite:PATH, not \(from)") }
        let path = String(from.dropFirst("sqlite:".count))
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no SQLite database at \(path)") }
        let url = to.hasPrefix("postgres:postgres") ? String(to.dropFirst("postgres:".count)) : to
        let settings: PostgresEngine.Settings
        do {
            settings = try PostgresEngine.Settings(url: url, connections: 2)
        } catch {
            throw ValidationError("--to: \(error.message)")
        }
        let logger = Logger(label: "fawang.migrate")
        // Nothing is opened or sealed on the way: any key will do.
        let cipher = try PersonalDataCipher(keys: [("move-only", Data(repeating: 0, count: 32))])
        let modules = PluginCatalog.all.map { ($0.manifest.id, $0.migrations) }
        let source = try SQLiteStorage(path: path, cipher: cipher, logger: logger)
        try await source.migrate(modules: modules)
        let target = PostgresStorage(settings: settings, cipher: cipher, logger: logger)
        do {
            try await target.migrate(modules: modules)
        } catch {
            await target.close()
            throw ValidationError("cannot prepare \(PostgresEngine.Settings.redacted(url)): \(error)")
        }
        let started = Date()
        let summary: MoveFromSQLite.Summary
        do {
            summary = try await MoveFromSQLite.run(from: source.engine, to: target) { table, done, total in
                Self.bar(table, done, total)
            }
        } catch {
            await target.close()
            FileHandle.standardError.write(Data("\n".utf8))
            throw ValidationError("the move stopped: \(error). Drop and recreate the PostgreSQL database, then run it again.")
        }
        await target.close()
        FileHandle.standardError.write(Data("\n".utf8))
        print("moved \(path) → \(settings.description) in \(Int(Date().timeIntervalSince(started).rounded())) s")
        for count in summary.tables where count.source > 0 || count.target > 0 {
            print("  \(count.table.padding(toLength: 32, withPad: " ", startingAt: 0)) \(count.source) → \(count.target)\(count.source == count.target ? "" : "  MISMATCH")")
        }
        print("audit chain verified on PostgreSQL: \(summary.auditEntries) entries, head \(summary.auditHead)")
        print(summary.balances ? "every table balances" : "SOME TABLES DO NOT BALANCE")
        if !summary.balances { throw ExitCode(1) }
    }

    /// One line, rewritten in place: `matters  12000/100000 [#####.....]  12%`.
    static func bar(_ table: String, _ done: Int, _ total: Int) {
        let share = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int((share * 20).rounded(.down))
        let line = "\r  \(table.padding(toLength: 30, withPad: " ", startingAt: 0)) \(done)/\(total) ["
            + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "] \(Int((share * 100).rounded(.down)))%   "
        FileHandle.standardError.write(Data(line.utf8))
    }
}
