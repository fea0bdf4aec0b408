public import Foundation

/// A new timeline entry, before the store numbers and timestamps it.
public struct MatterEventDraft: Sendable, Equatable {
    public var kind: String
    public var actor: String
    public var channel: Channel
    public var note: String
    public var attributes: [String: String]

    public init(kind: String, actor: String, channel: Channel, note: String = "", attributes: [String: String] = [:]) {
        self.kind = kind
        self.actor = actor
        self.channel = channel
        self.note = note
        self.attributes = attributes
    }
}

/// A submission as a plugin validated it.
public struct MatterDraft: Sendable {
    /// The client's idempotency key. A second submission with the same key returns the first
    /// matter instead of creating another.
    public var requestID: String
    /// Digest of the request content, so that a key reused for a *different* request is refused.
    public var requestDigest: String
    public var businessLine: String
    public var matterType: String
    public var initialStatus: String
    public var applicant: Person
    public var parties: [Party]
    public var regionCode: String
    public var channel: Channel
    public var operatorID: String
    public var details: Data
    public var firstEvent: MatterEventDraft
    /// The signed-in citizen submitting for themself; empty otherwise.
    public var ownerAccountID: String = ""
    /// The professional (or staff member) the matter goes to at once: a consultation routed to
    /// whoever is on duty.
    public var assigneeAccountID: String?
    /// Writes to the owning module's own tables that belong to the creation (e.g. marking the exam
    /// result an application uses), given the new matter and run in its transaction. Not run when
    /// the request id replays an earlier submission.
    public var moduleStatements: @Sendable (Matter) -> [SQLStatement] = { _ in [] }
    /// A change to another matter that belongs to this creation (a repeat petition's link on the
    /// original), decided with the other matter and the new one and written in the same
    /// transaction. Not run on a replay.
    public var linkedUpdate: LinkedUpdate?
    /// Writes another module makes part of this creation (a booking that files its application
    /// with it): run in the same transaction, on that module's own tables. Not run on a replay.
    public var companion: CompanionWrite?

    public init(
        requestID: String, requestDigest: String, businessLine: String, matterType: String,
        initialStatus: String, applicant: Person, parties: [Party], regionCode: String,
        channel: Channel, operatorID: String, details: Data, firstEvent: MatterEventDraft, ownerAccountID: String = ""
    ) {
        self.ownerAccountID = ownerAccountID
        self.requestID = requestID
        self.requestDigest = requestDigest
        self.businessLine = businessLine
        self.matterType = matterType
        self.initialStatus = initialStatus
        self.applicant = applicant
        self.parties = parties
        self.regionCode = regionCode
        self.channel = channel
        self.operatorID = operatorID
        self.details = details
        self.firstEvent = firstEvent
    }
}

/// See ``MatterDraft/linkedUpdate``.
public struct LinkedUpdate: Sendable {
    public var trackingNumber: TrackingNumber
    /// Given the other matter and the one just created.
    public var decide: @Sendable (Matter, Matter) throws -> MatterChange

    public init(trackingNumber: TrackingNumber, decide: @escaping @Sendable (Matter, Matter) throws -> MatterChange) {
        self.trackingNumber = trackingNumber
        self.decide = decide
    }
}

/// See ``MatterDraft/companion`` and ``MatterChange/companion``.
public struct CompanionWrite: Sendable {
    /// The module whose tables the statements write.
    public var module: String
    /// Given the new matter: the statements, or an error that rolls the creation back (the
    /// matter is not what the companion can go with).
    public var write: @Sendable (Matter) throws -> [SQLStatement]
    /// The module's own audit entry for what it wrote.
    public var audit: AuditDraft?
    /// Entries the module adds to a new matter's timeline after its first (the booking it was
    /// filed with). A step's entries are its own `events`.
    public var events: [MatterEventDraft]

    public init(
        module: String, audit: AuditDraft? = nil, events: [MatterEventDraft] = [], write: @escaping @Sendable (Matter) throws -> [SQLStatement]
    ) {
        self.module = module
        self.audit = audit
        self.events = events
        self.write = write
    }
}

