import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Questionnaires on the portal over HTTP: the public list and form, a citizen's answer (its
/// missing required question named on the page, then accepted once), the staff's summary with a
/// chart per question and the download, and the designer's blocks with their errors.
@Suite struct SurveyPagesTests {
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))
    static let csrf = String(repeating: "d", count: 64)
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// A form POST with the CSRF cookie (and a session cookie), redirects not followed.
    static func post(_ port: Int, _ path: String, _ fields: [(String, String)], cookie: String = "") async throws -> (status: Int, location: String, html: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("fawang_csrf=\(csrf)" + (cookie.isEmpty ? "" : "; " + cookie), forHTTPHeaderField: "Cookie")
        let body = ([("_csrf", csrf)] + fields).map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")" }.joined(separator: "&")
        request.httpBody = Data(body.utf8)
        let session = URLSession(configuration: .ephemeral, delegate: AdminConsoleTests.NoRedirects(), delegateQueue: nil)
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Location") ?? "", String(decoding: data, as: UTF8.self))
    }

    static func get(_ port: Int, _ path: String, cookie: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.setValue(cookie, forHTTPHeaderField: "Cookie")
        let (data, response) = try await URLSession.isolated().data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("门户问卷：公众列表和表单；市民登录后作答（漏答必答题时在该题下提示），同一人不能再答；工作人员看到图表汇总并下载；设计问卷")
    func aCitizenAnswersAndStaffReadTheSummary() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let http = try #require(platform.ports.http)
            let list = try await PortalTests.get(http, "/surveys")
            #expect(list.status == 200 && list.html.contains("12348公共法律服务群众满意度调查") && list.html.contains("/surveys/wj-demo-satisfaction"))
            let anonymous = try await PortalTests.get(http, "/surveys/wj-demo-satisfaction")
            #expect(anonymous.html.contains("id=\"survey-login\""), "one per person: sign in first")
            #expect(!anonymous.html.contains("style="))

            // The citizen signs in and answers, forgetting the required scale question.
            let citizen = try await platform.accessToken("13951001234")
            let cookie = "fawang_citizen=\(citizen)"
            let (formStatus, form) = try await Self.get(http, "/surveys/wj-demo-satisfaction", cookie: cookie)
            #expect(formStatus == 200 && form.contains("id=\"survey-form\"") && !form.contains("id=\"survey-login\""))
            #expect(form.contains("name=\"q2\" value=\"3\"") && form.contains("type=\"checkbox\""), "multiple choice as checkboxes")
            let missing = try await Self.post(http, "/surveys/wj-demo-satisfaction", [("q1", "3"), ("q2", "1"), ("q2", "4"), ("q4", "希望增加夜间服务")], cookie: cookie)
            #expect(missing.status == 422)
            let third = try #require(missing.html.firstMatch(of: /id="question-q3"[\s\S]*?<\/fieldset>/)).output
            #expect(third.contains("是必答题") && third.contains("aria-invalid=\"true\""))
            #expect(missing.html.contains("value=\"4\" checked") || missing.html.contains("希望增加夜间服务"), "what was given stays")
            let done = try await Self.post(
                http, "/surveys/wj-demo-satisfaction", [("q1", "3"), ("q2", "1"), ("q2", "4"), ("q3", "4"), ("q4", "希望增加夜间服务")], cookie: cookie)
            #expect(done.status == 200 && done.html.contains("id=\"survey-receipt\">hj-"))
            let again = try await Self.post(http, "/surveys/wj-demo-satisfaction", [("q1", "1"), ("q3", "5")], cookie: cookie)
            #expect(again.status == 409 && again.html.contains("您已经填写过本问卷"))

            // The bureau's supervisor reads the summary: a chart per choice and scale question.
            let staff = try await AdminConsoleTests.signIn(http, "supervision-admin")
            let (summaryStatus, data) = try await AdminConsoleTests.get(http, "/staff/surveys/wj-demo-satisfaction", session: staff)
            let summary = String(decoding: data, as: UTF8.self)
            #expect(summaryStatus == 200 && summary.contains("id=\"survey-count\">1<"))
            #expect(summary.components(separatedBy: "<svg").count - 1 == 3, "single, multiple and scale questions charted")
            let channels = try #require(summary.firstMatch(of: /渠道：[^<]*/)).output
            #expect(channels.contains("网站 1"), "answered on the portal: channel web")
            #expect(summary.contains("<li>希望增加夜间服务"))
            let (csvStatus, csv) = try await AdminConsoleTests.get(http, "/staff/surveys/wj-demo-satisfaction/export", session: staff)
            let rows = try #require(Spreadsheet.rows(csv: csv))
            #expect(csvStatus == 200 && rows.count == 2 && rows[1].contains("12348宁夏法网网站") && rows[1].contains("法律咨询；公证"))

            // The designer: two blocks filled; an empty option list named in its block.
            let staffCookie = "fawang_staff=\(staff)"
            var fields: [(String, String)] = [
                ("title", "调解员培训需求调查"), ("audience", "public"), ("opens_on", "2026-12-07"), ("closes_on", "2026-12-20"),
                ("q1_kind", "single"), ("q1_text", "您希望的培训方式"), ("q1_required", "on"),
                ("q3_kind", "text"), ("q3_text", "其他建议"),
            ]
            let refused = try await Self.post(http, "/staff/surveys", fields, cookie: staffCookie)
            #expect(refused.status == 422)
            let block = try #require(refused.html.firstMatch(of: /id="block-1"[\s\S]*?<\/fieldset>/)).output
            #expect(block.contains("请给出2至20个选项"), "\(block)")
            fields.append(("q1_options", "线下集中培训\n线上课程\n以案代训"))
            let created = try await Self.post(http, "/staff/surveys", fields, cookie: staffCookie)
            #expect(created.status == 303 && created.location.hasPrefix("/staff/surveys/wj-"))
            let published = try await Self.post(http, created.location + "/publish", [], cookie: staffCookie)
            #expect(published.status == 303)
            let (_, page) = try await Self.get(http, created.location, cookie: staffCookie)
            #expect(page.contains("id=\"survey-status\">填写中<") && page.contains("id=\"survey-close\""))
            let id = String(created.location.dropFirst("/staff/surveys/".count))
            let questionnaire = try await platform.withInProcessClient { client in
                try await Fawang_Survey_V1_QuestionnaireService.Client(wrapping: client).getQuestionnaire(.with { $0.id = id })
            }
            #expect(questionnaire.questions.map(\.text) == ["您希望的培训方式", "其他建议"])
            #expect(questionnaire.questions[0].options == ["线下集中培训", "线上课程", "以案代训"] && questionnaire.questions[0].required)
        }
    }
}
