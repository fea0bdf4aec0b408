public import FawangCore
import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A PostgreSQL database as the engine-neutral stores see it (``SQLEngine``): a fixed set of
/// lanes, each one connection driven by a thread of its own (a serial dispatch queue), on which
/// a transaction runs start to end — the stores' logic is synchronous, as on SQLite's writer, and
/// never blocks Swift's cooperative pool.
///
/// - Writes are `BEGIN … COMMIT` at READ COMMITTED; a commit returns once PostgreSQL has flushed
///   its WAL (`synchronous_commit` on, the default), so an acknowledged write survives `kill -9`
///   and power loss. Writers of one resource on several hosts take turns through
///   ``SQLConnection/serialize(_:)`` (a transaction-scoped advisory lock on the name's hash).
/// - Reads run in a `REPEATABLE READ READ ONLY` transaction: one snapshot, as SQLite's readers.
/// - A lane whose connection broke (PostgreSQL restarted, the network) drops it and connects again
///   on its next transaction; the transaction that met the break fails with `UNAVAILABLE`, and
///   nothing waits forever: connecting and each statement have a time limit.
public final class PostgresEngine: SQLEngine, Sendable {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var connections: Int
        /// How long one statement may run before its transaction fails (`statement_timeout`).
        public var statementTimeoutSeconds: Int

        public init(host: String, port: Int, username: String, password: String?, database: String, connections: Int = 8, statementTimeoutSeconds: Int = 30) {
            (self.host, self.port, self.username, self.password, self.database) = (host, port, username, password, database)
            (self.connections, self.statementTimeoutSeconds) = (connections, statementTimeoutSeconds)
        }

