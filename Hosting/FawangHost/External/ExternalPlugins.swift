import FawangCore
import FawangPluginKit
import FawangPluginSDK
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// A module served by a plugin in a process of its own (`modules.<id>.external`), built on
/// FawangPluginSDK or in any language that speaks gRPC.
///
/// - **Start.** With `command`, the host starts the program with `FAWANG_PLUGIN_LISTEN` naming a
///   Unix socket in its data folder (`plugins/<id>.sock`); with `address`, it connects to a
///   plugin run elsewhere. It asks the plugin's handshake (``validate(_:id:taken:)``) before
///   the gRPC server starts, so the plugin's methods are routed like any other: the same
///   interceptor chain (identity, module switch, regional rules, access policy from the
///   handshake, rate limits, metrics) runs in the host, and the call goes on with the verified
///   caller (`fawang-caller-bin`), never the caller's token.
/// - **Refusal.** A plugin that does not answer, speaks another contract version, or declares a
///   method without a policy is refused: its module is listed `NOT_SERVING` with the reason, and
///   everything else serves.
/// - **Isolation.** Each call has the plugin's deadline (`deadline_ms`) and takes one of its
///   `max_in_flight` places; a plugin that is down answers `UNAVAILABLE` for its own calls only.
/// - **Supervision.** A started plugin that exits is restarted, waiting 0.2 s and doubling to 30 s
///   while it keeps failing; one at an address is asked its handshake every second. Health reads
///   `NOT_SERVING` and the module's calls answer `UNAVAILABLE` until it answers again with the
///   same methods.
final class ExternalPlugin: Sendable {
    let id: String
    let settings: ExternalPluginSettings
    /// Where the plugin serves: `unix:<data>/plugins/<id>.sock` for a started one.
    let address: PluginAddress
    /// Where a started plugin reaches the host API (``PluginHostService``): `unix:<data>/plugins/<id>.host.sock`.
    let hostAddress: PluginAddress?
    /// The calls being served, for the host API's attribution.
    let tickets = CallTickets()
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    /// The client's connections, from the first handshake until ``stop()``.
    private let connections: Task<Void, Never>
    private let registry: ModuleRegistry
    private let logger: Logger
    /// The exit status of each process of a started plugin, as it exits.
    private let exits: AsyncStream<Int32>
    private let state: Mutex<State>
    /// The host API's server for this plugin, while it runs.
    private let hostServer = Mutex<(server: GRPCServer<HTTP2ServerTransport.Posix>, task: Task<Void, Never>)?>(nil)

    private struct State {
        var process: Process?
        var exits: AsyncStream<Int32>.Continuation
        var inFlight = 0
        var stopping = false
        /// What the last accepted handshake declared (a restart must declare the same).
        var methods: [String] = []
        var nameZH = ""
    }

    init(id: String, settings: ExternalPluginSettings, socketFolder: URL, registry: ModuleRegistry, logger: Logger) throws {
        self.id = id
        self.settings = settings
        self.registry = registry
        self.logger = logger
        // The config checked the address when it was loaded.
        let address = settings.address.flatMap(PluginAddress.init) ?? .unix(path: socketFolder.appendingPathComponent("\(id).sock").path)
        self.address = address
        self.hostAddress = settings.command == nil ? nil : .unix(path: socketFolder.appendingPathComponent("\(id).host.sock").path)
        let target: any ResolvableTarget = switch address {
        case .unix(let path): .unixDomainSocket(path: path)
        case .host(let host, let port): .dns(host: host, port: port)
        }
        let client = GRPCClient(transport: try .http2NIOPosix(target: target, transportSecurity: .plaintext))
        self.client = client
        self.connections = Task { try? await client.runConnections() }
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        self.exits = exits
        self.state = Mutex(State(exits: continuation))
    }

    var isStarted: Bool { settings.command != nil }

    // MARK: Handshake

