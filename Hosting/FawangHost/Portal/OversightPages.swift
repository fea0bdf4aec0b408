import FawangCore
import FawangProto
import Foundation
import GRPCCore
import Hummingbird
import SwiftProtobuf

/// Oversight of organisations and practitioners on the workbench (`/staff/oversight`,
/// `OversightService`): the division's entries with their credit score, lowest first, and their
/// alerts; one entry's file (`/staff/oversight/entry?id=…`: the ids hold a slash) with the forms
/// that record its licence term, annual assessment, inspections and measures.
extension Portal {
    typealias OversightMethod = Fawang_Supervision_V1_OversightService.Method

    func addOversightPages(to router: Router<GatewayRequestContext>) {
        router.get("/staff/oversight") { request, context in try await oversightList(request, context) }
        router.get("/staff/oversight/entry") { request, context in try await oversightEntry(request, context, id: Self.query(request, "id")) }
        router.post("/staff/oversight/entry") { request, context in try await oversightRecord(request, context) }
    }

    func oversightList(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let (region, kind, grade, name) = (Self.query(request, "region"), Self.query(request, "kind"), Self.query(request, "grade"), Self.query(request, "name"))
        let alertsOnly = Self.query(request, "alerts") == "on"
        do {
            async let alerts = call(
                OversightMethod.ListOversightAlerts.descriptor, Fawang_Supervision_V1_ListOversightAlertsRequest.with { $0.regionCode = region }, metadata,
                as: Fawang_Supervision_V1_ListOversightAlertsResponse.self)
            let listed = try await call(
                OversightMethod.ListOverseen.descriptor,
                Fawang_Supervision_V1_ListOverseenRequest.with {
                    $0.regionCode = region
                    if !kind.isEmpty { $0.kinds = [kind] }
                    $0.creditGrade = grade
                    $0.name = name
                    $0.withAlertsOnly = alertsOnly
                    $0.pageSize = 200
                }, metadata, as: Fawang_Supervision_V1_ListOverseenResponse.self)
            let raised = try await alerts.alerts
            return page("staff-oversight", title: "机构监管", [
                "region": region, "name": name, "alertsOnly": alertsOnly, "total": listed.total, "shown": listed.entries.count,
                "truncated": listed.entries.count < listed.total,
                "kinds": DirectoryKind.all.map { ["id": $0.id, "name": $0.nameZH, "selected": $0.id == kind] },
                "grades": CreditGrade.allCases.map { ["id": $0.rawValue, "name": $0.nameZH, "selected": $0.rawValue == grade, "count": listed.byGrade[$0.rawValue] ?? 0] },
                "alerts": raised.map { Self.alertRow($0) }, "hasAlerts": !raised.isEmpty,
                "entries": listed.entries.map { entry in
                    [
                        "href": "/staff/oversight/entry?id=" + Self.percentEncoded(entry.id), "name": entry.name, "kind": entry.kindName,
                        "region": entry.regionName, "line": entry.businessLineName, "status": entry.licenceStatus, "good": entry.inGoodStanding,
                        "score": entry.creditScore, "grade": entry.creditGrade, "low": entry.creditGrade == "C" || entry.creditGrade == "D",
                        "alerts": entry.alerts.map(\.kindName).joined(separator: "、"),
                    ] as [String: Any]
                },
            ])
        } catch let error as RPCError {
            return errorPage("机构监管", error)
        }
    }

    static func alertRow(_ alert: Fawang_Supervision_V1_Alert) -> [String: Any] {
        [
            "href": "/staff/oversight/entry?id=" + percentEncoded(alert.entryID), "name": alert.entryName, "region": alert.regionName,
            "kind": alert.kindName, "message": alert.message,
        ]
    }