        /// `postgres://user[:password]@host[:port]/database` (the password may be given instead
        /// by `FAWANG_POSTGRES_PASSWORD`, which keeps it out of config files).
        public init(url: String, connections: Int = 8) throws(FawangError) {
            guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""), let host = parts.host,
                !host.isEmpty, let user = parts.user, !user.isEmpty
            else {
                throw FawangError(.invalidArgument, "storage.postgres.url must look like postgres://user[:password]@host[:port]/database, found \(Self.redacted(url))")
            }
            let database = String(parts.path.drop { $0 == "/" })
            guard !database.isEmpty else {
                throw FawangError(.invalidArgument, "storage.postgres.url names no database (…/database): \(Self.redacted(url))")
            }
            let password = parts.password ?? ProcessInfo.processInfo.environment["FAWANG_POSTGRES_PASSWORD"]
            self.init(host: host, port: parts.port ?? 5432, username: user, password: password, database: database, connections: connections)
        }

        /// `url` with its password hidden, for messages and logs.
        public static func redacted(_ url: String) -> String {
            guard var parts = URLComponents(string: url), parts.password != nil else { return url }
            parts.password = "***"
            return parts.string ?? url
        }

        public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
    }

    let settings: Settings
    let logger: Logger
    public var dialect: SQLDialect { .postgres }
    private let lanes: [Lane]
    private let free: Mutex<(idle: [Int], waiting: [CheckedContinuation<Int, Never>])>

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        let count = max(1, settings.connections)
        self.lanes = (0..<count).map { Lane(index: $0) }
        self.free = Mutex((idle: Array((0..<count).reversed()), waiting: []))
    }

    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await transaction(readOnly: false, body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await transaction(readOnly: true, body)
    }

    public func pointRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await transaction(readOnly: true, body)
    }

    /// Closes every connection (a host stopping, a test ending).
    public func close() async {
        for lane in lanes {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                lane.queue.async {
                    if let connection = lane.connection.withLock({ $0.take() }) { try? connection.close().wait() }
                    done.resume()
                }
            }
        }
    }

    private func transaction<T: Sendable>(readOnly: Bool, _ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        let lane = await acquire()
        defer { release(lane) }
        return try await run(on: lanes[lane]) { connection in
            try connection.execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", [])
            do {
                let value = try body(connection)
                try connection.execute("COMMIT", [])
                return value
            } catch {
                if !connection.isBroken { _ = try? connection.execute("ROLLBACK", []) }
                throw error
            }
        }
    }

    /// Runs `work` on the lane's thread with its connection (connecting first if it has none); a
    /// connection found broken afterwards is dropped, to be replaced on the lane's next use.
    private func run<T: Sendable>(on lane: Lane, _ work: @escaping @Sendable (PostgresSQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            lane.queue.async { [self] in
                do {
                    let connection = try self.connection(of: lane)
                    let sql = PostgresSQLConnection(connection: connection, logger: logger)
                    do {
                        continuation.resume(returning: try work(sql))
                    } catch {
                        if sql.isBroken || connection.isClosed {
                            lane.connection.withLock { $0 = nil }
                            try? connection.close().wait()
                        }
                        continuation.resume(throwing: Self.mapped(error, settings: settings))
                    }
                } catch {
                    continuation.resume(throwing: Self.mapped(error, settings: settings))
                }
            }
        }
    }

    /// The lane's open connection, or a new one (on the lane's thread: blocking is its job).
    private func connection(of lane: Lane) throws -> PostgresConnection {
        if let open = lane.connection.withLock({ $0 }), !open.isClosed { return open }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password, database: settings.database,
            tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let connecting = PostgresConnection.connect(on: eventLoop, configuration: configuration, id: lane.index, logger: logger)
        let connection = try Self.wait(connecting, limit: .seconds(15), on: eventLoop, what: "connecting to \(settings.description)")
        _ = try Self.wait(
            connection.query(PostgresQuery(unsafeSQL: "SET statement_timeout = \(settings.statementTimeoutSeconds * 1000)"), logger: logger),
            limit: .seconds(15), on: eventLoop, what: "setting statement_timeout")
        lane.connection.withLock { $0 = connection }
        return connection
    }

    /// Waits for `future` on the calling (lane) thread, failing after `limit`.
    static func wait<V: Sendable>(_ future: EventLoopFuture<V>, limit: TimeAmount, on eventLoop: any EventLoop, what: String) throws -> V {
        let promise = eventLoop.makePromise(of: V.self)
        let timer = eventLoop.scheduleTask(in: limit) {
            promise.fail(FawangError(.unavailable, "PostgreSQL did not answer within \(limit.nanoseconds / 1_000_000_000) s while \(what)"))
        }
        future.whenComplete { result in
            timer.cancel()
            promise.completeWith(result)
        }
        return try promise.futureResult.wait()
    }

    /// What a store's caller sees: its own errors as they are; PostgreSQL unreachable or gone
    /// mid-transaction as `UNAVAILABLE`; a refused statement as `INTERNAL` with the server's words.
    static func mapped(_ error: any Error, settings: Settings) -> any Error {
        if error is FawangError || error is CancellationError { return error }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                let state = psql.serverInfo?[.sqlState] ?? ""
                let message = psql.serverInfo?[.message] ?? "\(psql)"
                // Connection exceptions, shutdowns, too many connections.
                if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" {
                    return FawangError(.unavailable, "数据库暂时不可用，请稍后重试（PostgreSQL \(state): \(message)）")
                }
                return FawangError(.internalError, "PostgreSQL \(state): \(message)")
            default:
                return FawangError(.unavailable, "数据库暂时不可用，请稍后重试（\(settings.description): \(psql.code)）")
            }
        }
        if error is ChannelError || error is IOError {
            return FawangError(.unavailable, "数据库暂时不可用，请稍后重试（\(settings.description): \(error)）")
        }
        return error
    }

    // MARK: Lanes

    private func acquire() async -> Int {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            let lane: Int? = free.withLock { state in
                if let lane = state.idle.popLast() { return lane }
                state.waiting.append(continuation)
                return nil
            }
            if let lane { continuation.resume(returning: lane) }
        }
    }

    private func release(_ lane: Int) {
        let next: CheckedContinuation<Int, Never>? = free.withLock { state in
            if state.waiting.isEmpty {
                state.idle.append(lane)
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: lane)
    }

    final class Lane: Sendable {
        let index: Int
        let queue: DispatchQueue
        let connection = Mutex<PostgresConnection?>(nil)

        init(index: Int) {
            self.index = index
            self.queue = DispatchQueue(label: "fawang.postgres.\(index)")
        }
    }
}

