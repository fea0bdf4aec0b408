import ArgumentParser
import FawangCore
import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangSQLite
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SwiftProtobuf

/// `fawang`: the platform host (`serve`) and the staff client that a hall window or a hotline
/// desk uses — every client command goes over the same gRPC services as every other channel.
@main
struct Fawang: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fawang (法网) — the 12348 public legal service platform.",
        discussion: """
            Every business line's steps: fawang <line> <verb> [tracking-number] [--field value …]
            (fawang <line> --help lists its verbs, fawang <line> <verb> --help their fields).
            \(LineCommand.overview)
            """,
        subcommands: [
            Serve.self, Modules.self, Health.self, Divisions.self,
            Show.self, Progress.self, Rate.self, Callback.self, ListMatters.self,
            Deadlines.self, Transfer.self, Materials.self, Laws.self, Guide.self, Directory.self,
            Login.self, Logout.self, WhoAmI.self, Audit.self, Exchange.self, Import.self, Migrate.self, RPCReferenceCommand.self,
        ])

    /// A business line's steps go to ``LineCommand``; everything else to the commands above.
    /// `--server` is accepted anywhere on the line.
    static func main() async {
        var arguments = ArgumentWords(Array(CommandLine.arguments.dropFirst()))
        if let server = arguments.take("--server") { setenv("FAWANG_SERVER", server, 1) }
        if let plugin = LineCommand.plugin(for: arguments.words), !plugin.rpcs.isEmpty {
            do {
                try await LineCommand(plugin: plugin).run(arguments.words)
            } catch {
                exit(withError: error)
            }
            return
        }
        await main(arguments.words)
    }
}

// MARK: serve

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the platform: gRPC, metrics, live module switches.")

    @Option(name: .long, help: "YAML config file (optional; watched for changes).")
    var config: String?

    @Option(name: .long, help: "Override grpc.port (0 picks a free port).")
    var port: Int?

    @Option(name: .long, help: "Override storage.sqlite.path.")
    var database: String?

    @Option(name: .long, help: "Write the listening ports as JSON to this file once serving.")
    var portsFile: String?

    func run() async throws {
        let port = self.port
        let database = self.database
        let host = try PlatformHost(configPath: config, plugins: PluginCatalog.all, overrides: { config in
            if let port { config.grpcPort = port }
            if let database { config.sqlitePath = database }
        }, handleSignals: true)
        let portsFile = self.portsFile
        try await host.run { ports in
            if let portsFile {
                let json = "{\"grpc\": \(ports.grpc), \"metrics\": \(ports.metrics.map(String.init) ?? "null"), \"http\": \(ports.http.map(String.init) ?? "null")}\n"
                try? Data(json.utf8).write(to: URL(fileURLWithPath: portsFile), options: .atomic)
            }
        }
    }
}

// MARK: Client plumbing

struct ClientOptions: ParsableArguments {
    /// `--server` may stand anywhere on the line (`main` moves it into the environment), so a group
    /// such as `fawang deadlines --server X alerts` takes it too.
    static var defaultServer: String { ProcessInfo.processInfo.environment["FAWANG_SERVER"] ?? "127.0.0.1:50051" }

    @Option(name: .long, help: "Server address host:port (or env FAWANG_SERVER; default 127.0.0.1:50051).")
    var server: String = ClientOptions.defaultServer

    @Flag(name: .long, help: "Print the response as JSON.")
    var json = false

    init() {}

    init(server: String, json: Bool) {
        self.server = server
        self.json = json
    }

    /// Runs `body` with a client. Unless `authenticated` is false, calls carry the saved session,
    /// refreshed first when its access token has expired. Without a usable session the call goes
    /// out anonymously: public methods work, others are answered "please log in" by the server.
    func withClient<T: Sendable>(
        authenticated: Bool = true, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let session = authenticated ? try await currentSession() : nil
        return try await connect(token: session?.accessToken, body)
    }

    /// The saved session with a live access token: refreshed (and saved) when it has expired or
    /// is about to. Nil when there is none, or when it can no longer be refreshed (then the stale
    /// file is removed and the user told to log in again).
    func currentSession() async throws -> Fawang_Identity_V1_Session? {
        guard let saved = SessionFile.load() else { return nil }
        guard saved.accessExpiresAt.date.timeIntervalSinceNow < 30 else { return saved }
        do {
            let fresh = try await connect(token: nil) { grpc in
                try await Fawang_Identity_V1_IdentityService.Client(wrapping: grpc).refresh(.with { $0.refreshToken = saved.refreshToken })
            }
            try SessionFile.save(fresh)
            return fresh
        } catch let error as CLIError where error.code == .unauthenticated {
            SessionFile.remove()
            FileHandle.standardError.write(Data("登录已过期，请重新登录：fawang login --login \(saved.principal.accountID)\n".utf8))
            return nil
        }
    }

