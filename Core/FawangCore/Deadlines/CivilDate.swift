public import Foundation

/// A calendar day in China Standard Time (UTC+8, no daylight saving), the unit in which
/// statutory periods are counted.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01 in UTC+8.
    public let dayNumber: Int

    public static let chinaOffsetSeconds = 8 * 3600

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// The day on which `instant` falls in China.
    public init(_ instant: Date) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + Self.chinaOffsetSeconds
        self.dayNumber = Int((Double(seconds) / 86_400).rounded(.down))
    }

    /// `2026-12-07`; nil if malformed.
    public init?(iso text: String) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        self.dayNumber = Self.daysFromCivil(year: parts[0], month: parts[1], day: parts[2])
    }

    public init(year: Int, month: Int, day: Int) {
        self.dayNumber = Self.daysFromCivil(year: year, month: month, day: day)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    public func days(until other: CivilDate) -> Int { other.dayNumber - dayNumber }

    /// The first day of this day's month, moved by `months` (-1: the month before).
    public func monthStart(movedBy months: Int = 0) -> CivilDate {
        let (year, month, _) = components
        let index = year * 12 + (month - 1) + months
        return CivilDate(year: index / 12, month: index % 12 + 1, day: 1)
    }

    /// Whether this is the last day of its month.
    public var endsMonth: Bool { adding(days: 1).components.day == 1 }

    /// The first instant of the following day: a period ending on this day runs out then.
    public var endInstant: Date {
        Date(timeIntervalSince1970: TimeInterval((dayNumber + 1) * 86_400 - Self.chinaOffsetSeconds))
    }

    public var components: (year: Int, month: Int, day: Int) { Self.civilFromDays(dayNumber) }

    /// Minutes since midnight, Beijing time, of `instant` (on its own day).
    public static func minuteOfDay(_ instant: Date) -> Int {
        Int(instant.timeIntervalSince(CivilDate(instant).endInstant.addingTimeInterval(-86_400)) / 60)
    }

    public var description: String {
        let (y, m, d) = components
        // By hand: String(format:) goes through Foundation's formatter, and this runs for every
        // day a matter's indexes store.
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(padded(y, 4))-\(padded(m, 2))-\(padded(d, 2))"
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
