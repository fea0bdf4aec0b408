public import Logging
import NIOCore
import NIOPosix
import PostgresNIO

extension PostgresEngine {
    /// Runs `work` only while this process holds the lease `name` among every host of the
    /// database: a session-level advisory lock, taken on a connection of its own. While another
    /// host holds it, tries again every `retry`. The lock lives as long as the connection, so a
    /// host that dies (`kill -9` included) lets go of it when PostgreSQL sees its connection close;
    /// a holder whose connection is lost (checked every `retry`) cancels `work` at once, since
    /// another host may already have taken over, and seeks the lease again. Returns when `work`
    /// returns or the task is cancelled.
    public func whileLeading(
        _ name: String, retry: Duration = .seconds(2), logger: Logger, _ work: @escaping @Sendable () async throws -> Void
    ) async throws {
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password, database: settings.database,
            tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let key = "fawang:lease:" + name
        var waiting = false
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(configuration: configuration, id: 10_000, logger: logger)
            } catch {
                logger.warning("lease: cannot reach PostgreSQL; trying again", metadata: ["lease": "\(name)", "error": "\(error)"])
                try await Task.sleep(for: retry)
                continue
            }
            do {
                var held = false
                for try await taken in try await connection.query("SELECT pg_try_advisory_lock(hashtextextended(\(key), 0))", logger: logger).decode(Bool.self) {
                    held = taken
                }
                guard held else {
                    if !waiting {
                        logger.info("lease: another host runs it; this one stands by", metadata: ["lease": "\(name)"])
                        waiting = true
                    }
                    try? await connection.close()
                    try await Task.sleep(for: retry)
                    continue
                }
                waiting = false
                logger.notice("lease: this host runs it", metadata: ["lease": "\(name)"])
                let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        try await work()
                        return true
                    }
                    group.addTask {
                        // The lock is the connection's: without it, stop at once.
                        while true {
                            try await Task.sleep(for: retry)
                            for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                        }
                    }
                    defer { group.cancelAll() }
                    return try await group.next() ?? true
                }
                try? await connection.close()
                if finished { return }
            } catch is CancellationError {
                try? await connection.close()
                throw CancellationError()
            } catch {
                try? await connection.close()
                if Task.isCancelled { throw CancellationError() }
                logger.warning("lease: lost with its connection; the work stops until it is held again", metadata: ["lease": "\(name)", "error": "\(error)"])
                try await Task.sleep(for: retry)
            }
        }
        throw CancellationError()
    }
}