    private func connect<T: Sendable>(token: String?, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
            throw ValidationError("--server 应为 主机:端口，例如 127.0.0.1:50051（而不是 \(server)）")
        }
        let host = String(server[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let target: any ResolvableTarget = host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port)
        do {
            let interceptors: [any ClientInterceptor] = token.map { [BearerToken($0)] } ?? []
            return try await withGRPCClient(transport: .http2NIOPosix(target: target, transportSecurity: .plaintext), interceptors: interceptors) { client in
                try await body(client)
            }
        } catch let error as RPCError {
            throw CLIError(error, server: server)
        }
    }

    func emit(_ message: any SwiftProtobuf.Message, human: () -> String) throws {
        if json {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            print(try message.jsonString(options: options))
        } else {
            print(human())
        }
    }
}

/// A failed call, printed as its status and message (and each field at fault); exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let code: RPCError.Code?
    let message: String

    init(message: String) {
        self.code = nil
        self.message = message
    }

    init(_ error: RPCError, server: String) {
        self.code = error.code
        // The transport's own failures (no server listening, connection lost) come in English.
        if error.code == .unavailable, !error.message.unicodeScalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }) {
            self.message = "无法连接服务器 \(server)（\(error.message)）：请确认 fawang serve 已启动，或用 --server 或环境变量 FAWANG_SERVER 指定地址"
        } else {
            self.message = error.message
        }
    }

    var description: String { code.map { "错误 [\($0)]: \(message)" } ?? "错误: \(message)" }
}

struct HandlingOptions: ParsableArguments {
    @Option(name: .long, help: .hidden) var channel: String?

    @Option(name: .long, help: "Operator id a service account acts for, e.g. op-17.")
    var `operator`: String = ProcessInfo.processInfo.environment["FAWANG_OPERATOR"] ?? ""

    /// The server decides the channel from the signed-in account (``ChannelDecision``): a
    /// `--channel` from an older script is refused with that explanation, never sent.
    static let channelRefusal = "--channel：受理渠道由平台按登录的账号确定（窗口账号记为窗口，热线账号记为12348热线，未登录的客户端记为移动端），不再填写"

    func validate() throws {
        if channel != nil { throw ValidationError(Self.channelRefusal) }
    }

    var context: Fawang_Matter_V1_ChannelContext {
        .with { $0.operatorID = self.operator }
    }
}

enum Render {
    /// Times as a clerk in China reads them: `2026-11-30 12:14:48` (UTC+8).
    static let chinaTime = Date.VerbatimFormatStyle(
        format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
        timeZone: TimeZone(secondsFromGMT: 8 * 3600)!, calendar: Calendar(identifier: .gregorian))

    /// The staff view of a matter: who, what, where, the line's own content, clocks and timeline.
    /// Personal data prints as the server sent it (masked unless this account may see it).
    static func matter(_ matter: Fawang_Matter_V1_Matter) -> String {
        var lines = [
            "受理编号  \(matter.trackingNumber)",
            "业务      \(matter.businessLineName) / \(matter.matterTypeName) (\(matter.matterType))",
            "状态      \(matter.statusLabel) (\(matter.status))",
            "申请人    \(matter.applicant.name)  \(matter.applicant.idNumber)  \(matter.applicant.phone)" + (matter.applicant.address.isEmpty ? "" : "  \(matter.applicant.address)"),
        ]
        lines += matter.parties.map { "当事人    \($0.role)：\($0.person.name)  \($0.person.idNumber)  \($0.person.phone)" }
        lines.append("地区      \(matter.regionName) (\(matter.regionCode))    渠道 \(matter.channel.core?.label ?? "未注明")" + (matter.operatorID.isEmpty ? "" : "    经办 \(matter.operatorID)"))
        lines += details(matter.detailsJson)
        lines += deadlines(matter.deadlines)
        lines += timeline(matter.timeline)
        return lines.joined(separator: "\n")
    }

