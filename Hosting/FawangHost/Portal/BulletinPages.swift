import FawangCore
import FawangProto
import Foundation
import GRPCCore
import Hummingbird
import SwiftProtobuf

/// Assessment and bulletins on the workbench (`/staff/bulletins`, `AssessmentService`): the
/// month's scores of the officer's division by line and by division, the archived bulletins with
/// their HTML and PDF, and — for supervisors and admins — a button that publishes the chosen
/// month's bulletin. Every rule (who sees what, which month may be published) is the service's.
extension Portal {
    typealias AssessmentMethod = Fawang_Supervision_V1_AssessmentService.Method

    func addBulletinPages(to router: Router<GatewayRequestContext>) {
        router.get("/staff/bulletins") { request, context in try await bulletinsPage(request, context) }
        router.post("/staff/bulletins") { request, context in try await publishBulletin(request, context) }
        router.get("/staff/bulletins/:id") { request, context in try await bulletinFile(request, context) }
    }

    func bulletinsPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let (region, month) = (Self.query(request, "region"), Self.query(request, "month"))
        do {
            async let me = whoAmI(metadata)
            async let listed = call(
                AssessmentMethod.ListBulletins.descriptor, Fawang_Supervision_V1_ListBulletinsRequest.with { $0.regionCode = region }, metadata,
                as: Fawang_Supervision_V1_ListBulletinsResponse.self)
            let scores = try await call(
                AssessmentMethod.GetScores.descriptor,
                Fawang_Supervision_V1_ScoresRequest.with {
                    $0.month = month
                    $0.regionCode = region
                }, metadata, as: Fawang_Supervision_V1_ScoresReport.self)
            let (principal, bulletins) = (try await me, try await listed.bulletins)
            let csrf = Self.csrfToken(request)
            func rows(_ rows: [Fawang_Supervision_V1_ScoreRow]) -> [[String: Any]] {
                rows.map { row in
                    [
                        "rank": row.measured ? String(row.rank) : "—", "name": row.unitName, "received": row.received,
                        "cells": row.indicators.map(\.display), "total": row.measured ? String(format: "%.2f", row.total) : "无数据",
                    ]
                }
            }
            let lastMonth = String(CivilDate(now()).monthStart(movedBy: -1).description.prefix(7))
            var response = page("staff-bulletins", title: "考核通报", [
                "csrf": csrf, "scope": scores.regionName, "region": scores.regionCode, "month": scores.month, "asOf": scores.asOfDay,
                "indicators": scores.indicators.map { ["name": $0.name, "weight": $0.weight, "definition": $0.definition] },
                "byLine": rows(scores.byLine), "byDivision": rows(scores.byDivision), "hasDivisions": !scores.byDivision.isEmpty,
                "bulletins": bulletins.map {
                    ["id": $0.id, "title": $0.title, "region": $0.regionName, "month": $0.month, "generatedAt": $0.generatedAt, "by": $0.generatedBy == "system" ? "每月自动生成" : $0.generatedBy]
                },
                "hasBulletins": !bulletins.isEmpty,
                "mayPublish": principal.role == .platformAdmin || principal.department == "supervision",
                "publishMonth": scores.month < String(CivilDate(now()).description.prefix(7)) ? scores.month : lastMonth,
            ])
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError {
            return errorPage("考核通报", error)
        }
    }

    func publishBulletin(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let bulletin = try await call(
                AssessmentMethod.PublishBulletin.descriptor,
                Fawang_Supervision_V1_PublishBulletinRequest.with {
                    $0.month = values["month"] ?? ""
                    $0.regionCode = values["region"] ?? ""
                }, metadata, as: Fawang_Supervision_V1_Bulletin.self)
            return Response(status: .seeOther, headers: [.location: "/staff/bulletins?region=\(bulletin.regionCode)&month=\(bulletin.month)"])
        } catch let error as RPCError {
            return errorPage("考核通报", error)
        }
    }

    func bulletinFile(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let file = try await call(
                AssessmentMethod.GetBulletin.descriptor,
                Fawang_Supervision_V1_GetBulletinRequest.with {
                    $0.id = context.parameters.get("id") ?? ""
                    $0.format = Self.query(request, "format") == "pdf" ? .pdf : .html
                }, metadata, as: Fawang_Supervision_V1_ExportedFile.self)
            return Self.download(file)
        } catch let error as RPCError {
            return errorPage("考核通报", error)
        }
    }
}