    /// One entry's file; after a refused form, its message and the values typed.
    func oversightEntry(
        _ request: Request, _ context: GatewayRequestContext, id: String, form: String = "", values: [String: String] = [:], message: String = "",
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let record = try await call(
                OversightMethod.GetOversight.descriptor, Fawang_Supervision_V1_GetOversightRequest.with { $0.entryID = id }, metadata,
                as: Fawang_Supervision_V1_OversightRecord.self)
            let entry = record.entry, credit = entry.credit
            let csrf = Self.csrfToken(request)
            let isPerson = entry.isPerson
            func value(_ name: String, _ fallback: String = "") -> String { values[name] ?? fallback }
            let today = CivilDate(now())
            var response = page("staff-oversight-entry", title: entry.name, [
                "csrf": csrf, "id": entry.id, "name": entry.name, "kind": entry.kindName, "region": entry.regionName,
                "line": entry.businessLineName, "hasLine": !entry.businessLineName.isEmpty, "organization": entry.organizationName,
                "hasOrganization": !entry.organizationName.isEmpty, "licence": credit.licenceNumber, "hasLicence": !credit.licenceNumber.isEmpty,
                "status": credit.licenceStatus, "good": credit.inGoodStanding, "validUntil": record.licenceValidUntil,
                "hasValidUntil": !record.licenceValidUntil.isEmpty,
                "score": record.creditScore, "gradeName": record.creditGradeName, "low": record.creditGrade == "C" || record.creditGrade == "D",
                "deductions": record.deductions.map { ["points": String($0.points).replacingOccurrences(of: "-", with: "−"), "reason": $0.reason] },
                "hasDeductions": !record.deductions.isEmpty,
                "alerts": record.alerts.map { Self.alertRow($0) }, "hasAlerts": !record.alerts.isEmpty,
                "figures": credit.figuresZH.filter { !["信用等级", "年度考核", "许可有效期至", "监督检查"].contains($0.label) }.map { ["label": $0.label, "value": $0.value] },
                "assessments": record.assessments.map { ["year": $0.year, "result": $0.resultName, "note": $0.note, "recorded": $0.recordedOn] },
                "inspections": record.inspections.map {
                    ["day": $0.day, "kind": $0.kindName, "result": $0.resultName, "findings": $0.findings, "rectifyBy": $0.rectifyBy]
                },
                "measures": record.measures.map {
                    ["day": $0.decidedOn, "kind": $0.kindName, "basis": $0.basis, "description": $0.description_p, "until": $0.until,
                     "source": $0.recordedByBureau ? "司法行政机关登记" : "业务登记簿"]
                },
                "message": message, "hasMessage": !message.isEmpty, "form": form,
                "results": AnnualAssessmentResult.allCases.map { ["id": $0.rawValue, "name": $0.label(isPerson: isPerson), "selected": value("result") == $0.rawValue] },
                "inspectionKinds": InspectionKind.allCases.map { ["id": $0.rawValue, "name": $0.label, "selected": value("kind") == $0.rawValue] },
                "inspectionResults": InspectionResult.allCases.map { ["id": $0.rawValue, "name": $0.label, "selected": value("result") == $0.rawValue] },
                "measureKinds": MeasureKind.allCases.map { ["id": $0.rawValue, "name": $0.label, "selected": value("kind") == $0.rawValue] },
                "year": value("year", String(today.components.year - 1)), "note": value("note"), "day": value("day", today.description),
                "findings": value("findings"), "rectifyBy": value("rectify_by"), "basis": value("basis"), "reason": value("reason"),
                "until": value("until"), "validUntilInput": value("valid_until", record.licenceValidUntil), "requestID": UUID().uuidString,
            ], status: status)
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError {
            return errorPage("机构监管", error)
        }
    }

