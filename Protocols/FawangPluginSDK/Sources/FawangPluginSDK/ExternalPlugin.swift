@_exported public import FawangPluginContract
public import Foundation
public import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Synchronization

/// What a plugin running as its own process needs to be served through the host: its handshake,
/// the verified caller on every call, and a server on the address the host gives it.
///
/// ```swift
/// let declaration = ExternalPluginDeclaration(
///     id: "court-fees", nameZH: "诉讼费测算", nameEN: "Court fees", version: "1.0.0",
///     methods: [.init(Method.Calculate.descriptor, .anyone, help: "计算财产案件受理费")],
///     descriptorSet: descriptorSetBytes)
/// try await ExternalPluginServer.run(declaration, services: [CourtFeeService()])
/// ```
///
/// The plugin trusts ``PluginCaller/current`` because only the host can reach its address (a Unix
/// socket in the host's private data folder, or a port the deployment keeps to the host).
public enum ExternalPluginContract {
    /// The contract version this SDK speaks. The host refuses a plugin built against another.
    public static let version: UInt32 = 1
    /// The binary metadata the verified caller travels in (`fawang.plugin.v1.Caller`).
    public static let callerKey = "fawang-caller-bin"
    /// The environment variable the host names the plugin's address in: `unix:/path` or `host:port`.
    public static let listenVariable = "FAWANG_PLUGIN_LISTEN"
    /// Set by a host that started the plugin: where the plugin reaches the host API
    /// (`fawang.plugin.v1.PluginHost`, ``PluginHostConnection``).
    public static let hostVariable = "FAWANG_PLUGIN_HOST"
    /// Set by a host that started the plugin: its process id. The plugin exits when that host is
    /// gone (killed with `kill -9`, say), rather than live on beside the host's next start.
    public static let parentVariable = "FAWANG_PLUGIN_PARENT"
}

/// Where a plugin serves, or reaches the host API: `unix:/path` or `host:port` (`[::1]:port`).
/// The one reading of these addresses, for the host's config, its client and the plugin's server.
public enum PluginAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case host(String, port: Int)

    public init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { return nil }
            self = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return nil }
        self = .host(host, port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix:" + path
        case .host(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

/// One method a plugin serves, with who may call it: the host routes no method without one.
public struct ExternalMethod: Sendable {
    public enum Policy: Sendable, Equatable {
        /// Anyone, signed in or not; `rateLimited` puts it under the public rate limit.
        case anyone(rateLimited: Bool)
        /// Signed-in callers with one of these roles.
        case roles([Fawang_Identity_V1_Role])
    }

    public let descriptor: MethodDescriptor
    public let policy: Policy
    public let help: String

    public init(_ descriptor: MethodDescriptor, _ policy: Policy, help: String) {
        self.descriptor = descriptor
        self.policy = policy
        self.help = help
    }

    var declaration: Fawang_Plugin_V1_MethodDeclaration {
        .with {
            $0.method = descriptor.fullyQualifiedMethod
            $0.help = help
            switch policy {
            case .anyone(let rateLimited):
                $0.policy.anyone = true
                $0.rateLimited = rateLimited
            case .roles(let roles):
                $0.policy.roles = .with { $0.roles = roles }
            }
        }
    }
}

/// Who the plugin is and what it serves: the answer to the host's handshake.
public struct ExternalPluginDeclaration: Sendable {
    public var id: String
    public var nameZH: String
    public var nameEN: String
    public var version: String
    public var methods: [ExternalMethod]
    /// The plugin's own `.proto` files: a serialized `google.protobuf.FileDescriptorSet`, as
    /// `scripts/generate-protos.sh` writes it beside the generated code.
    public var descriptorSet: Data
    /// The contract version declared; this SDK's unless a test says otherwise.
    public var contractVersion: UInt32 = ExternalPluginContract.version

    public init(id: String, nameZH: String, nameEN: String, version: String, methods: [ExternalMethod], descriptorSet: Data) {
        (self.id, self.nameZH, self.nameEN, self.version) = (id, nameZH, nameEN, version)
        (self.methods, self.descriptorSet) = (methods, descriptorSet)
    }

    public func handshake() throws -> Fawang_Plugin_V1_HandshakeResponse {
        let files = try Google_Protobuf_FileDescriptorSet(serializedBytes: descriptorSet).file
        return try .with {
            $0.id = id
            $0.nameZh = nameZH
            $0.nameEn = nameEN
            $0.version = version
            $0.contractVersion = contractVersion
            $0.methods = methods.map(\.declaration)
            $0.fileDescriptorProto = try files.map { try $0.serializedBytes() }
            $0.multiplexed = true
        }
    }
}

/// The caller the host verified, for the handler of a forwarded call.
public enum PluginCaller {
    @TaskLocal public static var current: Fawang_Plugin_V1_Caller?

    /// The signed-in caller, or `UNAUTHENTICATED` (the host's policy already refused anonymous
    /// callers of a signed-in method: this guards a plugin reached some other way).
    public static func principal() throws -> Fawang_Identity_V1_Principal {
        guard let caller = current, caller.hasPrincipal else {
            throw RPCError(code: .unauthenticated, message: "请先登录")
        }
        return caller.principal
    }
}

/// Reads the verified caller off each call into ``PluginCaller/current``.
struct CallerInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let bytes = request.metadata[binaryValues: ExternalPluginContract.callerKey].first(where: { _ in true }) else {
            return try await next(request, context)
        }
        let caller = try Fawang_Plugin_V1_Caller(serializedBytes: bytes)
        return try await PluginCaller.$current.withValue(caller) { try await next(request, context) }
    }
}

