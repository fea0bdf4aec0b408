import Crypto
import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The WeChat official account (宁夏掌上12348): the message endpoint WeChat's servers call
/// (`/wechat`, plaintext mode). Every request carries `signature`, `timestamp` and `nonce`;
/// the signature is the SHA-1 of the account's token, the timestamp and the nonce sorted and
/// joined, and a request whose signature does not match, or whose timestamp is more than five
/// minutes off, is refused with 403 before anything is read. `GET` answers WeChat's server
/// check with its `echostr`; `POST` takes a message and answers it with a passive XML reply:
///
/// - `进度 <受理编号> <手机后四位>` — the progress query;
/// - `指引 <问题>` — which service fits (service guidance);
/// - `咨询 <问题>` — the services that fit and the articles of law that speak to it;
/// - `预约` — the open appointment slots, with the link to book;
/// - `问卷` — the questionnaires open to the public today, each with its link;
/// - a menu click (`CLICK` with key `PROGRESS`, `GUIDE` or `APPOINTMENT`) or a new follower — how to ask.
///
/// Calls go through the same services and interceptors as every channel, with channel `wechat`.
struct WeChatEndpoint: Sendable {
    let token: String
    /// The portal's public address, for links.
    let portalURL: String

    static let maxBody = 64 * 1024
    static let clockSkew: TimeInterval = 300

    /// Whether `signature` is WeChat's for this token, timestamp and nonce, sent within the skew.
    func verify(signature: String, timestamp: String, nonce: String, now: Date) -> Bool {
        guard let seconds = TimeInterval(timestamp), abs(now.timeIntervalSince1970 - seconds) <= Self.clockSkew, !nonce.isEmpty else { return false }
        return Self.sign(token: token, timestamp: timestamp, nonce: nonce) == signature.lowercased()
    }

    static func sign(token: String, timestamp: String, nonce: String) -> String {
        let joined = [token, timestamp, nonce].sorted().joined()
        return Insecure.SHA1.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A message as WeChat posts it: a flat `<xml>` of elements, text in CDATA. Anything with a
    /// DTD or entity declaration is refused (no external entities, no expansion).
    struct Message: Equatable {
        var fields: [String: String]
        subscript(_ name: String) -> String { fields[name] ?? "" }

        init?(xml: String) {
            guard xml.contains("<xml>"), !xml.contains("<!DOCTYPE"), !xml.contains("<!ENTITY") else { return nil }
            var fields: [String: String] = [:]
            for name in ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey"] {
                guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { continue }
                var value = String(xml[open.upperBound..<close.lowerBound])
                if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") {
                    value = String(value.dropFirst(9).dropLast(3))
                } else {
                    value = value.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                        .replacingOccurrences(of: "&amp;", with: "&")
                }
                fields[name] = value
            }
            guard fields["FromUserName"] != nil, fields["ToUserName"] != nil, fields["MsgType"] != nil else { return nil }
            self.fields = fields
        }
    }

    /// A passive text reply to `message` (to its sender, from the account).
    static func reply(to message: Message, _ text: String, at date: Date) -> String {
        func cdata(_ value: String) -> String { "<![CDATA[" + value.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") + "]]>" }
        return "<xml><ToUserName>\(cdata(message["FromUserName"]))</ToUserName><FromUserName>\(cdata(message["ToUserName"]))</FromUserName>"
            + "<CreateTime>\(Int(date.timeIntervalSince1970))</CreateTime><MsgType>\(cdata("text"))</MsgType><Content>\(cdata(text))</Content></xml>"
    }

    static let help = """
        您好，这里是宁夏掌上12348。可以发送：
        进度 受理编号 手机号后四位 —— 查询办理进度
        指引 您遇到的问题 —— 看看找哪项服务
        咨询 您的问题 —— 相关服务和法律规定
        预约 —— 预约到公共法律服务中心办理
        问卷 —— 正在开展的问卷调查
        也可以拨打12348法律服务热线。
        """
}

