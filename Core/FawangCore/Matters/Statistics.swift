/// A question to the statistics (数据统计): the figures of the matters in a scope over a span of
/// days, split by the dimensions asked for. Read from the store's facts index (``MatterFacts``).
public struct StatisticsQuery: Sendable, Equatable {
    public enum Dimension: String, Sendable, CaseIterable {
        case region, line, matterType = "matter_type", channel, period
        /// The organisation that handled it (``CreditIndexRow/office(of:)``), read from the facts:
        /// no rollup holds it.
        case office
    }

    /// How regions are rolled up when split by region.
    public enum RegionLevel: String, Sendable {
        case province, city, county
    }

    public enum PeriodUnit: String, Sendable, CaseIterable {
        case day, week, month, quarter, year
    }

    /// Inclusive, Beijing civil days. Each figure counts by its own day: received by the day of
    /// submission, accepted by the day of acceptance, concluded by the day it ended, and so on.
    public var from: CivilDate
    public var to: CivilDate
    /// The day "overdue" is judged on (an open deadline past its last day).
    public var today: CivilDate
    /// Matters in this division or below; nil for all.
    public var regionCode: String?
    /// Only these lines; nil for all.
    public var businessLines: [String]?
    public var matterType: String?
    public var channel: String?
    public var groupBy: [Dimension]
    public var regionLevel: RegionLevel
    public var periodUnit: PeriodUnit
    /// Whether to read the handling-day histogram for the 90th percentile (a chart that shows none
    /// skips it).
    public var percentiles = true

    public init(
        from: CivilDate, to: CivilDate, today: CivilDate, regionCode: String? = nil, businessLines: [String]? = nil, matterType: String? = nil,
        channel: String? = nil, groupBy: [Dimension] = [], regionLevel: RegionLevel = .county, periodUnit: PeriodUnit = .month,
        percentiles: Bool = true
    ) {
        self.percentiles = percentiles
        self.from = from
        self.to = to
        self.today = today
        self.regionCode = regionCode
        self.businessLines = businessLines
        self.matterType = matterType
        self.channel = channel
        self.groupBy = groupBy
        self.regionLevel = regionLevel
        self.periodUnit = periodUnit
    }

    /// The period of `day` in `unit`: `2026-12-07`, the week's Monday `2026-12-07`, `2026-12`,
    /// `2026-Q4`, `2026`.
    public static func period(of day: CivilDate, _ unit: PeriodUnit) -> String {
        let (year, month, _) = day.components
        switch unit {
        case .day: return day.description
        case .week:
            let weekday = ((day.dayNumber % 7) + 7 + 4) % 7  // 0 Sunday … 6 Saturday
            return day.adding(days: -((weekday + 6) % 7)).description
        case .month: return String(day.description.prefix(7))
        case .quarter: return "\(year)-Q\((month + 2) / 3)"
        case .year: return String(year)
        }
    }

    /// The code `region` rolls up to at `level`.
    public static func rollUp(_ region: String, to level: RegionLevel) -> String {
        switch level {
        case .province: String(region.prefix(2)) + "0000"
        case .city: String(region.prefix(4)) + "00"
        case .county: region
        }
    }
}

/// The figures of one group of a ``StatisticsQuery``.
public struct StatisticsFigures: Sendable, Equatable {
    public var received = 0, accepted = 0, concluded = 0, refused = 0, stopped = 0, transferred = 0
    /// Received in the span and past a deadline: one met late, or one open and past its last day.
    public var overdue = 0
    /// Working days from submission to the end, of the matters that ended in the span: their sum,
    /// and (when percentiles are asked for) how many took each number of days.
    public var handlingSum = 0
    public var handlingDays: [Int: Int] = [:]
    public var ratings = 0, ratingSum = 0
    /// Ratings of 4 or 5.
    public var satisfied = 0

    public init() {}

    public var ended: Int { concluded + refused + stopped }

    public var averageHandlingDays: Double? { ended == 0 ? nil : Double(handlingSum) / Double(ended) }

    /// The smallest number of days within which 90% ended (nearest rank); nil without the histogram.
    public var p90HandlingDays: Int? {
        let count = handlingDays.values.reduce(0, +)
        guard count > 0 else { return nil }
        let rank = Int((0.9 * Double(count)).rounded(.up))
        var seen = 0
        for (days, count) in handlingDays.sorted(by: { $0.key < $1.key }) {
            seen += count
            if seen >= rank { return days }
        }
        return handlingDays.keys.max()
    }

    public var averageRating: Double? { ratings == 0 ? nil : Double(ratingSum) / Double(ratings) }

    public mutating func add(_ other: StatisticsFigures) {
        received += other.received
        accepted += other.accepted
        concluded += other.concluded
        refused += other.refused
        stopped += other.stopped
        transferred += other.transferred
        overdue += other.overdue
        handlingSum += other.handlingSum
        handlingDays.merge(other.handlingDays, uniquingKeysWith: +)
        ratings += other.ratings
        ratingSum += other.ratingSum
        satisfied += other.satisfied
    }
}

/// One group: its value of each dimension asked for, and its figures.
public struct StatisticsBucket: Sendable, Equatable {
    public var key: [StatisticsQuery.Dimension: String]
    public var figures: StatisticsFigures

    public init(key: [StatisticsQuery.Dimension: String], figures: StatisticsFigures) {
        self.key = key
        self.figures = figures
    }
}
