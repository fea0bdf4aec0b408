import FawangCore
import Foundation
import GRDB

/// The audit trail in SQLite: `audit_log`, append-only by trigger, each row chained to the one
/// before by its hash. Entries that record a change are appended inside that change's
/// transaction (`append(_:draft:…)`), so there is no change without its entry.
struct SQLiteAuditLog: AuditLog {
    let pool: GroupCommitPool

    func append(_ draft: AuditDraft) async throws {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        let time = Date()
        try await pool.write { db in try Self.append(db, draft, method: method, peer: peer, at: time) }
    }

    /// Appends within the caller's transaction.
    static func append(_ db: Database, _ draft: AuditDraft, method: String, peer: String, at time: Date) throws {
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1"))
        let sequence: Int64 = (last?["sequence"] as Int64? ?? 0) + 1
        let previous: String = last?["hash"] ?? AuditChainVerifier.genesisHash
        let entry = draft.sealed(sequence: sequence, at: time, method: method, peer: peer, previousHash: previous)
        try db.executeCached(
            sql: """
                INSERT INTO audit_log (sequence, at_us, actor, role, channel, method, target, outcome, detail, peer, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.sequence, entry.atMicroseconds, entry.actor, entry.role, entry.channel, entry.method, entry.target,
                entry.outcome, entry.detail, entry.peer, entry.previousHash, entry.hash,
            ])
    }

    func verify(
        resumingAfter start: (count: Int64, head: String)?, expectedHead: String?, progress: @Sendable (Int64) -> Void
    ) async throws -> (count: Int64, head: String, problem: AuditChainVerifier.Problem?) {
        var verifier = start.map { AuditChainVerifier(resumingAfter: $0.count, head: $0.head) } ?? AuditChainVerifier()
        let batch = 10_000
        // From a checkpoint, the entries numbered after it; from the genesis, every row (a row
        // renumbered below 1 is then caught too).
        var after: Int64 = start?.count ?? Int64.min
        while true {
            let entries = try await pool.read { [after] db in
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT \(batch)"), arguments: [after]).map(Self.entry)
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

    func entry(sequence: Int64) async throws -> AuditEntry? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE sequence = ?"), arguments: [sequence]).map(Self.entry)
        }
    }

    func lastSequence() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM audit_log")) ?? 0 }
    }

    /// nil when no checkpoint was written, or the table does not exist yet (a database not
    /// migrated by this version, e.g. read by `fawang audit verify`).
    func checkpoint() async throws -> SignedAuditCheckpoint? {
        try await pool.read { db in
            guard try db.tableExists("audit_checkpoint") else { return nil }
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT entry_count, head_hash, at_us, signature FROM audit_checkpoint WHERE id = 1")).map { row in
                SignedAuditCheckpoint(entryCount: row["entry_count"], headHash: row["head_hash"], atMicroseconds: row["at_us"], signature: row["signature"])
            }
        }
    }

    func store(checkpoint: SignedAuditCheckpoint) async throws {
        try await pool.write { db in
            try db.executeCached(
                sql: """
                    INSERT INTO audit_checkpoint (id, entry_count, head_hash, at_us, signature) VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET entry_count = excluded.entry_count, head_hash = excluded.head_hash,
                        at_us = excluded.at_us, signature = excluded.signature
                    """,
                arguments: [checkpoint.entryCount, checkpoint.headHash, checkpoint.atMicroseconds, checkpoint.signature])
        }
    }

    private static func entry(_ row: Row) -> AuditEntry {
        AuditEntry(
            sequence: row["sequence"], atMicroseconds: row["at_us"], actor: row["actor"], role: row["role"],
            channel: row["channel"], method: row["method"], target: row["target"], outcome: row["outcome"],
            detail: row["detail"], peer: row["peer"], previousHash: row["previous_hash"], hash: row["hash"])
    }
}