/// Answers the host's handshake with the declaration, and serves the host's call stream
/// (`Calls`): each frame one unary call of the plugin's own services, made through the same
/// services and caller interceptor as a direct call (``FrameTransport``), its reply written back
/// on the stream as soon as it is done.
struct HandshakeService: Fawang_Plugin_V1_ExternalPlugin.SimpleServiceProtocol {
    let response: Fawang_Plugin_V1_HandshakeResponse
    /// The plugin's services, called without a transport.
    let local: FrameTransport
    /// Set when the plugin is asked to stop: open call streams end once their calls are done.
    let stopping: AsyncStream<Void>

    func handshake(request: Fawang_Plugin_V1_HandshakeRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_HandshakeResponse {
        response
    }

    func calls(
        request: RPCAsyncSequence<Fawang_Plugin_V1_CallFrame, any Error>, response: RPCWriter<Fawang_Plugin_V1_ReplyFrame>,
        context: ServerContext
    ) async throws {
        let replies = Batches<Fawang_Plugin_V1_ReplyFrame>()
        let running = Running()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One writer: the replies of calls that finish while it writes go out together.
            group.addTask {
                while case let batch = await replies.next(), !batch.isEmpty { try await response.write(contentsOf: batch) }
            }
            // Frames until the host ends the stream, or the plugin is asked to stop.
            await withTaskGroup(of: Void.self) { reading in
                reading.addTask { [local] in
                    do {
                        for try await frame in request {
                            if frame.cancel {
                                running.tasks.withLock { $0[frame.id] }?.cancel()
                                continue
                            }
                            // Made under the lock its end takes: never removed before it is added.
                            running.tasks.withLock { tasks in
                                tasks[frame.id] = Task {
                                    replies.yield(await local.call(frame))
                                    _ = running.tasks.withLock { $0.removeValue(forKey: frame.id) }
                                }
                            }
                        }
                    } catch {
                        // The host went away: its calls are cancelled below.
                        for task in running.tasks.withLock({ Array($0.values) }) { task.cancel() }
                    }
                }
                reading.addTask { [stopping] in
                    for await _ in stopping { break }
                }
                await reading.next()
                reading.cancelAll()
            }
            // The calls under way finish and are answered before the stream ends.
            for task in running.tasks.withLock({ Array($0.values) }) { await task.value }
            replies.finish()
            try await group.waitForAll()
        }
    }

    /// The calls of one stream under way, by id.
    final class Running: Sendable {
        let tasks = Mutex<[UInt64: Task<Void, Never>]>([:])
    }
}

public enum ExternalPluginServer {
    /// Serves the handshake and `services` on `listen` (default: the address the host names in
    /// `FAWANG_PLUGIN_LISTEN`) until the process is stopped.
    public static func run(
        _ declaration: ExternalPluginDeclaration, services: [any RegistrableRPCService],
        listen: String? = ProcessInfo.processInfo.environment[ExternalPluginContract.listenVariable]
    ) async throws {
        guard let listen, !listen.isEmpty else {
            throw RPCError(
                code: .failedPrecondition,
                message: "no address to serve on: the host names it in \(ExternalPluginContract.listenVariable) (unix:/path or host:port)")
        }
        let address: GRPCNIOTransportCore.SocketAddress
        switch PluginAddress(listen) {
        case .unix(let path)?:
            // A socket left by an earlier run of this plugin would refuse the bind.
            try? FileManager.default.removeItem(atPath: path)
            address = .unixDomainSocket(path: path)
        case .host(let host, let port)?:
            address = host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        case nil:
            throw RPCError(code: .invalidArgument, message: "\(ExternalPluginContract.listenVariable)=\(listen): expected unix:/path or host:port")
        }
        // The same services without a transport, for the calls that come on the host's call stream.
        let local = FrameTransport()
        let localServer = GRPCServer(transport: local, services: services, interceptors: [CallerInterceptor()])
        let (stopping, stop) = AsyncStream<Void>.makeStream()
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(address: address, transportSecurity: .plaintext),
            services: [HandshakeService(response: try declaration.handshake(), local: local, stopping: stopping)] + services,
            interceptors: [CallerInterceptor()])
        // SIGTERM (the host stopping it, after a rolling update or at shutdown): calls under way
        // finish and are answered, then the process exits.
        signal(SIGTERM, SIG_IGN)
        let terminate = DispatchSource.makeSignalSource(signal: SIGTERM)
        terminate.setEventHandler {
            stop.yield()
            stop.finish()
            server.beginGracefulShutdown()
        }
        terminate.resume()
        if let parent = ProcessInfo.processInfo.environment[ExternalPluginContract.parentVariable].flatMap(Int32.init) {
            // Orphaned, it is reparented: its parent is no longer the host that started it.
            Task.detached {
                while getppid() == parent { try? await Task.sleep(for: .seconds(1)) }
                FileHandle.standardError.write(Data("\(declaration.id): the host that started it (pid \(parent)) is gone; exiting\n".utf8))
                exit(0)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await localServer.serve() }
            try await server.serve()
            localServer.beginGracefulShutdown()
            try await group.waitForAll()
        }
        terminate.cancel()
    }
}

