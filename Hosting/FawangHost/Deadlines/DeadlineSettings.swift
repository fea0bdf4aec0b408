import FawangCore
import Foundation
import Logging

/// The deadline part of the config: the working-day calendar (built-in years plus
/// `deadlines.calendar_file`) and the configured lengths of rules whose article is to be confirmed.
struct DeadlineSettings: Equatable {
    var calendar: WorkingDayCalendar
    var ruleDays: [String: Int]

    /// Reads and checks the settings of `config` against the rules the host's modules carry.
    /// Errors name the config key and what to do.
    static func load(_ config: PlatformConfig, rules: [DeadlineRule]) throws(PlatformConfig.ConfigError) -> DeadlineSettings {
        var calendar = WorkingDayCalendar.builtIn
        if let path = config.calendarFile {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .init(key: "deadlines.calendar_file", reason: "cannot read \(path) as UTF-8 text")
            }
            do {
                calendar = calendar.merging(try WorkingDayCalendar.parse(text, origin: path))
            } catch {
                throw .init(key: "deadlines.calendar_file", reason: "\(error.description) (format: Core/FawangCore/Deadlines/Resources/china-working-days.txt)")
            }
            if !calendar.unreachableYears.isEmpty {
                throw .init(
                    key: "deadlines.calendar_file",
                    reason: "years \(calendar.unreachableYears.map(String.init).joined(separator: ", ")) follow a gap after \(calendar.coverage!.upperBound): add the missing years")
            }
        }
        let byID = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, _) in config.ruleDays {
            guard let rule = byID[id] else {
                throw .init(key: "deadlines.rule_days.\(id)", reason: "no module of this host has a deadline rule \(id)")
            }
            guard !rule.articleConfirmed else {
                throw .init(key: "deadlines.rule_days.\(id)", reason: "\(id) is fixed by \(rule.article) and cannot be configured")
            }
        }
        return DeadlineSettings(calendar: calendar, ruleDays: config.ruleDays)
    }

    /// The first year the calendar lacks, when working-day limits running from `today` can reach
    /// it (it is this year or the next): those limits show as uncomputable, with a provisional
    /// weekends-only date, until an admin adds the State Council's notice for that year with
    /// `deadlines.calendar_file`. Nil when the calendar covers next year.
    static func missingYear(of calendar: WorkingDayCalendar, today: CivilDate) -> Int? {
        let needed = today.components.year + 1
        guard let end = calendar.coverage?.upperBound.components.year else { return today.components.year }
        return end < needed ? end + 1 : nil
    }

    /// Logs at start-up that the calendar lacks a year deadlines can reach, naming it.
    static func warnOfMissingYear(_ calendar: WorkingDayCalendar, today: CivilDate, logger: Logger) {
        guard let year = missingYear(of: calendar, today: today) else { return }
        logger.warning(
            "the working-day calendar has no data for \(year): working-day deadlines reaching \(year) show as uncomputable, with a provisional date counting weekends only, until the State Council's \(year) holiday notice is added with deadlines.calendar_file (docs/configuration.md#working-day-calendar)",
            metadata: ["calendar.last_day": "\(calendar.coverage?.upperBound.description ?? "none")", "calendar.missing_year": "\(year)"])
    }
}
