import FawangCore
import FawangPluginKit
import FawangPluginSDK
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Prometheus
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
///   After `breaker_failures` calls in a row fail or time out, the circuit breaker opens: its
///   calls answer `UNAVAILABLE` at once, and after `breaker_open_ms` the plugin is asked its
///   handshake; a started plugin that still does not answer (hung) is killed and restarted.
/// - **Supervision.** A started plugin that exits is restarted, waiting 0.2 s and doubling to 30 s
///   while it keeps failing; one at an address is asked its handshake every second. Health reads
///   `NOT_SERVING`, `fawang_external_plugin_up` reads 0 (alert on it) and the module's calls
///   answer `UNAVAILABLE` until it answers again with the same methods and policies.
/// - **Rolling update.** A reloaded config with another `command` (or `address`) starts the new
///   version beside the old (``roll(to:)``); once its handshake declares the same methods and
///   policies, new calls go to it, the old one's calls in flight finish, and only then is the old
///   process stopped. A new version that does not answer or declares otherwise is stopped, and
///   the running one keeps serving.
final class ExternalPlugin: Sendable {
    let id: String
    /// Where a started plugin reaches the host API (``PluginHostService``): `unix:<data>/plugins/<id>.host.sock`.
    let hostAddress: PluginAddress?
    /// The calls being served, for the host API's attribution.
    let tickets = CallTickets()
    /// A started plugin (`command`), not one at an address; fixed until the host restarts.
    let isStarted: Bool
    private let socketFolder: URL
    private let registry: ModuleRegistry
    private let logger: Logger
    /// Each process of a started plugin, as it exits.
    private let exits: AsyncStream<Exit>
    private let state: Mutex<State>
    /// The host API's server for this plugin, while it runs.
    private let hostServer = Mutex<(server: GRPCServer<HTTP2ServerTransport.Posix>, task: Task<Void, Never>)?>(nil)
    /// Its figures in the metrics registry, once the server has one (``attach(metrics:)``).
    private let instruments = Mutex<Instruments?>(nil)

    private struct Exit {
        let generation: Int
        let status: Int32
    }

    private struct Instruments {
        let up: Gauge
        let restarts: Counter
        let breakerOpens: Counter
    }

    /// One running version of the plugin: where it serves and the client that reaches it. A
    /// restart after a crash keeps the generation (same address, the client reconnects); a
    /// rolling update makes the next one.
    final class Generation: Sendable {
        let number: Int
        let address: PluginAddress
        let client: GRPCClient<HTTP2ClientTransport.Posix>
        /// Its unary calls, when the plugin serves the call stream (``multiplexed``).
        let stream: CallStream
        /// Whether its last handshake said it serves the call stream.
        let multiplexed = Atomic<Bool>(false)
        private let connections: Task<Void, Never>

        init(number: Int, address: PluginAddress, tls: PlatformConfig.ClientTLS?, module: String) throws {
            self.number = number
            self.address = address
            let target: any ResolvableTarget = switch address {
            case .unix(let path): .unixDomainSocket(path: path)
            case .host(let host, let port): PlatformHost.target(host: host, port: port)
            }
            let security = try PlatformHost.transportSecurity(tls, keys: "modules.\(module).external.tls.*")
            let client = GRPCClient(transport: try .http2NIOPosix(target: target, transportSecurity: security))
            self.client = client
            self.stream = CallStream(client: client)
            self.connections = Task { try? await client.runConnections() }
        }

        /// Lets calls still running on it finish, then closes its connections: gracefully, or at
        /// once after 5 s (a call the plugin or the transport never ends must not hold the host).
        func close() async {
            await stream.close()
            client.beginGracefulShutdown()
            if await !connections.finishes(within: .seconds(5)) {
                connections.cancel()
                _ = await connections.finishes(within: .seconds(1))
            }
        }
    }

    /// What an accepted plugin declared, which a restart or a new version must declare again:
    /// the host routed these methods under these policies when it started.
    struct Declaration: Equatable, Sendable {
        var methods: [String]
        var policies: [String: AccessPolicy]
        var rateLimited: Set<String>