public enum SubmissionOutcome: Sendable {
    case created(Matter)
    /// The request id had been used before with the same content: the original matter.
    case replayed(Matter)

    public var matter: Matter {
        switch self {
        case .created(let matter), .replayed(let matter): matter
        }
    }
}

/// What one workflow step does to a matter. Applied in one transaction with its events.
public struct MatterChange: Sendable, Equatable {
    public var newStatus: String?
    public var events: [MatterEventDraft]
    /// Replacement details JSON, when the step records something in them.
    public var details: Data?
    /// The professional account the step assigns the matter to.
    public var assigneeAccountID: String?
    /// A transfer to another business line: the new line and matter type.
    public var transfer: (businessLine: String, matterType: String)?
    /// Writes to the owning module's own tables that belong to this step (a register entry the
    /// decision creates), run in the same transaction: both happen or neither.
    public var moduleStatements: [SQLStatement] = []
    /// Files stored with this step, each linked to its event among `events`
    /// (``NewMaterial/event``): the file and its timeline entry are written together or not at all.
    public var materials: [NewMaterial] = []
    /// Another module's writes that belong to this step (a booking for a visit about the matter,
    /// a hall ticket served for it), on that module's tables, in the same transaction.
    public var companion: CompanionWrite?

    public init(
        newStatus: String? = nil, events: [MatterEventDraft], details: Data? = nil, assigneeAccountID: String? = nil,
        transfer: (businessLine: String, matterType: String)? = nil
    ) {
        self.newStatus = newStatus
        self.events = events
        self.details = details
        self.assigneeAccountID = assigneeAccountID
        self.transfer = transfer
    }

    /// A change that changes nothing: the store writes nothing for it.
    public static let none = MatterChange(events: [])

    public var isEmpty: Bool {
        newStatus == nil && events.isEmpty && details == nil && assigneeAccountID == nil && transfer == nil && moduleStatements.isEmpty
            && materials.isEmpty && companion == nil
    }

    public static func == (lhs: MatterChange, rhs: MatterChange) -> Bool {
        lhs.newStatus == rhs.newStatus && lhs.events == rhs.events && lhs.details == rhs.details
            && lhs.assigneeAccountID == rhs.assigneeAccountID && lhs.transfer?.businessLine == rhs.transfer?.businessLine
            && lhs.transfer?.matterType == rhs.transfer?.matterType && lhs.moduleStatements == rhs.moduleStatements
            && lhs.materials == rhs.materials && lhs.companion?.module == rhs.companion?.module
    }
}

public struct MatterQuery: Sendable {
    public var businessLine: String?
    public var status: String?
    /// Matters in this division or below.
    public var regionCode: String?
    /// Only matters this citizen submitted.
    public var ownerAccountID: String?
    /// Only matters assigned to this professional.
    public var assigneeAccountID: String?
    public var limit: Int
    /// Opaque cursor from the previous page.
    public var after: String?

    public init(
        businessLine: String? = nil, status: String? = nil, regionCode: String? = nil, ownerAccountID: String? = nil,
        assigneeAccountID: String? = nil, limit: Int = 50, after: String? = nil
    ) {
        self.businessLine = businessLine
        self.status = status
        self.regionCode = regionCode
        self.ownerAccountID = ownerAccountID
        self.assigneeAccountID = assigneeAccountID
        self.limit = limit
        self.after = after
    }
}

public struct MatterPage: Sendable {
    public var matters: [Matter]
    public var nextCursor: String?

    public init(matters: [Matter], nextCursor: String?) {
        self.matters = matters
        self.nextCursor = nextCursor
    }
}

