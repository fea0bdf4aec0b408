/// One connection inside a transaction, as the engine-neutral stores use it: portable SQL with `?`
/// placeholders (``SQLStatement``'s subset), run synchronously. A transaction runs on a thread
/// its engine owns (SQLite's writer, a PostgreSQL connection's lane), never on Swift's cooperative
/// pool, so a store's logic is written once for both engines.
public protocol SQLConnection {
    /// Runs one statement; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
    /// Runs one query; its rows by column name.
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
    /// Holds `resource` (a name: `audit_chain`, `account:<id>`) until the transaction ends, so
    /// that writers of it on other connections (other hosts of one database) wait their turn
    /// between their read and their write. A no-op where the engine has one writer at a time
    /// (SQLite).
    func serialize(_ resource: String) throws
    func hasTable(_ name: String) throws -> Bool
}

extension SQLConnection {
    public func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }
}

/// The few expressions the engines spell differently; everything else the stores write is the
/// portable subset both accept.
public enum SQLDialect: Sendable {
    case sqlite, postgres

    /// `table` read through `index`: SQLite takes the hint (its planner otherwise took a day index
    /// and read every matter of a span); PostgreSQL plans by its statistics.
    public func table(_ table: String, as alias: String? = nil, indexedBy index: String) -> String {
        let named = alias.map { "\(table) AS \($0)" } ?? table
        return switch self {
        case .sqlite: "\(named) INDEXED BY \(index)"
        case .postgres: named
        }
    }

    /// The Monday (YYYY-MM-DD) of the week of `day`, an expression giving YYYY-MM-DD.
    public func weekStart(_ day: String) -> String {
        switch self {
        case .sqlite: "date(\(day), '-6 days', 'weekday 1')"
        case .postgres: "to_char(date_trunc('week', CAST(\(day) AS date)), 'YYYY-MM-DD')"
        }
    }

    /// The text at `key` of the JSON object held as text in `column`.
    public func jsonText(_ column: String, _ key: String) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(key)')"
        case .postgres: "(CAST(\(column) AS jsonb) ->> '\(key)')"
        }
    }
}

/// Transactions of one database, whichever engine: the stores' only way in.
public protocol SQLEngine: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in one durable write transaction: committed (and on disk) when this returns,
    /// rolled back entirely if `body` throws.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// Runs `body` against a consistent snapshot of committed data.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// A read of a row or a few by an index (a token's revocation, a matter by id), run where it
    /// is cheapest: on SQLite on the caller's own thread (no hand-over to a reader's queue, which
    /// costs more than such a read); elsewhere as ``read(_:)``. Never a scan.
    func pointRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
}

/// A write a unique key refused because another transaction took the key first, as either engine
/// reports it (SQLite's UNIQUE / PRIMARY KEY constraint, PostgreSQL's 23505). A caller that chose
/// the key from what it read (the next serial of a register) reads again and retries; anyone
/// else sees `ABORTED`: try again.
public struct UniqueKeyConflict: Error, CustomStringConvertible {
    /// The engine's own words (the constraint), for logs; never shown to the public.
    public let detail: String

    public init(detail: String) {
        self.detail = detail
    }

    public var description: String { "unique key conflict: \(detail)" }
}
