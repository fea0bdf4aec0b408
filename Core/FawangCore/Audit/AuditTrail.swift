import Crypto
public import Foundation

/// One line of the audit trail: who did what to which record, through which channel, and how it
/// ended. Entries form a hash chain: each one's `hash` covers its own fields and the previous
/// entry's hash, so altering, removing or reordering any entry breaks every link after it.
public struct AuditEntry: Sendable, Equatable {
    /// 1, 2, 3, … with no gaps.
    public var sequence: Int64
    /// Microseconds since 1970 (an integer, so the hash never depends on float formatting).
    public var atMicroseconds: Int64
    /// Staff or system id, `applicant`, or `unauthenticated`.
    public var actor: String
    public var role: String
    public var channel: String
    /// Fully qualified gRPC method, e.g. `fawang.legalaid.v1.LegalAidService/Approve`.
    public var method: String
    /// What was touched, e.g. `matter:3f2a…`.
    public var target: String
    /// `ok`, or why it was refused.
    public var outcome: String
    /// What changed (event kinds) or was read; never personal data.
    public var detail: String
    public var peer: String
    public var previousHash: String
    public var hash: String

    public init(
        sequence: Int64, atMicroseconds: Int64, actor: String, role: String, channel: String, method: String,
        target: String, outcome: String, detail: String, peer: String, previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.atMicroseconds = atMicroseconds
        self.actor = actor
        self.role = role
        self.channel = channel
        self.method = method
        self.target = target
        self.outcome = outcome
        self.detail = detail
        self.peer = peer
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The SHA-256 (hex) of this entry's fields and its predecessor's hash.
    public var computedHash: String {
        let fields: [String] = [
            String(sequence), String(atMicroseconds), actor, role, channel, method, target, outcome, detail, peer, previousHash,
        ]
        // A JSON array of strings is an unambiguous encoding of the fields.
        let encoded = try! JSONSerialization.data(withJSONObject: fields, options: [.withoutEscapingSlashes])
        return RequestDigest.sha256Hex(encoded)
    }
}

/// An entry before the store numbers, timestamps and chains it.
public struct AuditDraft: Sendable, Equatable {
    public var actor: String
    public var role: String
    public var channel: String
    public var target: String
    public var outcome: String
    public var detail: String

    public init(actor: String, role: String, channel: String, target: String, outcome: String = "ok", detail: String) {
        self.actor = actor
        self.role = role
        self.channel = channel
        self.target = target
        self.outcome = outcome
        self.detail = detail
    }

    /// Chains the draft after `previous` (nil for the first entry) as entry `sequence`.
    public func sealed(sequence: Int64, at time: Date, method: String, peer: String, previousHash: String) -> AuditEntry {
        var entry = AuditEntry(
            sequence: sequence, atMicroseconds: Int64((time.timeIntervalSince1970 * 1_000_000).rounded()), actor: actor,
            role: role, channel: channel, method: method, target: target, outcome: outcome, detail: detail, peer: peer,
            previousHash: previousHash, hash: "")
        entry.hash = entry.computedHash
        return entry
    }
}

/// The RPC a store write belongs to, set by the host around each call (a task local, so storage
/// code records it without every signature carrying it).
public enum AuditContext {
    @TaskLocal public static var method = "internal"
    @TaskLocal public static var peer = ""
}

/// Walks a chain in sequence order and names the first entry that does not hold.
public struct AuditChainVerifier: Sendable {
    /// The hash an empty chain starts from.
    public static let genesisHash = String(repeating: "0", count: 64)

    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The entry's content no longer matches its hash: it was edited.
        case altered(sequence: Int64)
        /// Numbers jump: entries before this one were removed.
        case missing(expected: Int64, found: Int64)
        /// The entry does not follow its predecessor: removed, inserted or reordered.
        case unlinked(sequence: Int64)
        /// The chain ends before the head recorded elsewhere.
        case truncated(lastSequence: Int64, lastHash: String)

        public var description: String {
            switch self {
            case .altered(let sequence): "entry \(sequence) was altered: its content does not match its hash"
            case .missing(let expected, let found): "entry \(expected) is missing (the next entry is \(found)): entries were removed or reordered"
            case .unlinked(let sequence): "entry \(sequence) does not follow entry \(sequence - 1): an entry was removed, inserted or reordered"
            case .truncated(let last, let hash): "the chain ends at entry \(last) (\(hash)), not at the expected head: entries were removed from the end"
            }
        }
    }

    public private(set) var count: Int64 = 0
    public private(set) var headHash = AuditChainVerifier.genesisHash

    public init() {}

    /// Checks the next entry; returns the first problem, after which the rest is not trusted.
    public mutating func check(_ entry: AuditEntry) -> Problem? {
        let expected = count + 1
        if entry.sequence != expected { return .missing(expected: expected, found: entry.sequence) }
        if entry.hash != entry.computedHash { return .altered(sequence: entry.sequence) }
        if entry.previousHash != headHash { return .unlinked(sequence: entry.sequence) }
        count = entry.sequence
        headHash = entry.hash
        return nil
    }

    /// After the last entry: whether the chain reaches a head recorded outside the database.
    public func checkHead(_ expectedHead: String?) -> Problem? {
        guard let expectedHead, expectedHead != headHash else { return nil }
        return .truncated(lastSequence: count, lastHash: headHash)
    }
}

/// The append-only audit trail.
public protocol AuditLog: Sendable {
    /// Appends one entry in its own durable transaction (e.g. a sensitive read).
    func append(_ draft: AuditDraft) async throws
    /// Verifies the whole chain in order, reporting progress every `progressEvery` entries.
    func verify(expectedHead: String?, progress: @Sendable (Int64) -> Void) async throws -> (count: Int64, head: String, problem: AuditChainVerifier.Problem?)
}
