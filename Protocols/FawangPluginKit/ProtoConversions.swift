public import FawangProto
public import FawangCore
import Foundation

extension Fawang_Matter_V1_Channel {
    public init(_ channel: Channel) {
        self = switch channel {
        case .hotline: .hotline
        case .walkIn: .walkIn
        case .web: .web
        case .mobile: .mobile
        case .wechat: .wechat
        case .api: .api
        case .dataImport: .import
        }
    }

    /// Core's channel; nil for `CHANNEL_UNSPECIFIED` or an unknown number.
    public var core: Channel? {
        switch self {
        case .hotline: .hotline
        case .walkIn: .walkIn
        case .web: .web
        case .mobile: .mobile
        case .wechat: .wechat
        case .api: .api
        case .import: .dataImport
        default: nil
        }
    }
}

extension Fawang_Matter_V1_Person {
    public init(_ person: Person) {
        self.init()
        name = person.name
        idNumber = person.idNumber
        phone = person.phone
        address = person.address
    }
}

/// Who acts in a write request, validated: every write names its channel.
public struct Handling: Sendable, Equatable {
    public var channel: Channel
    /// Staff or system id; `applicant` when a citizen acts for themself.
    public var actor: String

    public init(channel: Channel, actor: String) {
        self.channel = channel
        self.actor = actor
    }

    /// Reads `context` (at field path `field`) into `validator`; nil if it is unusable. The
    /// channel is the one the host decided for the call (``ChannelDecision``); the request's own
    /// `channel` is read only where no host decided (a line's rules run on their own).
    public static func read(_ context: Fawang_Matter_V1_ChannelContext, field: String = "context", into validator: inout FieldValidator) -> Handling? {
        guard let channel = ChannelDecision.current ?? context.channel.core else {
            validator.fail("\(field).channel", "请注明受理渠道（hotline、walk_in、web、mobile、wechat 或 api）")
            return nil
        }
        let operatorID = context.operatorID.trimmingCharacters(in: .whitespaces)
        if operatorID.count > 64 {
            validator.fail("\(field).operator_id", "经办人编号不能超过64个字符")
            return nil
        }
        return Handling(channel: channel, actor: operatorID.isEmpty ? "applicant" : operatorID)
    }
}

extension TrackingNumber {
    /// Parses the tracking number of a request, or throws `INVALID_ARGUMENT` naming the field.
    public static func parse(_ text: String, field: String = "tracking_number") throws(FawangError) -> TrackingNumber {
        guard !text.isEmpty else { throw FawangError.invalidArgument(field: field, "请填写受理编号") }
        guard let number = TrackingNumber(text) else {
            throw FawangError.invalidArgument(field: field, "受理编号应为16位数字且校验位正确，请核对后重新输入")
        }
        return number
    }
}

extension FieldValidator {
    /// Reads a request's tracking number, recording its problem with the request's others.
    public mutating func trackingNumber(_ text: String, field: String = "tracking_number") -> TrackingNumber? {
        do {
            return try TrackingNumber.parse(text, field: field)
        } catch {
            for violation in error.violations { fail(violation.field, violation.reason) }
            return nil
        }
    }
}

extension Fawang_Identity_V1_Role {
    public init(_ role: Role) {
        self = switch role {
        case .citizen: .citizen
        case .professional: .professional
        case .staff: .staff
        case .departmentAdmin: .departmentAdmin
        case .platformAdmin: .platformAdmin
        case .service: .service
        }
    }
}

extension Role {
    /// The role a wire value names; nil for `ROLE_UNSPECIFIED` or an unknown value.
    public init?(_ proto: Fawang_Identity_V1_Role) {
        guard let role = Role.allCases.first(where: { Fawang_Identity_V1_Role($0) == proto }) else { return nil }
        self = role
    }
}

extension Fawang_Directory_V1_DirectoryEntry {
    /// `entry` as the directory presents it, named with its division (`regionName`: 银川市兴庆区)
    /// and line, with its credit record as of `today`; the caller places it on the map.
    public init(_ entry: DirectoryEntry, regionName: String, lineName: String, credit: CreditSummary, today: CivilDate) {
        self.init()
        id = entry.id
        kind = entry.kind.id
        kindName = entry.kind.nameZH
        isPerson = entry.kind.isPerson
        name = entry.name
        regionCode = entry.regionCode
        self.regionName = regionName
        businessLine = entry.businessLine
        businessLineName = lineName
        organizationID = entry.organizationID
        organizationName = entry.organizationName
        address = entry.address
        phone = entry.phone
        specialties = entry.specialties
        self.credit = .init(entry, credit: credit, today: today)
    }
}

extension Fawang_Directory_V1_CreditRecord {
    /// `entry`'s credit record as the public directory shows it (and the bureau's file on it):
    /// the register's licence and penalties, the figures of the matters it handled, the credit
    /// score (``CreditRules``) and the bureau's records (``OversightRecord``) as of `today`.
    public init(_ entry: DirectoryEntry, credit figures: CreditSummary, today: CivilDate) {
        self.init()
        licenceNumber = entry.licenceNumber
        licenceStatus = entry.licenceStatus
        inGoodStanding = entry.inGoodStanding
        discipline = entry.discipline
        handledMatters = Int32(figures.handled)
        ratedMatters = Int32(figures.rated)
        averageRating = figures.averageRating ?? 0
        overdueMatters = Int32(figures.overdue)
        overdueRate = figures.overdueRate ?? 0
        complaintsDecided = Int32(figures.complaintsDecided)
        complaintsUpheld = Int32(figures.complaintsUpheld)
        let assessment = CreditRules.assess(entry, credit: figures, today: today)
        creditScore = Int32(assessment.score)
        creditGrade = assessment.grade.rawValue
        creditGradeName = assessment.grade.nameZH
        scoreDeductions = assessment.deductions.map { "\($0.points) \($0.reason)".replacingOccurrences(of: "-", with: "−") }
        let record = entry.oversight
        if let latest = record.assessments.max(by: { $0.year < $1.year }) {
            annualAssessment = "\(latest.year)年度 \(latest.result.label(isPerson: entry.kind.isPerson))"
        }
        licenceValidUntil = record.licenceValidUntil?.description ?? ""
        inspections = record.inspections.filter { $0.day.days(until: today) <= CreditRules.inspectionDays }.map(\.summary)
    }
}