        init(_ accepted: Accepted) {
            methods = accepted.methods.map(\.fullyQualifiedMethod).sorted()
            policies = accepted.policies
            rateLimited = accepted.rateLimited
        }
    }

    private struct State {
        var settings: ExternalPluginSettings
        var current: Generation
        var generations = 1
        /// The process of each generation (a started plugin), until it exits.
        var processes: [Int: SpawnedProcess] = [:]
        var exits: AsyncStream<Exit>.Continuation
        /// Calls in flight, by generation: all of them count against `max_in_flight`, and an old
        /// generation is closed once its own are done.
        var inFlight: [Int: Int] = [:]
        var stopping = false
        var rolling = false
        var declaration: Declaration?
        var nameZH = ""
        var version = ""
        /// Calls in a row that met the plugin down or timed out.
        var failures = 0
        var breakerOpen = false
    }

    init(id: String, settings: ExternalPluginSettings, socketFolder: URL, registry: ModuleRegistry, logger: Logger) throws {
        self.id = id
        self.isStarted = settings.command != nil
        self.socketFolder = socketFolder
        self.registry = registry
        self.logger = logger
        // The config checked the address when it was loaded.
        let address = settings.address.flatMap(PluginAddress.init) ?? .unix(path: socketFolder.appendingPathComponent("\(id).sock").path)
        self.hostAddress = settings.command == nil ? nil : .unix(path: socketFolder.appendingPathComponent("\(id).host.sock").path)
        let (exits, continuation) = AsyncStream<Exit>.makeStream()
        self.exits = exits
        self.state = Mutex(State(settings: settings, current: try Generation(number: 1, address: address, tls: settings.tls, module: id), exits: continuation))
    }

    /// Where the version serving now listens.
    var address: PluginAddress { state.withLock { $0.current.address } }

    /// Registers the plugin's figures: `fawang_external_plugin_up` (1 serving, 0 down or refused:
    /// alert on it), restarts and breaker openings.
    func attach(metrics registry: PrometheusCollectorRegistry) {
        let labels = [("module", id)]
        let instruments = Instruments(
            up: registry.makeGauge(descriptor: PlatformMetrics.externalPluginUp, labels: labels),
            restarts: registry.makeCounter(descriptor: PlatformMetrics.externalPluginRestarts, labels: labels),
            breakerOpens: registry.makeCounter(descriptor: PlatformMetrics.externalPluginBreakerOpens, labels: labels))
        instruments.up.set(to: self.registry.module(id: id)?.reachable == true ? 1.0 : 0.0)
        self.instruments.withLock { $0 = instruments }
    }

    /// Marks the module up or down, for the gate, health, the admin console and the metrics.
    private func mark(reachable: Bool, reason: String = "") {
        registry.setReachable(id, reachable, reason: reason)
        instruments.withLock { $0 }?.up.set(to: reachable ? 1.0 : 0.0)
    }

    // MARK: Handshake