extension Portal {
    func addWeChat(to router: Router<GatewayRequestContext>) {
        router.get("/wechat") { request, _ in
            guard let wechat else { return Self.weChatOff() }
            guard verifiedWeChat(request, wechat) else { return Self.weChatRefused() }
            let echo = Self.query(request, "echostr")
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: echo)))
        }
        router.post("/wechat") { request, context in
            guard let wechat else { return Self.weChatOff() }
            guard verifiedWeChat(request, wechat) else { return Self.weChatRefused() }
            let body = try await request.body.collect(upTo: WeChatEndpoint.maxBody)
            guard let message = WeChatEndpoint.Message(xml: String(buffer: body)) else {
                return Response(status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "bad message")))
            }
            let text = await weChatAnswer(message, wechat, context)
            return Response(
                status: .ok, headers: [.contentType: "application/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: WeChatEndpoint.reply(to: message, text, at: Date()))))
        }
    }

    /// No `wechat.token`: no endpoint.
    static func weChatOff() -> Response {
        Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "not found")))
    }

    /// A signature that is not WeChat's, or too old.
    static func weChatRefused() -> Response {
        Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "forbidden")))
    }

    func verifiedWeChat(_ request: Request, _ wechat: WeChatEndpoint) -> Bool {
        wechat.verify(
            signature: Self.query(request, "signature"), timestamp: Self.query(request, "timestamp"), nonce: Self.query(request, "nonce"), now: Date())
    }

    /// What to say to `message`.
    func weChatAnswer(_ message: WeChatEndpoint.Message, _ wechat: WeChatEndpoint, _ context: GatewayRequestContext) async -> String {
        let metadata = Self.metadata(context, origin: .wechat)
        if message["MsgType"] == "event" {
            switch message["EventKey"] {
            case "PROGRESS": return "请发送：进度 受理编号 手机号后四位\n例如：进度 6406193755306769 1234"
            case "GUIDE": return "请发送：指引 您遇到的问题\n例如：指引 老板拖欠我三个月工资"
            case "APPOINTMENT": return await weChatSlots(wechat, metadata)
            default: return WeChatEndpoint.help
            }
        }
        guard message["MsgType"] == "text" else { return WeChatEndpoint.help }
        let words = message["Content"].split(whereSeparator: { $0 == " " || $0 == "　" }).map(String.init)
        guard let command = words.first else { return WeChatEndpoint.help }
        let rest = words.dropFirst().joined(separator: " ")
        do {
            switch command {
            case "进度":
                guard words.count >= 3 else { return "请发送：进度 受理编号 手机号后四位" }
                let report = try await call(
                    Fawang_Matter_V1_MatterService.Method.QueryProgress.descriptor,
                    Fawang_Matter_V1_QueryProgressRequest.with {
                        $0.trackingNumber = words.dropFirst().dropLast().joined()
                        $0.phoneLast4 = words.last ?? ""
                    },
                    metadata, as: Fawang_Matter_V1_ProgressReport.self)
                let latest = report.timeline.last.map { "\n最新：\($0.label)" } ?? ""
                let due = report.deadlines.first { $0.state == .running || $0.state == .dueSoon || $0.state == .overdue }
                    .map { "\n期限：\($0.summary)" } ?? ""
                return "\(report.businessLineName) · \(report.matterTypeName)\n受理编号：\(report.trackingNumber)\n状态：\(report.statusLabel)\(latest)\(due)\n详情：\(wechat.portalURL)/progress"
            case "指引", "咨询":
                guard !rest.isEmpty else { return "请在“\(command)”后面写上您遇到的问题" }
                let found = try await call(
                    Fawang_Guidance_V1_GuidanceService.Method.FindServices.descriptor,
                    Fawang_Guidance_V1_FindServicesRequest.with { $0.problem = rest }, metadata, as: Fawang_Guidance_V1_FindServicesResponse.self)
                var lines = found.suggestions.prefix(3).map { "· \($0.lineName)：\($0.matterTypeName)（\($0.problem)）" }
                if lines.isEmpty { lines = [found.hint] }
                if command == "咨询" {
                    let laws = try? await call(
                        Fawang_Laws_V1_LawService.Method.SearchLaws.descriptor,
                        Fawang_Laws_V1_SearchLawsRequest.with {
                            $0.query = rest
                            $0.pageSize = 2
                        },
                        metadata, as: Fawang_Laws_V1_SearchLawsResponse.self)
                    let articles = laws?.hits.map { "· \($0.article.citation)" } ?? []
                    if !articles.isEmpty { lines += ["相关法律规定："] + articles }
                    lines.append("需要律师解答：在线提问 \(wechat.portalURL)/apply/consultation/record（转当日值班律师解答），或拨打12348法律服务热线。")
                }
                return (["您的问题可以这样办理："] + lines + ["服务指引：\(wechat.portalURL)/guide"]).joined(separator: "\n")
            case "预约":
                return await weChatSlots(wechat, metadata)
            case "问卷":
                let listed = try await call(
                    Fawang_Survey_V1_QuestionnaireService.Method.ListQuestionnaires.descriptor, Fawang_Survey_V1_ListQuestionnairesRequest(), metadata,
                    as: Fawang_Survey_V1_ListQuestionnairesResponse.self)
                guard !listed.questionnaires.isEmpty else { return "目前没有正在开展的问卷调查。" }
                return (["正在开展的问卷调查："] + listed.questionnaires.prefix(5).map { "· \($0.title)（\($0.regionName)，截至\($0.closesOn)）\n  \(wechat.portalURL)\($0.link)" })
                    .joined(separator: "\n")
            default:
                return WeChatEndpoint.help
            }
        } catch let error as RPCError {
            return Self.problem(error)
        } catch {
            return "系统繁忙，请稍后再试或拨打12348"
        }
    }

    func weChatSlots(_ wechat: WeChatEndpoint, _ metadata: Metadata) async -> String {
        let slots = (try? await call(
            Fawang_Appointment_V1_AppointmentService.Method.ListSlots.descriptor,
            Fawang_Appointment_V1_ListSlotsRequest.with { $0.availableOnly = true }, metadata, as: Fawang_Appointment_V1_ListSlotsResponse.self))?.slots ?? []
        guard !slots.isEmpty else { return "近两周暂无可预约的时段，请拨打12348咨询。" }
        let first = slots.prefix(3).map { "· \($0.officeName) \($0.serviceName) \($0.day) \($0.period) 余\($0.remaining)" }
        return (["可预约的时段（共\(slots.count)个），例如："] + first + ["在线预约：\(wechat.portalURL)/appointments"]).joined(separator: "\n")
    }
}
