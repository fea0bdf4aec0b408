import Foundation

/// What one matter says about the organisations and people who serve the public: its part of
/// their credit record in the directory (信用记录). A matter type declares it
/// (``MatterTypeSpec/credit``) from its own details; the store keeps the facts of every matter in
/// a derived index, rewritten in the transaction of every change to the matter (like the deadline
/// index), so the directory reads figures, not timelines.
public struct CreditFacts: Sendable, Equatable {
    /// Directory ids (`<kind>/<register id>`) of everyone who handles the matter: the organisation
    /// and the people it assigned (an appraisal: the institution and its two appraisers).
    public var handlers: [String]
    /// For a complaint: the directory ids it is about (the practitioner and their organisation).
    public var complaintAbout: [String]
    /// For a complaint: nil until decided, then whether it was upheld (a finding against the subject).
    public var complaintUpheld: Bool?

    public init(handlers: [String] = [], complaintAbout: [String] = [], complaintUpheld: Bool? = nil) {
        self.handlers = handlers
        self.complaintAbout = complaintAbout
        self.complaintUpheld = complaintUpheld
    }

    /// Whether the matter has anything to say about anyone.
    public var isEmpty: Bool { handlers.isEmpty && complaintAbout.isEmpty }
}

/// One entry's figures, computed from the matters themselves on the day they are read.
///
/// - A matter *handled* is one that lists the entry among its handlers (``CreditFacts/handlers``).
/// - Its rating is the applicant's satisfaction score (1–5), from the timeline's `rated` event.
/// - A handled matter is *overdue* when any of its statutory time limits was met late, or is
///   still running past its last day: it counts against every entry that handled it.
/// - A complaint counts once decided; it is *upheld* when the decision found against the subject.
public struct CreditSummary: Sendable, Equatable {
    public var handled: Int
    public var rated: Int
    /// Sum of the scores, so summaries add up exactly.
    public var ratingTotal: Int
    public var overdue: Int
    public var complaintsDecided: Int
    public var complaintsUpheld: Int
    /// Complaints about it received in the ``recentComplaintDays`` to the day read, decided or not.
    public var recentComplaints: Int

    /// The window of ``recentComplaints``.
    public static let recentComplaintDays = 90

    public init(
        handled: Int = 0, rated: Int = 0, ratingTotal: Int = 0, overdue: Int = 0, complaintsDecided: Int = 0, complaintsUpheld: Int = 0,
        recentComplaints: Int = 0
    ) {
        self.recentComplaints = recentComplaints
        self.handled = handled
        self.rated = rated
        self.ratingTotal = ratingTotal
        self.overdue = overdue
        self.complaintsDecided = complaintsDecided
        self.complaintsUpheld = complaintsUpheld
    }

    /// Mean score to one decimal, nil before the first rating.
    public var averageRating: Double? { rated == 0 ? nil : (Double(ratingTotal) / Double(rated) * 10).rounded() / 10 }

    /// Share of handled matters that went overdue, nil before the first.
    public var overdueRate: Double? { handled == 0 ? nil : Double(overdue) / Double(handled) }
}

/// The applicant's satisfaction rating on a matter's timeline, whichever step recorded it.
public enum MatterRating {
    /// The rating event's kind, and its attribute holding the score (1–5).
    public static let event = PlatformEvent.rated
    public static let scoreAttribute = "score"
    public static let scores = 1...5
    /// The scale as the public chooses from it, best first.
    public static let labels: [(score: Int, label: String)] = [
        (5, "5分 非常满意"), (4, "4分 满意"), (3, "3分 基本满意"), (2, "2分 不满意"), (1, "1分 非常不满意"),
    ]

    /// Scores that ask for a callback (``PlatformDeadlines/callback``).
    public static let callbackBelow = 3

    /// The events a rating adds after its own: a callback request for a score of 2 or less.
    public static func followUp(score: Int, channel: Channel) -> [MatterEventDraft] {
        guard score < callbackBelow else { return [] }
        return [MatterEventDraft(
            kind: PlatformEvent.callbackRequired, actor: "system", channel: channel, note: "评价\(score)分，请办理机构回访",
            attributes: [scoreAttribute: String(score)])]
    }

    /// The score on `timeline`, if the applicant has rated the matter.
    public static func score(on timeline: [MatterEvent]) -> Int? {
        timeline.last { $0.kind == event }.flatMap { $0.attributes[scoreAttribute] }.flatMap(Int.init).flatMap { scores.contains($0) ? $0 : nil }
    }
}

/// One row of the credit index: one entry's part in one matter.
public struct CreditIndexRow: Sendable, Equatable {
    public enum Role: String, Sendable {
        case handler, complaint
    }

    public var entryID: String
    public var role: Role
    /// Handler rows: the score, if rated; whether a limit was met late.
    public var rating: Int?
    public var metLate: Bool
    /// Complaint rows: nil until decided.
    public var upheld: Bool?

    /// The organisation that handles the matter of `rows`: its first handler of an organisation's
    /// kind (the notary office, the appraisal institution, the aid centre …); '' when none is named
    /// (the bureau handles it). The statistics' office dimension.
    public static func office(of rows: [CreditIndexRow]) -> String {
        rows.first { row in
            row.role == .handler && row.entryID.split(separator: "/").first.flatMap { DirectoryKind.named(String($0)) }?.isPerson == false
        }?.entryID ?? ""
    }
}

extension DeadlineEngine {
    /// What the credit index holds for `matter`: one row per entry it names, with the rating and
    /// lateness of its statistics facts (``facts(of:)``, passed in so the deadlines are evaluated
    /// once per write). Whether a running limit is overdue is decided when the index is read.
    public func creditRows(of matter: Matter, facts matterFacts: MatterFacts) -> [CreditIndexRow] {
        guard let spec = matterType(of: matter), let facts = spec.credit?(matter), !facts.isEmpty else { return [] }
        let (rating, metLate) = (matterFacts.rating, matterFacts.metLate)
        var rows: [CreditIndexRow] = []
        for id in Self.unique(facts.handlers) {
            rows.append(CreditIndexRow(entryID: id, role: .handler, rating: rating, metLate: metLate, upheld: nil))
        }
        for id in Self.unique(facts.complaintAbout) {
            rows.append(CreditIndexRow(entryID: id, role: .complaint, rating: nil, metLate: false, upheld: facts.complaintUpheld))
        }
        return rows
    }

    private static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