    /// Asks the handshake of `generation` (the current one when nil) until it is answered or
    /// `within` passes.
    func handshake(_ generation: Generation? = nil, within: Duration) async -> Result<Fawang_Plugin_V1_HandshakeResponse, RPCError> {
        let client = (generation ?? state.withLock { $0.current }).client
        let deadline = ContinuousClock.now + within
        var last = RPCError(code: .unavailable, message: "no answer")
        while ContinuousClock.now < deadline {
            do {
                var options = CallOptions.defaults
                options.timeout = min(.seconds(1), deadline - ContinuousClock.now)
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
        /// It serves the call stream (``CallStream``).
        var multiplexed = false
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
        return .success(Accepted(
            manifest: manifest, methods: methods, policies: policies, rateLimited: rateLimited, files: files, multiplexed: answer.multiplexed))
    }

    struct Refusal: Error, CustomStringConvertible {
        let reason: String
        init(_ reason: String) { self.reason = reason }
        var description: String { reason }
    }

    /// Marks the accepted declaration as what this plugin must keep declaring.
    func accept(_ accepted: Accepted) {
        let current = state.withLock {
            $0.declaration = Declaration(accepted)
            $0.nameZH = accepted.manifest.nameZH
            $0.version = accepted.manifest.version
            return $0.current
        }
        current.multiplexed.store(accepted.multiplexed, ordering: .relaxed)
    }

    /// Why a handshake answered after start cannot be served in place of the accepted one; nil
    /// when it can.
    private func mismatch(_ answer: Fawang_Plugin_V1_HandshakeResponse) -> String? {
        switch Self.validate(answer, id: id, taken: []) {
        case .failure(let refusal):
            return refusal.reason
        case .success(let accepted):
            guard Declaration(accepted) == state.withLock({ $0.declaration }) else {
                return "declares other methods or access policies than the version the host started with: restart the host to route them"
            }
            return nil
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

    /// Starts the plugin's program for `generation` (the current one when nil), its output going
    /// to the host's. Nothing for a plugin at an address.
    func spawn(_ generation: Generation? = nil, command: [String]? = nil) throws {
        let (current, configured, exits) = state.withLock { ($0.current, $0.settings.command, $0.exits) }
        let generation = generation ?? current
        guard let command = command ?? configured else { return }
        if case .unix(let path) = generation.address { try Self.prepareSocket(path) }
        let environment = ProcessInfo.processInfo.environment.merging([
            ExternalPluginContract.listenVariable: generation.address.description,
            ExternalPluginContract.hostVariable: hostAddress?.description ?? "",
            ExternalPluginContract.parentVariable: String(ProcessInfo.processInfo.processIdentifier),
        ]) { $1 }
        let number = generation.number
        let process = try SpawnedProcess(
            command[0], Array(command.dropFirst()), environment: environment, output: SpawnedProcess.inheritOutput
        ) { status in exits.yield(Exit(generation: number, status: status)) }
        state.withLock { $0.processes[number] = process }
        logger.notice("external plugin started", metadata: [
            "module": "\(id)", "pid": "\(process.pid)", "address": "\(generation.address)", "generation": "\(number)",
        ])
    }

    /// The process of the version serving now, while it runs.
    private var currentProcess: SpawnedProcess? {
        state.withLock { $0.processes[$0.current.number] }.flatMap { $0.isRunning ? $0 : nil }
    }

    /// Until ``stop()``: restarts a started plugin that exits; asks one at an address its
    /// handshake every second.
    func run() async {
        var backoff: Duration = .milliseconds(200)
        if isStarted {
            // Each exit (or failed start) of the version serving now is one restart, after a wait
            // that doubles while the plugin keeps failing and starts again from 0.2 s once it
            // serves. An old version's exit, after a rolling update, is only forgotten.
            for await exit in exits {
                let current = state.withLock { state -> Generation? in
                    state.processes[exit.generation] = nil
                    return exit.generation == state.current.number && !state.stopping ? state.current : nil
                }
                if state.withLock({ $0.stopping }) { return }
                guard let current else { continue }
                // Its calls on the stream fail now, as the process is gone.
                current.stream.abandon()
                instruments.withLock { $0 }?.restarts.increment()
                mark(reachable: false, reason: "进程已退出（状态 \(exit.status)），正在重启")
                logger.error("external plugin exited; restarting", metadata: ["module": "\(id)", "status": "\(exit.status)", "retry_in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(30))
                if state.withLock({ $0.stopping }) { return }
                do {
                    try spawn()
                } catch {
                    logger.error("external plugin did not start", metadata: ["module": "\(id)", "error": "\(error)"])
                    let number = state.withLock { $0.current.number }
                    _ = state.withLock { $0.exits.yield(Exit(generation: number, status: -1)) }
                    continue
                }
                if await recheck(within: .seconds(10)) {
                    backoff = .milliseconds(200)
                } else if let process = currentProcess {
                    // Up but not serving what it was accepted with (or not answering): stopped,
                    // and its exit starts the next try.
                    process.signal(SIGKILL)
                }
            }
        } else {
            while !Task.isCancelled, !state.withLock({ $0.stopping }) {
                try? await Task.sleep(for: .seconds(1))
                // While the breaker is open, its own probe asks.
                let (stopping, breakerOpen) = state.withLock { ($0.stopping, $0.breakerOpen) }
                if stopping { return }
                if breakerOpen { continue }
                _ = await recheck(within: .milliseconds(900))
            }
        }
    }

    /// Asks the handshake again: reachable if it answers with what it was accepted with.
    private func recheck(within: Duration) async -> Bool {
        switch await handshake(within: within) {
        case .success(let answer):
            if let mismatch = mismatch(answer) {
                mark(reachable: false, reason: "重启后声明的方法或权限与启动时不同；请重启平台以加载新版本")
                logger.error("external plugin came back declaring otherwise", metadata: ["module": "\(id)", "reason": "\(mismatch)"])
                return false
            }
            if registry.module(id: id)?.reachable == false {
                logger.notice("external plugin is serving again", metadata: ["module": "\(id)", "version": "\(answer.version)"])
            }
            let current = state.withLock { state -> Generation in
                state.failures = 0
                return state.current
            }
            current.multiplexed.store(answer.multiplexed, ordering: .relaxed)
            mark(reachable: true)
            return true
        case .failure(let error):
            if registry.module(id: id)?.reachable == true {
                logger.error("external plugin stopped answering", metadata: ["module": "\(id)", "error": "\(error.message)"])
            }
            mark(reachable: false, reason: "未应答：\(error.code)")
            return false
        }
    }

    /// Stops supervising, and a started plugin's process: SIGTERM, then SIGKILL after 2 s.
    func stop() async {
        let current = state.withLock { state -> Generation in
            state.stopping = true
            state.exits.finish()
            return state.current
        }
        await current.close()
        if let host = hostServer.withLock({ $0 }) {
            host.server.beginGracefulShutdown()
            await host.task.value
        }
        for process in state.withLock({ Array($0.processes.values) }) { await Self.terminate(process) }
    }

    /// SIGTERM, then SIGKILL if it is still running 2 s later.
    private static func terminate(_ process: SpawnedProcess) async {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        for _ in 0..<20 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.signal(SIGKILL) }
    }

    // MARK: Rolling update

    /// Applies a reloaded config: the deadline, the limit and the breaker at once; another
    /// `command` or `address` by a rolling update.
    func apply(_ next: ExternalPluginSettings) async {
        let previous = state.withLock { state -> ExternalPluginSettings in
            let previous = state.settings
            state.settings.deadlineMilliseconds = next.deadlineMilliseconds
            state.settings.maxInFlight = next.maxInFlight
            state.settings.breakerFailures = next.breakerFailures
            state.settings.breakerOpenMilliseconds = next.breakerOpenMilliseconds
            return previous
        }
        guard next.command != previous.command || next.address != previous.address || next.tls != previous.tls else { return }
        guard (next.command == nil) == (previous.command == nil) else {
            logger.warning("an external plugin changes between command and address only when the host restarts", metadata: ["module": "\(id)"])
            return
        }
        await roll(to: next)
    }

    /// Replaces the version serving now with the one `next` names, without dropping a call: the
    /// new one is started beside it and asked its handshake; only if it declares the same methods
    /// and policies do new calls go to it, and the old one is stopped once its calls are done.
    /// Otherwise the new one is stopped and the old one keeps serving.
    func roll(to next: ExternalPluginSettings) async {
        let number = state.withLock { state -> Int? in
            guard !state.rolling, !state.stopping else { return nil }
            state.rolling = true
            state.generations += 1
            return state.generations
        }
        guard let number else {
            logger.warning("a rolling update of this external plugin is under way; reload the config again once it is done", metadata: ["module": "\(id)"])
            return
        }
        defer { state.withLock { $0.rolling = false } }
        let address = next.address.flatMap(PluginAddress.init) ?? .unix(path: socketFolder.appendingPathComponent("\(id).\(number).sock").path)
        logger.notice("rolling update of an external plugin: starting the new version beside the old", metadata: [
            "module": "\(id)", "address": "\(address)", "generation": "\(number)",
        ])
        let generation: Generation
        do {
            generation = try Generation(number: number, address: address, tls: next.tls, module: id)
        } catch {
            logger.error("rolling update refused; the running version keeps serving", metadata: ["module": "\(id)", "reason": "\(error)"])
            return
        }
        var refusal: String?
        var version = ""
        do {
            try spawn(generation, command: next.command)
            switch await handshake(generation, within: .seconds(10)) {
            case .failure(let error):
                refusal = "did not answer its handshake within 10 s at \(address) (\(error.code): \(error.message))"
            case .success(let answer):
                refusal = mismatch(answer)
                version = answer.version
                generation.multiplexed.store(answer.multiplexed, ordering: .relaxed)
            }
        } catch {
            refusal = "its command did not start (\(error)): check modules.\(id).external.command"
        }
        if let refusal {
            logger.error("rolling update refused; the running version keeps serving", metadata: ["module": "\(id)", "reason": "\(refusal)"])
            await retire(generation)
            return
        }
        let (old, oldVersion) = state.withLock { state -> (Generation, String) in
            defer {
                state.current = generation
                state.settings.command = next.command
                state.settings.address = next.address
                state.settings.tls = next.tls
                state.version = version
                state.failures = 0
            }
            return (state.current, state.version)
        }
        registry.setVersion(id, version)
        mark(reachable: true)
        logger.notice("rolling update: new calls go to the new version; the old one finishes its calls and stops", metadata: [
            "module": "\(id)", "from": "\(oldVersion)", "to": "\(version)", "generation": "\(number)",
        ])
        await retire(old)
    }

    /// Closes a generation that no longer takes calls: waits for its calls in flight (at most the
    /// plugin's deadline), closes its connections and stops its process.
    private func retire(_ generation: Generation) async {
        let deadline = state.withLock { Duration.milliseconds($0.settings.deadlineMilliseconds) }
        let until = ContinuousClock.now + deadline + .seconds(1)
        while state.withLock({ $0.inFlight[generation.number, default: 0] }) > 0, ContinuousClock.now < until {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await generation.close()
        if let process = state.withLock({ $0.processes[generation.number] }) { await Self.terminate(process) }
        if isStarted, case .unix(let path) = generation.address { try? FileManager.default.removeItem(atPath: path) }
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
        // A unary call (most are) goes on the plugin's call stream, or as one gRPC call to a
        // plugin that does not serve one: one message each way.
        if method.type == .unary {
            defer { tickets.end(ticket) }
            var message: [UInt8]?
            for try await each in request.messages { message = each }
            guard let message else { throw RPCError(code: .invalidArgument, message: "the call carried no request message") }
            let reply = try await call { generation, options in
                if generation.multiplexed.load(ordering: .relaxed) {
                    return try await generation.stream.call(
                        method: method.fullyQualifiedMethod, caller: caller, message: message, timeout: options.timeout ?? .seconds(5))
                }
                return try await generation.client.unary(
                    request: ClientRequest(message: message, metadata: try Self.metadata(caller)), descriptor: method, serializer: RawBytes(),
                    deserializer: RawBytes(), options: options) { try $0.message }
            }
            return StreamingServerResponse(single: ServerResponse(message: reply))
        }
        let metadata = try Self.metadata(caller)
        let outbound = StreamingClientRequest<[UInt8]>(metadata: metadata) { out in
            for try await message in request.messages { try await out.write(message) }
        }
        // One reply (client streaming): asked before answering, so that a refusal is the call's
        // status alone, as a compiled-in handler's is.
        guard method.type?.isResponseStreaming == true else {
            defer { tickets.end(ticket) }
            let reply = try await call { generation, options in
                try await generation.client.bidirectionalStreaming(
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
        return StreamingServerResponse(metadata: [:]) { [self] writer in
            defer { tickets.end(ticket) }
            return try await call { generation, options in
                try await generation.client.bidirectionalStreaming(
                    request: outbound, descriptor: method, serializer: RawBytes(), deserializer: RawBytes(), options: options
                ) { response in
                    for try await message in response.messages { try await writer.write(message) }
                    return [:]
                }
            }
        }
    }

    /// One call to the version serving now, within the plugin's limits (its deadline in the
    /// options); the transport's failures told in Chinese and counted by the breaker, the
    /// plugin's own answers passed on as they are.
    private func call<Result: Sendable>(_ body: (Generation, CallOptions) async throws -> Result) async throws -> Result {
        let (generation, options) = try take()
        do {
            let result = try await body(generation, options)
            release(generation, failed: false)
            return result
        } catch let error as RPCError {
            let failed = error.code == .unavailable || error.code == .deadlineExceeded
            release(generation, failed: failed)
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
        } catch {
            release(generation, failed: false)
            throw error
        }
    }

    /// The verified caller as a direct call carries it (`fawang-caller-bin`).
    private static func metadata(_ caller: Fawang_Plugin_V1_Caller) throws -> Metadata {
        var metadata = Metadata()
        metadata.addBinary(try caller.serializedBytes() as [UInt8], forKey: ExternalPluginContract.callerKey)
        return metadata
    }

    /// A place among `max_in_flight` on the version serving now, and the plugin's deadline.
    private func take() throws -> (Generation, CallOptions) {
        let taken = state.withLock { state -> (Generation, Int)? in
            guard state.inFlight.values.reduce(0, +) < state.settings.maxInFlight else { return nil }
            state.inFlight[state.current.number, default: 0] += 1
            return (state.current, state.settings.deadlineMilliseconds)
        }
        guard let (generation, deadline) = taken else {
            throw FawangError(.resourceExhausted, "「\(state.withLock { $0.nameZH })」服务繁忙，请稍后再试")
        }
        var options = CallOptions.defaults
        options.timeout = .milliseconds(deadline)
        return (generation, options)
    }

    /// Gives the place back, and counts the call for the breaker: `breaker_failures` failures in
    /// a row open it (``openBreaker(after:wait:)``).
    private func release(_ generation: Generation, failed: Bool) {
        let opened = state.withLock { state -> (failures: Int, wait: Duration)? in
            state.inFlight[generation.number, default: 1] -= 1
            if state.inFlight[generation.number] == 0 { state.inFlight[generation.number] = nil }
            guard failed else {
                state.failures = 0
                return nil
            }
            state.failures += 1
            guard state.failures >= state.settings.breakerFailures, !state.breakerOpen, !state.stopping else { return nil }
            state.breakerOpen = true
            return (state.failures, .milliseconds(state.settings.breakerOpenMilliseconds))
        }
        if let opened { openBreaker(after: opened.failures, wait: opened.wait) }
    }

    // MARK: Circuit breaker

    /// Stops forwarding: the module is marked down (the gate answers its calls `UNAVAILABLE` at
    /// once), the alert raised, and the plugin probed after `wait`.
    private func openBreaker(after failures: Int, wait: Duration) {
        instruments.withLock { $0 }?.breakerOpens.increment()
        mark(reachable: false, reason: "连续 \(failures) 次调用失败或超时，已暂停转发（熔断），稍后自动重试")
        logger.error("external plugin's circuit breaker opened: its calls answer UNAVAILABLE at once until it answers again", metadata: [
            "module": "\(id)", "failures": "\(failures)", "retry_in": "\(wait)",
        ])
        Task { await probe(every: wait) }
    }

    /// The open breaker's half-open step: after each wait, the plugin is asked its handshake; an
    /// answer closes the breaker. A started plugin that does not answer is hung: it is killed, and
    /// its restart (``run()``) takes over.
    private func probe(every wait: Duration) async {
        while true {
            try? await Task.sleep(for: wait)
            if state.withLock({ $0.stopping }) { return }
            if await recheck(within: .seconds(2)) {
                state.withLock { $0.breakerOpen = false }
                logger.notice("external plugin's circuit breaker closed: it answers again", metadata: ["module": "\(id)"])
                return
            }
            if isStarted, let process = currentProcess {
                logger.error("external plugin does not answer: killed, to be restarted", metadata: [
                    "module": "\(id)", "pid": "\(process.pid)",
                ])
                state.withLock { $0.breakerOpen = false }
                process.signal(SIGKILL)
                return
            }
        }
    }
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

    /// Every plugin's settings at start: a reload that changes one not running is told to restart.
    let started: [String: ExternalPluginSettings]

    private init(
        plugins: [ExternalPlugin], accepted: [(plugin: ExternalPlugin, accepted: ExternalPlugin.Accepted)], started: [String: ExternalPluginSettings]
    ) {
        self.plugins = plugins
        self.accepted = accepted
        self.started = started
    }

    /// The plugins refused at start (down until the host restarts).
    var refused: [String] { started.keys.filter { id in !plugins.contains { $0.id == id } }.sorted() }

    var services: [any RegistrableRPCService] { accepted.map { ExternalPluginProxy(plugin: $0.plugin, methods: $0.accepted.methods) } }
    var policies: [String: AccessPolicy] { accepted.reduce(into: [:]) { $0.merge($1.accepted.policies) { first, _ in first } } }
    var rateLimited: Set<String> { accepted.reduce(into: []) { $0.formUnion($1.accepted.rateLimited) } }
    var files: [Google_Protobuf_FileDescriptorProto] { accepted.flatMap(\.accepted.files) }

    /// Starts each plugin and asks its handshake (10 s each, at once). `taken`: the services the
    /// host and its compiled-in modules serve.
    static func start(
        config: PlatformConfig, socketFolder: URL, registry: ModuleRegistry, taken: Set<String>, storage: any HostStorage,
        deadlines: DeadlineEngine, now: @escaping @Sendable () -> Date, logger: Logger
    ) async throws -> ExternalPlugins {
        var plugins: [ExternalPlugin] = []
        var notStarted: [String: String] = [:]
        for (id, settings) in config.externalPlugins.sorted(by: { $0.key < $1.key }) {
            guard registry.module(id: id) == nil else {
                throw FawangError(.failedPrecondition, "modules.\(id).external: the host already carries a module \(id): choose another id")
            }
            let plugin = try ExternalPlugin(id: id, settings: settings, socketFolder: socketFolder, registry: registry, logger: logger)
            try plugin.serveHostAPI(PluginHostService(
                module: id, storage: storage.moduleStorage(for: id), matters: storage.matters, audit: storage.audit,
                directory: storage.directory, deadlines: deadlines, tickets: plugin.tickets, now: now))
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
        return ExternalPlugins(
            plugins: plugins.filter { acceptedIDs.contains($0.id) }, accepted: accepted,
            started: config.externalPlugins)
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

    /// Registers each plugin's figures in the metrics registry.
    func attach(metrics registry: PrometheusCollectorRegistry) {
        for plugin in plugins { plugin.attach(metrics: registry) }
        // A refused plugin reads 0 until the host restarts: alerting sees it like one that is down.
        for id in refused { registry.makeGauge(descriptor: PlatformMetrics.externalPluginUp, labels: [("module", id)]).set(to: 0.0) }
    }

    /// Applies a reloaded config to the plugins (``ExternalPlugin/apply(_:)``): limits at once,
    /// a new command or address by a rolling update. Plugins added, removed or refused at start
    /// wait for a restart of the host.
    func apply(_ config: PlatformConfig, logger: Logger) async {
        let running = Set(plugins.map(\.id))
        let changed = Set(config.externalPlugins.keys).union(started.keys).filter { config.externalPlugins[$0] != started[$0] }
        for id in changed.subtracting(running).sorted() {
            logger.warning("an external plugin added, removed or refused at start changes only when the host restarts", metadata: ["module": "\(id)"])
        }
        await withTaskGroup(of: Void.self) { group in
            for plugin in plugins {
                guard let next = config.externalPlugins[plugin.id] else { continue }
                group.addTask { await plugin.apply(next) }
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
