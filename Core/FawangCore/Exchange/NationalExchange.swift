public import Crypto
public import Foundation

/// The exchange with the Ministry of Justice's national 12348 platform: what the province sends,
/// how it is signed, and the outbox it is sent from.
///
/// Every change the national platform hears of is written to the outbox (``ExchangeOutbox``) in
/// the same transaction as the change itself, so a committed change is never missed and a
/// rolled-back one never sent. A pusher in the host sends the outbox in order, each envelope
/// signed with the province's Ed25519 key, and marks an entry settled only on the national side's
/// receipt; the receiver applies a message id once, so a retry after a crash or an outage changes
/// nothing on its side (exactly once in effect).
public enum NationalExchange {
    /// The data items sent.
    public enum Kind: String, Sendable, CaseIterable {
        /// A new matter, whichever channel it came in by.
        case matterSubmitted = "matter.submitted"
        /// A matter's status changed (or it moved to another line).
        case matterStatus = "matter.status"
        /// One day's figures by county and line: received, accepted, ended, rated, satisfied.
        case statisticsDaily = "statistics.daily"
        /// A referral from the national platform that this platform cannot take, with why
        /// (``ReferralRefusal``). A referral it takes is answered by its matter's
        /// `matter.submitted` item, which names the referral (`referral_id`).
        case referralRejected = "referral.rejected"
    }

    /// The kind of the envelopes the national platform refers matters in (转办).
    public static let referralKind = "referral"
    /// The timeline event a matter filed from a referral carries after its first, with the
    /// referral's message id in the attribute ``referralAttribute``.
    public static let referredEvent = PlatformEvent.referred
    public static let referralAttribute = "referral_id"
    /// The service account referrals are filed under (role `service`: channel `api`).
    public static let referralAccount = "national-exchange"

    /// How many past days the pusher makes up for when it was not running at midnight (a host
    /// down over a long weekend); older days are left to `fawang exchange report` and a person.
    public static let statisticsCatchUpDays = 7

    /// The bytes an envelope's signature covers (documented in the contract,
    /// `Protocols/proto/national/exchange/v1/exchange.proto`): every field but the key id and
    /// the signature, each but the payload ended by a newline.
    public static func signingBytes(messageID: String, source: String, kind: String, createdAtMicros: Int64, payload: Data) -> Data {
        var bytes = Data("fawang-exchange-v1\n\(messageID)\n\(source)\n\(kind)\n\(createdAtMicros)\n".utf8)
        bytes.append(payload)
        return bytes
    }

    /// The data item of a matter as the national platform receives it: what it is, where and
    /// how it stands, never who the applicant is (no names, identity numbers or phones). A
    /// matter the national platform referred names the referral (`referral_id`).
    public static func item(of matter: Matter, event: String) throws -> Data {
        let item = MatterItem(
            trackingNumber: matter.trackingNumber.digits, businessLine: matter.businessLine, matterType: matter.matterType,
            status: matter.status, regionCode: matter.regionCode, channel: matter.channel.rawValue,
            submittedAt: matter.submittedAt, updatedAt: matter.updatedAt, event: event, referralID: referralID(of: matter))
        return try encode(item)
    }

    /// The message id of the referral `matter` was filed from, if any.
    public static func referralID(of matter: Matter) -> String? {
        matter.timeline.first { $0.kind == referredEvent }?.attributes[referralAttribute]
    }

    /// The answer to a referral this platform cannot take (``Kind/referralRejected``).
    public struct ReferralRefusal: Codable, Sendable, Equatable {
        public var referralID: String
        public var reason: String
        /// The application's fields at fault, when that is why (`application.applicant.phone`).
        public var violations: [Violation]

        public struct Violation: Codable, Sendable, Equatable {
            public var field: String
            public var reason: String

            public init(field: String, reason: String) { (self.field, self.reason) = (field, reason) }
        }

        public init(referralID: String, reason: String, violations: [Violation] = []) {
            (self.referralID, self.reason, self.violations) = (referralID, reason, violations)
        }

        enum CodingKeys: String, CodingKey {
            case referralID = "referral_id", reason, violations
        }
    }

    public static func item(of refusal: ReferralRefusal) throws -> Data { try encode(refusal) }