enum BulletinTemplates {
    static let templates: [String: String] = [
        "staff-bulletins": """
            {{> top}}
            <div class="bar"><h1>考核通报</h1><a href="/staff">待办事项</a><a href="/staff/dashboard">监管统计</a></div>
            <form method="get" action="/staff/bulletins" class="filters">
              <label for="f-month">月份</label><input type="month" id="f-month" name="month" value="{{month}}">
              <label for="f-region">行政区划代码</label><input type="text" id="f-region" name="region" value="{{region}}" size="8">
              <button type="submit">查看得分</button>
            </form>
            <p class="muted">{{scope}}，{{month}}，截至{{asOf}}。指标和分值为本机关的考核规则（不是法定标准）：{{#indicators}}{{name}}{{weight}}分；{{/indicators}}某项无可计事项时记“无数据”，不计分。</p>
            <section class="report" id="scores-by-line"><h2>按业务条线</h2>
            <table class="catalogue"><thead><tr><th>排名</th><th>业务条线</th><th>收件</th>{{#indicators}}<th title="{{definition}}">{{name}}</th>{{/indicators}}<th>综合得分</th></tr></thead>
            <tbody>{{#byLine}}<tr><td>{{rank}}</td><td>{{name}}</td><td>{{received}}</td>{{#cells}}<td>{{.}}</td>{{/cells}}<td>{{total}}</td></tr>{{/byLine}}</tbody></table>
            </section>
            {{#hasDivisions}}<section class="report" id="scores-by-division"><h2>按地区</h2>
            <table class="catalogue"><thead><tr><th>排名</th><th>地区</th><th>收件</th>{{#indicators}}<th title="{{definition}}">{{name}}</th>{{/indicators}}<th>综合得分</th></tr></thead>
            <tbody>{{#byDivision}}<tr><td>{{rank}}</td><td>{{name}}</td><td>{{received}}</td>{{#cells}}<td>{{.}}</td>{{/cells}}<td>{{total}}</td></tr>{{/byDivision}}</tbody></table>
            </section>{{/hasDivisions}}
            {{#mayPublish}}<form method="post" action="/staff/bulletins" id="publish-bulletin">
              <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="region" value="{{region}}">
              <input type="hidden" name="month" value="{{publishMonth}}">
              <button type="submit">生成月度通报（{{publishMonth}}）</button>
              <span class="muted">月度通报在次月1日起生成（每月1日后系统也会自动生成上月通报）；每月每地一份，已生成的不会改变。</span>
            </form>{{/mayPublish}}
            <section class="report" id="bulletins"><h2>已存档的通报</h2>
            {{#hasBulletins}}<table class="catalogue"><thead><tr><th>通报</th><th>地区</th><th>月份</th><th>生成时间</th><th>生成人</th><th>下载</th></tr></thead>
            <tbody>{{#bulletins}}<tr><td>{{title}}</td><td>{{region}}</td><td>{{month}}</td><td>{{generatedAt}}</td><td>{{by}}</td>
              <td><a href="/staff/bulletins/{{id}}?format=html">HTML</a> <a href="/staff/bulletins/{{id}}?format=pdf">PDF</a></td></tr>{{/bulletins}}</tbody></table>{{/hasBulletins}}
            {{^hasBulletins}}<p class="muted">本辖区还没有存档的考核通报。</p>{{/hasBulletins}}
            </section>
            {{> bottom}}
            """
    ]
}