/// The host API (`fawang.plugin.v1.PluginHost`) of the host that started this plugin: its own
/// records, the matters of its own line, the platform's calendar and directory. What it writes while serving a call is recorded under
/// that call's caller (the ticket of ``PluginCaller/current`` goes along).
public final class PluginHostConnection: Sendable {
    private let client: Fawang_Plugin_V1_PluginHost.Client<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, Never>

    /// The host's, from `FAWANG_PLUGIN_HOST`; nil for a plugin the host did not start (one at an
    /// address of its own has no host API yet).
    public static let current: PluginHostConnection? = {
        guard case .unix(let path)? = ProcessInfo.processInfo.environment[ExternalPluginContract.hostVariable].flatMap(PluginAddress.init),
              let transport = try? HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        else { return nil }
        return PluginHostConnection(GRPCClient(transport: transport))
    }()

    private init(_ client: GRPCClient<HTTP2ClientTransport.Posix>) {
        self.client = Fawang_Plugin_V1_PluginHost.Client(wrapping: client)
        self.connections = Task { try? await client.runConnections() }
    }

    /// The host API, or `FAILED_PRECONDITION` saying why there is none.
    public static func required() throws -> PluginHostConnection {
        guard let current else {
            throw RPCError(code: .failedPrecondition, message: "本服务未由平台启动，无法保存记录（modules.<id>.external.command）")
        }
        return current
    }

    private var ticket: String { PluginCaller.current?.callTicket ?? "" }

    public func putRecord(collection: String, key: String, json: String) async throws -> Fawang_Plugin_V1_Record {
        try await client.putRecord(.with {
            $0.callTicket = ticket
            $0.collection = collection
            $0.key = key
            $0.json = json
        })
    }

    public func record(collection: String, key: String) async throws -> Fawang_Plugin_V1_Record {
        try await client.getRecord(.with {
            $0.collection = collection
            $0.key = key
        })
    }

    public func records(collection: String, keyPrefix: String = "", limit: Int32 = 500) async throws -> [Fawang_Plugin_V1_Record] {
        try await client.listRecords(.with {
            $0.collection = collection
            $0.keyPrefix = keyPrefix
            $0.limit = limit
        }).records
    }

    public func lineMatter(trackingNumber: String) async throws -> Fawang_Plugin_V1_LineMatter {
        try await client.getLineMatter(.with {
            $0.callTicket = ticket
            $0.trackingNumber = trackingNumber
        })
    }

    /// The last day of a period of `days` calendar days (or working days) from `startDate`
    /// (YYYY-MM-DD, not itself counted), on the platform's working-day calendar.
    public func dueDate(from startDate: String, days: Int, workingDays: Bool = false) async throws -> Fawang_Plugin_V1_DueDateResponse {
        try await client.dueDate(.with {
            $0.startDate = startDate
            $0.days = Int32(clamping: days)
            $0.workingDays = workingDays
        })
    }

    /// A division of the platform's directory, by its six-digit code.
    public func division(code: String) async throws -> Fawang_Plugin_V1_Division {
        try await client.getDivision(.with { $0.code = code })
    }

    /// The public directory's organisations of `businessLine` (empty: all) within `regionCode`
    /// (empty: everywhere).
    public func organizations(businessLine: String = "", within regionCode: String = "") async throws -> [Fawang_Plugin_V1_Organization] {
        try await client.listOrganizations(.with {
            $0.businessLine = businessLine
            $0.regionCode = regionCode
        }).organizations
    }
}