    /// The inbox row of a referral taken as `matter`, written in the matter's own transaction (a
    /// ``CompanionWrite`` of module `exchange`), so a matter exists exactly when its referral is
    /// recorded as taken.
    public static func takenReferral(messageID: String, sequence: Int64, matter: Matter, at time: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO exchange_inbox (message_id, national_sequence, state, matter_id, tracking_number, reason, received_at)
            VALUES (?, ?, 'accepted', ?, ?, '', ?)
            """,
            [.text(messageID), .integer(sequence), .text(matter.id), .text(matter.trackingNumber.digits), .real(time.timeIntervalSince1970)])
    }

    /// Items as the contract writes them: keys sorted, times in RFC 3339 (UTC).
    private static func encode(_ item: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(item)
    }

    /// One county's and line's figures of a day.
    public struct DailyFigures: Codable, Sendable, Equatable {
        public var regionCode: String
        public var businessLine: String
        /// Matters submitted that day, accepted, ended (any outcome), rated, and rated 4 or 5.
        public var received: Int
        public var accepted: Int
        public var ended: Int
        public var rated: Int
        public var satisfied: Int

        public init(regionCode: String, businessLine: String, received: Int, accepted: Int, ended: Int, rated: Int, satisfied: Int) {
            (self.regionCode, self.businessLine, self.received, self.accepted) = (regionCode, businessLine, received, accepted)
            (self.ended, self.rated, self.satisfied) = (ended, rated, satisfied)
        }

        enum CodingKeys: String, CodingKey {
            case regionCode = "region_code", businessLine = "business_line", received, accepted, ended, rated, satisfied
        }
    }

    /// The statistics item of `day`: `{"day": "YYYY-MM-DD", "rows": [...]}` (no rows: a quiet day,
    /// still reported, so the national side can tell it from a missing one).
    public static func statistics(day: CivilDate, _ figures: [DailyFigures]) throws -> Data {
        struct Item: Encodable {
            let day: String
            let rows: [DailyFigures]
        }
        return try encode(Item(day: day.description, rows: figures))
    }

    struct MatterItem: Codable {
        let trackingNumber: String
        let businessLine: String
        let matterType: String
        let status: String
        let regionCode: String
        let channel: String
        let submittedAt: Date
        let updatedAt: Date
        /// The timeline event that made the change.
        let event: String
        /// The referral the matter was filed from (absent for the rest).
        let referralID: String?

        enum CodingKeys: String, CodingKey {
            case trackingNumber = "tracking_number", businessLine = "business_line", matterType = "matter_type", status
            case regionCode = "region_code", channel, submittedAt = "submitted_at", updatedAt = "updated_at", event
            case referralID = "referral_id"
        }
    }
}

/// The province's Ed25519 signing key for the exchange. The file holds the 32-byte private key
/// in base64 on one line; the key id is the first 16 hex digits of the public key's SHA-256, so
/// the national side can tell keys apart across a rotation.
public struct ExchangeSigningKey: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey
    public let keyID: String

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.keyID = Self.keyID(of: privateKey.publicKey)
    }

    /// The key from its text (one base64 line of the 32-byte private key); `source` names where
    /// the text came from in the error.
    public init(text: String, from source: String) throws(FawangError) {
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw FawangError(.failedPrecondition, "\(source) is not one base64 line of a 32-byte Ed25519 private key: move it away and restart to have a new one made (then register its public key with the national platform)")
        }
        self.init(privateKey: key)
    }

    /// A new key's file line (base64 of the private key) and its public key in base64, the
    /// form the national side registers.
    public static func generate() -> (fileLine: String, publicKey: String, keyID: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation.base64EncodedString(), key.publicKey.rawRepresentation.base64EncodedString(), keyID(of: key.publicKey))
    }

    public static func keyID(of publicKey: Curve25519.Signing.PublicKey) -> String {
        String(RequestDigest.sha256Hex(publicKey.rawRepresentation).prefix(16))
    }

    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    public func sign(_ entry: OutboxEntry, source: String) throws -> Data {
        try privateKey.signature(for: NationalExchange.signingBytes(
            messageID: entry.messageID, source: source, kind: entry.kind, createdAtMicros: entry.createdAtMicros, payload: entry.payload))
    }

    /// Whether `signature` is `publicKey`'s over the envelope's fields (what a receiver checks).
    public static func verify(
        signature: Data, publicKey: Curve25519.Signing.PublicKey, messageID: String, source: String, kind: String, createdAtMicros: Int64,
        payload: Data
    ) -> Bool {
        publicKey.isValidSignature(
            signature, for: NationalExchange.signingBytes(messageID: messageID, source: source, kind: kind, createdAtMicros: createdAtMicros, payload: payload))
    }
}

/// One envelope waiting in the outbox.
public struct OutboxEntry: Sendable, Equatable {
    /// Position in the outbox: entries are sent in this order.
    public var sequence: Int64
    public var messageID: String
    public var kind: String
    public var payload: Data
    public var createdAtMicros: Int64
    /// Deliveries tried so far.
    public var attempts: Int

    public init(sequence: Int64, messageID: String, kind: String, payload: Data, createdAtMicros: Int64, attempts: Int) {
        self.sequence = sequence
        self.messageID = messageID
        self.kind = kind
        self.payload = payload
        self.createdAtMicros = createdAtMicros
        self.attempts = attempts
    }
}

/// How an outbox entry was settled by the national side's receipt.
public enum OutboxSettlement: String, Sendable {
    /// Applied on receipt.
    case accepted
    /// The national side had it already (a retry after a lost receipt): settled, nothing new.
    case duplicate
    /// Refused for good: kept with the reason, for the reconciliation report.
    case rejected
}

/// One day's reconciliation: what the outbox took in that day and where each entry stands.
/// It balances when `enqueued == acknowledged + rejected + pending`.
public struct ExchangeReport: Sendable, Equatable {
    public var day: String
    public var enqueued: Int
    /// Settled by an accepted or duplicate receipt.
    public var acknowledged: Int
    /// Of those, settled as duplicates (the national side had them from an earlier try).
    public var duplicates: Int
    public var rejected: Int
    public var pending: Int
    /// Delivery attempts made for that day's entries, settled or not.
    public var attempts: Int
    /// The oldest pending entry's commit time (nil when none is pending).
    public var oldestPending: Date?
    /// Rejected entries with the national side's reasons.
    public var rejections: [Rejection]
    /// Referrals from the national platform received that day: taken as matters, and refused
    /// (each answered by a `referral.rejected` item counted in `enqueued`).
    public var referralsTaken = 0
    public var referralsRefused = 0

    public struct Rejection: Sendable, Equatable {
        public var messageID: String
        public var reason: String

        public init(messageID: String, reason: String) {
            (self.messageID, self.reason) = (messageID, reason)
        }
    }

    public var balances: Bool { enqueued == acknowledged + rejected + pending }

    public init(
        day: String, enqueued: Int, acknowledged: Int, duplicates: Int, rejected: Int, pending: Int, attempts: Int, oldestPending: Date?,
        rejections: [Rejection]
    ) {
        (self.day, self.enqueued, self.acknowledged, self.duplicates) = (day, enqueued, acknowledged, duplicates)
        (self.rejected, self.pending, self.attempts, self.oldestPending, self.rejections) = (rejected, pending, attempts, oldestPending, rejections)
    }
}

/// The outbox the pusher sends from. Entries are written by the matter store in the change's
/// own transaction; this is the pusher's side.
public protocol ExchangeOutbox: Sendable {
    /// Pending entries due at `now`, oldest first, stopping at the first one not yet due (its
    /// retry waits, and so do the entries after it: changes reach the national side in order).
    func due(limit: Int, now: Date) async throws -> [OutboxEntry]
    /// Records the receipt: the entry is settled and not sent again.
    func settle(sequence: Int64, as settlement: OutboxSettlement, reason: String, at time: Date) async throws
    /// Records a failed attempt (no receipt): the entry is tried again from `next`.
    func retry(sequence: Int64, error: String, next: Date) async throws
    /// When the oldest pending entry is next due (nil when nothing is pending).
    func nextDue() async throws -> Date?
    /// Entries not yet settled, of every day.
    func pendingCount() async throws -> Int
    /// Adds `day`'s figures (``NationalExchange/Kind/statisticsDaily``) to the outbox, once: false
    /// when that day's were added before.
    func enqueueDailyStatistics(day: CivilDate, at time: Date) async throws -> Bool
    /// The latest day whose figures were added (nil before the first).
    func lastStatisticsDay() async throws -> CivilDate?
    /// The reconciliation of entries committed on `day` (local calendar day, `YYYY-MM-DD`).
    func report(day: CivilDate) async throws -> ExchangeReport
}

/// A referral as the inbox recorded it.
public struct ReferralRecord: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Filed as the matter `trackingNumber`.
        case accepted
        /// Refused with `reason`, answered by a `referral.rejected` item.
        case rejected
    }

    public var messageID: String
    public var sequence: Int64
    public var state: State
    public var trackingNumber: String
    public var reason: String

    public init(messageID: String, sequence: Int64, state: State, trackingNumber: String, reason: String) {
        (self.messageID, self.sequence, self.state, self.trackingNumber, self.reason) = (messageID, sequence, state, trackingNumber, reason)
    }
}

/// What the national platform referred (`exchange_inbox`): each message id once, whatever
/// happens to it. A taken referral's row is written in its matter's transaction
/// (``NationalExchange/takenReferral(messageID:sequence:matter:at:)``); a refused one's here.
public protocol ExchangeInbox: Sendable {
    /// The highest national sequence recorded (0 before the first): where the next fetch starts.
    func referralCursor() async throws -> Int64
    func referral(messageID: String) async throws -> ReferralRecord?
    /// Records `refusal` with its audit entry and its answer in the outbox
    /// (``NationalExchange/Kind/referralRejected``), in one transaction; false, and nothing
    /// written, when the message id was recorded before.
    func refuseReferral(_ refusal: NationalExchange.ReferralRefusal, sequence: Int64, audit: AuditDraft, at time: Date) async throws -> Bool
}

/// How long the pusher waits before trying an entry again after `attempts` failed deliveries:
/// 1 s, doubling, at most 5 minutes, with up to a fifth more at random so that hosts coming back
/// from one outage do not retry in step.
public enum ExchangeBackoff {
    public static func delay(afterAttempts attempts: Int, random: Double = Double.random(in: 0...0.2)) -> TimeInterval {
        let base = min(300, pow(2, Double(max(0, attempts - 1))))
        return base * (1 + random)
    }
}
