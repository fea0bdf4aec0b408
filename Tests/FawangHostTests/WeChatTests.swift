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

/// The WeChat official account's endpoint over real HTTP: messages signed as WeChat signs them
/// (SHA-1 of the sorted token, timestamp and nonce, computed here by Python's hashlib, not by the
/// code under test) get their answers as passive XML replies; forged, stale or unsigned ones are
/// refused before anything is read.
@Suite struct WeChatTests {
    static let token = "fawang12348"

    /// WeChat's signature, by an implementation independent of the host's.
    static func signature(_ token: String, _ timestamp: String, _ nonce: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import hashlib,sys; print(hashlib.sha1(''.join(sorted(sys.argv[1:])).encode()).hexdigest())", token, timestamp, nonce]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func query(signedWith token: String = token, age: TimeInterval = 0, extra: String = "") throws -> String {
        let timestamp = String(Int(Date().timeIntervalSince1970 - age)), nonce = String(Int.random(in: 100_000...999_999))
        return "signature=\(try signature(token, timestamp, nonce))&timestamp=\(timestamp)&nonce=\(nonce)" + extra
    }

    static func call(_ port: Int, _ method: String, _ query: String, body: String? = nil) async throws -> (status: Int, text: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/wechat?\(query)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("text/xml", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.isolated().data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    static func text(_ content: String, from user: String = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M") -> String {
        """
        <xml><ToUserName><![CDATA[gh_nx12348]]></ToUserName><FromUserName><![CDATA[\(user)]]></FromUserName>\
        <CreateTime>\(Int(Date().timeIntervalSince1970))</CreateTime><MsgType><![CDATA[text]]></MsgType>\
        <Content><![CDATA[\(content)]]></Content><MsgId>\(Int.random(in: 1...Int(Int32.max)))</MsgId></xml>
        """
    }

    /// The Content of a passive reply, after checking it goes back to the sender from the account.
    static func content(_ reply: String, to user: String = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M") -> String {
        #expect(reply.hasPrefix("<xml><ToUserName><![CDATA[\(user)]]></ToUserName><FromUserName><![CDATA[gh_nx12348]]></FromUserName>"), "\(reply)")
        #expect(reply.contains("<MsgType><![CDATA[text]]></MsgType>"))
        guard let open = reply.range(of: "<Content><![CDATA["), let close = reply.range(of: "]]></Content>") else { return "" }
        return String(reply[open.upperBound..<close.lowerBound])
    }

    @Test("微信公众号：按微信方式签名的消息得到正确回复，伪造签名被拒绝")
    func signedMessagesAreAnsweredAndForgedOnesRefused() async throws {
        try await TestPlatform.with(extraConfig: "wechat:\n  token: \(Self.token)\n", plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            // WeChat's server check: the echo back for a good signature, 403 otherwise.
            let echo = try await Self.call(port, "GET", try Self.query(extra: "&echostr=5837397749"))
            #expect(echo.status == 200 && echo.text == "5837397749")
            #expect(try await Self.call(port, "GET", try Self.query(signedWith: "forged", extra: "&echostr=1")).status == 403)
            #expect(try await Self.call(port, "GET", try Self.query(age: 3600, extra: "&echostr=1")).status == 403)
            #expect(try await Self.call(port, "GET", "echostr=1").status == 403)

            let number = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter.trackingNumber
            }
            let progress = try await Self.call(port, "POST", try Self.query(), body: Self.text("进度 \(number) 1234"))
            #expect(progress.status == 200)
            let answer = Self.content(progress.text)
            #expect(answer.contains("法律援助") && answer.contains("状态：") && answer.contains("/progress"), "\(answer)")
            let wrong = Self.content(try await Self.call(port, "POST", try Self.query(), body: Self.text("进度 \(number) 9999")).text)
            #expect(wrong.contains("不正确"), "\(wrong)")

            let guide = Self.content(try await Self.call(port, "POST", try Self.query(), body: Self.text("指引 老板拖欠我三个月工资")).text)
            #expect(guide.contains("法律援助") && guide.contains("/guide"), "\(guide)")
            let ask = Self.content(try await Self.call(port, "POST", try Self.query(), body: Self.text("咨询 法律援助 经济困难")).text)
            #expect(ask.contains("相关法律规定") && ask.contains("法律援助法"), "\(ask)")
            let book = Self.content(try await Self.call(port, "POST", try Self.query(), body: Self.text("预约")).text)
            #expect(book.contains("公共法律服务中心") && book.contains("/appointments"), "\(book)")
            let surveys = Self.content(try await Self.call(port, "POST", try Self.query(), body: Self.text("问卷")).text)
            #expect(surveys.contains("12348公共法律服务群众满意度调查") && surveys.contains("/surveys/wj-demo-satisfaction"), "\(surveys)")
            let hello = Self.content(try await Self.call(port, "POST", try Self.query(), body: Self.text("你好")).text)
            #expect(hello.contains("进度 受理编号 手机号后四位"))
            let menu = """
                <xml><ToUserName><![CDATA[gh_nx12348]]></ToUserName><FromUserName><![CDATA[o6_other]]></FromUserName><CreateTime>1</CreateTime>\
                <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[PROGRESS]]></EventKey></xml>
                """
            #expect(Self.content(try await Self.call(port, "POST", try Self.query(), body: menu).text, to: "o6_other").contains("进度"))

            // Forged, and a message carrying a DTD.
            let forged = try await Self.call(port, "POST", try Self.query(signedWith: "guessed"), body: Self.text("进度 \(number) 1234"))
            #expect(forged.status == 403 && !forged.text.contains("法律援助"))
            let entity = "<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" + Self.text("&x;")
            #expect(try await Self.call(port, "POST", try Self.query(), body: entity).status == 400)
        }
    }

    @Test func withoutATokenThereIsNoEndpoint() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            #expect(try await Self.call(port, "GET", try Self.query(extra: "&echostr=1")).status == 404)
        }
    }
}
