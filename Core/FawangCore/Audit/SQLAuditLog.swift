public import Foundation

/// The audit trail on either engine: `audit_log`, append-only (the database refuses updates and
/// deletes), each row chained to the one before by its hash. Entries that record a change are
/// appended inside that change's transaction (``append(_:_:method:peer:at:)``), so there is no
/// change without its entry; on an engine with several writers (PostgreSQL, several hosts) the
/// chain's head is held for the transaction (``SQLConnection/serialize(_:)``), so the chain
/// stays one chain.
public struct SQLAuditLog: AuditLog {
    let engine: any SQLEngine

    public init(engine: any SQLEngine) { self.engine = engine }

    public func append(_ draft: AuditDraft) async throws {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        let time = Date()
        try await engine.write { db in try Self.append(db, draft, method: method, peer: peer, at: time) }
    }

    /// Appends within the caller's transaction.
    public static func append(_ db: any SQLConnection, _ draft: AuditDraft, method: String, peer: String, at time: Date) throws {
        try db.serialize("audit_chain")
        let last = try db.row("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1")
        let sequence = (last?.int64("sequence") ?? 0) + 1
        let previous = last?.string("hash") ?? AuditChainVerifier.genesisHash
        let entry = draft.sealed(sequence: sequence, at: time, method: method, peer: peer, previousHash: previous)
        try db.execute(
            """
            INSERT INTO audit_log (sequence, at_us, actor, role, channel, method, target, outcome, detail, peer, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(entry.sequence), .integer(entry.atMicroseconds), .text(entry.actor), .text(entry.role), .text(entry.channel),
                .text(entry.method), .text(entry.target), .text(entry.outcome), .text(entry.detail), .text(entry.peer),
                .text(entry.previousHash), .text(entry.hash),
            ])
    }

    public func verify(
        resumingAfter start: (count: Int64, head: String)?, expectedHead: String?, progress: @Sendable (Int64) -> Void
    ) async throws -> (count: Int64, head: String, problem: AuditChainVerifier.Problem?) {
        var verifier = start.map { AuditChainVerifier(resumingAfter: $0.count, head: $0.head) } ?? AuditChainVerifier()
        let batch = 10_000
        // From a checkpoint, the entries numbered after it; from the genesis, every row (a row
        // renumbered below 1 is then caught too).
        var after: Int64 = start?.count ?? Int64.min
        while true {
            let entries = try await engine.read { [after] db in
                try db.rows("SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT \(batch)", [.integer(after)]).map(Self.entry)
            }
            for entry in entries {
                if let problem = verifier.check(entry) {
                    return (verifier.count, verifier.headHash, problem)
                }
                after = entry.sequence
            }
            if entries.count < batch { break }
            progress(verifier.count)
        }
        return (verifier.count, verifier.headHash, verifier.checkHead(expectedHead))
    }

    public func entry(sequence: Int64) async throws -> AuditEntry? {
        try await engine.read { db in try db.row("SELECT * FROM audit_log WHERE sequence = ?", [.integer(sequence)]).map(Self.entry) }
    }

    public func lastSequence() async throws -> Int64 {
        try await engine.read { db in try db.row("SELECT MAX(sequence) AS last FROM audit_log")?.int64("last") ?? 0 }
    }

    /// nil when no checkpoint was written, or the table does not exist yet (a database not
    /// migrated by this version, e.g. read by `fawang audit verify`).
    public func checkpoint() async throws -> SignedAuditCheckpoint? {
        try await engine.read { db in
            guard try db.hasTable("audit_checkpoint") else { return nil }
            return try db.row("SELECT entry_count, head_hash, at_us, signature FROM audit_checkpoint WHERE id = 1").map { row in
                SignedAuditCheckpoint(
                    entryCount: row.int64("entry_count") ?? 0, headHash: row.string("head_hash") ?? "", atMicroseconds: row.int64("at_us") ?? 0,
                    signature: row.string("signature") ?? "")
            }
        }
    }

    public func store(checkpoint: SignedAuditCheckpoint) async throws {
        try await engine.write { db in
            try db.execute(
                """
                INSERT INTO audit_checkpoint (id, entry_count, head_hash, at_us, signature) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET entry_count = excluded.entry_count, head_hash = excluded.head_hash,
                    at_us = excluded.at_us, signature = excluded.signature
                """,
                [.integer(checkpoint.entryCount), .text(checkpoint.headHash), .integer(checkpoint.atMicroseconds), .text(checkpoint.signature)])
        }
    }

    private static func entry(_ row: SQLRow) -> AuditEntry {
        AuditEntry(
            sequence: row.int64("sequence") ?? 0, atMicroseconds: row.int64("at_us") ?? 0, actor: row.string("actor") ?? "",
            role: row.string("role") ?? "", channel: row.string("channel") ?? "", method: row.string("method") ?? "",
            target: row.string("target") ?? "", outcome: row.string("outcome") ?? "", detail: row.string("detail") ?? "",
            peer: row.string("peer") ?? "", previousHash: row.string("previous_hash") ?? "", hash: row.string("hash") ?? "")
    }
}
