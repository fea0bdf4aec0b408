import Foundation

/// An administrative division (行政区划), by its six-digit code: `640000` a province-level
/// region, `640100` a prefecture-level city, `640104` a county or district.
public struct Division: Sendable, Equatable {
    public var code: String
    public var name: String
    public var parentCode: String?
    /// The seat of its government (县城、市区): where the map places it and what entries without
    /// their own point fall back to.
    public var seat: GeoPoint?

    public init(code: String, name: String, parentCode: String?, seat: GeoPoint? = nil) {
        self.code = code
        self.name = name
        self.parentCode = parentCode
        self.seat = seat
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

    /// "银川市兴庆区" for a county, "银川市" for a city, the province's name for the province; empty
    /// for a code not in `divisions`.
    public static func fullName(of code: String, in divisions: [String: Division]) -> String {
        guard let division = divisions[code] else { return "" }
        guard division.level == 3, let city = city(of: code).flatMap({ divisions[$0] }) else { return division.name }
        return city.name + division.name
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
    public var location: GeoPoint?

    public init(id: String, kind: String, name: String, regionCode: String, businessLine: String, phone: String, address: String, location: GeoPoint? = nil) {
        self.location = location
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
    /// Every division, by code.
    func allDivisions() async throws -> [Division]
    func organizations(businessLine: String?, within regionCode: String?) async throws -> [Organization]
    func organization(id: String) async throws -> Organization?
    func staffMember(id: String) async throws -> StaffMember?
    /// Whether the directory holds anything yet (demo data is seeded only into an empty one).
    func isEmpty() async throws -> Bool
    /// Inserts or replaces, in one transaction.
    func save(divisions: [Division], organizations: [Organization], staff: [StaffMember]) async throws
}

/// A point on the map (WGS-84 degrees).
public struct GeoPoint: Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Whether the numbers can be a place on Earth.
    public var isValid: Bool { (-90...90).contains(latitude) && (-180...180).contains(longitude) }

    /// Great-circle distance in kilometres (haversine, mean Earth radius 6,371 km).
    public func distance(to other: GeoPoint) -> Double {
        let radians = Double.pi / 180
        let dLat = (other.latitude - latitude) * radians, dLon = (other.longitude - longitude) * radians
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(latitude * radians) * cos(other.latitude * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 6371 * 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }
}

/// What a directory entry is: an organisation or a person, of which line.
public struct DirectoryKind: Sendable, Hashable {
    /// Stable id, e.g. `notary_office`.
    public var id: String
    public var nameZH: String
    public var isPerson: Bool

    public init(id: String, nameZH: String, isPerson: Bool) {
        self.id = id
        self.nameZH = nameZH
        self.isPerson = isPerson
    }

    public static let legalAidCentre = DirectoryKind(id: "legal_aid_centre", nameZH: "法律援助机构", isPerson: false)
    public static let legalAidProvider = DirectoryKind(id: "legal_aid_provider", nameZH: "法律援助人员", isPerson: true)
    public static let lawFirm = DirectoryKind(id: "law_firm", nameZH: "律师事务所", isPerson: false)
    public static let lawyer = DirectoryKind(id: "lawyer", nameZH: "律师", isPerson: true)
    public static let notaryOffice = DirectoryKind(id: "notary_office", nameZH: "公证机构", isPerson: false)
    public static let notary = DirectoryKind(id: "notary", nameZH: "公证员", isPerson: true)
    public static let appraisalInstitution = DirectoryKind(id: "appraisal_institution", nameZH: "司法鉴定机构", isPerson: false)
    public static let appraiser = DirectoryKind(id: "appraiser", nameZH: "司法鉴定人", isPerson: true)
    public static let mediationCommittee = DirectoryKind(id: "mediation_committee", nameZH: "人民调解委员会", isPerson: false)
    public static let mediator = DirectoryKind(id: "mediator", nameZH: "人民调解员", isPerson: true)
    /// 公共法律服务中心 (county), 工作站 (township), 工作室 (village).
    public static let serviceCentre = DirectoryKind(id: "service_centre", nameZH: "公共法律服务中心", isPerson: false)
    public static let serviceStation = DirectoryKind(id: "service_station", nameZH: "公共法律服务工作站", isPerson: false)
    public static let serviceRoom = DirectoryKind(id: "service_room", nameZH: "公共法律服务工作室", isPerson: false)
    /// 一村（社区）一法律顾问.
    public static let villageAdviser = DirectoryKind(id: "village_adviser", nameZH: "村（居）法律顾问", isPerson: true)

    public static let all: [DirectoryKind] = [
        .serviceCentre, .serviceStation, .serviceRoom, .villageAdviser, .legalAidCentre, .legalAidProvider, .lawFirm, .lawyer,
        .notaryOffice, .notary, .appraisalInstitution, .appraiser, .mediationCommittee, .mediator,
    ]

    public static func named(_ id: String) -> DirectoryKind? { all.first { $0.id == id } }

    /// The directory id of a register entry of this kind: `notary_office/np-640100-1`.
    public func entryID(_ localID: String) -> String { "\(id)/\(localID)" }
}

/// One organisation or person in the public directory (法律服务组织机构及人员信息), as its line's
/// register holds it. Entries are composed on request from every enabled line's register, so the
/// directory never lags behind a licence decision.
public struct DirectoryEntry: Sendable, Equatable {
    /// `<kind>/<the register's id>`: unique across lines.
    public var id: String { kind.entryID(localID) }
    /// The id in the line's own register.
    public var localID: String
    public var kind: DirectoryKind
    public var name: String
    public var regionCode: String
    /// The module whose register holds it (`notarization`).
    public var businessLine: String
    /// A person's organisation (its directory id) and name; empty for an organisation.
    public var organizationID: String
    public var organizationName: String
    public var address: String
    public var phone: String
    /// Practice areas, e.g. 婚姻家庭, 劳动争议, 法医临床.
    public var specialties: [String]
    /// Its own point, or nil: the service then places it at its division's seat.
    public var location: GeoPoint?
    /// 执业证号 / 许可证号, where the register has one.
    public var licenceNumber: String
    /// The licence as the register has it now, e.g. 正常执业, 停止执业, 已注销.
    public var licenceStatus: String
    /// Whether the licence lets it serve the public now.
    public var inGoodStanding: Bool
    /// Disciplinary records (行政处罚、行业处分), newest first, e.g. "2025-06-10 警告：…".
    public var discipline: [String]
    /// The same measures as records, where the register keeps them so (the credit score counts
    /// them); a bureau's own join them (``apply(_:today:)``).
    public var measures: [DisciplinaryMeasure]
    /// What the bureaus recorded beyond the register (``OversightRecord``); empty until any.
    public var oversight: OversightRecord

    public init(
        localID: String, kind: DirectoryKind, name: String, regionCode: String, businessLine: String,
        organizationID: String = "", organizationName: String = "", address: String = "", phone: String = "",
        specialties: [String] = [], location: GeoPoint? = nil, licenceNumber: String = "", licenceStatus: String = "正常",
        inGoodStanding: Bool = true, discipline: [String] = [], measures: [DisciplinaryMeasure] = []
    ) {
        self.measures = measures
        self.oversight = OversightRecord()
        self.localID = localID
        self.kind = kind
        self.name = name
        self.regionCode = regionCode
        self.businessLine = businessLine
        self.organizationID = organizationID
        self.organizationName = organizationName
        self.address = address
        self.phone = phone
        self.specialties = specialties
        self.location = location
        self.licenceNumber = licenceNumber
        self.licenceStatus = licenceStatus
        self.inGoodStanding = inGoodStanding
        self.discipline = discipline
    }
}

extension FieldValidator {
    /// A six-digit division code, or the field named with an example.
    public mutating func regionCode(_ code: String, field: String = "region_code") {
        require(DivisionCode.isWellFormed(code), field, "请填写6位行政区划代码，如银川市兴庆区为640104")
    }
}