/// One PostgreSQL connection inside a transaction (``SQLConnection``): `?` placeholders become
/// `$1…`, values are bound with their own types, every statement waits on the lane's thread.
final class PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    /// Set when a statement failed for want of the connection, not by the server's refusal.
    private(set) var isBroken = false

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try run(sql, arguments).rows.map { row in
            var values: [String: SQLValue] = [:]
            for cell in row { values[cell.columnName] = Self.value(of: cell) }
            return SQLRow(values: values)
        }
    }

    func serialize(_ resource: String) throws {
        _ = try run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [.text("fawang:" + resource)])
    }

    func hasTable(_ name: String) throws -> Bool {
        try rows("SELECT to_regclass(?) IS NOT NULL AS present", [.text(name)]).first?.bool("present") ?? false
    }

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let value): binds.append(ByteBuffer(bytes: value))
            }
        }
        let query = PostgresQuery(unsafeSQL: PostgresDialect.numbered(sql), binds: binds)
        do {
            return try connection.query(query, logger: logger).wait()
        } catch let error as PSQLError where error.code != .server {
            isBroken = true
            throw error
        } catch let error as PSQLError {
            let state = error.serverInfo?[.sqlState] ?? ""
            if state.hasPrefix("08") || state.hasPrefix("57P") { isBroken = true }
            if state == "23505" { throw UniqueKeyConflict(detail: error.serverInfo?[.message] ?? "unique_violation") }
            throw error
        } catch {
            isBroken = true
            throw error
        }
    }

    /// A cell as the stores read values: integers, reals, text and bytes as SQLite has them
    /// (a boolean as 0 or 1, an exact numeric — a SUM of integers — as an integer when whole).
    static func value(of cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .numeric:
            guard let number = try? cell.decode(Decimal.self) else { return .null }
            var rounded = Decimal()
            var copy = number
            NSDecimalRound(&rounded, &copy, 0, .plain)
            if rounded == number, let whole = Int64(exactly: NSDecimalNumber(decimal: number).int64Value), Decimal(whole) == number {
                return .integer(whole)
            }
            return .real(NSDecimalNumber(decimal: number).doubleValue)
        case .bytea:
            return (try? cell.decode(ByteBuffer.self)).map { .blob(Data($0.readableBytesView)) } ?? .null
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}

/// The few places PostgreSQL's SQL differs from the portable subset the stores and plugins write.
public enum PostgresDialect {
    private static let cache = Mutex<[String: String]>([:])

    /// `sql` with its `?` placeholders numbered `$1, $2, …` (`?NNN` becomes `$NNN`), leaving
    /// string literals, quoted names and comments alone.
    public static func numbered(_ sql: String) -> String {
        if let known = cache.withLock({ $0[sql] }) { return known }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var next = 1
        var quote: Character?
        var characters = Array(sql)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                out.append(character)
                if character == open { quote = nil }
                index += 1
                continue
            }
            if character == "'" || character == "\"" {
                quote = character
                out.append(character)
                index += 1
                continue
            }
            if character == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                while index < characters.count, characters[index] != "\n" {
                    out.append(characters[index])
                    index += 1
                }
                continue
            }
            if character == "?" {
                var digits = ""
                var look = index + 1
                while look < characters.count, characters[look].isASCII, characters[look].isNumber {
                    digits.append(characters[look])
                    look += 1
                }
                if digits.isEmpty {
                    out += "$\(next)"
                    next += 1
                } else {
                    out += "$" + digits
                }
                index = look
                continue
            }
            if character.isLetter || character == "_" {
                var word = ""
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" {
                    word.append(characters[index])
                    index += 1
                }
                out += quotedIfReserved(word)
                continue
            }
            out.append(character)
            index += 1
        }
        characters.removeAll()
        cache.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[sql] = out
        }
        return out
    }

    /// Names SQLite takes as plain identifiers and PostgreSQL reserves (a hall's `window`):
    /// quoted wherever they appear outside a string, in DDL and statements alike. The platform's
    /// and plugins' SQL never uses them as keywords.
    static let reservedIdentifiers: Set<String> = ["window"]

    static func quotedIfReserved(_ word: String) -> String {
        reservedIdentifiers.contains(word.lowercased()) ? "\"\(word.lowercased())\"" : word
    }

    /// A module's portable DDL for PostgreSQL: SQLite's storage classes as PostgreSQL's types
    /// (`INTEGER` is 64-bit there as here, `REAL` double precision, `BLOB` bytes).
    public static func ddl(_ statement: String) -> String {
        var out = ""
        var word = ""
        var quote: Character?
        func flush() {
            switch word.uppercased() {
            case "INTEGER": out += "BIGINT"
            case "REAL": out += "DOUBLE PRECISION"
            case "BLOB": out += "BYTEA"
            default: out += quotedIfReserved(word)
            }
            word = ""
        }
        for character in statement {
            if let open = quote {
                out.append(character)
                if character == open { quote = nil }
                continue
            }
            if character.isLetter || character.isNumber || character == "_" {
                word.append(character)
                continue
            }
            flush()
            if character == "'" || character == "\"" { quote = character }
            out.append(character)
        }
        flush()
        return out
    }
}
