/// An administrative division (行政区划), by its six-digit code: `640000` a province-level
/// region, `640100` a prefecture-level city, `640104` a county or district.
public struct Division: Sendable, Equatable {
    public var code: String
    public var name: String
    public var parentCode: String?

    public init(code: String, name: String, parentCode: String?) {
        self.code = code
        self.name = name
        self.parentCode = parentCode
    }

    /// 1 province, 2 city, 3 county or district.
    public var level: Int { DivisionCode.level(of: code) }
}

public enum DivisionCode {
    public static func isWellFormed(_ code: String) -> Bool {
        code.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber } && !code.hasPrefix("00")
    }

    public static func level(of code: String) -> Int {
        if code.hasSuffix("0000") { return 1 }
        if code.hasSuffix("00") { return 2 }
        return 3
    }

    /// The code's prefix shared by everything inside it: `64` for 640000, `6401` for 640100.
    public static func scopePrefix(of code: String) -> String {
        switch level(of: code) {
        case 1: String(code.prefix(2))
        case 2: String(code.prefix(4))
        default: code
        }
    }

    /// Whether `inner` is `outer` or lies inside it (640104 is inside 640100 and 640000).
    public static func contains(_ outer: String, _ inner: String) -> Bool {
        inner.hasPrefix(scopePrefix(of: outer))
    }

    /// The prefix of everything in `code`'s city (the province's for a province): the scope of
    /// city-level registers such as aid providers, notary offices and mediation committees.
    public static func cityScopePrefix(of code: String) -> String {
        city(of: code).map(scopePrefix(of:)) ?? scopePrefix(of: code)
    }

    /// The prefecture-level city a county belongs to (itself for a city, nil for a province).
    public static func city(of code: String) -> String? {
        level(of: code) == 1 ? nil : String(code.prefix(4)) + "00"
    }
}

/// A legal service organisation in the directory (legal aid centre, law firm, notary office, …).
public struct Organization: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var name: String
    public var regionCode: String
    public var businessLine: String
    public var phone: String
    public var address: String

    public init(id: String, kind: String, name: String, regionCode: String, businessLine: String, phone: String, address: String) {
        self.id = id
        self.kind = kind
        self.name = name
        self.regionCode = regionCode
        self.businessLine = businessLine
        self.phone = phone
        self.address = address
    }
}

/// A member of staff of a bureau or an organisation.
public struct StaffMember: Sendable, Equatable {
    public var id: String
    public var name: String
    public var organizationID: String?
    public var role: String
    public var regionCode: String

    public init(id: String, name: String, organizationID: String?, role: String, regionCode: String) {
        self.id = id
        self.name = name
        self.organizationID = organizationID
        self.role = role
        self.regionCode = regionCode
    }
}

/// Divisions, organisations and staff.
public protocol DirectoryStore: Sendable {
    func division(code: String) async throws -> Division?
    /// Children of `parentCode`, or the top level when nil.
    func divisions(parentCode: String?) async throws -> [Division]
    func organizations(businessLine: String?, within regionCode: String?) async throws -> [Organization]
    func organization(id: String) async throws -> Organization?
    func staffMember(id: String) async throws -> StaffMember?
    /// Whether the directory holds anything yet (demo data is seeded only into an empty one).
    func isEmpty() async throws -> Bool
    /// Inserts or replaces, in one transaction.
    func save(divisions: [Division], organizations: [Organization], staff: [StaffMember]) async throws
}