    /// The line's own content (`details_json`): each filled top-level entry on a line.
    static func details(_ json: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        let entries = object.keys.sorted().compactMap { key -> String? in
            let text = plain(object[key]!)
            return text.isEmpty ? nil : "  \(key): \(text)"
        }
        return entries.isEmpty ? [] : ["办理内容"] + entries
    }

    private static func plain(_ value: Any) -> String {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        case let list as [Any]: list.map(plain).filter { !$0.isEmpty }.joined(separator: "、")
        case let object as [String: Any]: object.keys.sorted().compactMap { key in
            let text = plain(object[key]!)
            return text.isEmpty ? nil : "\(key)=\(text)"
        }.joined(separator: "，")
        default: ""
        }
    }

    /// A response as text: a matter as ``matter(_:)``; anything else field by field through its
    /// descriptor, lists one row per entry, enum values spelled as the command line takes them.
    static func response(_ message: any SwiftProtobuf.Message) -> String {
        if let matter = message as? Fawang_Matter_V1_Matter { return Self.matter(matter) }
        if let report = message as? Fawang_Supervision_V1_StatisticsReport { return Self.statistics(report) }
        if let report = message as? Fawang_Supervision_V1_ScoresReport { return Self.scores(report) }
        // A text file (a CSV template or export) as itself, so `> file.csv` keeps it.
        if let file = message as? Fawang_Supervision_V1_ExportedFile {
            guard file.contentType.hasPrefix("text/") else {
                return "\(file.fileName)：\(file.content.count) 字节的二进制文件；用 --output 文件名 保存，或 --json 输出其 content（base64）"
            }
            return String(decoding: file.content, as: UTF8.self)
        }
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        guard let json = try? message.jsonString(options: options),
              let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let descriptor = ProtoSchema.current.messages[type(of: message).protoMessageName] else {
            return message.textFormatString()
        }
        var lines: [String] = []
        for field in descriptor.proto.field {
            guard let value = object[field.name] else { continue }
            if ProtoSchema.typeName(of: field) == "fawang.matter.v1.Matter", field.label != .repeated,
               let data = try? JSONSerialization.data(withJSONObject: value),
               let matter = try? Fawang_Matter_V1_Matter(jsonUTF8Data: data) {
                lines.append(Self.matter(matter))
            } else if field.name == "replayed" {
                if value as? Bool == true {
                    lines.insert(message is Fawang_Supervision_V1_Bulletin ? "（该月通报此前已生成：返回存档的通报，未重新生成）" : "（重复提交：返回首次提交的事项）", at: 0)
                }
            } else if field.label == .repeated, field.type == .message, let rows = value as? [[String: Any]] {
                let element = ProtoSchema.current.messages[ProtoSchema.typeName(of: field)]
                lines += rows.map { row in
                    (element?.proto.field ?? []).compactMap { inner in row[inner.name].map { text($0, field: inner) } }
                        .filter { !$0.isEmpty }.joined(separator: "\t")
                }
            } else {
                lines.append("\(field.name)\t\(text(value, field: field))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func text(_ value: Any, field: Google_Protobuf_FieldDescriptorProto) -> String {
        if field.type == .enum, let proto = ProtoSchema.current.enums[ProtoSchema.typeName(of: field)] {
            if let list = value as? [String] { return list.map(proto.shortName).joined(separator: "、") }
            if let name = value as? String { return proto.shortName(name) }
        }
        // A map (by_grade: A 12、B 3): repeated entries that JSON writes as one object.
        if field.label == .repeated, let map = value as? [String: Any] {
            return map.sorted { $0.key < $1.key }.map { "\($0.key) \(plain($0.value))" }.joined(separator: "、")
        }
        if field.type == .message, ProtoSchema.typeName(of: field) != "google.protobuf.Timestamp" {
            // Nested entries (a committee's mediators): their first two fields, e.g. id and name.
            let element = ProtoSchema.current.messages[ProtoSchema.typeName(of: field)]
            let rows = (value as? [[String: Any]]) ?? ((value as? [String: Any]).map { [$0] } ?? [])
            return rows.map { row in
                (element?.proto.field.prefix(2) ?? []).compactMap { row[$0.name].map(plain) }.joined(separator: " ")
            }.joined(separator: "、")
        }
        if field.type == .bool, let flag = value as? Bool { return flag ? "是" : "否" }
        return plain(value)
    }

    /// A statistics report as a table, tab-separated: a row per group, the total, and the span
    /// before beside each when asked for.
    static func statistics(_ report: Fawang_Supervision_V1_StatisticsReport) -> String {
        let compared = !report.previousFromDay.isEmpty
        var lines = ["\(report.regionName)（\(report.regionCode)）  \(report.fromDay) 至 \(report.toDay)"
            + (compared ? "（上期 \(report.previousFromDay) 至 \(report.previousToDay)）" : "")]
        let columns = Fawang_Supervision_V1_Figures.columns
        let header = columns.map { "\($0.name) \($0.field)" }
        func cells(_ figures: Fawang_Supervision_V1_Figures) -> [String] { columns.map { Spreadsheet.number($0.value(figures)) } }
        lines.append((["分组"] + header).joined(separator: "\t"))
        for group in report.groups {
            lines.append(([group.key.map(\.label).joined(separator: " / ")] + cells(group.figures)).joined(separator: "\t"))
            if compared { lines.append((["  上期"] + cells(group.previous)).joined(separator: "\t")) }
        }
        lines.append((["合计"] + cells(report.total)).joined(separator: "\t"))
        if compared { lines.append((["  上期"] + cells(report.previousTotal)).joined(separator: "\t")) }
        return lines.joined(separator: "\n")
    }

    /// The month's scores: one tab-separated table by line and one by division, ranked.
    static func scores(_ report: Fawang_Supervision_V1_ScoresReport) -> String {
        var lines = ["\(report.regionName)（\(report.regionCode)）  \(report.month) 考核得分（截至 \(report.asOfDay)）"]
        lines += report.indicators.map { "  \($0.name) \($0.weight)分：\($0.definition)" }
        let header = ["排名", "单位", "收件"] + report.indicators.map(\.name) + ["综合得分"]
        func row(_ row: Fawang_Supervision_V1_ScoreRow) -> String {
            ([row.rank > 0 ? String(row.rank) : "—", row.unitName, String(row.received)] + row.indicators.map(\.display)
                + [row.measured ? String(format: "%.2f", row.total) : "无数据"]).joined(separator: "\t")
        }
        for (title, rows) in [("按业务条线", report.byLine), ("按地区", report.byDivision)] where !rows.isEmpty {
            lines += ["", title, header.joined(separator: "\t")] + rows.map(row)
        }
        lines += ["", "全辖区", header.joined(separator: "\t"), row(report.overall)]
        return lines.joined(separator: "\n")
    }

    static func deadlines(_ deadlines: [Fawang_Matter_V1_Deadline]) -> [String] {
        // A confirmed article is followed by the command that prints its text.
        deadlines.isEmpty ? [] : ["期限"] + deadlines.flatMap { deadline in
            ["  · \(deadline.summary)  [\(deadline.ruleID)]"]
                + (deadline.articleConfirmed && LawCitation(deadline.article) != nil ? ["    条文：fawang laws article \(deadline.article)"] : [])
        }
    }

    static func timeline(_ events: [Fawang_Matter_V1_MatterEvent]) -> [String] {
        ["办理记录"] + events.map { event in
            let time = Date(timeIntervalSince1970: TimeInterval(event.at.seconds)).formatted(chinaTime)
            return "  \(event.sequence). \(time) \(event.label)" + (event.note.isEmpty ? "" : "：\(event.note)") + (event.actor.isEmpty ? "" : " [\(event.actor)]")
        }
    }
}

// MARK: Platform

struct Modules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the modules with their switch and health.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let response = try await client.withClient { client in
            try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init())
        }
        try client.emit(response) {
            let modules = response.modules.map { module in
                let state = !module.enabled ? "停用" : module.unavailableReason.isEmpty ? "启用" : "中断：\(module.unavailableReason)"
                return "\(module.id)\t\(module.nameZh)\t\(module.version)\t\(state)\t\(module.services.joined(separator: ","))"
            }
            // A read-only host (its audit trail did not verify) says so first.
            return ((response.readOnly ? ["只读：\(response.notice)"] : []) + modules).joined(separator: "\n")
        }
    }
}

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "grpc.health.v1 Check (\"\" = the whole host).")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Service name or module id; empty for the host.") var service: String = ""

    func run() async throws {
        let service = self.service
        let response = try await client.withClient { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = service })
        }
        try client.emit(response) { "\(service.isEmpty ? "(host)" : service)\t\(response.status)" }
    }
}

