import FawangCore
import FawangPostgres
import FawangSQLite
import Foundation
import Logging
import ServiceLifecycle

/// What the host runs on: the platform's storage on either engine (`storage.engine`), with what
/// the host needs beyond ``PlatformStorage``.
protocol HostStorage: PlatformStorage {
    var laws: any LawIndex { get }
    var exchange: any ExchangeOutbox { get }
    var referrals: any ExchangeInbox { get }
    /// Signalled after each commit that added to the outbox (nil when the exchange is off).
    var exchangeSignal: ChangeSignal? { get }
    /// Closed, every change but sign-in, read audits and the deadline index is refused.
    var writes: WriteGate { get }
    func checkDataKeys() async throws
    /// Whether other hosts may write the same database (PostgreSQL): a change signal of this host
    /// hears only its own commits.
    var isShared: Bool { get }
    /// Lets go of the database (a host stopping).
    func close() async
    /// Runs `work` while this host is the one of the database's hosts that runs `name` (the
    /// national exchange, a module's background work, the deadline scan). On SQLite, one host per
    /// file: always this one.
    func leading(_ name: String, logger: Logger, _ work: @escaping @Sendable () async throws -> Void) async throws
}

extension SQLiteStorage: HostStorage {
    var isShared: Bool { false }

    func close() async {}

    func leading(_ name: String, logger: Logger, _ work: @escaping @Sendable () async throws -> Void) async throws {
        try await work()
    }
}

extension PostgresStorage: HostStorage {
    var isShared: Bool { true }

    func leading(_ name: String, logger: Logger, _ work: @escaping @Sendable () async throws -> Void) async throws {
        try await engine.whileLeading(name, logger: logger, work)
    }
}

/// Background services that run on one host of the database at a time
/// (``HostStorage/leading(_:logger:_:)``): on the others they stand by, and one of those takes
/// over when the host running them dies. One lease (and one connection) for all of them.
struct Leased: Service, CustomStringConvertible {
    let name: String
    let storage: any HostStorage
    let inner: [any Service]
    let logger: Logger

    var description: String { "\(inner.map { "\($0)" }.joined(separator: ", ")) (lease \(name))" }

    func run() async throws {
        guard !inner.isEmpty else { return }
        if !storage.isShared {
            try await runAll()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                try await storage.leading(name, logger: logger) { try await runAll() }
            }
        } catch is CancellationError {
            // Shutdown: standing by or running, it ends here.
        }
    }

    /// Each service in a task of its own; they share the group's graceful shutdown.
    private func runAll() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for service in inner { group.addTask { try await service.run() } }
        }
    }
}
