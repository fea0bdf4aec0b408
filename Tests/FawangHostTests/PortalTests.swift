import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The public portal (12348宁夏法网) over the same services: in a real browser, and its pages'
/// answers to module switches, forgotten CSRF tokens and incomplete form declarations.
@Suite struct PortalTests {
    static func get(_ port: Int, _ path: String) async throws -> (status: Int, html: String) {
        let (data, response) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Debian's chromium, driven by selenium (Tests/python/portal_browser.py): a citizen applies
    /// for legal aid, fixes the field the server names and gets a tracking number; staff accept,
    /// assign and conclude it in the workbench; the citizen sees it concluded and rates it; the
    /// pages fit a 375 px phone and the large-text mode. The record the browser made is then read
    /// over gRPC. Screenshots: .build/test-output/portal/.
    @Test func aCitizenAppliesForLegalAidInABrowserAndFollowsItsProgress() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Tests/python/portal_browser.py")
        let screenshots = root.appendingPathComponent(".build/test-output/portal")
        // The demo's sample matters include overdue ones, which the queue must mark.
        // Legal aid is off in Xixia alone: the browser sees it gone there and present in Xingqing.
        let xixiaOff = "modules:\n  legal-aid:\n    regions:\n      640105: {enabled: false}\n"
        // One browser, the script's own calls and this test's sign-in all come from 127.0.0.1 within a
        // minute: the public rate limit is raised so that they are not refused as one flooding caller.
        let roomy = "limits:\n  public:\n    burst: 200\n    calls_per_minute: 600\n"
        try await TestPlatform.with(extraConfig: xixiaOff + roomy, plugins: PluginCatalog.all, sampleMatters: true) { platform in
            let http = try #require(platform.ports.http)
            let (status, text) = try await runChildProcess(
                URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, "--http", "127.0.0.1:\(http)", "--screenshots", screenshots.path])
            #expect(status == 0, "\(text)")
            #expect(text.contains("checks passed"), "\(text)")
            let number = String(text.split(separator: "\n").last ?? "")
            let matter = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = number })
            }
            #expect(matter.channel == .web)
            #expect(matter.status == "concluded")
            #expect(matter.timeline.map(\.kind).suffix(4) == ["approved", "assigned", "concluded", "rated"], "\(matter.timeline.map(\.kind))")
            #expect(matter.applicant.idNumber == "11010519491231002X")
        }
    }

    @Test func aModuleSwitchedOffVanishesFromThePortal() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            #expect(try await Self.get(http, "/").html.contains("/apply/legal-aid/submit"))
            #expect(try await Self.get(http, "/apply/legal-aid/submit").status == 200)
            try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    enabled: false\n")
            try await eventually("the portal drops legal aid") {
                try await !Self.get(http, "/").html.contains("法律援助</h3>")
            }
            let form = try await Self.get(http, "/apply/legal-aid/submit")
            #expect(form.status == 404)
            #expect(form.html.contains("该服务暂未开放网上办理"))
            #expect(try await !Self.get(http, "/apply").html.contains("/apply/legal-aid/submit"))
        }
    }

    @Test func aFormPostedWithoutItsTokenIsRefused() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/apply/legal-aid/submit")!)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.setValue("fawang_csrf=\(String(repeating: "a", count: 64))", forHTTPHeaderField: "Cookie")
            request.httpBody = Data("_csrf=\(String(repeating: "b", count: 64))&applicant.name=x".utf8)
            // A session of its own: other tests' cookies for 127.0.0.1 sit in the shared cookie store.
            let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 403)
            #expect(String(decoding: data, as: UTF8.self).contains("页面已过期"))
            let count = try await platform.query("SELECT COUNT(*) FROM matters WHERE business_line = 'legal-aid'")
            #expect(count == "0", "nothing was filed")
        }
    }

    /// A browser's multipart body (RFC 7578): fields, files with UTF-8 names and quotes
    /// percent-encoded, an empty file input left out; a body cut short is refused.
    @Test func multipartFormsReadAsTheBrowserSentThem() throws {
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        #expect(PostedForm.boundary(of: "multipart/form-data; boundary=\(boundary)") == boundary)
        #expect(PostedForm.boundary(of: "application/x-www-form-urlencoded") == nil)
        let pdf = MaterialSamples.pdf()
        var body = Data()
        func part(_ disposition: String, _ content: Data, type: String? = nil) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; \(disposition)\r\n".utf8)
            if let type { body += Data("Content-Type: \(type)\r\n".utf8) }
            body += Data("\r\n".utf8) + content + Data("\r\n".utf8)
        }
        part("name=\"applicant.name\"", Data("马小花".utf8))
        part("name=\"materials\"", Data("身份证".utf8))
        part("name=\"materials\"", Data("务工证明".utf8))
        part("name=\"_files\"; filename=\"身份证 %22正面%22.pdf\"", pdf, type: "application/pdf")
        part("name=\"_files\"; filename=\"\"", Data(), type: "application/octet-stream")
        body += Data("--\(boundary)--\r\n".utf8)
        let form = try #require(PostedForm.multipart(body, boundary: boundary))
        #expect(form.values == ["applicant.name": "马小花", "materials": "身份证\n务工证明"])
        #expect(form.files == [PostedForm.File(field: "_files", fileName: "身份证 \"正面\".pdf", content: pdf)])
        #expect(PostedForm.multipart(body.prefix(body.count - 40), boundary: boundary) == nil, "no closing delimiter")
        #expect(PostedForm.multipart(Data("--\(boundary)\r\nX: y\r\n\r\nz\r\n--\(boundary)--".utf8), boundary: boundary) == nil, "a part without its disposition")
    }

    /// An anonymous complaint has no second factor: its receipt does not promise a progress query,
    /// and its files are not attached (nobody could be checked as its applicant); it is filed.
    @Test func anAnonymousComplaintIsFiledWithoutItsFilesAndSaysHowToFollowIt() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            let (status, page) = try await Self.postMultipart(http, "/apply/petitions/submit", fields: [
                "anonymous": "on", "region_code": "640104", "subject": "反映某单位拖欠工资", "facts_and_reasons": "某单位拖欠农民工工资三个月",
            ], files: [("证据.pdf", MaterialSamples.pdf())])
            #expect(status == 200, "\(page)")
            #expect(page.contains("提交成功") && page.contains("未留手机号的事项不能在线查询进度"), "\(page)")
            #expect(!page.contains("凭受理编号和手机号后四位可随时查询"))
            #expect(page.contains("证据.pdf：未留手机号的事项不能在线上传材料"))
            #expect(try await platform.query("SELECT COUNT(*) FROM matters WHERE business_line = 'petitions'") == "1")
            #expect(try await platform.query("SELECT COUNT(*) FROM matter_materials") == "0")
        }
    }

    /// A form posted as a browser does (multipart, with its CSRF token and cookie).
    static func postMultipart(_ port: Int, _ path: String, fields: [String: String], files: [(String, Data)]) async throws -> (Int, String) {
        let boundary = "fawang\(UUID().uuidString)"
        let token = String(repeating: "c", count: 64)
        var body = Data()
        for (name, value) in fields.merging(["_csrf": token], uniquingKeysWith: { $1 }) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, content) in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"_files\"; filename=\"\(name)\"\r\n\r\n".utf8)
            body += content + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.setValue("fawang_csrf=\(token)", forHTTPHeaderField: "Cookie")
        request.httpBody = body
        let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Files over the form's limit are refused before anything is filed, with the limit named.
    @Test func anUploadOverTheLimitIsRefusedWithTheLimit() async throws {
        try await TestPlatform.with(extraConfig: "materials:\n  max_bytes: 1024\n", plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            let (status, page) = try await Self.postMultipart(
                http, "/apply/legal-aid/submit", fields: [:], files: [("big.pdf", Data(repeating: 0x41, count: 2 * 1024 * 1024))])
            #expect(status == 413)
            #expect(page.contains("单个文件不超过1 KB"))
            let count = try await platform.query("SELECT COUNT(*) FROM matters WHERE business_line = 'legal-aid'")
            #expect(count == "0", "nothing was filed")
        }
    }

    /// A form is offered online only when its plugin labels every field in Chinese; an enum value
    /// without a label (a court's notified defence) is not offered to the public.
    @Test func formsComeFromTheRequestAndThePluginsLabels() throws {
        let plugins = PluginCatalog.all
        let legalAid = try #require(plugins.first { $0.manifest.id == "legal-aid" })
        let intake = try #require(legalAid.rpcs.first { $0.isPublicIntake })
        let form = RequestForm(module: "legal-aid", rpc: intake)
        #expect(form.isComplete, "\(form.unlabelled)")
        let fields = form.sections.flatMap(\.fields)
        #expect(fields.map(\.path).contains("applicant.id_number"))
        #expect(!fields.map(\.path).contains("request_id") && !fields.map(\.path).contains("context.channel"))
        let category = try #require(fields.first { $0.path == "case_category" })
        #expect(!category.options.map(\.value).contains("CASE_CATEGORY_NOTIFIED_DEFENSE"))
        #expect(category.options.contains { $0.value == "CASE_CATEGORY_LABOUR_REMUNERATION" && $0.label.contains("第三十一条第五项") })
        // Labels are Chinese.
        #expect(fields.allSatisfy { $0.label.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF } })
        // Several values of one enum (the exam's disqualifications): a group of checkboxes, sent as a list.
        let exam = try #require(plugins.first { $0.manifest.id == "legal-exam" })
        let registration = RequestForm(module: "legal-exam", rpc: try #require(exam.rpcs.first { $0.verb == "register" }))
        #expect(registration.isComplete, "\(registration.unlabelled)")
        let bars = try #require(registration.sections.flatMap(\.fields).first { $0.path == "disqualifications" })
        #expect(bars.kind == .choices && bars.options.count == 8)
        let declared = registration.json(from: ["disqualifications": "DISQUALIFICATION_EXAM_BAN\nDISQUALIFICATION_CREDIT_BLACKLIST"], fixed: [:]).json
        #expect(declared["disqualifications"] as? [String] == ["DISQUALIFICATION_EXAM_BAN", "DISQUALIFICATION_CREDIT_BLACKLIST"])
        #expect(registration.json(from: [:], fixed: [:]).json["disqualifications"] == nil, "none ticked: none sent")
        // A message inside a message (an entruster's contact person) is a section of its own.
        let appraisal = try #require(plugins.first { $0.manifest.id == "judicial-appraisal" })
        let entrust = RequestForm(module: "judicial-appraisal", rpc: try #require(appraisal.rpcs.first { $0.verb == "entrust" }))
        #expect(entrust.isComplete, "\(entrust.unlabelled)")
        #expect(entrust.sections.map(\.legend).contains("委托人信息"))
        #expect(entrust.sections.flatMap(\.fields).map(\.path).contains("entruster.contact.id_number"))
        #expect(!entrust.sections.flatMap(\.fields).map(\.path).contains("entruster.organization"), "an authority's field stays off")
        let party = entrust.json(from: ["entruster.contact.name": "马某", "entruster.type": "ENTRUSTER_TYPE_PARTY"], fixed: [:]).json
        #expect(((party["entruster"] as? [String: Any])?["contact"] as? [String: Any])?["name"] as? String == "马某")
        // The submitted form becomes the request: numbers as numbers, lines as a list, empties left out.
        let (json, problems) = form.json(from: [
            "applicant.name": "马小花", "hardship.household_size": "4", "materials": "身份证\n\n务工证明 ", "opposing_party": "",
        ], fixed: ["request_id": "r-1", "context": ["channel": "CHANNEL_WEB"]])
        #expect(problems.isEmpty)
        #expect((json["applicant"] as? [String: Any])?["name"] as? String == "马小花")
        #expect((json["hardship"] as? [String: Any])?["household_size"] as? Int == 4)
        #expect(json["materials"] as? [String] == ["身份证", "务工证明"])
        #expect(json["opposing_party"] == nil)
        #expect((json["context"] as? [String: Any])?["channel"] as? String == "CHANNEL_WEB")
        #expect(form.json(from: ["hardship.household_size": "四"], fixed: [:]).problems["hardship.household_size"] == "请填写整数")

        // An empty label keeps a staff field off the public form: the consultation desk's answer.
        let consultation = try #require(plugins.first { $0.manifest.id == "consultation" })
        let ask = RequestForm(module: "consultation", rpc: try #require(consultation.rpcs.first { $0.isPublicIntake }))
        #expect(ask.isComplete, "\(ask.unlabelled)")
        #expect(!ask.sections.flatMap(\.fields).map(\.path).contains("answer"))
        #expect(ask.sections.flatMap(\.fields).map(\.path).contains("question"))
        // A complaint can be anonymous: a checkbox.
        let petitions = try #require(plugins.first { $0.manifest.id == "petitions" })
        let complain = RequestForm(module: "petitions", rpc: try #require(petitions.rpcs.first { $0.isPublicIntake }))
        #expect(complain.isComplete, "\(complain.unlabelled)")
        #expect(complain.sections.flatMap(\.fields).first { $0.path == "anonymous" }?.kind == .checkbox)
        // A repeated message (mediation's other parties) takes one entry, sent as a list of one.
        let mediation = try #require(plugins.first { $0.manifest.id == "mediation" })
        let dispute = RequestForm(module: "mediation", rpc: try #require(mediation.rpcs.first { $0.isPublicIntake }))
        #expect(dispute.isComplete, "\(dispute.unlabelled)")
        let (request, _) = dispute.json(from: ["respondents.name": "马某", "applicant.name": "杨某"], fixed: [:])
        #expect((request["respondents"] as? [[String: Any]])?.first?["name"] as? String == "马某")
        #expect((request["applicant"] as? [String: Any])?["name"] as? String == "杨某")
        // Every public application of every line has its form.
        let intakes = plugins.flatMap { plugin in plugin.rpcs.filter(\.isPublicIntake).map { RequestForm(module: plugin.manifest.id, rpc: $0) } }
        #expect(intakes.filter { !$0.isComplete }.map { "\($0.method): \($0.unlabelled)" } == [])
        #expect(Set(intakes.map(\.module)).isSuperset(of: [
            "legal-aid", "mediation", "notarization", "petitions", "consultation", "admin-approval", "lawyers", "judicial-appraisal", "legal-exam",
        ]))
    }

    @Test func aCitizenAsksTheConsultationDeskOnline() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            let token = String(repeating: "d", count: 64)
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/apply/consultation/record")!)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.setValue("fawang_csrf=\(token)", forHTTPHeaderField: "Cookie")
            let fields = [
                "_csrf": token, "_request_id": UUID().uuidString, "person.name": "杨建军", "person.phone": "18995001234",
                "region_code": "640302", "topic": "TOPIC_LABOUR", "question": "公司拖欠三个月工资，应该怎么办？",
            ]
            request.httpBody = Data(fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&").utf8)
            let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
            let html = String(decoding: data, as: UTF8.self)
            #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(html)")
            #expect(html.contains("提交成功"), "\(html)")
            let home = try await Self.get(http, "/")
            #expect(home.html.contains("/apply/consultation/record"))
            let count = try await platform.query("SELECT COUNT(*) FROM matters WHERE business_line = 'consultation' AND channel = 'web'")
            #expect(count == "1")
        }
    }
}

