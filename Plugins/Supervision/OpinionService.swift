import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.opinion.v1.OpinionService` (舆情分析): topic and keyword trends over the public's own
/// words, and the alerts raised when a topic rises in a county.
struct OpinionService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Opinion_V1_OpinionService.Method

    static let rpcs = RPCTable<OpinionService>([
        RPC(Method.GetTrends.descriptor, .handlers, verb: "opinion-trends", help: "舆情分析：群众咨询、信访投诉、评价留言中各话题（关键词）按期间的件数",
            argument: "region_code", aliases: ["from": "from_day", "to": "to_day", "region": "region_code", "line": "business_line"],
            OpinionService.getTrends),
        RPC(Method.ListAlerts.descriptor, .handlers, verb: "opinion-alerts", help: "舆情预警：某县某话题近7日明显高于平常", argument: "region_code",
            OpinionService.listAlerts),
        RPC(Method.GetAlert.descriptor, .handlers, verb: "opinion-alert", help: "一条舆情预警及其涉及的事项", argument: "id", OpinionService.getAlert),
    ])

    /// When a topic has risen in a county: in the seven days to today at least `minimum` texts
    /// speak of it, and at least `ratio` times the weekly mean of the four weeks before (a mean
    /// below one counts as one). The platform's rule, not a statute's; one alert per topic and
    /// county while its seven days overlap the last one's.
    enum SpikeRule {
        static let windowDays = 7
        static let baselineWeeks = 4
        static let minimum = 5
        static let ratio = 3.0

        /// Whether `count` in the window is a spike over `baseline` texts in the weeks before.
        static func isSpike(count: Int, baseline: Int) -> Bool {
            let usual = Double(baseline) / Double(baselineWeeks)
            return count >= minimum && Double(count) >= ratio * max(usual, 1)
        }
    }

    var statistics: StatisticsService { StatisticsService(context: context) }
    var today: CivilDate { CivilDate(context.now()) }

    // MARK: Trends

    func getTrends(_ request: Fawang_Opinion_V1_TrendsRequest) async throws -> Fawang_Opinion_V1_Trends {
        var check = FieldValidator()
        let to = request.toDay.isEmpty ? today : CivilDate(strictISO: request.toDay)
        let from = request.fromDay.isEmpty ? (to ?? today).adding(days: -83) : CivilDate(strictISO: request.fromDay)
        check.require(from != nil, "from_day", "开始日期应写作YYYY-MM-DD")
        check.require(to != nil, "to_day", "结束日期应写作YYYY-MM-DD")
        if let from, let to {
            check.require(from <= to, "to_day", "结束日期不能早于开始日期")
            check.require(from.days(until: to) <= 3 * 366, "to_day", "期间不能超过3年")
        }
        try check.check()
        let scope = try await statistics.scope(region: request.regionCode, line: request.businessLine, type: "", field: "")
        let unit = request.unit
        let counts = try await context.matters.opinionCounts(from: from!, to: to!, regionCode: scope.region, byMonth: unit == .month, byKeyword: request.by == .keyword)
            .filter { scope.lines.contains($0.businessLine) }
        let periodUnit = Self.unit(unit)
        func period(_ key: String) -> String {
            guard periodUnit == .week, let day = CivilDate(iso: key) else { return key }  // by month, the store's key is the month
            return StatisticsQuery.period(of: day, .week)
        }
        let periods = Self.periods(from: from!, to: to!, unit: unit)
        let index = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($0.element, $0.offset) })
        var series: [String: [Int64]] = [:]
        for count in counts {
            guard let slot = index[period(count.period)] else { continue }
            let name = request.by == .keyword ? count.keyword : count.topic
            series[name, default: Array(repeating: 0, count: periods.count)][slot] += Int64(count.matters)
        }
        let region = try await context.directory.division(code: scope.region)
        return .with {
            $0.regionCode = scope.region
            $0.regionName = region?.name ?? scope.region
            $0.fromDay = from!.description
            $0.toDay = to!.description
            $0.periods = periods
            $0.series = series.map { name, counts in
                .with {
                    $0.name = name
                    $0.counts = counts
                    $0.total = counts.reduce(0, +)
                }
            }.sorted { ($0.total, $1.name) > ($1.total, $0.name) }
        }
    }

    static func unit(_ unit: Fawang_Opinion_V1_TrendUnit) -> StatisticsQuery.PeriodUnit {
        switch unit {
        case .day: .day
        case .month: .month
        default: .week
        }
    }

    /// Each period's key from `from` to `to`: its day, its week's Monday, or its month (YYYY-MM).
    static func periods(from: CivilDate, to: CivilDate, unit: Fawang_Opinion_V1_TrendUnit) -> [String] {
        var keys: [String] = []
        var day = from
        while day <= to {
            let key = StatisticsQuery.period(of: day, Self.unit(unit))
            if keys.last != key { keys.append(key) }
            day = day.adding(days: 1)
        }
        return keys
    }

    // MARK: Alerts

    func listAlerts(_ request: Fawang_Opinion_V1_ListAlertsRequest) async throws -> Fawang_Opinion_V1_ListAlertsResponse {
        let scope = try await statistics.scope(region: request.regionCode, line: "", type: "", field: "")
        let rows = try await context.storage.query(SQLStatement(
            "SELECT * FROM supervision_opinion_alerts WHERE region_code LIKE ? ORDER BY raised_at DESC, id LIMIT 200",
            [.text(DivisionCode.scopePrefix(of: scope.region) + "%")]))
        var alerts: [Fawang_Opinion_V1_Alert] = []
        for row in rows { alerts.append(await alert(row)) }
        return .with { $0.alerts = alerts }
    }

    func getAlert(_ request: Fawang_Opinion_V1_AlertRef) async throws -> Fawang_Opinion_V1_Alert {
        guard let row = try await context.storage.query(SQLStatement("SELECT * FROM supervision_opinion_alerts WHERE id = ?", [.text(request.id)])).first
        else { throw FawangError.notFound("没有编号为 \(request.id) 的舆情预警") }
        let region = row.string("region_code") ?? ""
        let scope = try await statistics.scope(region: region, line: "", type: "", field: "")
        var alert = await alert(row)
        let (from, to) = (CivilDate(iso: alert.fromDay) ?? today, CivilDate(iso: alert.toDay) ?? today)
        for id in try await context.matters.opinionMatters(topic: alert.topic, regionCode: region, from: from, to: to, limit: 100) {
            guard let matter = try await context.matters.matter(id: id), scope.lines.contains(matter.businessLine) else { continue }
            let spec = context.modules.module(forMatterType: matter.matterType)
            let texts = (spec?.type.publicText?(matter) ?? []) + matter.timeline.filter { $0.kind == MatterRating.event }.map(\.note)
            let text = texts.first { PublicOpinion.topics(in: $0).contains { $0.topic == alert.topic } } ?? ""
            alert.matters.append(.with {
                $0.trackingNumber = matter.trackingNumber.formatted
                $0.businessLineName = spec?.module.manifest.nameZH ?? matter.businessLine
                $0.day = CivilDate(matter.submittedAt).description
                $0.excerpt = text.count > 60 ? String(text.prefix(60)) + "…" : text
            })
        }
        return alert
    }

    func alert(_ row: SQLRow) async -> Fawang_Opinion_V1_Alert {
        let region = row.string("region_code") ?? ""
        let name = ((try? await context.directory.division(code: region)) ?? nil)?.name ?? region
        let (count, usual) = (Int64(row.int("count") ?? 0), row.real("usual_per_week") ?? 0)
        let topic = row.string("topic") ?? ""
        return .with {
            $0.id = row.string("id") ?? ""
            $0.topic = topic
            $0.regionCode = region
            $0.regionName = name
            $0.fromDay = row.string("from_day") ?? ""
            $0.toDay = row.string("to_day") ?? ""
            $0.count = count
            $0.usualPerWeek = usual
            $0.raisedAt = row.string("raised_at") ?? ""
            $0.summary = "\(name)“\(topic)”近\(SpikeRule.windowDays)日\(count)件，此前每周平均\(String(format: "%.1f", usual))件"
                + (usual > 0 ? "，为平常的\(String(format: "%.1f", Double(count) / usual))倍" : "")
        }
    }

    /// Sets each county's topics of the last seven days against the four weeks before and raises
    /// an alert for each spike not already raised; returns those raised.
    func raiseAlerts() async throws -> [Fawang_Opinion_V1_Alert] {
        let day = today
        let windowStart = day.adding(days: -(SpikeRule.windowDays - 1))
        let baselineStart = windowStart.adding(days: -7 * SpikeRule.baselineWeeks)
        var window: [String: Int] = [:], baseline: [String: Int] = [:]
        for count in try await context.matters.opinionCounts(from: baselineStart, to: day, regionCode: nil, byMonth: false, byKeyword: false) {
            let key = count.regionCode + "\t" + count.topic
            if count.period >= windowStart.description { window[key, default: 0] += count.matters } else { baseline[key, default: 0] += count.matters }
        }
        var raised: [Fawang_Opinion_V1_Alert] = []
        for (key, count) in window.sorted(by: { $0.key < $1.key }) where SpikeRule.isSpike(count: count, baseline: baseline[key] ?? 0) {
            let parts = key.split(separator: "\t").map(String.init)
            let (region, topic) = (parts[0], parts[1])
            let id = "yq-" + UUID().uuidString.prefix(8).lowercased()
            let usual = Double(baseline[key] ?? 0) / Double(SpikeRule.baselineWeeks)
            // Once while the seven days overlap the last alert's: the guard keeps two hosts from both raising it.
            let inserted = try await context.storage.query(SQLStatement(
                "SELECT 1 AS found FROM supervision_opinion_alerts WHERE topic = ? AND region_code = ? AND to_day >= ?",
                [.text(topic), .text(region), .text(windowStart.description)]))
            guard inserted.isEmpty else { continue }
            do {
                try await context.storage.execute([SQLStatement(
                    """
                    INSERT INTO supervision_opinion_alerts (id, topic, region_code, from_day, to_day, count, usual_per_week, raised_at)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS
                        (SELECT 1 FROM supervision_opinion_alerts WHERE topic = ? AND region_code = ? AND to_day >= ?)
                    """,
                    [
                        .text(id), .text(topic), .text(region), .text(windowStart.description), .text(day.description), .integer(Int64(count)),
                        .real(usual), .text(context.now().formatted(.iso8601)), .text(topic), .text(region), .text(windowStart.description),
                    ], unlessChanged: "raised already")])
            } catch let error as FawangError where error.code == .failedPrecondition {
                continue
            }
            if let row = try await context.storage.query(SQLStatement("SELECT * FROM supervision_opinion_alerts WHERE id = ?", [.text(id)])).first {
                raised.append(await alert(row))
            }
        }
        return raised
    }
}
