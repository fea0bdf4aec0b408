import Foundation

/// A plugin's own tables through the engine-neutral `ModuleStorage` interface, on either engine.
public struct SQLModuleStorage: ModuleStorage {
    let engine: any SQLEngine
    let moduleID: String
    let writes: WriteGate

    public init(engine: any SQLEngine, moduleID: String, writes: WriteGate) {
        (self.engine, self.moduleID, self.writes) = (engine, moduleID, writes)
    }

    /// Refuses a statement outside the module's tables before it runs: a programming error, so
    /// INTERNAL with the reason logged by the host.
    static func requireOwnTables(_ statements: [SQLStatement], module moduleID: String) throws {
        for statement in statements {
            if let problem = ModuleTables.problem(with: statement.sql, module: moduleID) {
                throw FawangError(.internalError, problem)
            }
        }
    }

    /// Holds the modules' tables for the rest of the transaction: a module's writes run one at a
    /// time, on PostgreSQL across every host as on SQLite's one writer. Plugins rely on it: a
    /// guarded `INSERT … SELECT` (a slot's last place, the next ticket of a hall's queue) reads
    /// and writes as one step only if no other write of the module's tables runs in between.
    /// Taken before the audit chain's head, always in the same order (by name), so two
    /// transactions never wait for each other.
    public static func hold(_ db: any SQLConnection, modules: [String]) throws {
        for module in Set(modules).sorted() { try db.serialize("module:\(module)") }
    }

    /// Runs a module's statements in the caller's transaction, after checking they touch only
    /// `moduleID`'s tables and holding them (``hold(_:modules:)``); a guarded statement that
    /// changed nothing (``SQLStatement/unlessChanged``) throws, rolling the transaction back.
    public static func run(_ db: any SQLConnection, _ statements: [SQLStatement], module moduleID: String) throws {
        guard !statements.isEmpty else { return }
        try requireOwnTables(statements, module: moduleID)
        try hold(db, modules: [moduleID])
        for statement in statements {
            let changed = try db.execute(statement.sql, statement.arguments)
            if let message = statement.unlessChanged, changed == 0 { throw FawangError.failedPrecondition(message) }
        }
    }

    public func execute(_ statements: [SQLStatement]) async throws {
        try await execute(statements, audit: nil)
    }

    public func execute(_ statements: [SQLStatement], audit: AuditDraft?) async throws {
        try Self.requireOwnTables(statements, module: moduleID)
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        try await engine.write { [moduleID] db in
            try Self.run(db, statements, module: moduleID)
            if let audit { try SQLAuditLog.append(db, audit, method: method, peer: peer, at: Date()) }
        }
    }

    public func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        try Self.requireOwnTables([statement], module: moduleID)
        return try await engine.read { db in try db.rows(statement.sql, statement.arguments) }
    }
}