    /// One of the entry page's forms (`form`: assessment, inspection, measure, term), then back to
    /// the entry; refused, the page again with the reason and what was typed.
    func oversightRecord(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let id = values["id"] ?? "", form = values["form"] ?? ""
        func value(_ name: String) -> String { values[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        do {
            switch form {
            case "assessment":
                _ = try await call(
                    OversightMethod.RecordAssessment.descriptor,
                    Fawang_Supervision_V1_RecordAssessmentRequest.with {
                        $0.entryID = id
                        $0.year = Int32(value("year")) ?? 0
                        $0.result = ["pass": .pass, "basic": .basic, "fail": .fail][value("result")] ?? .unspecified
                        $0.note = value("note")
                    }, metadata, as: Fawang_Supervision_V1_OversightRecord.self)
            case "inspection":
                _ = try await call(
                    OversightMethod.RecordInspection.descriptor,
                    Fawang_Supervision_V1_RecordInspectionRequest.with {
                        $0.requestID = value("request_id")
                        $0.entryID = id
                        $0.day = value("day")
                        $0.kind = ["routine": .routine, "special": .special, "random": .random][value("kind")] ?? .unspecified
                        $0.result = ["passed": .passed, "rectify": .rectify, "failed": .failed][value("result")] ?? .unspecified
                        $0.findings = value("findings")
                        $0.rectifyBy = value("rectify_by")
                    }, metadata, as: Fawang_Supervision_V1_OversightRecord.self)
            case "measure":
                _ = try await call(
                    OversightMethod.RecordMeasure.descriptor,
                    Fawang_Supervision_V1_RecordMeasureRequest.with {
                        $0.requestID = value("request_id")
                        $0.entryID = id
                        $0.decidedOn = value("day")
                        $0.kind = ["warning": .warning, "criticism": .criticism, "fine": .fine, "suspension": .suspension, "revocation": .revocation][value("kind")]
                            ?? .unspecified
                        $0.basis = value("basis")
                        $0.reason = value("reason")
                        $0.until = value("until")
                    }, metadata, as: Fawang_Supervision_V1_OversightRecord.self)
            default:
                _ = try await call(
                    OversightMethod.SetLicenceTerm.descriptor,
                    Fawang_Supervision_V1_SetLicenceTermRequest.with {
                        $0.entryID = id
                        $0.validUntil = value("valid_until")
                    }, metadata, as: Fawang_Supervision_V1_OversightRecord.self)
            }
            return Response(status: .seeOther, headers: [.location: "/staff/oversight/entry?id=" + Self.percentEncoded(id)])
        } catch let error as RPCError where error.code == .invalidArgument {
            return try await oversightEntry(request, context, id: id, form: form, values: values, message: Self.problem(error), status: Self.status(error))
        } catch let error as RPCError {
            return errorPage("机构监管", error)
        }
    }
}

enum OversightTemplates {
    static let templates: [String: String] = [
        "staff-oversight": """
            {{> top}}
            <div class="bar"><h1>机构监管</h1><a href="/staff">待办事项</a><a href="/staff/dashboard">监管统计</a></div>
            <p class="muted">本辖区法律服务机构和人员的执业许可、年度考核、监督检查、处罚处分，与平台上办理事项的满意度、逾期和投诉一起计算信用评分（满分100分，规则见运行手册“机构监管”），评分低的在前。</p>
            <form method="get" action="/staff/oversight" class="filters" id="oversight-filters">
              <div class="field"><label for="f-region">行政区划代码</label><input type="text" id="f-region" name="region" value="{{region}}" placeholder="默认本辖区"></div>
              <div class="field"><label for="f-kind">类别</label><select id="f-kind" name="kind"><option value="">全部</option>{{#kinds}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/kinds}}</select></div>
              <div class="field"><label for="f-grade">信用等级</label><select id="f-grade" name="grade"><option value="">全部</option>{{#grades}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/grades}}</select></div>
              <div class="field"><label for="f-name">名称</label><input type="text" id="f-name" name="name" value="{{name}}"></div>
              <div class="field"><label><input type="checkbox" name="alerts"{{#alertsOnly}} checked{{/alertsOnly}}> 只看有预警的</label></div>
              <p><button type="submit" class="button secondary">查看</button></p>
            </form>
            <p id="oversight-grades">{{#grades}}<span class="tag">{{name}} {{count}}</span> {{/grades}}</p>
            <section class="report" id="oversight-alerts"><h2>预警</h2>
            {{#hasAlerts}}<ul>{{#alerts}}<li><span class="tag warn">{{kind}}</span> <a href="{{href}}">{{name}}</a>（{{region}}）：{{message}}</li>{{/alerts}}</ul>{{/hasAlerts}}
            {{^hasAlerts}}<p class="muted">本辖区暂无预警。</p>{{/hasAlerts}}
            </section>
            <p class="muted" id="oversight-total">共 {{total}} 个{{#truncated}}，显示评分最低的 {{shown}} 个{{/truncated}}</p>
            <table class="catalogue" id="oversight-entries"><thead><tr><th>名称</th><th>类别</th><th>地区</th><th>条线</th><th>执业状态</th><th>信用评分</th><th>预警</th></tr></thead>
            <tbody>{{#entries}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{kind}}</td><td>{{region}}</td><td>{{line}}</td>
              <td{{^good}} class="warn"{{/good}}>{{status}}</td><td{{#low}} class="warn"{{/low}}>{{score}}（{{grade}}）</td><td>{{alerts}}</td></tr>{{/entries}}</tbody></table>
            {{> bottom}}
            """,
        "staff-oversight-entry": """
            {{> top}}
            <div class="bar"><h1>{{name}}</h1><a href="/staff/oversight">机构监管</a></div>
            <p class="muted">{{kind}}{{#hasLine}} · {{line}}{{/hasLine}} · {{region}}{{#hasOrganization}} · {{organization}}{{/hasOrganization}}</p>
            {{#hasMessage}}<p class="error" role="alert" id="oversight-message">{{message}}</p>{{/hasMessage}}
            <dl class="entry" id="oversight-summary">
            <dt>信用评分</dt><dd class="{{#low}}warn{{/low}}" id="oversight-score">{{score}} 分 · {{gradeName}}</dd>
            <dt>执业状态</dt><dd class="{{^good}}warn{{/good}}">{{status}}</dd>
            {{#hasLicence}}<dt>证号</dt><dd>{{licence}}</dd>{{/hasLicence}}
            <dt>许可有效期至</dt><dd>{{#hasValidUntil}}{{validUntil}}{{/hasValidUntil}}{{^hasValidUntil}}未登记{{/hasValidUntil}}</dd>
            {{#figures}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/figures}}
            </dl>
            {{#hasDeductions}}<h2>扣分</h2><ul id="oversight-deductions">{{#deductions}}<li>{{points}} 分：{{reason}}</li>{{/deductions}}</ul>{{/hasDeductions}}
            {{#hasAlerts}}<h2>预警</h2><ul id="oversight-entry-alerts">{{#alerts}}<li><span class="tag warn">{{kind}}</span> {{message}}</li>{{/alerts}}</ul>{{/hasAlerts}}
            <h2>年度考核</h2>
            <table class="catalogue" id="oversight-assessments"><thead><tr><th>年度</th><th>结果</th><th>说明</th><th>登记日期</th></tr></thead>
            <tbody>{{#assessments}}<tr><td>{{year}}</td><td>{{result}}</td><td>{{note}}</td><td>{{recorded}}</td></tr>{{/assessments}}</tbody></table>
            <form method="post" action="/staff/oversight/entry" class="inline" id="form-assessment"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><input type="hidden" name="form" value="assessment">
              <div class="field"><label for="a-year">年度</label><input type="text" id="a-year" name="year" value="{{year}}" inputmode="numeric"></div>
              <div class="field"><label for="a-result">结果</label><select id="a-result" name="result"><option value="">请选择</option>{{#results}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/results}}</select></div>
              <div class="field"><label for="a-note">说明</label><input type="text" id="a-note" name="note" value="{{note}}"></div>
              <p><button type="submit" class="button secondary">登记考核结果</button></p></form>
            <h2>监督检查</h2>
            <table class="catalogue" id="oversight-inspections"><thead><tr><th>日期</th><th>方式</th><th>结论</th><th>发现的问题</th><th>整改期限</th></tr></thead>
            <tbody>{{#inspections}}<tr><td>{{day}}</td><td>{{kind}}</td><td>{{result}}</td><td>{{findings}}</td><td>{{rectifyBy}}</td></tr>{{/inspections}}</tbody></table>
            <form method="post" action="/staff/oversight/entry" class="inline" id="form-inspection"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><input type="hidden" name="form" value="inspection"><input type="hidden" name="request_id" value="{{requestID}}">
              <div class="field"><label for="i-day">检查日期</label><input id="i-day" name="day" type="date" value="{{day}}"></div>
              <div class="field"><label for="i-kind">方式</label><select id="i-kind" name="kind"><option value="">请选择</option>{{#inspectionKinds}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/inspectionKinds}}</select></div>
              <div class="field"><label for="i-result">结论</label><select id="i-result" name="result"><option value="">请选择</option>{{#inspectionResults}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/inspectionResults}}</select></div>
              <div class="field"><label for="i-findings">发现的问题</label><textarea id="i-findings" name="findings" rows="2">{{findings}}</textarea></div>
              <div class="field"><label for="i-rectify">整改期限（限期整改的）</label><input id="i-rectify" name="rectify_by" type="date" value="{{rectifyBy}}"></div>
              <p><button type="submit" class="button secondary">登记检查</button></p></form>
            <h2>行政处罚和行业处分</h2>
            <table class="catalogue" id="oversight-measures"><thead><tr><th>决定日期</th><th>种类</th><th>事实</th><th>依据</th><th>截止</th><th>来源</th></tr></thead>
            <tbody>{{#measures}}<tr><td>{{day}}</td><td>{{kind}}</td><td>{{description}}</td><td>{{basis}}</td><td>{{until}}</td><td>{{source}}</td></tr>{{/measures}}</tbody></table>
            <form method="post" action="/staff/oversight/entry" class="inline" id="form-measure"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><input type="hidden" name="form" value="measure"><input type="hidden" name="request_id" value="{{requestID}}">
              <div class="field"><label for="m-day">决定日期</label><input id="m-day" name="day" type="date" value="{{day}}"></div>
              <div class="field"><label for="m-kind">种类</label><select id="m-kind" name="kind"><option value="">请选择</option>{{#measureKinds}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/measureKinds}}</select></div>
              <div class="field"><label for="m-basis">依据条款</label><input type="text" id="m-basis" name="basis" value="{{basis}}" placeholder="如《中华人民共和国律师法》第四十七条"></div>
              <div class="field"><label for="m-reason">违法违规事实</label><textarea id="m-reason" name="reason" rows="2">{{reason}}</textarea></div>
              <div class="field"><label for="m-until">停止执业至</label><input id="m-until" name="until" type="date" value="{{until}}"></div>
              <p><button type="submit" class="button secondary">登记处罚处分</button></p></form>
            <h2>执业许可有效期</h2>
            <form method="post" action="/staff/oversight/entry" class="inline" id="form-term"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><input type="hidden" name="form" value="term">
              <div class="field"><label for="t-until">有效期至（留空即清除）</label><input id="t-until" name="valid_until" type="date" value="{{validUntilInput}}"></div>
              <p><button type="submit" class="button secondary">保存</button></p></form>
            {{> bottom}}
            """,
    ]
}