    /// Asks the handshake until it is answered or `within` passes.
    func handshake(within: Duration) async -> Result<Fawang_Plugin_V1_HandshakeResponse, RPCError> {
        let deadline = ContinuousClock.now + within
        var last = RPCError(code: .unavailable, message: "no answer")
        while ContinuousClock.now < deadline {
            do {
                var options = CallOptions.defaults
                options.timeout = .seconds(1)
                let answer = try await Fawang_Plugin_V1_ExternalPlugin.Client(wrapping: client).handshake(
                    .with {
                        $0.contractVersion = ExternalPluginContract.version
                        $0.hostVersion = PlatformHost.version
                    }, options: options)
                return .success(answer)
            } catch let error as RPCError {
                last = error
            } catch {
                last = RPCError(code: .unavailable, message: "\(error)")
            }
            if state.withLock({ $0.stopping }) { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .failure(last)
    }

    /// What the host routes for an accepted plugin.
    struct Accepted: Sendable {
        var manifest: ModuleManifest
        var methods: [MethodDescriptor]
        var policies: [String: AccessPolicy]
        var rateLimited: Set<String>
        var files: [Google_Protobuf_FileDescriptorProto]
        var serviceNames: [String] { methods.map(\.service.fullyQualifiedService).uniqued() }
    }

    /// Checks a handshake: the contract version, the id, a policy for every method, every method
    /// defined in the plugin's own files, no service the host or another module has.
    /// The reasons are for an operator: what is wrong and what to do.
    static func validate(_ answer: Fawang_Plugin_V1_HandshakeResponse, id: String, taken: Set<String>) -> Result<Accepted, Refusal> {
        guard answer.contractVersion == ExternalPluginContract.version else {
            return .failure(Refusal(
                "speaks plugin contract version \(answer.contractVersion); this host speaks \(ExternalPluginContract.version): rebuild the plugin against FawangPluginSDK \(ExternalPluginContract.version)"))
        }
        guard answer.id == id else {
            return .failure(Refusal("declares the id \"\(answer.id)\" but is configured as modules.\(id): correct one of them"))
        }
        guard !answer.nameZh.isEmpty, !answer.version.isEmpty else {
            return .failure(Refusal("declares no Chinese name or no version"))
        }
        var files: [Google_Protobuf_FileDescriptorProto] = []
        var methodsByService: [String: [String: Google_Protobuf_MethodDescriptorProto]] = [:]
        for bytes in answer.fileDescriptorProto {
            guard let file = try? Google_Protobuf_FileDescriptorProto(serializedBytes: bytes) else {
                return .failure(Refusal("sent a file descriptor that does not parse"))
            }
            files.append(file)
        }
        for file in files {
            let package = file.package.isEmpty ? "" : file.package + "."
            for service in file.service {
                methodsByService[package + service.name, default: [:]].merge(service.method.map { ($0.name, $0) }) { first, _ in first }
            }
        }
        var methods: [MethodDescriptor] = []
        var policies: [String: AccessPolicy] = [:]
        var rateLimited: Set<String> = []
        for declared in answer.methods {
            let name = declared.method
            guard let slash = name.lastIndex(of: "/") else {
                return .failure(Refusal("declares \"\(name)\", not a method as package.Service/Method"))
            }
            let service = String(name[..<slash])
            guard let proto = methodsByService[service]?[String(name[name.index(after: slash)...])] else {
                return .failure(Refusal("declares \(name), which none of its .proto files defines: send the files in the handshake"))
            }
            guard !taken.contains(service) else {
                return .failure(Refusal("declares \(name) of \(service), which the host or another module serves"))
            }
            switch declared.policy.rule {
            case .anyone(true)?:
                policies[name] = .anyone
                if declared.rateLimited { rateLimited.insert(name) }
            case .roles(let roles)? where !roles.roles.isEmpty:
                let mapped = roles.roles.compactMap(Role.init)
                guard mapped.count == roles.roles.count else { return .failure(Refusal("\(name): the access policy names an unknown role")) }
                policies[name] = .roles(Set(mapped))
            default:
                return .failure(Refusal("declares \(name) without an access policy (anyone, or the roles that may call it): default deny"))
            }
            let type: MethodDescriptor.RPCType = switch (proto.clientStreaming, proto.serverStreaming) {
            case (false, false): .unary
            case (false, true): .serverStreaming
            case (true, false): .clientStreaming
            case (true, true): .bidirectionalStreaming
            }
            methods.append(MethodDescriptor(service: ServiceDescriptor(fullyQualifiedService: service), method: proto.name, type: type))
        }
        guard !methods.isEmpty else { return .failure(Refusal("declares no methods")) }
        let manifest = ModuleManifest(id: id, nameZH: answer.nameZh, nameEN: answer.nameEn.isEmpty ? id : answer.nameEn, version: answer.version, matterTypes: [])
        return .success(Accepted(manifest: manifest, methods: methods, policies: policies, rateLimited: rateLimited, files: files))
    }

    struct Refusal: Error, CustomStringConvertible {
        let reason: String
        init(_ reason: String) { self.reason = reason }
        var description: String { reason }
    }

    /// Marks the accepted declaration as what this plugin must keep declaring.
    func accept(_ accepted: Accepted) {
        state.withLock {
            $0.methods = accepted.methods.map(\.fullyQualifiedMethod).sorted()
            $0.nameZH = accepted.manifest.nameZH
        }
    }

    // MARK: Process

    /// A socket's path in a folder only the host's user may enter, without a socket left there
    /// by an earlier run.
    @discardableResult
    private static func prepareSocket(_ path: String) throws -> String {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    /// Serves the host API to a started plugin, on its own socket: whoever connects there is this
    /// plugin, and reaches this module's data only.
    func serveHostAPI(_ service: PluginHostService) throws {
        guard case .unix(let path)? = hostAddress else { return }
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: try Self.prepareSocket(path)), transportSecurity: .plaintext),
            services: [service])
        let task = Task { [logger, id] in
            do {
                try await server.serve()
            } catch {
                logger.error("the host API for an external plugin stopped", metadata: ["module": "\(id)", "error": "\(error)"])
            }
        }
        hostServer.withLock { $0 = (server, task) }
    }

