import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The bureaus' dashboard (`/staff/dashboard`, `StatisticsService`): this span's figures beside
/// the span before, the intake by month, the lines by region, the channel mix, overdue matters by
/// county and satisfaction by line — each chart drawn here as SVG with its numbers in a table and
/// downloadable as CSV — and today's intake by channel, pushed live. Every figure comes from the
/// service with the signed-in officer's token, so the page shows exactly their scope.
extension Portal {
    typealias StatisticsMethod = Fawang_Supervision_V1_StatisticsService.Method

    func addDashboardPages(to router: Router<GatewayRequestContext>) {
        router.get("/staff/dashboard") { request, context in try await dashboard(request, context) }
        router.get("/staff/dashboard/export") { request, context in try await dashboardExport(request, context) }
        router.get("/staff/dashboard/today") { request, context in todayEvents(request, context) }
        router.get("/static/dashboard.js") { _, _ in Self.asset(DashboardTemplates.script, type: "text/javascript; charset=utf-8") }
    }

    /// The charts, each one statistics query; `chart` names one for its CSV.
    enum DashboardChart: String, CaseIterable {
        case totals, trend, regions, channels, overdue, satisfaction

        var title: String {
            switch self {
            case .totals: "本期与上期"
            case .trend: "按月收件与办结"
            case .regions: "各地区各条线收件"
            case .channels: "渠道构成"
            case .overdue: "各县（市、区）逾期率"
            case .satisfaction: "各条线满意度"
            }
        }
    }

    /// The page's filters: the span (default the last twelve months), the division, the line.
    /// `percentiles`: a download has them; the charts show none.
    func dashboardQuery(_ request: Request, _ chart: DashboardChart, percentiles: Bool = false) -> Fawang_Supervision_V1_StatisticsRequest {
        let today = CivilDate(now())
        let from = Self.query(request, "from").isEmpty ? today.monthStart(movedBy: -11).description : Self.query(request, "from")
        return .with {
            $0.fromDay = from
            $0.toDay = Self.query(request, "to").isEmpty ? today.description : Self.query(request, "to")
            $0.regionCode = Self.query(request, "region")
            $0.businessLine = Self.query(request, "line")
            $0.withoutPercentiles = !percentiles
            switch chart {
            case .totals: $0.comparePrevious = true
            case .trend:
                $0.groupBy = [.period]
                $0.periodUnit = .month
            case .regions: $0.groupBy = [.region, .line]
            case .channels: $0.groupBy = [.channel]
            case .overdue:
                $0.groupBy = [.region]
                $0.regionLevel = .county
            case .satisfaction: $0.groupBy = [.line]
            }
        }
    }

    func dashboard(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        func ask(_ chart: DashboardChart) async throws -> Fawang_Supervision_V1_StatisticsReport {
            try await call(StatisticsMethod.GetStatistics.descriptor, dashboardQuery(request, chart), metadata, as: Fawang_Supervision_V1_StatisticsReport.self)
        }
        do {
            let me = try await whoAmI(metadata)
            async let totals = ask(.totals), trend = ask(.trend), regions = ask(.regions)
            async let channels = ask(.channels), overdue = ask(.overdue), satisfaction = ask(.satisfaction)
            let (t, tr, re, ch, ov, sa) = try await (totals, trend, regions, channels, overdue, satisfaction)
            var object: [String: Any] = [
                "who": "\(me.displayName)（\(me.accountID)）", "scope": t.regionName, "from": t.fromDay, "to": t.toDay,
                "previous": "\(t.previousFromDay) 至 \(t.previousToDay)", "region": Self.query(request, "region"), "line": Self.query(request, "line"),
                "totals": Self.totalRows(t),
                "filters": Self.filterQuery(request),
            ]
            object["charts"] = [
                Self.trendChart(tr), Self.regionChart(re), Self.channelChart(ch), Self.overdueChart(ov), Self.satisfactionChart(sa),
            ].map { chart -> [String: Any] in
                var chart = chart
                chart["csv"] = "/staff/dashboard/export?chart=\(chart["id"] ?? "")&" + Self.filterQuery(request)
                return chart
            }
            return page("staff-dashboard", title: "监管统计", object)
        } catch let error as RPCError {
            return errorPage("监管统计", error)
        }
    }

    /// One chart's figures as CSV (or XLSX with `format=xlsx`): ExportStatistics with its query.
    func dashboardExport(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        guard let chart = DashboardChart(rawValue: Self.query(request, "chart")) else {
            return messagePage("没有该图表", "请从监管统计页面下载。", status: .notFound)
        }
        do {
            let file = try await call(
                StatisticsMethod.ExportStatistics.descriptor,
                Fawang_Supervision_V1_ExportStatisticsRequest.with {
                    $0.query = dashboardQuery(request, chart, percentiles: true)
                    $0.format = Self.query(request, "format") == "xlsx" ? .xlsx : .csv
                }, metadata, as: Fawang_Supervision_V1_ExportedFile.self)
            return Self.download(file, name: chart.title + "_" + file.fileName)
        } catch let error as RPCError {
            return errorPage("监管统计", error)
        }
    }

