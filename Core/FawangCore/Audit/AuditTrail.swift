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
        return RequestDigest.sha256Hex(bytes: Self.jsonArray(fields))
    }

    /// `fields` as a JSON array of strings, byte for byte as `JSONSerialization` writes it with
    /// `.withoutEscapingSlashes` (every chain sealed so far was hashed over that): no spaces; `"`
    /// and `\` escaped with a backslash; backspace, tab, newline, form feed and carriage return as
    /// `\b \t \n \f \r`; other control characters below U+0020 as `\u00xx` (lower-case hex);
    /// everything else as its UTF-8 bytes. `AuditTests` holds it to `JSONSerialization`.
    static func jsonArray(_ fields: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(fields.reduce(2) { $0 + $1.utf8.count + 3 })
        out.append(UInt8(ascii: "["))
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
                case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
                case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
                case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0..<0x20: out += Array("\\u00".utf8) + [RequestDigest.hexDigits[Int(byte >> 4)], RequestDigest.hexDigits[Int(byte & 0xF)]]
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
        return out
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
        /// The chain ends before the entry count of the last signed checkpoint.
        case shorterThanCheckpoint(lastSequence: Int64, checkpointCount: Int64)
        /// The entry the signed checkpoint ends at is not the one it signed: it, or entries
        /// before it, were altered and re-chained.
        case checkpointMismatch(sequence: Int64)
        /// The stored checkpoint's signature does not hold: it was edited, or signed with
        /// another key.
        case checkpointForged
        /// A checkpoint was written before (its key exists) but is gone from the database.
        case checkpointMissing

        public var description: String {
            switch self {
            case .altered(let sequence): "entry \(sequence) was altered: its content does not match its hash"
            case .missing(let expected, let found): "entry \(expected) is missing (the next entry is \(found)): entries were removed or reordered"
            case .unlinked(let sequence): "entry \(sequence) does not follow entry \(sequence - 1): an entry was removed, inserted or reordered"
            case .truncated(let last, let hash): "the chain ends at entry \(last) (\(hash)), not at the expected head: entries were removed from the end"
            case .shorterThanCheckpoint(let last, let count):
                "the chain ends at entry \(last), but the last signed checkpoint recorded \(count) entries: entry \(last + 1) and any after it were removed from the end"
            case .checkpointMismatch(let sequence):
                "entry \(sequence) is not the entry the last signed checkpoint recorded: it or an entry before it was altered and re-chained"
            case .checkpointForged: "the signature of the stored audit checkpoint does not match: the checkpoint was edited or signed with another key"
            case .checkpointMissing: "the signed audit checkpoint is missing from the database although one was written (its key exists): it was removed"
            }
        }
    }

    public private(set) var count: Int64 = 0
    public private(set) var headHash = AuditChainVerifier.genesisHash

    public init() {}

    /// Continues a chain already verified up to entry `count`, whose hash is `head` (a checkpoint).
    public init(resumingAfter count: Int64, head: String) {
        self.count = count
        self.headHash = head
    }

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
    /// Verifies the chain in order from the entry after `start` (a checkpoint; the genesis when
    /// nil), reporting progress every batch of entries.
    func verify(
        resumingAfter start: (count: Int64, head: String)?, expectedHead: String?, progress: @Sendable (Int64) -> Void
    ) async throws -> (count: Int64, head: String, problem: AuditChainVerifier.Problem?)
    /// The entry numbered `sequence`, if there is one.
    func entry(sequence: Int64) async throws -> AuditEntry?
    /// The highest entry number (0 for an empty trail).
    func lastSequence() async throws -> Int64
    /// The stored checkpoint, or nil if none was written.
    func checkpoint() async throws -> SignedAuditCheckpoint?
    /// Replaces the stored checkpoint.
    func store(checkpoint: SignedAuditCheckpoint) async throws
}

extension AuditLog {
    /// Verifies the whole chain from its first entry.
    public func verify(expectedHead: String?, progress: @Sendable (Int64) -> Void) async throws -> (count: Int64, head: String, problem: AuditChainVerifier.Problem?) {
        try await verify(resumingAfter: nil, expectedHead: expectedHead, progress: progress)
    }
}

/// How far the chain was verified: its first `entryCount` entries, ending with `headHash`.
/// Stored in the database beside the trail, signed with an HMAC key kept outside it, so that
/// start-up verifies only the entries after it, and entries removed from the end show.
public struct SignedAuditCheckpoint: Sendable, Equatable {
    public var entryCount: Int64
    public var headHash: String
    public var atMicroseconds: Int64
    /// HMAC-SHA256 (hex) of the fields above.
    public var signature: String

    public init(entryCount: Int64, headHash: String, atMicroseconds: Int64, signature: String) {
        self.entryCount = entryCount
        self.headHash = headHash
        self.atMicroseconds = atMicroseconds
        self.signature = signature
    }

    /// A checkpoint of `entryCount` entries ending with `headHash`, signed with `key`.
    public init(entryCount: Int64, headHash: String, at time: Date, key: Data) {
        self.entryCount = entryCount
        self.headHash = headHash
        self.atMicroseconds = Int64((time.timeIntervalSince1970 * 1_000_000).rounded())
        self.signature = ""
        self.signature = expectedSignature(key: key)
    }

