import FawangCore
import Foundation
import GRDB
import Synchronization

/// The database as the stores see it: reads from GRDB's pool of readers, writes by group commit.
/// Every write transaction of the store goes through here, and writes that arrive while one commit
/// is in progress share the next one.
///
/// With `synchronous = FULL` each commit costs an fsync of the write-ahead log, which on these
/// machines bounds one-transaction-per-request intake at the disk's fsync rate whatever the CPU
/// could do. Here the first write to arrive when the writer is idle commits at once, alone (no
/// added latency at low load); writes arriving meanwhile queue, and the next round runs all of
/// them in one transaction, each inside its own savepoint, then commits once. So:
///
/// - acknowledged still means durable: no caller is resumed before the transaction holding its
///   write has committed (fsynced);
/// - each write is still all-or-nothing: one that throws rolls back its own savepoint and gets its
///   own error; the others in the round commit;
/// - a commit that fails fails every write of its round, with that error (none was acknowledged);
/// - writes apply in the order they arrived, so a later write sees an earlier one's rows, as it
///   would with one transaction each.
final class GroupCommitPool: Sendable {
    /// One queued write: runs its body in a savepoint, returning how to resume its caller once the
    /// round has committed; `fail` resumes it when the round did not commit.
    private struct Job: Sendable {
        let run: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var committing = false
    }

    let pool: DatabasePool
    private let state = Mutex(State())
    /// Rounds committed and the writes they held (``SQLiteStorage/commitStatistics``).
    private let counters = Mutex((commits: 0, writes: 0))

    /// The connection of ``pointRead(_:)``: its own, not one of the pool's readers. GRDB's async
    /// reads hold a pool reader across an `await`, so a thread blocked waiting for a pool reader
    /// could wait on a resumption that needs that very thread; this connection is only ever held
    /// by a thread running a read to its end.
    private let pointReader: DatabaseQueue

    init(pool: DatabasePool) throws {
        self.pool = pool
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "fawang point reads"
        self.pointReader = try DatabaseQueue(path: pool.path, configuration: configuration)
    }

    /// Runs `body` on one of the pool's readers (a snapshot of the last committed state).
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// A point read (a row or a few by an index: a matter by id, a division by code) on the
    /// caller's own thread, in one read transaction: GRDB's async read hands the work to a
    /// reader's dispatch queue and back, two thread switches that cost more than such a read
    /// itself. Point reads take turns on one connection and block the calling thread for the
    /// read's duration, so never use it for a scan or anything that may take milliseconds.
    func pointRead<T>(_ body: (Database) throws -> T) throws -> T {
        try pointReader.read(body)
    }

    /// Runs `body` in a transaction (shared with the writes queued beside it) and returns its
    /// result once that transaction has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    do {
                        var outcome: T?
                        try db.inSavepoint {
                            outcome = try body(db)
                            return .commit
                        }
                        // inSavepoint ran the body, or threw.
                        let value = outcome!
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                fail: { error in continuation.resume(throwing: error) })
            let leads = state.withLock { state in
                state.pending.append(job)
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if leads { Task { await self.commitRounds() } }
        }
    }

    /// Commits rounds until none is queued; only one runs at a time.
    private func commitRounds() async {
        while true {
            let jobs = state.withLock { state in
                let jobs = state.pending
                state.pending = []
                if jobs.isEmpty { state.committing = false }
                return jobs
            }
            if jobs.isEmpty { return }
            do {
                let resumptions = try await pool.write { db in jobs.map { $0.run(db) } }
                counters.withLock { $0.commits += 1; $0.writes += jobs.count }
                for resume in resumptions { resume() }
            } catch {
                for job in jobs { job.fail(error) }
            }
        }
    }

    /// Commits so far and the writes they held.
    var statistics: (commits: Int, writes: Int) { counters.withLock { $0 } }
}

extension Database {
    /// Runs one statement from the connection's cache of prepared statements: a statement the hot
    /// paths run on every write is parsed and authorised once per connection, not on every call.
    /// One statement only (no `;`-separated scripts).
    func executeCached(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

/// GRDB's connection as the engine-neutral stores use it (``SQLConnection``): prepared statements
/// from the connection's cache, changes counted by SQLite.
struct SQLiteConnection: SQLConnection {
    let db: Database

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        do {
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(\.databaseValue)))
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        {
            throw UniqueKeyConflict(detail: error.message ?? "\(error)")
        }
        return db.changesCount
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments.map(\.databaseValue))).map(SQLRow.init(row:))
    }

    /// One writer at a time already.
    func serialize(_ resource: String) throws {}

    func hasTable(_ name: String) throws -> Bool { try db.tableExists(name) }
}

extension Database {
    /// This connection as the engine-neutral stores use it.
    var sql: SQLiteConnection { SQLiteConnection(db: self) }
}

/// The SQLite database as the engine-neutral stores see it: writes group-committed.
struct SQLiteEngine: SQLEngine {
    let pool: GroupCommitPool
    var dialect: SQLDialect { .sqlite }

    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.write { (db: Database) in try body(db.sql) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.read { (db: Database) in try body(db.sql) }
    }

    func pointRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try pool.pointRead { db in try body(db.sql) }
    }
}
