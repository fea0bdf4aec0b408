import FawangCore
import FawangProto
import Foundation
import GRPCCore
import Hummingbird
import SwiftProtobuf

/// Public opinion on the workbench (`/staff/opinion`, `OpinionService`): the alerts of the
/// officer's division, each opening the matters behind it, and the topics of the last twelve weeks
/// as a chart and a table.
extension Portal {
    typealias OpinionMethod = Fawang_Opinion_V1_OpinionService.Method

    func addOpinionPages(to router: Router<GatewayRequestContext>) {
        router.get("/staff/opinion") { request, context in try await opinionPage(request, context) }
        router.get("/staff/opinion/:id") { request, context in try await opinionAlert(request, context) }
    }

    func opinionPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let region = Self.query(request, "region")
        do {
            async let alerts = call(
                OpinionMethod.ListAlerts.descriptor, Fawang_Opinion_V1_ListAlertsRequest.with { $0.regionCode = region }, metadata,
                as: Fawang_Opinion_V1_ListAlertsResponse.self)
            let trends = try await call(
                OpinionMethod.GetTrends.descriptor, Fawang_Opinion_V1_TrendsRequest.with { $0.regionCode = region }, metadata, as: Fawang_Opinion_V1_Trends.self)
            let listed = try await alerts.alerts
            let top = Array(trends.series.prefix(6))
            return page("staff-opinion", title: "舆情分析", [
                "scope": trends.regionName, "from": trends.fromDay, "to": trends.toDay, "region": region,
                "alerts": listed.map { ["id": $0.id, "summary": $0.summary, "topic": $0.topic, "region": $0.regionName, "days": "\($0.fromDay) 至 \($0.toDay)"] },
                "hasAlerts": !listed.isEmpty,
                "svg": Charts.lines(top.map { .init(name: $0.name, values: $0.counts.map(Double.init)) }, labels: trends.periods.map { String($0.suffix(5)) }, title: "各话题每周件数"),
                "header": ["话题"] + trends.periods.map { String($0.suffix(5)) } + ["合计"],
                "rows": trends.series.map { ["cells": [$0.name] + $0.counts.map(String.init) + [String($0.total)]] },
                "hasTrends": !trends.series.isEmpty,
            ])
        } catch let error as RPCError {
            return errorPage("舆情分析", error)
        }
    }

    func opinionAlert(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let alert = try await call(
                OpinionMethod.GetAlert.descriptor, Fawang_Opinion_V1_AlertRef.with { $0.id = context.parameters.get("id") ?? "" }, metadata,
                as: Fawang_Opinion_V1_Alert.self)
            return page("staff-opinion-alert", title: "舆情预警", [
                "summary": alert.summary, "topic": alert.topic, "region": alert.regionName, "days": "\(alert.fromDay) 至 \(alert.toDay)",
                "matters": alert.matters.map {
                    ["number": $0.trackingNumber, "link": "/staff/matter/" + $0.trackingNumber.filter { $0 != " " }, "line": $0.businessLineName, "day": $0.day, "excerpt": $0.excerpt]
                },
            ])
        } catch let error as RPCError {
            return errorPage("舆情分析", error)
        }
    }
}

enum OpinionTemplates {
    static let templates: [String: String] = [
        "staff-opinion": """
            {{> top}}
            <div class="bar"><h1>舆情分析</h1><a href="/staff">待办事项</a><a href="/staff/dashboard">监管统计</a></div>
            <p class="muted">{{scope}}，{{from}} 至 {{to}}：群众咨询的问题、信访和投诉的事实、评价的留言中说到的话题（按话题词典分词）。某县某话题近7日不少于5件、且不少于此前4周周均的3倍时预警。</p>
            <section class="report" id="opinion-alerts"><h2>预警</h2>
            {{#hasAlerts}}<ul>{{#alerts}}<li><a href="/staff/opinion/{{id}}">{{summary}}</a> <span class="muted">{{days}}</span></li>{{/alerts}}</ul>{{/hasAlerts}}
            {{^hasAlerts}}<p class="muted">本辖区暂无预警。</p>{{/hasAlerts}}
            </section>
            <section class="report chart-panel" id="opinion-trends"><h2>话题趋势</h2>
            {{#hasTrends}}{{{svg}}}
            <details><summary>数据表</summary><table class="catalogue"><thead><tr>{{#header}}<th>{{.}}</th>{{/header}}</tr></thead>
            <tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody></table></details>{{/hasTrends}}
            {{^hasTrends}}<p class="muted">这段时间没有可分析的留言。</p>{{/hasTrends}}
            </section>
            {{> bottom}}
            """,
        "staff-opinion-alert": """
            {{> top}}
            <div class="bar"><h1>舆情预警：{{topic}}</h1><a href="/staff/opinion">舆情分析</a></div>
            <p id="opinion-summary">{{summary}}（{{days}}）</p>
            <table class="catalogue" id="opinion-matters"><thead><tr><th>受理编号</th><th>条线</th><th>日期</th><th>内容摘要</th></tr></thead>
            <tbody>{{#matters}}<tr><td><a href="{{link}}">{{number}}</a></td><td>{{line}}</td><td>{{day}}</td><td>{{excerpt}}</td></tr>{{/matters}}</tbody></table>
            {{> bottom}}
            """,
    ]
}
