import Foundation

/// Which days are working days in China: Monday to Friday, except the public holidays the State
/// Council announces each year, plus the weekend days it turns into make-up working days (调休).
///
/// The calendar only knows the years it was given. Outside them ``isWorkingDay(_:)`` answers nil,
/// and a working-day deadline that runs past the last year is refused rather than guessed
/// (``DeadlineStatus/State/uncomputable``). The built-in data (2024–2026) ships as a text file
/// (`Resources/china-working-days.txt`, format described there); admins add years with files in
/// the same format, listed under `deadlines.calendar_files`, without a new build.
public struct WorkingDayCalendar: Sendable, Equatable {
    public struct Year: Sendable, Equatable {
        public var year: Int
        /// The notice the year's data comes from.
        public var source: String
        /// Rest days other than ordinary weekends, by name (元旦, 春节, …).
        public var holidays: [CivilDate: String]
        /// Saturdays and Sundays that are working days.
        public var makeUpWorkdays: [CivilDate: String]
        /// File and line the year was read from, for error messages and the admin view.
        public var origin: String
    }

    public private(set) var years: [Int: Year]

    public init(years: [Year] = []) {
        self.years = Dictionary(years.map { ($0.year, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The first and last day the calendar can answer for: the contiguous run of years starting
    /// at the earliest one. Nil when empty.
    public var coverage: ClosedRange<CivilDate>? {
        guard let first = years.keys.min() else { return nil }
        var last = first
        while years[last + 1] != nil { last += 1 }
        return CivilDate(year: first, month: 1, day: 1)...CivilDate(year: last, month: 12, day: 31)
    }

    /// Years listed after a gap: they cannot be used until the gap is filled.
    public var unreachableYears: [Int] {
        guard let coverage else { return [] }
        return years.keys.filter { $0 > coverage.upperBound.components.year }.sorted()
    }

    /// Whether `day` is a working day; nil if the calendar does not cover it.
    public func isWorkingDay(_ day: CivilDate) -> Bool? {
        guard let coverage, coverage.contains(day), let year = years[day.components.year] else { return nil }
        if year.holidays[day] != nil { return false }
        if year.makeUpWorkdays[day] != nil { return true }
        return !day.isWeekend
    }

    /// The holiday `day` belongs to, if any.
    public func holidayName(_ day: CivilDate) -> String? {
        years[day.components.year]?.holidays[day]
    }

    /// This calendar with `other`'s years added; a year in both is taken from `other`.
    public func merging(_ other: WorkingDayCalendar) -> WorkingDayCalendar {
        var copy = self
        for (year, data) in other.years { copy.years[year] = data }
        return copy
    }

    /// The calendar shipped with this build (2024–2026).
    public static let builtIn: WorkingDayCalendar = {
        guard let url = Bundle.module.url(forResource: "china-working-days", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("the built-in working-day calendar is missing from the FawangCore resource bundle") }
        do {
            return try parse(text, origin: "china-working-days.txt")
        } catch {
            fatalError("the built-in working-day calendar does not parse: \(error)")
        }
    }()

    /// Reads a calendar file; `origin` names it in errors.
    public static func parse(_ text: String, origin: String) throws(CalendarError) -> WorkingDayCalendar {
        var years: [Year] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let keyword = words.first else { continue }
            func fail(_ reason: String) -> CalendarError { CalendarError(origin: origin, line: lineNumber, reason: reason) }
            switch keyword {
            case "year":
                guard words.count >= 3, let year = Int(words[1]), (1949...2200).contains(year) else {
                    throw fail("expected `year <YYYY> <notice>`")
                }
                guard !years.contains(where: { $0.year == year }) else { throw fail("year \(year) is listed twice") }
                years.append(Year(year: year, source: words[2...].joined(separator: " "), holidays: [:], makeUpWorkdays: [:], origin: "\(origin):\(lineNumber)"))
            case "holiday", "workday":
                guard var current = years.popLast() else { throw fail("`\(keyword)` before any `year` line") }
                guard words.count >= 3 else { throw fail("expected `\(keyword) <YYYY-MM-DD>[..<YYYY-MM-DD>] <name>`") }
                let bounds = words[1].components(separatedBy: "..")
                guard bounds.count <= 2, let first = CivilDate(strictISO: bounds[0]), let last = bounds.count == 2 ? CivilDate(strictISO: bounds[1]) : first else {
                    throw fail("\(words[1]) is not a date or a range of dates (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)")
                }
                guard first <= last, first.days(until: last) < 31 else { throw fail("range \(words[1]) is reversed or longer than 31 days") }
                let name = words[2...].joined(separator: " ")
                for number in first.dayNumber...last.dayNumber {
                    let day = CivilDate(dayNumber: number)
                    guard day.components.year == current.year else { throw fail("\(day) is not in year \(current.year)") }
                    guard current.holidays[day] == nil, current.makeUpWorkdays[day] == nil else { throw fail("\(day) is listed twice") }
                    if keyword == "holiday" {
                        current.holidays[day] = name
                    } else {
                        guard day.isWeekend else { throw fail("\(day) is a weekday: make-up working days fall on a Saturday or Sunday") }
                        current.makeUpWorkdays[day] = name
                    }
                }
                years.append(current)
            default:
                throw fail("unknown entry `\(keyword)`: expected year, holiday or workday")
            }
        }
        guard !years.isEmpty else { throw CalendarError(origin: origin, line: 0, reason: "no `year` entry") }
        return WorkingDayCalendar(years: years)
    }
}

/// A calendar file that cannot be used, with where and why.
public struct CalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    public var origin: String
    public var line: Int
    public var reason: String

    public var description: String { "\(origin)\(line > 0 ? ":\(line)" : ""): \(reason)" }
}

extension CivilDate {
    /// Saturday or Sunday. 1970-01-01 was a Thursday.
    public var isWeekend: Bool {
        let weekday = ((dayNumber % 7) + 7 + 4) % 7  // 0 Sunday … 6 Saturday
        return weekday == 0 || weekday == 6
    }

    /// Exactly `YYYY-MM-DD`, and a day that exists (no 2026-02-30).
    public init?(strictISO text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        guard (1...12).contains(month), date.components == (year, month, day) else { return nil }
        self = date
    }
}