struct Divisions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List administrative divisions (children of --parent).")
    @OptionGroup var client: ClientOptions
    @Option(name: .long) var parent: String = ""

    func run() async throws {
        let parent = self.parent
        let response = try await client.withClient { client in
            try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listDivisions(.with { $0.parentCode = parent })
        }
        try client.emit(response) { response.divisions.map { "\($0.code)\t\($0.name)" }.joined(separator: "\n") }
    }
}

// MARK: Matters

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a matter (staff view) by tracking number.")
    @OptionGroup var client: ClientOptions
    @Argument var trackingNumber: String

    func run() async throws {
        let number = trackingNumber
        let matter = try await client.withClient { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = number })
        }
        try client.emit(matter) { Render.matter(matter) }
    }
}

struct Progress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The public progress query: tracking number + phone's last 4 digits.")
    @OptionGroup var client: ClientOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var phoneLast4: String

    func run() async throws {
        let (number, last4) = (trackingNumber, phoneLast4)
        let report = try await client.withClient { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                $0.trackingNumber = number
                $0.phoneLast4 = last4
            })
        }
        try client.emit(report) {
            (["受理编号  \(report.trackingNumber)", "业务      \(report.businessLineName) / \(report.matterTypeName)",
              "申请人    \(report.applicantNameMasked)", "状态      \(report.statusLabel)"]
                + Render.deadlines(report.deadlines) + Render.timeline(report.timeline)).joined(separator: "\n")
        }
    }
}

