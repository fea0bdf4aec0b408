import ArgumentParser
import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangPostgres
import FawangSQLite
import Foundation
import Logging

/// The database of a command that reads or writes it directly, not through a running host
/// (`audit verify`, `exchange report`, `laws import`): a SQLite file or a PostgreSQL database,
/// named by `--database` or taken from `--config`'s `storage` section.
struct LocalDatabase: ParsableArguments {
    @Option(name: .long, help: "The database: a SQLite file, or postgres://user@host:port/database (default: the storage of --config, else ./data/fawang.sqlite).")
    var database: String?

    @Option(name: .long, help: "Config file to take the storage from (storage.engine, storage.sqlite.path, storage.postgres.url); the key files are looked for beside storage.sqlite.path.")
    var config: String?

    /// Runs `body` on the database (``open(label:creating:)``), closing it after, thrown or not.
    func with<T>(label: String, creating: Bool = false, _ body: (LocalStorage) async throws -> T) async throws -> T {
        let storage = try await open(label: label, creating: creating)
        do {
            let result = try await body(storage)
            await storage.close()
            return result
        } catch {
            await storage.close()
            throw error
        }
    }

    /// Opens the database. Unless `creating`, a SQLite file must exist already. Nothing sealed is
    /// opened by these commands: the storage gets a key that opens nothing.
    private func open(label: String, creating: Bool = false) async throws -> LocalStorage {
        let settings = try PlatformConfig.load(path: config)
        let logger = Logger(label: label)
        let cipher = try PersonalDataCipher(keys: [("no-personal-data", Data(repeating: 0, count: 32))])
        let modules = PluginCatalog.all.map { ($0.manifest.id, $0.migrations) }
        let named = database ?? (settings.storageEngine == "postgres" ? settings.postgresURL ?? "" : settings.sqlitePath)
        if named.hasPrefix("postgres://") || named.hasPrefix("postgresql://") {
            let postgres: PostgresEngine.Settings
            do {
                postgres = try PostgresEngine.Settings(url: named, connections: 2)
            } catch {
                throw ValidationError("--database: \(error.message)")
            }
            let storage = PostgresStorage(settings: postgres, cipher: cipher, logger: logger)
            if creating {
                do {
                    try await storage.migrate(modules: modules)
                } catch {
                    await storage.close()
                    throw ValidationError("cannot prepare \(postgres.description): \(error)")
                }
            }
            return LocalStorage(
                name: postgres.description, audit: storage.audit, exchange: storage.exchange, laws: storage.laws,
                keysBeside: settings.sqlitePath, close: { await storage.close() })
        }
        guard creating || FileManager.default.fileExists(atPath: named) else {
            throw ValidationError("no database at \(named): pass --database (a SQLite file or a postgres:// URL) or --config")
        }
        let storage = try SQLiteStorage(path: named, cipher: cipher, logger: logger)
        if creating { try await storage.migrate(modules: modules) }
        return LocalStorage(name: named, audit: storage.audit, exchange: storage.exchange, laws: storage.laws, keysBeside: named, close: {})
    }
}

/// What the direct commands use of a database, on either engine.
struct LocalStorage {
    /// The file, or the PostgreSQL database without its password: for messages.
    let name: String
    let audit: any AuditLog
    let exchange: any ExchangeOutbox
    let laws: any LawIndex
    /// Where the key files (`fawang.audit-key`, …) are looked for: beside this path.
    let keysBeside: String
    private let closing: @Sendable () async -> Void

    init(
        name: String, audit: any AuditLog, exchange: any ExchangeOutbox, laws: any LawIndex, keysBeside: String,
        close: @escaping @Sendable () async -> Void
    ) {
        self.name = name
        self.audit = audit
        self.exchange = exchange
        self.laws = laws
        self.keysBeside = keysBeside
        self.closing = close
    }

    /// Lets go of the database (the PostgreSQL connections; a SQLite file needs nothing).
    func close() async { await closing() }
}
