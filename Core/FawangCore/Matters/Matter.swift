public import Foundation

/// The channel a request came in by. Every submission and every later step records one, so a
/// matter keeps one timeline whichever window, desk or app touched it.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case hotline
    case walkIn = "walk_in"
    case web
    case mobile
    case wechat
    case api
    /// Records an office kept elsewhere, imported in bulk (网上录入数据).
    case dataImport = "import"

    public var label: String {
        switch self {
        case .hotline: "12348热线"
        case .walkIn: "窗口"
        case .web: "网站"
        case .mobile: "移动端"
        case .wechat: "微信"
        case .api: "系统对接"
        case .dataImport: "批量导入"
        }
    }
}

/// A natural person on a matter. The identity number is kept whole here; callers mask it for
/// anyone who has no need to see it.
public struct Person: Sendable, Equatable, Codable {
    public var name: String
    public var idNumber: String
    public var phone: String
    public var address: String

    public init(name: String, idNumber: String, phone: String, address: String = "") {
        self.name = name
        self.idNumber = idNumber
        self.phone = phone
        self.address = address
    }
}

/// Someone else on the matter: an agent, the opposing party, a guardian.
public struct Party: Sendable, Equatable, Codable {
    public var role: String
    public var person: Person

    public init(role: String, person: Person) {
        self.role = role
        self.person = person
    }
}

/// One entry of a matter's append-only timeline.
public struct MatterEvent: Sendable, Equatable, Codable {
    /// 1-based position in the timeline.
    public var sequence: Int
    /// Stable machine name (`submitted`, `approved`, …); the workflow labels it for people.
    public var kind: String
    public var at: Date
    /// Staff id, `applicant` or `system`.
    public var actor: String
    public var channel: Channel
    public var note: String
    public var attributes: [String: String]

    public init(
        sequence: Int, kind: String, at: Date, actor: String, channel: Channel,
        note: String = "", attributes: [String: String] = [:]
    ) {
        self.sequence = sequence
        self.kind = kind
        self.at = at
        self.actor = actor
        self.channel = channel
        self.note = note
        self.attributes = attributes
    }
}

/// The common case record of every business line.
public struct Matter: Sendable, Equatable {
    public var id: String
    public var trackingNumber: TrackingNumber
    /// Module id of the business line, e.g. `legal-aid`.
    public var businessLine: String
    /// Matter type id from the module's manifest, e.g. `legal-aid.application`.
    public var matterType: String
    public var status: String
    public var applicant: Person
    public var parties: [Party]
    /// Administrative division code of the handling region, e.g. `640104`.
    public var regionCode: String
    public var channel: Channel
    public var operatorID: String
    public var submittedAt: Date
    public var updatedAt: Date
    /// Business-line content as JSON; only the owning plugin interprets it.
    public var details: Data
    public var timeline: [MatterEvent]
    /// The citizen account that submitted it, if a signed-in citizen did.
    public var ownerAccountID: String = ""
    /// The professional account assigned to it (e.g. the aid lawyer), if any.
    public var assigneeAccountID: String = ""

    public init(
        id: String, trackingNumber: TrackingNumber, businessLine: String, matterType: String,
        status: String, applicant: Person, parties: [Party], regionCode: String, channel: Channel,
        operatorID: String, submittedAt: Date, updatedAt: Date, details: Data, timeline: [MatterEvent],
        ownerAccountID: String = "", assigneeAccountID: String = ""
    ) {
        self.ownerAccountID = ownerAccountID
        self.assigneeAccountID = assigneeAccountID
        self.id = id
        self.trackingNumber = trackingNumber
        self.businessLine = businessLine
        self.matterType = matterType
        self.status = status
        self.applicant = applicant
        self.parties = parties
        self.regionCode = regionCode
        self.channel = channel
        self.operatorID = operatorID
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
        self.details = details
        self.timeline = timeline
    }

    /// Decodes the plugin's details.
    public func decodeDetails<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: details)
    }

    /// Whether `phoneLastFour` matches the applicant's phone: the public second factor.
    public func acceptsSecondFactor(_ phoneLastFour: String) -> Bool {
        let expected = PhoneNumber.lastFour(applicant.phone)
        return expected.count == 4 && expected == phoneLastFour
    }
}