/// `fawang rate`: the applicant's satisfaction rating of an ended matter of any line (MatterService.RateMatter).
struct Rate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The applicant rates an ended matter of any line, once: tracking number + phone's last 4 digits, score 1–5.")
    @OptionGroup var client: ClientOptions
    @Argument var trackingNumber: String
    @Option(name: .long) var phoneLast4: String
    @Option(name: .long, help: "1 (very dissatisfied) to 5 (very satisfied).") var score: Int32
    @Option(name: .long) var comment: String = ""
    @OptionGroup var handling: HandlingOptions

    func run() async throws {
        let context = handling.context
        let (number, last4, score, comment) = (trackingNumber, phoneLast4, score, comment)
        let report = try await client.withClient { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).rateMatter(.with {
                $0.trackingNumber = number
                $0.phoneLast4 = last4
                $0.score = score
                $0.comment = comment
                $0.context = context
            })
        }
        try client.emit(report) { "已评价：\(report.trackingNumber) \(report.businessLineName)，\(score)分" }
    }
}

/// `fawang callback`: the office records the callback a rating of 2 or less asked for (MatterService.CloseCallback).
struct Callback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the callback (回访) a rating of 2 or less asked for: whether the applicant was reached and what came of it.")
    @OptionGroup var client: ClientOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "What the applicant said and what was done.") var outcome: String
    @Flag(name: .long, help: "The applicant was reached.") var reached = false
    @OptionGroup var handling: HandlingOptions

    func run() async throws {
        let context = handling.context
        let (number, outcome, reached) = (trackingNumber, outcome, reached)
        let matter = try await client.withClient { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).closeCallback(.with {
                $0.trackingNumber = number
                $0.outcome = outcome
                $0.reached = reached
                $0.context = context
            })
        }
        try client.emit(matter) { Render.matter(matter) }
    }
}

struct ListMatters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List matters by business line, status and region.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long) var line: String = ""
    @Option(name: .long) var status: String = ""
    @Option(name: .long) var region: String = ""

    func run() async throws {
        let (line, status, region) = (line, status, region)
        let response = try await client.withClient { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).listMatters(.with {
                $0.businessLine = line
                $0.status = status
                $0.regionCode = region
            })
        }
        try client.emit(response) {
            response.matters.map { "\($0.trackingNumber)\t\($0.businessLineName)\t\($0.statusLabel)\t\($0.regionName)\t\($0.applicant.name)" }.joined(separator: "\n")
        }
    }
}