    /// Starts the plugin's program (a started plugin), its output going to the host's.
    func spawn() throws {
        guard let command = settings.command else { return }
        if case .unix(let path) = address { try Self.prepareSocket(path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging([
            ExternalPluginContract.listenVariable: address.description,
            ExternalPluginContract.hostVariable: hostAddress?.description ?? "",
            ExternalPluginContract.parentVariable: String(ProcessInfo.processInfo.processIdentifier),
        ]) { $1 }
        let exits = state.withLock { $0.exits }
        process.terminationHandler = { process in exits.yield(process.terminationStatus) }
        try process.run()
        state.withLock { $0.process = process }
        logger.notice("external plugin started", metadata: ["module": "\(id)", "pid": "\(process.processIdentifier)", "address": "\(address)"])
    }

    /// Until ``stop()``: restarts a started plugin that exits; asks one at an address its
    /// handshake every second.
    func run() async {
        var backoff: Duration = .milliseconds(200)
        if isStarted {
            // Each exit (or failed start) is one restart, after a wait that doubles while the
            // plugin keeps failing and starts again from 0.2 s once it serves.
            for await status in exits {
                if state.withLock({ $0.stopping }) { return }
                registry.setReachable(id, false, reason: "进程已退出（状态 \(status)），正在重启")
                logger.error("external plugin exited; restarting", metadata: ["module": "\(id)", "status": "\(status)", "retry_in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(30))
                if state.withLock({ $0.stopping }) { return }
                do {
                    try spawn()
                } catch {
                    logger.error("external plugin did not start", metadata: ["module": "\(id)", "error": "\(error)"])
                    _ = state.withLock { $0.exits.yield(-1) }
                    continue
                }
                if await recheck(within: .seconds(10)) {
                    backoff = .milliseconds(200)
                } else if let process = state.withLock({ $0.process }), process.isRunning {
                    // Up but not serving what it was accepted with (or not answering): stopped,
                    // and its exit starts the next try.
                    kill(process.processIdentifier, SIGKILL)
                }
            }
        } else {
            while !Task.isCancelled, !state.withLock({ $0.stopping }) {
                try? await Task.sleep(for: .seconds(1))
                _ = await recheck(within: .milliseconds(900))
            }
        }
    }

    /// Asks the handshake again: reachable if it answers with the methods it was accepted with.
    private func recheck(within: Duration) async -> Bool {
        switch await handshake(within: within) {
        case .success(let answer):
            let declared = answer.methods.map(\.method).sorted()
            let expected = state.withLock { $0.methods }
            guard declared == expected, answer.contractVersion == ExternalPluginContract.version else {
                registry.setReachable(id, false, reason: "重启后声明的方法与启动时不同；请重启平台以加载新版本")
                logger.error("external plugin came back with other methods: restart the host to route them", metadata: ["module": "\(id)"])
                return false
            }
            if registry.module(id: id)?.reachable == false {
                logger.notice("external plugin is serving again", metadata: ["module": "\(id)", "version": "\(answer.version)"])
            }
            registry.setReachable(id, true)
            return true
        case .failure(let error):
            if registry.module(id: id)?.reachable == true {
                logger.error("external plugin stopped answering", metadata: ["module": "\(id)", "error": "\(error.message)"])
            }
            registry.setReachable(id, false, reason: "未应答：\(error.code)")
            return false
        }
    }

    /// Stops supervising, and a started plugin's process: SIGTERM, then SIGKILL after 2 s.
    func stop() async {
        let process = state.withLock { state -> Process? in
            state.stopping = true
            state.exits.finish()
            return state.process
        }
        client.beginGracefulShutdown()
        await connections.value
        if let host = hostServer.withLock({ $0 }) {
            host.server.beginGracefulShutdown()
            await host.task.value
        }
        guard let process, process.isRunning else { return }
        process.terminate()
        for _ in 0..<20 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    // MARK: Calls

    /// Forwards one call, any kind, to the plugin with the verified caller: the handler of every
    /// method the plugin declared. Runs inside the host's interceptor chain, after the access gate.
    func forward(_ request: StreamingServerRequest<[UInt8]>, method: MethodDescriptor) async throws -> StreamingServerResponse<[UInt8]> {
        // The caller as the host verified it: read here, where the interceptor's scope holds.
        var caller = Fawang_Plugin_V1_Caller()
        if let principal = Principal.current { caller.principal = IdentityService.proto(principal) }
        caller.peer = AuditContext.peer
        caller.channel = ChannelDecision.current?.rawValue ?? ""
        let ticket = tickets.issue(caller)
        caller.callTicket = ticket
        var metadata = Metadata()
        metadata.addBinary(try caller.serializedBytes() as [UInt8], forKey: ExternalPluginContract.callerKey)
        var options = CallOptions.defaults
        options.timeout = .milliseconds(settings.deadlineMilliseconds)
        // A unary call (most are) goes as one: one message each way, the cheapest path.
        if method.type == .unary {
            defer { tickets.end(ticket) }
            var message: [UInt8]?
            for try await each in request.messages { message = each }
            guard let message else { throw RPCError(code: .invalidArgument, message: "the call carried no request message") }
            let reply = try await call {
                try await client.unary(
                    request: ClientRequest(message: message, metadata: metadata), descriptor: method, serializer: RawBytes(),
                    deserializer: RawBytes(), options: options) { try $0.message }
            }
            return StreamingServerResponse(single: ServerResponse(message: reply))
        }
        let outbound = StreamingClientRequest<[UInt8]>(metadata: metadata) { out in
            for try await message in request.messages { try await out.write(message) }
        }
        // One reply (client streaming): asked before answering, so that a refusal is the call's
        // status alone, as a compiled-in handler's is.
        guard method.type?.isResponseStreaming == true else {
            defer { tickets.end(ticket) }
            let reply = try await call {
                try await client.bidirectionalStreaming(
                    request: outbound, descriptor: method, serializer: RawBytes(), deserializer: RawBytes(), options: options
                ) { response in
                    var reply: [UInt8]?
                    for try await message in response.messages { reply = message }
                    guard let reply else { throw RPCError(code: .internalError, message: "the plugin answered \(method) without a message") }
                    return reply
                }
            }
            return StreamingServerResponse(single: ServerResponse(message: reply))
        }
        return StreamingServerResponse(metadata: [:]) { [self, client, options] writer in
            defer { tickets.end(ticket) }
            return try await call {
                try await client.bidirectionalStreaming(
                    request: outbound, descriptor: method, serializer: RawBytes(), deserializer: RawBytes(), options: options
                ) { response in
                    for try await message in response.messages { try await writer.write(message) }
                    return [:]
                }
            }
        }
    }

    /// One call to the plugin within its limits; the transport's failures told in Chinese, the
    /// plugin's own answers passed on as they are.
    private func call<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try take()
        defer { release() }
        do {
            return try await body()
        } catch let error as RPCError {
            let name = state.withLock { $0.nameZH }
            switch error.code {
            case .unavailable: throw ModuleRegistry.interrupted(name)
            case .deadlineExceeded: throw RPCError(code: .deadlineExceeded, message: "「\(name)」服务处理超时，请稍后再试")
            default:
                // Not the plugin's trailers as they came (the transport's own keys among them would
                // make invalid trailers): its status, and its details (field violations, retry info).
                var metadata = Metadata()
                for value in error.metadata[binaryValues: "grpc-status-details-bin"] { metadata.addBinary(value, forKey: "grpc-status-details-bin") }
                throw RPCError(code: error.code, message: error.message, metadata: metadata)
            }
        }
    }

    private func take() throws {
        let admitted = state.withLock { state in
            guard state.inFlight < settings.maxInFlight else { return false }
            state.inFlight += 1
            return true
        }
        if !admitted {
            throw FawangError(.resourceExhausted, "「\(state.withLock { $0.nameZH })」服务繁忙，请稍后再试")
        }
    }

    private func release() { state.withLock { $0.inFlight -= 1 } }
}

/// Routes each method an external plugin declared to ``ExternalPlugin/forward(_:method:)``.
struct ExternalPluginProxy: RegistrableRPCService {
    let plugin: ExternalPlugin
    let methods: [MethodDescriptor]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for method in methods {
            router.registerHandler(forMethod: method, deserializer: RawBytes(), serializer: RawBytes()) { [plugin] request, _ in
                try await plugin.forward(request, method: method)
            }
        }
    }
}

/// Every external plugin of the config: started and asked its handshake before the server starts,
/// then supervised until shutdown (a lifecycle service).
final class ExternalPlugins: Service {
    let plugins: [ExternalPlugin]
    let accepted: [(plugin: ExternalPlugin, accepted: ExternalPlugin.Accepted)]

    private init(plugins: [ExternalPlugin], accepted: [(plugin: ExternalPlugin, accepted: ExternalPlugin.Accepted)]) {
        self.plugins = plugins
        self.accepted = accepted
    }

    var services: [any RegistrableRPCService] { accepted.map { ExternalPluginProxy(plugin: $0.plugin, methods: $0.accepted.methods) } }
    var policies: [String: AccessPolicy] { accepted.reduce(into: [:]) { $0.merge($1.accepted.policies) { first, _ in first } } }
    var rateLimited: Set<String> { accepted.reduce(into: []) { $0.formUnion($1.accepted.rateLimited) } }
    var files: [Google_Protobuf_FileDescriptorProto] { accepted.flatMap(\.accepted.files) }

    /// Starts each plugin and asks its handshake (10 s each, at once). `taken`: the services the
    /// host and its compiled-in modules serve.
    static func start(
        config: PlatformConfig, socketFolder: URL, registry: ModuleRegistry, taken: Set<String>, storage: any HostStorage,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) async throws -> ExternalPlugins {
        var plugins: [ExternalPlugin] = []
        var notStarted: [String: String] = [:]
        for (id, settings) in config.externalPlugins.sorted(by: { $0.key < $1.key }) {
            guard registry.module(id: id) == nil else {
                throw FawangError(.failedPrecondition, "modules.\(id).external: the host already carries a module \(id): choose another id")
            }
            let plugin = try ExternalPlugin(id: id, settings: settings, socketFolder: socketFolder, registry: registry, logger: logger)
            try plugin.serveHostAPI(PluginHostService(
                module: id, storage: storage.moduleStorage(for: id), matters: storage.matters, audit: storage.audit, tickets: plugin.tickets,
                now: now))
            do {
                try plugin.spawn()
            } catch {
                notStarted[id] = "its command did not start (\(error)): check modules.\(id).external.command"
            }
            plugins.append(plugin)
        }
        var accepted: [(plugin: ExternalPlugin, accepted: ExternalPlugin.Accepted)] = []
        var taken = taken
        let answers = await withTaskGroup(of: (Int, Result<Fawang_Plugin_V1_HandshakeResponse, RPCError>).self) { group in
            for (index, plugin) in plugins.enumerated() where notStarted[plugin.id] == nil {
                group.addTask {
                    // The connections run while the host does; the first handshake needs them now.
                    (index, await plugin.handshake(within: .seconds(10)))
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (index, plugin) in plugins.enumerated() {
            let enabled = config.isModuleEnabled(plugin.id)
            var name = plugin.id
            let refusal: String
            switch answers[index] ?? .failure(RPCError(code: .unavailable, message: notStarted[plugin.id] ?? "")) {
            case .failure(let error):
                refusal = notStarted[plugin.id]
                    ?? "did not answer its handshake within 10 s at \(plugin.address) (\(error.code): \(error.message)); fix it and restart the host"
            case .success(let answer):
                if !answer.nameZh.isEmpty { name = answer.nameZh }
                switch ExternalPlugin.validate(answer, id: plugin.id, taken: taken) {
                case .success(let ok):
                    registry.register(ok.manifest, serviceNames: ok.serviceNames, enabled: enabled)
                    plugin.accept(ok)
                    taken.formUnion(ok.serviceNames)
                    accepted.append((plugin, ok))
                    logger.notice("external plugin accepted", metadata: [
                        "module": "\(plugin.id)", "version": "\(ok.manifest.version)", "methods": "\(ok.methods.count)",
                    ])
                    continue
                case .failure(let refused):
                    refusal = refused.reason
                }
            }
            logger.error("external plugin refused; everything else serves", metadata: ["module": "\(plugin.id)", "reason": "\(refusal)"])
            registry.register(
                ModuleManifest(id: plugin.id, nameZH: name, nameEN: plugin.id, version: "-", matterTypes: []), serviceNames: [],
                enabled: enabled)
            registry.setReachable(plugin.id, false, reason: "已拒绝：\(refusal)")
        }
        // A refused plugin's process is stopped: nothing is routed to it until the host restarts.
        let acceptedIDs = Set(accepted.map(\.plugin.id))
        for plugin in plugins where !acceptedIDs.contains(plugin.id) { await plugin.stop() }
        return ExternalPlugins(plugins: plugins.filter { acceptedIDs.contains($0.id) }, accepted: accepted)
    }

    /// Supervises every plugin until the host shuts down (with none, it just waits: a service of
    /// the group that returned would stop the host), then stops them.
    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for plugin in plugins { group.addTask { await plugin.run() } }
            group.addTask { [plugins] in
                try? await gracefulShutdown()
                for plugin in plugins { await plugin.stop() }
            }
        }
    }

    /// Stops every plugin's process (a host that stops before its service group runs).
    func stopAll() async {
        for plugin in plugins { await plugin.stop() }
    }
}

extension Sequence where Element: Hashable {
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
