import ArgumentParser
import FawangCore
import FawangHost
import FawangProtocols
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
        subcommands: [
            Serve.self, Modules.self, Health.self, Divisions.self,
            Submit.self, Show.self, Progress.self, ListMatters.self, Providers.self,
            RequestMaterials.self, SupplyMaterials.self, Accept.self, Refuse.self, Assign.self, Conclude.self, Rate.self,
            Deadlines.self, Transfer.self,
            MediationCommand.self, PetitionsCommand.self, NotarizationCommand.self, JudicialAppraisalCommand.self,
            LawyersCommand.self, LegalExamCommand.self, AdministrativeApprovalCommand.self,
            Login.self, Logout.self, WhoAmI.self, Audit.self,
        ])
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
        let host = try PlatformHost(configPath: config, overrides: { config in
            if let port { config.grpcPort = port }
            if let database { config.sqlitePath = database }
        }, handleSignals: true)
        let portsFile = self.portsFile
        try await host.run { ports in
            print("fawang serving gRPC on \(host.config.grpcHost):\(ports.grpc)" + (ports.metrics.map { ", metrics on http://\(host.config.metricsHost):\($0)/metrics" } ?? ""))
            if let portsFile {
                let json = "{\"grpc\": \(ports.grpc), \"metrics\": \(ports.metrics.map(String.init) ?? "null")}\n"
                try? Data(json.utf8).write(to: URL(fileURLWithPath: portsFile), options: .atomic)
            }
        }
    }
}

// MARK: Client plumbing

struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Server address host:port (or env FAWANG_SERVER).")
    var server: String = ProcessInfo.processInfo.environment["FAWANG_SERVER"] ?? "127.0.0.1:50051"

    @Flag(name: .long, help: "Print the response as JSON.")
    var json = false

    /// Runs `body` with a client; unless `authenticated` is false, calls carry the saved session.
    func withClient<T: Sendable>(authenticated: Bool = true, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
            throw ValidationError("--server must be host:port, e.g. 127.0.0.1:50051")
        }
        let host = String(server[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let target: any ResolvableTarget = host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port)
        do {
            let interceptors: [any ClientInterceptor] = (authenticated ? SessionFile.load() : nil).map { [BearerToken($0.accessToken)] } ?? []
            return try await withGRPCClient(transport: .http2NIOPosix(target: target, transportSecurity: .plaintext), interceptors: interceptors) { client in
                try await body(client)
            }
        } catch let error as RPCError {
            throw CLIError(error)
        }
    }

    func emit(_ message: some SwiftProtobuf.Message, human: () -> String) throws {
        if json {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            print(try message.jsonString(options: options))
        } else {
            print(human())
        }
    }
}

/// A failed call, printed as its status and message; exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let error: RPCError
    init(_ error: RPCError) { self.error = error }
    var description: String { "错误 [\(error.code)]: \(error.message)" }
}

struct HandlingOptions: ParsableArguments {
    @Option(name: .long, help: "Channel: hotline, walk_in, web, mobile, wechat, api.")
    var channel: String = "walk_in"

    @Option(name: .long, help: "Operator (staff) id, e.g. staff-640100-window.")
    var `operator`: String = ProcessInfo.processInfo.environment["FAWANG_OPERATOR"] ?? ""

    var context: Fawang_Matter_V1_ChannelContext {
        get throws {
            guard let core = Channel(rawValue: channel) else {
                throw ValidationError("--channel must be one of: \(Channel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var context = Fawang_Matter_V1_ChannelContext()
            context.channel = Fawang_Matter_V1_Channel(core)
            context.operatorID = self.operator
            return context
        }
    }
}

enum Render {
    /// Times as a clerk in China reads them: `2026-11-30 12:14:48` (UTC+8).
    static let chinaTime = Date.VerbatimFormatStyle(
        format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
        timeZone: TimeZone(secondsFromGMT: 8 * 3600)!, calendar: Calendar(identifier: .gregorian))

    static func matter(_ matter: Fawang_Matter_V1_Matter) -> String {
        var lines = [
            "受理编号  \(matter.trackingNumber)",
            "业务      \(matter.businessLineName) / \(matter.matterTypeName)",
            "状态      \(matter.statusLabel) (\(matter.status))",
            "申请人    \(matter.applicant.name)  \(PhoneNumber.masked(matter.applicant.phone))",
            "地区      \(matter.regionName) (\(matter.regionCode))    渠道 \(matter.channel.core?.label ?? "未注明")",
        ]
        lines += deadlines(matter.deadlines)
        lines += timeline(matter.timeline)
        return lines.joined(separator: "\n")
    }

    static func deadlines(_ deadlines: [Fawang_Matter_V1_Deadline]) -> [String] {
        deadlines.isEmpty ? [] : ["期限"] + deadlines.map { "  · \($0.summary)" }
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
            response.modules.map { "\($0.id)\t\($0.nameZh)\t\($0.version)\t\($0.enabled ? "启用" : "停用")\t\($0.services.joined(separator: ","))" }.joined(separator: "\n")
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

        @Option(name: .long, help: "SQLite database (default: storage.sqlite.path of --config, else ./data/fawang.sqlite).")
        var database: String?

        @Option(name: .long, help: "Config file to take storage.sqlite.path from.")
        var config: String?

        @Option(name: .long, help: "Head hash recorded earlier (e.g. in a bulletin); catches entries removed from the end.")
        var expectHead: String?

        func run() async throws {
            let path = try database ?? PlatformConfig.load(path: config).sqlitePath
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no database at \(path): pass --database or --config")
            }
            // Verifying the chain never opens a sealed identity number: any key will do.
            let cipher = try PersonalDataCipher(keys: [("verify-only", Data(repeating: 0, count: 32))])
            let storage = try SQLiteStorage(path: path, cipher: cipher, logger: Logger(label: "fawang.audit"))
            let progress: @Sendable (Int64) -> Void = { checked in
                FileHandle.standardError.write(Data("checked \(checked) entries…\n".utf8))
            }
            // The last signed checkpoint (key beside the database) shows entries removed from the
            // end without --expect-head.
            let result: (count: Int64, head: String, problem: AuditChainVerifier.Problem?)
            if let key = try AuditCheckpointKey.read(besideDatabase: path) {
                let checked = try await AuditCheckpoints(audit: storage.audit, key: key)
                    .verifySinceCheckpoint(checkpointExpected: true, fullChain: true, expectedHead: expectHead, progress: progress)
                result = (checked.count, checked.head, checked.problem)
            } else {
                FileHandle.standardError.write(Data("no \(AuditCheckpointKey.fileName) beside the database: the signed checkpoint is not checked, so only --expect-head shows entries removed from the end\n".utf8))
                result = try await storage.audit.verify(expectedHead: expectHead, progress: progress)
            }
            if let problem = result.problem {
                print("BROKEN after \(result.count) intact entries: \(problem)")
                throw ExitCode(1)
            }
            print("intact: \(result.count) entries, head \(result.head)")
        }
    }
}