/// Durable storage of matters and their timelines.
///
/// Every method that returns has committed durably: an acknowledged write survives `kill -9` and
/// power loss. Implementations: `SQLiteMatterStore` (embedded default); a PostgreSQL one can be
/// added behind this protocol without touching plugins.
public protocol MatterStore: Sendable {
    /// Creates the matter with a fresh tracking number, or returns the one this request id
    /// created before. Throws `FAILED_PRECONDITION` when the id was used for other content.
    func submit(_ draft: MatterDraft, at time: Date) async throws -> SubmissionOutcome

    func matter(id: String) async throws -> Matter?

    func matter(trackingNumber: TrackingNumber) async throws -> Matter?

    /// Reads the matter, lets `decide` (a pure function, e.g. a workflow state machine) say what
    /// changes, and writes status, details and events in the same transaction, so no other step
    /// can slip in between the read and the write. An empty change (``MatterChange/none``) writes
    /// nothing.
    func update(
        trackingNumber: TrackingNumber, at time: Date,
        _ decide: @escaping @Sendable (Matter) throws -> MatterChange
    ) async throws -> Matter

    /// Newest first, timelines left empty.
    func list(_ query: MatterQuery) async throws -> MatterPage

    /// Open deadlines that need attention on `query.today`, soonest first, from the deadline index.
    func deadlineAlerts(_ query: DeadlineAlertQuery) async throws -> [DeadlineAlert]

    /// Re-derives the deadline index of every matter, after the calendar or a rule changed.
    /// Returns how many matters it looked at.
    @discardableResult
    func refreshDeadlines() async throws -> Int

    /// Re-derives every index of every matter unless the last complete derivation was made with
    /// `fingerprint` (``IndexFingerprint``: the build, the rules, the calendar) and the same data
    /// key: each write keeps the indexes in its own transaction, so after a restart — a crash
    /// included — they are current unless what derives them changed. Returns how many matters it
    /// re-derived, nil when they were current. The fingerprint is stored only once all are done.
    func refreshIndexes(unlessDerivedWith fingerprint: String) async throws -> Int?

    /// The credit figures of directory entries (ids as `<kind>/<register id>`), from the credit
    /// index; an entry no matter names is absent. Running limits past their day on `today` count
    /// as overdue.
    func creditSummaries(entryIDs: [String], today: CivilDate) async throws -> [String: CreditSummary]

    /// The matters whose applicant or a party gave `phone` (any spelling of its digits), newest
    /// first, at most `limit`: who a caller is to the platform.
    func matters(phone: String, limit: Int) async throws -> [Matter]

    /// The statistics (数据统计) asked for, from the facts index (``MatterFacts``): one bucket per
    /// group that has any figure.
    func statistics(_ query: StatisticsQuery) async throws -> [StatisticsBucket]

    /// The opinion index (``PublicOpinion``): matters counted by day — or by month (`YYYY-MM`) —
    /// county, line, source and topic (and keyword, `byKeyword`), over `from`…`to` within
    /// `regionCode` (nil: everywhere).
    func opinionCounts(from: CivilDate, to: CivilDate, regionCode: String?, byMonth: Bool, byKeyword: Bool) async throws -> [PublicOpinion.Count]

    /// The assessment's counts (``AssessmentCount``) by county and line, over `from`…`to` within
    /// `regionCode` on `businessLines`: received by the day of submission (late as of `today`,
    /// online when its channel is one of `onlineChannels`), ratings by the day given. One row per
    /// county and line that has any.
    func assessmentCounts(
        from: CivilDate, to: CivilDate, today: CivilDate, regionCode: String, businessLines: [String], onlineChannels: [String]
    ) async throws -> [AssessmentCount]

    /// The ids of the matters behind a topic in a division over `from`…`to`, newest first.
    func opinionMatters(topic: String, regionCode: String, from: CivilDate, to: CivilDate, limit: Int) async throws -> [String]

    /// The materials of a matter, in upload order.
    func materials(matterID: String) async throws -> [StoredMaterial]

    /// One material with its content, opened and checked against its stored hash (a mismatch
    /// throws `INTERNAL`: the stored file was altered or damaged).
    func material(id: String) async throws -> (material: StoredMaterial, content: Data)?
}
