import FawangCore
import Foundation

/// The bureau's monthly assessment indicators (考核指标) and their weights — the bureau's own
/// rules, not a statute's (docs/business-lines.md, "Supervision"). Every figure is a count over
/// the matters of the month (``AssessmentCount``, from the store's facts index); a unit with
/// nothing to measure for an indicator gets 无数据 for it, never full marks, and its total is
/// the points of the indicators with data scaled to 100 over their weights.
enum AssessmentIndicators {
    struct Indicator: Sendable {
        var id: String
        var name: String
        /// Points out of 100.
        var weight: Int
        var definition: String
        /// What it is made of in a count: the matters that meet it and those counted (satisfaction:
        /// the ratings' sum and how many).
        var measure: @Sendable (AssessmentCount) -> (numerator: Int, denominator: Int)
        /// A mean rating out of 5 rather than a share.
        var isRating = false
    }

    /// The online channels: the portal (web), native and mobile clients, WeChat.
    static let onlineChannels: [Channel] = [.web, .mobile, .wechat]

    static let all: [Indicator] = [
        Indicator(
            id: "timeliness", name: "办理及时率", weight: 40,
            definition: "当月收件中，没有任何法定或规定期限逾期办结、也没有正在办理但已超过期限的事项所占比例（截至统计之日）",
            measure: { ($0.received - $0.late, $0.received) }),
        Indicator(
            id: "satisfaction", name: "群众满意度", weight: 30, definition: "当月收到的满意度评价（1至5分）的平均分，按满分5分折算",
            measure: { ($0.ratingSum, $0.ratings) }, isRating: true),
        Indicator(
            id: "online_share", name: "网上办理率", weight: 15, definition: "当月收件中，通过网站、移动端、微信提交的事项所占比例",
            measure: { ($0.online, $0.received) }),
        Indicator(
            id: "data_completeness", name: "数据完整率", weight: 15, definition: "当月收件中，申请人姓名、联系电话、身份证件号码均已登记的事项所占比例",
            measure: { ($0.complete, $0.received) }),
    ]

    /// One indicator's result for a unit.
    struct Result: Sendable, Equatable {
        var numerator: Int
        var denominator: Int
        var hasData: Bool { denominator > 0 }
        /// The share (0–1), or the mean rating (1–5).
        var value: Double { hasData ? Double(numerator) / Double(denominator) : 0 }
    }

    /// A unit's results and total.
    struct Score: Sendable, Equatable {
        var unit: String
        var name: String
        var count: AssessmentCount
        var results: [Result]
        /// Out of 100; nil when no indicator had data (无数据).
        var total: Double?
        var rank = 0
    }

    static func points(_ result: Result, of indicator: Indicator) -> Double {
        guard result.hasData else { return 0 }
        return Double(indicator.weight) * (indicator.isRating ? result.value / 5 : result.value)
    }

    static func score(unit: String, name: String, _ count: AssessmentCount) -> Score {
        let results = all.map { indicator in
            let (numerator, denominator) = indicator.measure(count)
            return Result(numerator: numerator, denominator: denominator)
        }
        let measured = zip(all, results).filter { $0.1.hasData }
        let weights = measured.reduce(0) { $0 + $1.0.weight }
        let total = weights == 0 ? nil : measured.reduce(0.0) { $0 + points($1.1, of: $1.0) } * 100 / Double(weights)
        return Score(unit: unit, name: name, count: count, results: results, total: total.map(rounded))
    }

    /// Ranks by total, best first (equal totals share a rank: 1, 1, 3); units without data last,
    /// unranked, in their given order.
    static func ranked(_ scores: [Score]) -> [Score] {
        var ranked = scores.enumerated().filter { $0.element.total != nil }
            .sorted { ($0.element.total!, -$0.offset) > ($1.element.total!, -$1.offset) }.map(\.element)
        for index in ranked.indices {
            ranked[index].rank = index > 0 && ranked[index].total == ranked[index - 1].total ? ranked[index - 1].rank : index + 1
        }
        return ranked + scores.filter { $0.total == nil }
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// 93.5% or 4.32分; 无数据.
    static func display(_ result: Result, of indicator: Indicator) -> String {
        guard result.hasData else { return "无数据" }
        return indicator.isRating ? String(format: "%.2f分", result.value) : String(format: "%.1f%%", result.value * 100)
    }
}