    public func isSigned(with key: Data) -> Bool {
        // Constant-time comparison of the MACs.
        guard let given = Data(hexString: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: signedBytes, using: SymmetricKey(data: key))
    }

    private var signedBytes: Data { Data("fawang-audit-checkpoint-v1\n\(entryCount)\n\(headHash)\n\(atMicroseconds)".utf8) }

    private func expectedSignature(key: Data) -> String {
        RequestDigest.hex(HMAC<SHA256>.authenticationCode(for: signedBytes, using: SymmetricKey(data: key)))
    }
}

extension Data {
    init?(hexString: String) {
        guard hexString.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hexString.count / 2)
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}

/// Verifies the audit trail against its last signed checkpoint and moves the checkpoint on.
///
/// ```swift
/// let checkpoints = AuditCheckpoints(audit: storage.audit, key: key)
/// let result = try await checkpoints.verifySinceCheckpoint(checkpointExpected: true)
/// if result.problem == nil { try await checkpoints.advance(to: result) }
/// ```
public struct AuditCheckpoints: Sendable {
    public struct Result: Sendable, Equatable {
        /// Entries known intact (up to the first problem).
        public var count: Int64
        public var head: String
        public var problem: AuditChainVerifier.Problem?
        /// Entries actually read and checked (those after the checkpoint, or all of them).
        public var checked: Int64
        public var checkpoint: SignedAuditCheckpoint?
    }

    let audit: any AuditLog
    let key: Data

    public init(audit: any AuditLog, key: Data) {
        self.audit = audit
        self.key = key
    }

    /// Checks the stored checkpoint (signature, the entry it ends at), then only the entries
    /// after it. With `fullChain`, walks every entry instead (still comparing with the
    /// checkpoint, so a cut tail shows). `checkpointExpected`: a checkpoint was written before,
    /// so its absence from a non-empty trail is a problem.
    public func verifySinceCheckpoint(
        checkpointExpected: Bool, fullChain: Bool = false, expectedHead: String? = nil, progress: @Sendable (Int64) -> Void = { _ in }
    ) async throws -> Result {
        guard let checkpoint = try await audit.checkpoint() else {
            let result = try await audit.verify(resumingAfter: nil, expectedHead: expectedHead, progress: progress)
            let problem = result.problem ?? (checkpointExpected && result.count > 0 ? .checkpointMissing : nil)
            return Result(count: result.count, head: result.head, problem: problem, checked: result.count, checkpoint: nil)
        }
        if fullChain {
            // Every entry first (the first bad one is what an investigation needs), then the
            // checkpoint: its signature, and whether the chain still reaches it.
            let result = try await audit.verify(resumingAfter: nil, expectedHead: expectedHead, progress: progress)
            var problem = result.problem
            if problem == nil {
                if checkpoint.isSigned(with: key) { problem = try await mismatch(checkpoint) } else { problem = .checkpointForged }
            }
            return Result(count: result.count, head: result.head, problem: problem, checked: result.count, checkpoint: checkpoint)
        }
        func failed(_ problem: AuditChainVerifier.Problem) -> Result {
            Result(count: checkpoint.entryCount, head: checkpoint.headHash, problem: problem, checked: 0, checkpoint: checkpoint)
        }
        guard checkpoint.isSigned(with: key) else { return failed(.checkpointForged) }
        if let problem = try await mismatch(checkpoint) { return failed(problem) }
        let result = try await audit.verify(
            resumingAfter: (checkpoint.entryCount, checkpoint.headHash), expectedHead: expectedHead, progress: progress)
        return Result(
            count: result.count, head: result.head, problem: result.problem,
            checked: result.count - checkpoint.entryCount, checkpoint: checkpoint)
    }

    /// Whether the entry the checkpoint ends at is still there, intact and the one it signed.
    private func mismatch(_ checkpoint: SignedAuditCheckpoint) async throws -> AuditChainVerifier.Problem? {
        guard checkpoint.entryCount > 0 else { return nil }
        guard let entry = try await audit.entry(sequence: checkpoint.entryCount) else {
            let last = try await audit.lastSequence()
            return .shorterThanCheckpoint(lastSequence: min(last, checkpoint.entryCount - 1), checkpointCount: checkpoint.entryCount)
        }
        guard entry.hash == checkpoint.headHash, entry.computedHash == entry.hash else {
            return .checkpointMismatch(sequence: checkpoint.entryCount)
        }
        return nil
    }

    /// Stores a signed checkpoint at a verified result (never one with a problem, never backwards).
    public func advance(to result: Result, at time: Date = Date()) async throws {
        guard result.problem == nil, result.count >= (result.checkpoint?.entryCount ?? 0) else { return }
        if let previous = result.checkpoint, previous.entryCount == result.count, previous.headHash == result.head { return }
        try await audit.store(checkpoint: SignedAuditCheckpoint(entryCount: result.count, headHash: result.head, at: time, key: key))
    }
}