    /// `WatchTodayIntake` as Server-Sent Events: today's counts by channel as JSON.
    func todayEvents(_ request: Request, _ context: GatewayRequestContext) -> Response {
        guard let metadata = staffMetadata(request, context) else {
            return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "请先登录")))
        }
        let watch = Fawang_Supervision_V1_TodayIntakeRequest.with { $0.regionCode = Self.query(request, "region") }
        return eventStream(StatisticsMethod.WatchTodayIntake.descriptor, watch, metadata) { (intake: Fawang_Supervision_V1_TodayIntake) in
            let object: [String: Any] = [
                "day": intake.day, "total": intake.total,
                "channels": intake.channels.map { ["channel": $0.label, "received": $0.received] },
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    // MARK: Charts

    static func filterQuery(_ request: Request) -> String {
        ["from", "to", "region", "line"].compactMap { key in
            let value = query(request, key)
            return value.isEmpty ? nil : "\(key)=" + percentEncoded(value)
        }.joined(separator: "&")
    }

    /// The totals beside the previous span's, with the change.
    static func totalRows(_ report: Fawang_Supervision_V1_StatisticsReport) -> [[String: Any]] {
        let now = report.total, before = report.previousTotal
        let rows: [(String, Double, Double)] = [
            ("收件", Double(now.received), Double(before.received)), ("受理", Double(now.accepted), Double(before.accepted)),
            ("办结", Double(now.concluded), Double(before.concluded)), ("不予受理或驳回", Double(now.refused), Double(before.refused)),
            ("逾期", Double(now.overdue), Double(before.overdue)), ("平均办理工作日", now.averageHandlingDays, before.averageHandlingDays),
            ("平均评分", now.averageRating, before.averageRating),
        ]
        return rows.map { name, value, previous in
            let change = previous == 0 ? "—" : String(format: "%+.1f%%", (value - previous) / previous * 100)
            return ["name": name, "value": Charts.number_(value), "previous": Charts.number_(previous), "change": change]
        }
    }

    static func chart(_ id: DashboardChart, svg: String, header: [String], rows: [[String]]) -> [String: Any] {
        ["id": id.rawValue, "title": id.title, "svg": svg, "header": header, "rows": rows.map { ["cells": $0] }]
    }

    static func trendChart(_ report: Fawang_Supervision_V1_StatisticsReport) -> [String: Any] {
        // Every month of the span, those without a matter at zero.
        var months: [String] = []
        if let from = CivilDate(strictISO: report.fromDay), let to = CivilDate(strictISO: report.toDay) {
            var day = from
            while day <= to, months.count < 120 {
                months.append(StatisticsQuery.period(of: day, .month))
                day = day.monthStart(movedBy: 1)
            }
        }
        let byMonth = Dictionary(report.groups.map { ($0.key.first?.value ?? "", $0) }) { first, _ in first }
        let labels = months.map { "\(Int($0.suffix(2)) ?? 0)月" }
        let received = months.map { Double(byMonth[$0]?.figures.received ?? 0) }, concluded = months.map { Double(byMonth[$0]?.figures.concluded ?? 0) }
        return chart(
            .trend, svg: Charts.lines([.init(name: "收件", values: received), .init(name: "办结", values: concluded)], labels: labels, title: DashboardChart.trend.title),
            header: ["月份", "收件", "办结", "上月收件"],
            rows: months.map { month in
                let group = byMonth[month]
                return [month, String(group?.figures.received ?? 0), String(group?.figures.concluded ?? 0), String(group?.previous.received ?? 0)]
            })
    }

    static func regionChart(_ report: Fawang_Supervision_V1_StatisticsReport) -> [String: Any] {
        var regions: [String] = [], lines: [String] = []
        var counts: [String: Double] = [:]
        for group in report.groups {
            let (region, line) = (group.key[0].label, group.key[1].label)
            if !regions.contains(region) { regions.append(region) }
            if !lines.contains(line) { lines.append(line) }
            counts[region + "|" + line] = Double(group.figures.received)
        }
        // The five lines with most intake; the rest together.
        let ranked = lines.sorted { a, b in regions.reduce(0) { $0 + (counts[$1 + "|" + a] ?? 0) } > regions.reduce(0) { $0 + (counts[$1 + "|" + b] ?? 0) } }
        let shown = Array(ranked.prefix(5))
        var series = shown.map { line in Charts.Series(name: line, values: regions.map { counts[$0 + "|" + line] ?? 0 }) }
        if ranked.count > 5 {
            series.append(.init(name: "其他", values: regions.map { region in ranked.dropFirst(5).reduce(0) { $0 + (counts[region + "|" + $1] ?? 0) } }))
        }
        return chart(
            .regions, svg: Charts.bars(series, categories: regions, title: DashboardChart.regions.title), header: ["地区", "业务条线", "收件", "办结", "逾期"],
            rows: report.groups.map { [$0.key[0].label, $0.key[1].label, String($0.figures.received), String($0.figures.concluded), String($0.figures.overdue)] })
    }

    static func channelChart(_ report: Fawang_Supervision_V1_StatisticsReport) -> [String: Any] {
        let total = Double(max(1, report.total.received))
        return chart(
            .channels,
            svg: Charts.bars(
                [.init(name: "收件", values: report.groups.map { Double($0.figures.received) })], categories: report.groups.map { $0.key[0].label },
                title: DashboardChart.channels.title),
            header: ["渠道", "收件", "占比"],
            rows: report.groups.map { [$0.key[0].label, String($0.figures.received), String(format: "%.1f%%", Double($0.figures.received) / total * 100)] })
    }

    static func overdueChart(_ report: Fawang_Supervision_V1_StatisticsReport) -> [String: Any] {
        let shares = report.groups.map { $0.figures.received == 0 ? 0 : Double($0.figures.overdue) / Double($0.figures.received) }
        return chart(
            .overdue, svg: Charts.heatGrid(zip(report.groups, shares).map { ($0.key[0].label, $1) }, title: DashboardChart.overdue.title),
            header: ["县（市、区）", "收件", "逾期", "逾期率"],
            rows: zip(report.groups, shares).map { [$0.key[0].label, String($0.figures.received), String($0.figures.overdue), String(format: "%.1f%%", $1 * 100)] })
    }

    static func satisfactionChart(_ report: Fawang_Supervision_V1_StatisticsReport) -> [String: Any] {
        let rated = report.groups.filter { $0.figures.ratings > 0 }
        return chart(
            .satisfaction,
            svg: Charts.bars(
                [.init(name: "平均评分", values: rated.map(\.figures.averageRating))], categories: rated.map { $0.key[0].label },
                title: DashboardChart.satisfaction.title, unit: "分"),
            header: ["业务条线", "评价数", "平均评分", "满意率"],
            rows: rated.map { [$0.key[0].label, String($0.figures.ratings), String(format: "%.2f", $0.figures.averageRating), String(format: "%.1f%%", $0.figures.satisfiedShare * 100)] })
    }
}

enum DashboardTemplates {
    static let templates: [String: String] = [
        "staff-dashboard": """
            {{> top}}
            <div class="bar"><h1>监管统计</h1><span class="muted">{{who}}</span><a href="/staff">待办事项</a></div>
            <form method="get" action="/staff/dashboard" class="filters" id="dashboard-filters">
              <div class="field"><label for="f-dfrom">开始日期</label><input type="date" id="f-dfrom" name="from" value="{{from}}"></div>
              <div class="field"><label for="f-dto">结束日期</label><input type="date" id="f-dto" name="to" value="{{to}}"></div>
              <div class="field"><label for="f-dregion">地区代码</label><input type="text" id="f-dregion" name="region" value="{{region}}" inputmode="numeric" maxlength="6"></div>
              <div class="field"><label for="f-dline">业务条线</label><input type="text" id="f-dline" name="line" value="{{line}}" placeholder="全部"></div>
              <p><button type="submit" class="button secondary">查看</button></p>
            </form>
            <p class="muted">{{scope}}，{{from}} 至 {{to}}（上期 {{previous}}）。数据来自各条线事项本身，随办理实时更新。</p>
            <section class="report" id="today" aria-live="polite" data-region="{{region}}">
              <h2>今日收件 <strong id="today-total">—</strong></h2>
              <ul class="counters" id="today-channels"></ul>
            </section>
            <section class="report"><h2>本期与上期</h2>
              <table class="catalogue" id="totals"><thead><tr><th>指标</th><th>本期</th><th>上期</th><th>变化</th></tr></thead>
              <tbody>{{#totals}}<tr><td>{{name}}</td><td>{{value}}</td><td>{{previous}}</td><td>{{change}}</td></tr>{{/totals}}</tbody></table>
            </section>
            {{#charts}}
            <section class="report chart-panel" id="chart-{{id}}">
              <h2>{{title}} <a class="button secondary" href="{{csv}}" download>下载数据（CSV）</a></h2>
              {{{svg}}}
              <details><summary>数据表</summary>
              <table class="catalogue"><thead><tr>{{#header}}<th>{{.}}</th>{{/header}}</tr></thead>
              <tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody></table></details>
            </section>
            {{/charts}}
            <script src="/static/dashboard.js" defer></script>
            {{> bottom}}
            """,
    ]

    static let script = """
        // Today's intake by channel, pushed from /staff/dashboard/today.
        document.addEventListener('DOMContentLoaded', function () {
          var panel = document.getElementById('today');
          if (!panel || !window.EventSource) return;
          var region = panel.getAttribute('data-region');
          var source = new EventSource('/staff/dashboard/today' + (region ? '?region=' + encodeURIComponent(region) : ''));
          source.onmessage = function (e) {
            var intake = JSON.parse(e.data);
            document.getElementById('today-total').textContent = intake.total;
            var list = document.getElementById('today-channels');
            list.innerHTML = '';
            intake.channels.forEach(function (c) {
              var item = document.createElement('li');
              item.textContent = c.channel + ' ' + c.received;
              list.appendChild(item);
            });
          };
        });
        """
}
