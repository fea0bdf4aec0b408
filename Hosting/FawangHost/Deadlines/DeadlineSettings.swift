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
}
