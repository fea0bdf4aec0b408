public import Foundation

/// What a department module is and what it handles: the part of a plugin that the platform can
/// show, switch and route by without knowing the plugin's code.
public struct ModuleManifest: Sendable {
    /// Stable id, also the config key (`modules.<id>.enabled`), e.g. `legal-aid`.
    public var id: String
    public var nameZH: String
    public var nameEN: String
    /// Semantic version of the module.
    public var version: String
    public var matterTypes: [MatterTypeSpec]
    /// Problems the module can help with, for service guidance ("which service fits my problem").
    public var guidance: [GuidanceTopic]

    public init(id: String, nameZH: String, nameEN: String, version: String, matterTypes: [MatterTypeSpec], guidance: [GuidanceTopic] = []) {
        precondition(ModuleManifest.isValidID(id), "module id \(id) must be lower-case words joined by '-'")
        self.id = id
        self.nameZH = nameZH
        self.nameEN = nameEN
        self.version = version
        self.matterTypes = matterTypes
        self.guidance = guidance
    }

    public func matterType(_ id: String) -> MatterTypeSpec? { matterTypes.first { $0.id == id } }

    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.first != "-" && id.last != "-"
            && id.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
    }
}

/// A kind of matter a module accepts: what an application needs, its workflow and its clocks.
public struct MatterTypeSpec: Sendable {
    /// `<module id>.<name>`, e.g. `legal-aid.application`.
    public var id: String
    public var nameZH: String
    public var nameEN: String
    /// Request fields that must be filled in (proto field paths).
    public var requiredFields: [String]
    /// Materials an applicant hands in (names as shown at the window).
    public var requiredMaterials: [String]
    public var workflow: MatterWorkflow
    /// Statutory time limits, each citing its article.
    public var deadlines: [DeadlineRule]
    /// How this type takes in a matter transferred from another business line: its details. Nil
    /// if it does not take transfers. The matter restarts in the workflow's initial status, and
    /// rules that list `transferred` among their start events start on receipt.
    public var transferIntake: (@Sendable (TransferIntake) -> Data)?
    /// What service guidance tells a citizen about it (eligibility, fees, how to apply).
    public var guide: ServiceGuide
    /// Whom a matter of this type credits or faults in the directory's credit record (who handles
    /// it; whom a complaint is about and whether it was upheld), read from its details. Nil: nobody.
    public var credit: (@Sendable (Matter) -> CreditFacts)?
    /// A complaint: when it ends (any end status of its workflow) the complainant is called back
    /// (``PlatformDeadlines/callback``).
    public var callsBackWhenEnded: Bool
    /// Other statuses whose reaching asks for that callback: where a complaint is answered though
    /// it may go on (a petition's handling opinion, open to review).
    public var callsBackAfter: Set<String>

    /// The public's own words in a matter of this type (a consultation's question, a petition's
    /// facts), read for topics by public-opinion analysis (``PublicOpinion``). Nil: none.
    public var publicText: (@Sendable (Matter) -> [String])?

    /// Where a matter of this type, reaching it, asks the office to call the applicant back.
    public var callbackStatuses: Set<String> {
        callsBackWhenEnded ? workflow.terminalStatuses.union(callsBackAfter) : callsBackAfter
    }

    public init(
        id: String, nameZH: String, nameEN: String, requiredFields: [String], requiredMaterials: [String],
        workflow: MatterWorkflow, deadlines: [DeadlineRule], credit: (@Sendable (Matter) -> CreditFacts)? = nil,
        callsBackWhenEnded: Bool = false, callsBackAfter: Set<String> = [], publicText: (@Sendable (Matter) -> [String])? = nil,
        guide: ServiceGuide = ServiceGuide(), transferIntake: (@Sendable (TransferIntake) -> Data)? = nil
    ) {
        self.publicText = publicText
        precondition(callsBackAfter.allSatisfy { workflow.statuses[$0] != nil }, "a callback status of \(id) has no label")
        self.callsBackWhenEnded = callsBackWhenEnded
        self.callsBackAfter = callsBackAfter
        self.transferIntake = transferIntake
        self.credit = credit
        self.guide = guide
        self.id = id
        self.nameZH = nameZH
        self.nameEN = nameEN
        self.requiredFields = requiredFields
        self.requiredMaterials = requiredMaterials
        self.workflow = workflow
        self.deadlines = deadlines
    }

    /// The type's own rules, then the platform's that apply to every matter (``PlatformDeadlines``).
    public var allDeadlines: [DeadlineRule] { deadlines + PlatformDeadlines.all }

    /// Every deadline that has started on `timeline`, in rule order. `ruleDays` holds configured
    /// lengths of rules whose article is to be confirmed.
    public func deadlineStatuses(timeline: [MatterEvent], now: Date, calendar: WorkingDayCalendar, ruleDays: [String: Int] = [:]) -> [DeadlineStatus] {
        allDeadlines.compactMap { $0.evaluate(timeline: timeline, now: now, calendar: calendar, days: $0.articleConfirmed ? nil : ruleDays[$0.id]) }
    }
}

/// A matter arriving from another business line.
public struct TransferIntake: Sendable {
    public var matter: Matter
    /// The sending line's module id and Chinese name.
    public var fromLine: String
    public var fromLineName: String
    public var reason: String

    public init(matter: Matter, fromLine: String, fromLineName: String, reason: String) {
        self.matter = matter
        self.fromLine = fromLine
        self.fromLineName = fromLineName
        self.reason = reason
    }
}

/// A problem a citizen may describe or pick, and the matter type that fits it.
public struct GuidanceTopic: Sendable, Equatable {
    public var problemZH: String
    public var category: GuidanceCategory
    /// Words a citizen's description of the problem would contain.
    public var keywords: [String]
    public var matterTypeID: String
    /// The practice areas an office must list to take this problem (an appraisal institution
    /// licensed for 法医类, a 医疗纠纷 mediation committee). Empty: any office of the type's kinds,
    /// general offices (listing no specialty) before specialised ones.
    public var officeSpecialties: [String]

    public init(problemZH: String, category: GuidanceCategory, keywords: [String], matterTypeID: String, officeSpecialties: [String] = []) {
        self.problemZH = problemZH
        self.category = category
        self.keywords = keywords
        self.matterTypeID = matterTypeID
        self.officeSpecialties = officeSpecialties
    }

    /// Whether `specialties` (an office's practice areas) fit this problem (``officeSpecialties``).
    public func fits(_ specialties: [String]) -> Bool {
        officeSpecialties.isEmpty ? specialties.isEmpty : specialties.contains { officeSpecialties.contains($0) }
    }
}