/// The admin console's matrix (every division × every module, as the services resolve the
/// switches) follows a config edit live; staff who are not admins are refused.
@Suite struct AdminConsoleTests {
    /// Doesn't follow redirects, so the sign-in's `Set-Cookie` can be read.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
            completionHandler: @escaping (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    static func signIn(_ port: Int, _ login: String) async throws -> String {
        let token = String(repeating: "c", count: 64)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/staff/login")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("fawang_csrf=\(token)", forHTTPHeaderField: "Cookie")
        request.httpBody = Data("_csrf=\(token)&login=\(login)&password=Fawang%402026".utf8)
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (_, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 303)
        let cookie = try #require(http.value(forHTTPHeaderField: "Set-Cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"), "\(cookie)")
        return String(cookie.split(separator: ";")[0].dropFirst("fawang_staff=".count))
    }

    static func get(_ port: Int, _ path: String, session token: String) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.setValue("fawang_staff=\(token)", forHTTPHeaderField: "Cookie")
        let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    @Test func theMatrixFollowsTheConfigLive() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            let admin = try await Self.signIn(http, "admin")
            func serves(_ key: String) async throws -> Bool? {
                let (status, data) = try await Self.get(http, "/staff/admin/switches.json", session: admin)
                #expect(status == 200)
                return ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["serves"] as? [String: Bool])?[key]
            }
            #expect(try await serves("640104/legal-aid") == true)
            let (status, page) = try await Self.get(http, "/staff/admin", session: admin)
            #expect(status == 200)
            let html = String(decoding: page, as: UTF8.self)
            #expect(html.contains("模块开关总览") && html.contains("兴庆区") && html.contains("data-key=\"640104/legal-aid\""))

            try platform.rewriteConfig(extra: "modules.legal-aid.regions.640104.enabled: false\n")
            try await eventually("the console shows the county switched off") { try await serves("640104/legal-aid") == false }
            #expect(try await serves("640105/legal-aid") == true)
            #expect(try await serves("640100/legal-aid") == true)

            // A reviewer is staff, not an admin.
            let reviewer = try await Self.signIn(http, "staff-640100-reviewer")
            #expect(try await Self.get(http, "/staff/admin", session: reviewer).0 == 403)
            #expect(try await Self.get(http, "/staff/admin/switches.json", session: reviewer).0 == 401)
        }
    }
}