// MARK: Audit

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The tamper-evident audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the audit hash chain; name the first entry altered, removed or reordered, or a tail cut since the last signed checkpoint (exit 1).")

        @OptionGroup var store: LocalDatabase

        @Option(name: .long, help: "Head hash recorded earlier (e.g. in a bulletin); catches entries removed from the end.")
        var expectHead: String?

        func run() async throws {
            // Verifying the chain never opens a sealed identity number.
            let expectHead = self.expectHead
            let result = try await store.with(label: "fawang.audit") { storage -> (count: Int64, head: String, problem: AuditChainVerifier.Problem?) in
                let progress: @Sendable (Int64) -> Void = { checked in
                    FileHandle.standardError.write(Data("checked \(checked) entries…\n".utf8))
                }
                // The last signed checkpoint (its key: FAWANG_AUDIT_KEY, or the file beside the
                // database) shows entries removed from the end without --expect-head.
                if let key = try AuditCheckpointKey.read(besideDatabase: storage.keysBeside) {
                    let checked = try await AuditCheckpoints(audit: storage.audit, key: key)
                        .verifySinceCheckpoint(checkpointExpected: true, fullChain: true, expectedHead: expectHead, progress: progress)
                    return (checked.count, checked.head, checked.problem)
                } else {
                    FileHandle.standardError.write(Data("no \(AuditCheckpointKey.fileName) beside \(storage.keysBeside) and no \(AuditCheckpointKey.environmentVariable): the signed checkpoint is not checked, so only --expect-head shows entries removed from the end\n".utf8))
                    return try await storage.audit.verify(expectedHead: expectHead, progress: progress)
                }
            }
            if let problem = result.problem {
                print("BROKEN after \(result.count) intact entries: \(problem)")
                throw ExitCode(1)
            }
            print("intact: \(result.count) entries, head \(result.head)")
        }
    }
}

// MARK: Exchange

struct Exchange: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The exchange with the national 12348 platform: the day's reconciliation, the signing key.",
        subcommands: [Report.self, PublicKey.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reconcile one day's outbox: enqueued, acknowledged (and duplicates), rejected with reasons, pending (exit 1 if it does not balance); and the referrals received, taken and refused.")

        @OptionGroup var store: LocalDatabase

        @Option(name: .long, help: "Day the changes were committed, YYYY-MM-DD (China time; default today).")
        var day: String?

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            let civil: CivilDate
            if let day {
                guard let parsed = CivilDate(iso: day) else { throw ValidationError("--day must be YYYY-MM-DD, not \(day)") }
                civil = parsed
            } else {
                civil = CivilDate(Date())
            }
            // The outbox holds no sealed data.
            let report = try await store.with(label: "fawang.exchange") { storage in
                do {
                    return try await storage.exchange.report(day: civil)
                } catch {
                    throw ValidationError("\(storage.name) has no exchange outbox yet: start `fawang serve` on it once (it migrates the database); \(error)")
                }
            }
            if json {
                let object: [String: Any] = [
                    "day": report.day, "enqueued": report.enqueued, "acknowledged": report.acknowledged, "duplicates": report.duplicates,
                    "rejected": report.rejected, "pending": report.pending, "attempts": report.attempts, "balances": report.balances,
                    "oldest_pending": report.oldestPending.map { ISO8601DateFormatter().string(from: $0) } ?? NSNull(),
                    "rejections": report.rejections.map { ["message_id": $0.messageID, "reason": $0.reason] },
                    "referrals_taken": report.referralsTaken, "referrals_refused": report.referralsRefused,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                print("""
                    national exchange, \(report.day) (China time)
                      enqueued      \(report.enqueued)
                      acknowledged  \(report.acknowledged) (of which duplicates: \(report.duplicates))
                      rejected      \(report.rejected)
                      pending       \(report.pending)\(report.oldestPending.map { " (oldest committed \(ISO8601DateFormatter().string(from: $0)))" } ?? "")
                      attempts      \(report.attempts)
                      \(report.balances ? "balances" : "DOES NOT BALANCE")
                      referrals received: \(report.referralsTaken) taken, \(report.referralsRefused) refused
                    """)
                for rejection in report.rejections { print("  rejected \(rejection.messageID): \(rejection.reason)") }
            }
            if !report.balances { throw ExitCode(1) }
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key", abstract: "Print the exchange signing key's id and public key (base64), for the national platform to register; creates the key on first use.")

        @Option(name: .long, help: "Config file (exchange.signing_key_file, storage.sqlite.path).")
        var config: String?

        func run() async throws {
            let key = try ExchangeKey.load(config: PlatformConfig.load(path: config), logger: Logger(label: "fawang.exchange"))
            print("key_id \(key.keyID)\npublic_key \(key.publicKeyBase64)")
        }
    }
}

struct RPCReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc-reference", abstract: "Print docs/rpc-reference.md, generated from the .proto files and the RPC tables.")

    func run() throws {
        print(RPCReference.markdown(plugins: PluginCatalog.all), terminator: "")
    }
}
