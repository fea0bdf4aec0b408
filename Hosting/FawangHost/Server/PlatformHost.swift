import Crypto
import FawangCore
import FawangPostgres
public import FawangPluginKit
import FawangProto
import FawangSQLite
public import Foundation
import GRPCCore
public import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import SwiftProtobuf
import Synchronization
import UnixSignals

/// The `fawang serve` process: storage, plugins, the gRPC server with its interceptors, the
/// metrics endpoint and the config watcher, run as one service group.
///
/// ```swift
/// let host = try PlatformHost(configPath: "fawang.yaml", plugins: PluginCatalog.all)
/// try await host.run { ports in print("gRPC on \(ports.grpc)") }
/// ```
public final class PlatformHost: Sendable {
    /// The host's version, which external plugins are told in their handshake.
    public static let version = "1.0.0"

    /// Where the host listens once it is up (ports resolved when 0 was configured).
    public struct Ports: Sendable, Equatable {
        public var grpc: Int
        public var metrics: Int?
        /// The HTTP gateway's port; nil when `http.enabled` is false.
        public var http: Int? = nil
    }

    public let config: PlatformConfig
    /// The file's config before overrides: what a reload of the file is compared with.
    private let fileConfig: PlatformConfig
    private let configPath: String?
    private let plugins: [any DepartmentPlugin]
    /// Served beside HTTP/2, through the same services and interceptors: tests' fast path.
    private let inProcess: InProcessTransport.Server?
    private let handleSignals: Bool
    private let logLevel: LogLevelControl
    private let logger: Logger
    private let group = Mutex<ServiceGroup?>(nil)
    /// The clock deadlines are judged by (tests move it).
    private let now: @Sendable () -> Date
    /// A class, not an `Atomic` field: with one, the release build's compiler (Swift 6.3.1)
    /// crashed on this throwing initializer ("Found ownership error", CopyPropagation).
    private let shutdownRequested = AtomicFlag()
    /// Closed while the audit trail does not verify: the host then serves reads only.
    private let writes = WriteGate()

    /// - Parameters:
    ///   - configPath: YAML file to read and watch (it must exist); nil means built-in defaults.
    ///   - plugins: the department plugins to carry (the executable passes its `PluginCatalog.all`).
    ///   - inProcess: also serve this in-process transport (behaviour tests call through its
    ///     client without a socket; HTTP/2 stays up for end-to-end tests).
    ///   - overrides: applied after loading, e.g. a port of 0 for tests.
    ///   - handleSignals: trap SIGTERM/SIGINT for graceful shutdown (the `serve` command).
    public init(
        configPath: String?, plugins: [any DepartmentPlugin], inProcess: InProcessTransport.Server? = nil,
        overrides: @Sendable (inout PlatformConfig) -> Void = { _ in }, handleSignals: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.now = now
        var config: PlatformConfig
        do {
            config = try PlatformConfig.load(path: configPath)
        } catch {
            throw FawangError(.failedPrecondition, "config \(configPath ?? "") refused: \(error.key): \(error.reason)")
        }
        self.fileConfig = config
        overrides(&config)
        self.config = config
        self.configPath = configPath
        self.plugins = plugins
        self.inProcess = inProcess
        self.handleSignals = handleSignals
        let control = LogLevelControl(Logger.Level(rawValue: config.logLevel) ?? .info)
        self.logLevel = control
        let format = FawangLogHandler.Format(rawValue: config.logFormat) ?? .text
        self.logger = Logger(label: "fawang") { label in FawangLogHandler(label: label, format: format, control: control) }
    }

    /// Runs until SIGTERM/SIGINT (when handling signals) or `shutdown()`; in-flight calls finish
    /// first, within `shutdown.grace_seconds`.
    public func run(onListening: @escaping @Sendable (Ports) async -> Void = { _ in }) async throws {
        let core = try makeCore()
        let storage = try await openStorage(core)
        do {
            try await run(on: storage, core: core, onListening: onListening)
        } catch {
            await storage.close()
            throw error
        }
        await storage.close()
        logger.info("fawang stopped")
    }

    private func run(on storage: any HostStorage, core: Core, onListening: @escaping @Sendable (Ports) async -> Void) async throws {
        let auditCheckpoints = try await StartupChecks.verifyAuditChain(config: config, audit: storage.audit, writes: writes, logger: logger)
        try await prepareDeadlineIndex(storage, core)
        let presenter = MatterPresenter(registry: core.registry, directory: storage.directory, deadlines: core.engine)
        let contexts = pluginContexts(storage, core, presenter: presenter)
        try await StartupChecks.refuseDemoAccountsInProduction(config: config, identity: storage.identity)
        try await seedDemoDataIfEmpty(storage, contexts: contexts)
        try await seedLawsIfEmpty(storage)
        // Plugins in processes of their own: started and asked their handshake before the server
        // is built, so their methods are routed like the compiled-in ones.
        let externals = try await ExternalPlugins.start(
            config: config, socketFolder: URL(fileURLWithPath: config.sqlitePath).deletingLastPathComponent().appendingPathComponent("plugins"),
            registry: core.registry, taken: Set(ProtoSchema.current.services.map(\.fullName)), storage: storage, deadlines: core.engine,
            now: now, logger: logger)
        let serviceGroup: ServiceGroup
        let server: Server
        do {
            let platform = try await makeServices(storage, core, presenter: presenter, contexts: contexts, externals: externals)
            server = try makeServer(platform, storage: storage, registry: core.registry)
            serviceGroup = try makeServiceGroup(
                server: server, platform: platform, storage: storage, core: core, contexts: contexts,
                auditCheckpoints: auditCheckpoints, onListening: onListening)
        } catch {
            await externals.stopAll()
            throw error
        }
        group.withLock { $0 = serviceGroup }
        if shutdownRequested.isSet { await serviceGroup.triggerGracefulShutdown() }
        logger.info("fawang starting", metadata: [
            "grpc.address": "\(config.grpcHost):\(config.grpcPort)", "tls": "\(config.tls == nil ? "off" : config.tls?.clientCAPath == nil ? "tls" : "mtls")",
            "database": "\(config.databaseName)", "modules": "\(core.registry.modules.map { "\($0.manifest.id)=\($0.enabled ? "on" : "off")" }.joined(separator: ","))",
        ])
        try await serviceGroup.run()
    }

    // MARK: The steps of `run`

    /// The module registry (every plugin with its switch) and the deadline engine on the calendar
    /// and rule lengths the config gives.
    struct Core {
        let registry: ModuleRegistry
        let engine: DeadlineEngine
        let rules: [DeadlineRule]
    }

    func makeCore() throws -> Core {
        let registry = ModuleRegistry()
        for plugin in plugins {
            registry.register(plugin.manifest, serviceNames: plugin.serviceNames, enabled: config.isModuleEnabled(plugin.manifest.id))
        }
        registry.apply(switches: [:], regions: config.moduleRegionSwitches)
        let rules = plugins.flatMap { $0.manifest.matterTypes.flatMap(\.deadlines) } + PlatformDeadlines.all
        let deadlineSettings: DeadlineSettings
        do {
            deadlineSettings = try DeadlineSettings.load(config, rules: rules)
        } catch {
            throw FawangError(.failedPrecondition, "config \(configPath ?? "") refused: \(error.key): \(error.reason)")
        }
        let engine = DeadlineEngine(registry: registry, calendar: deadlineSettings.calendar, ruleDays: deadlineSettings.ruleDays)
        return Core(registry: registry, engine: engine, rules: rules)
    }

    /// The database with its files' permissions checked, every migration applied and the data
    /// keys able to open what it holds.
    func openStorage(_ core: Core) async throws -> any HostStorage {
        try StartupChecks.refuseLoosePermissions(config: config, logger: logger)
        let cipher = try DataKeys.load(config: config, logger: logger)
        let storage: any HostStorage
        switch config.storageEngine {
        case "postgres":
            let settings = try PostgresEngine.Settings(url: config.postgresURL ?? "", connections: config.postgresConnections)
            storage = PostgresStorage(
                settings: settings, cipher: cipher, logger: logger, deadlines: core.engine, writes: writes, exchange: config.exchangeEnabled)
            logger.info("storage: PostgreSQL", metadata: ["database": "\(settings.description)", "connections": "\(settings.connections)"])
        default:
            storage = try SQLiteStorage(
                path: config.sqlitePath, cipher: cipher, logger: logger, deadlines: core.engine, writes: writes, exchange: config.exchangeEnabled)
        }
        do {
            // External plugins keep their records in a table of their own (PluginHostService).
            try await storage.migrate(
                modules: plugins.map { ($0.manifest.id, $0.migrations) }
                    + config.externalPlugins.keys.sorted().map { ($0, PluginHostService.migrations(for: $0)) })
            try await storage.checkDataKeys()
        } catch {
            await storage.close()
            throw error
        }
        return storage
    }

    /// Re-derives the matters' indexes when what derives them changed since the last complete
    /// derivation (a new build, a rule's length, the calendar: ``IndexFingerprint``); after a
    /// restart with the same, they are current — every write keeps them in its own transaction.
    func prepareDeadlineIndex(_ storage: any HostStorage, _ core: Core) async throws {
        let calendarEnd = core.engine.calendar.coverage?.upperBound.description ?? "none"
        if let indexed = try await storage.matters.refreshIndexes(unlessDerivedWith: IndexFingerprint.of(core.engine)) {
            logger.info("deadline index ready: re-derived", metadata: ["matters": "\(indexed)", "calendar.last_day": "\(calendarEnd)"])
        } else {
            logger.info("deadline index ready: current (same build, rules and calendar as its last derivation)", metadata: [
                "calendar.last_day": "\(calendarEnd)"
            ])
        }
        DeadlineSettings.warnOfMissingYear(core.engine.calendar, today: CivilDate(now()), logger: logger)
    }

    /// What the platform gives each plugin: storage scoped to its tables, the presenter, the clocks.
    func pluginContexts(_ storage: any HostStorage, _ core: Core, presenter: MatterPresenter) -> [(any DepartmentPlugin, PluginContext)] {
        // Filled once the services exist (makeServices).
        let intakes = Intakes()
        let registers = Registers()
        return plugins.map { plugin in
            var context = PluginContext(
                lineName: plugin.manifest.nameZH, matters: storage.matters, directory: storage.directory,
                storage: storage.moduleStorage(for: plugin.manifest.id), presenter: presenter, deadlines: core.engine,
                modules: core.registry, logger: logger.with(module: plugin.manifest.id), now: now)
            context.laws = storage.laws
            context.intakes = intakes
            context.registers = registers
            return (plugin, context)
        }
    }

    /// Ningxia's demo directory, every plugin's demo records and the demo accounts, into an empty
    /// database (never in production).
    /// An empty law library gets the laws the lines cite (``LawCorpus/seedRoot``), in production
    /// too: they are the public text of the law, not demo data. Skipped while read-only.
    func seedLawsIfEmpty(_ storage: any HostStorage) async throws {
        guard writes.isOpen, try await storage.laws.counts().files == 0, let root = LawCorpus.seedRoot else { return }
        let files = try LawCorpus.files(under: root).map { try LawCorpus.read($0, root: root) }
        let summary = try await storage.laws.importFiles(files) { _ in }
        logger.notice("seeded the law library with the laws the lines cite; fawang laws import adds a whole corpus", metadata: [
            "laws.files": "\(summary.added)", "laws.articles": "\(summary.articles)",
        ])
    }

    func seedDemoDataIfEmpty(_ storage: any HostStorage, contexts: [(any DepartmentPlugin, PluginContext)]) async throws {
        guard config.seedDemoData, config.environment != "production", try await storage.directory.isEmpty() else { return }
        try await storage.directory.save(divisions: DemoData.divisions, organizations: DemoData.organizations, staff: DemoData.staff)
        for (plugin, context) in contexts { try await plugin.seedDemoData(context: context) }
        if config.seedSampleMatters {
            for (plugin, context) in contexts { try await plugin.seedSampleMatters(context: context) }
        }
        if config.syntheticMatters > 0, let registry = contexts.first?.1.modules {
            let counties = DemoData.divisions.map(\.code).filter { !$0.hasSuffix("00") }
            try await SyntheticMatters(store: storage.matters, registry: registry, counties: counties, now: now(), logger: logger)
                .generate(count: config.syntheticMatters, seed: 12348)
        }
        // One slow hash for all demo accounts: they share the published demo password.
        let demoHash = try await PasswordHasher.standard.hashOffPool(DemoData.demoPassword)
        for (login, principal) in DemoData.accounts {
            try await storage.identity.save(Account(principal: principal, login: login, passwordHash: demoHash))
        }
        logger.notice("seeded demo data into an empty database", metadata: ["divisions": "\(DemoData.divisions.count)"])
    }

    /// Every service the server routes, with what the interceptors need to guard them.
    struct Platform {
        let services: [any RegistrableRPCService]
        let health: HealthService
        let tokens: TokenIssuer
        let policies: [String: AccessPolicy]
        /// The open watchers and subscriptions (`limits.watchers.*`).
        let watchers: WatcherLimits
        /// The plugins in processes of their own, their services among `services`.
        let externals: ExternalPlugins
    }

    /// The platform's services and every plugin's, each plugin checked against its contract and
    /// every method against an access policy (default deny).
    func makeServices(
        _ storage: any HostStorage, _ core: Core, presenter: MatterPresenter, contexts: [(any DepartmentPlugin, PluginContext)],
        externals: ExternalPlugins
    ) async throws -> Platform {
        var pluginServices: [any RegistrableRPCService] = []
        Intakes.registerJSONTypes(of: plugins)
        for (plugin, context) in contexts {
            let services = plugin.makeServices(context: context)
            try Self.verify(services: services, declared: plugin.serviceNames, module: plugin.manifest.id)
            try Self.verifyContract(of: plugin)
            for service in services.compactMap({ $0 as? any DirectlyCallable }) {
                context.intakes?.add(module: plugin.manifest.id, rpcs: plugin.rpcs, service: service)
            }
            pluginServices += services
        }
        let tokens = await TokenIssuer(
            secret: try TokenIssuer.loadSecret(
                path: SecretSource.besideDatabase(config.sqlitePath, named: "fawang.token-key"),
                logger: logger),
            accessLifetime: TimeInterval(config.accessTokenMinutes * 60), refreshLifetime: TimeInterval(config.refreshTokenDays * 86_400))
        // `limits.watchers.per_client` / `limits.watchers.total`: open watch streams (see WatcherLimits).
        let watchers = WatcherLimits(perClient: config.maxWatchersPerClient, total: config.maxWatchers)
        let directory = PublicDirectory(registry: core.registry, store: storage.directory, plugins: contexts, matters: storage.matters, now: now)
        contexts.first?.1.registers?.provide { try await directory.entries(in: directory.divisions()).map(\.entry) }
        // `grpc.reflection`: who is served server reflection; nil when it is off.
        let reflection = ReflectionService.Access(rawValue: config.grpcReflection)
        let health = HealthService(
            registry: core.registry, watchers: watchers,
            platformServices: [
                Grpc_Health_V1_Health.descriptor.fullyQualifiedService,
                Fawang_Platform_V1_PlatformService.descriptor.fullyQualifiedService,
                Fawang_Matter_V1_MatterService.descriptor.fullyQualifiedService,
                Fawang_Matter_V1_MaterialService.descriptor.fullyQualifiedService,
                Fawang_Laws_V1_LawService.descriptor.fullyQualifiedService,
                Fawang_Directory_V1_DirectoryService.descriptor.fullyQualifiedService,
                Fawang_Guidance_V1_GuidanceService.descriptor.fullyQualifiedService,
                Fawang_Identity_V1_IdentityService.descriptor.fullyQualifiedService,
                Fawang_Deadline_V1_DeadlineService.descriptor.fullyQualifiedService,
            ] + (reflection == nil ? [] : ReflectionService.serviceNames))
        var services: [any RegistrableRPCService] = [
            health,
            PlatformService(registry: core.registry, directory: storage.directory, writes: storage.writes),
            MatterService(matters: storage.matters, registry: core.registry, audit: storage.audit, presenter: presenter, now: now),
            MaterialService(matters: storage.matters, registry: core.registry, audit: storage.audit, limits: config.materials, now: now),
            LawService(laws: storage.laws),
            DirectoryService(directory: directory),
            GuidanceService(
                directory: directory,
                intakeVerbs: Dictionary(plugins.map { plugin in
                    (plugin.manifest.id, Set(plugin.rpcs.filter(\.isPublicIntake).compactMap(\.verb)))
                }) { first, _ in first }),
            DeadlineService(
                matters: storage.matters, engine: core.engine, registry: core.registry, directory: storage.directory, presenter: presenter,
                now: now, refreshInterval: .seconds(config.deadlineScanSeconds), watchers: watchers),
            // Sessions keep real time whatever clock matters are judged by (tests move that one).
            IdentityService(store: storage.identity, tokens: tokens, hasher: .standard, now: { Date() }),
        ] + pluginServices + externals.services
        if let reflection {
            // Lists what this server routes, itself included; describes external plugins' services
            // from the files their handshakes sent.
            let served = Self.methods(of: services).map(\.service.fullyQualifiedService) + ReflectionService.serviceNames
            var files = try Google_Protobuf_FileDescriptorSet(serializedBytes: FawangDescriptorSet.bytes)
            files.file += externals.files
            services += ReflectionService(catalog: try ReflectionCatalog(files, services: served), access: reflection).services
        }
        var policies = PlatformAccessPolicies.all
        for plugin in plugins { policies.merge(plugin.accessPolicies) { platform, _ in platform } }
        policies.merge(externals.policies) { platform, _ in platform }
        try PlatformAccessPolicies.verify(services: services, policies: policies)
        return Platform(services: services, health: health, tokens: tokens, policies: policies, watchers: watchers, externals: externals)
    }

    /// The gRPC server on its transport, behind the interceptor chain every channel shares: a
    /// service to run once the health service and the listening callback are known.
    struct Server {
        let metrics: PlatformMetrics
        let services: @Sendable (HealthService, _ onListening: @escaping @Sendable (Int) async -> Void) -> [any Service]
        /// The HTTP gateway's calls into the same server, when `http.enabled`.
        let gateway: GatewayCaller?
    }

    func makeServer(_ platform: Platform, storage: any HostStorage, registry: ModuleRegistry) throws -> Server {
        // `limits.calls_in_flight.*`: checked where each HTTP/2 stream starts (CallAdmission).
        let admission = CallAdmission(perClient: config.maxCallsInFlightPerClient, total: config.maxCallsInFlight)
        let metrics = PlatformMetrics(registry: PrometheusCollectorRegistry(), modules: registry, writes: writes, admission: admission)
        platform.externals.attach(metrics: metrics.registry)
        // Requests over grpc.max_request_bytes, answered and counted as RESOURCE_EXHAUSTED.
        let oversized = OversizedRequests(limit: config.maxRequestBytes)
        let interceptor = PlatformInterceptor(
            methods: Self.methods(of: platform.services),
            settings: .init(
                policies: platform.policies,
                rateLimitedMethods: PlatformAccessPolicies.rateLimitedPlatformMethods.union(
                    plugins.flatMap { $0.rpcs.filter(\.isRateLimited).map(\.fullyQualifiedMethod) }).union(platform.externals.rateLimited),
                // Plugins' subscriptions count as watchers (the platform's own count themselves).
                watchedMethods: Set(plugins.flatMap { plugin in
                    plugin.rpcs.filter { $0.descriptor.type == .serverStreaming }.map(\.fullyQualifiedMethod)
                })),
            metrics: metrics,
            errors: ErrorMapping(logger: logger, oversized: oversized),
            authentication: Authentication(tokens: platform.tokens, store: storage.identity),
            rateLimit: RateLimit(limiter: RateLimiter(perMinute: config.publicCallsPerMinute, burst: config.publicBurst)),
            timeLimit: CallTimeLimit(limit: .seconds(config.maxCallSeconds)),
            watchers: platform.watchers,
            registry: registry)
        let interceptors: [any ServerInterceptor] = [interceptor]
        let (address, logger) = ("\(config.grpcHost):\(config.grpcPort)", logger)
        let transport = HTTP2ServerTransport.Posix(
            address: Self.address(host: config.grpcHost, port: config.grpcPort),
            transportSecurity: try Self.transportSecurity(config.tls),
            config: Self.transportConfig(config, admission: admission, oversized: oversized))
        let server = GRPCServer(transport: transport, services: platform.services, interceptors: interceptors)
        let inProcess = inProcess.map { GRPCServer(transport: $0, services: platform.services, interceptors: interceptors) }
        // The HTTP gateway calls the same services through the same chain, in-process.
        let gatewayTransport = config.httpEnabled ? InProcessTransport() : nil
        let gatewayServer = gatewayTransport.map { GRPCServer(transport: $0.server, services: platform.services, interceptors: interceptors) }
        let gateway = gatewayTransport.map { GatewayCaller(client: GRPCClient(transport: $0.client)) }
        return Server(metrics: metrics, services: { health, onListening in
            let http2 = GRPCServerService(
                server: server, listeningPort: {
                    let bound = try await transport.listeningAddress
                    return bound.ipv4?.port ?? bound.ipv6?.port ?? 0
                }, health: health, configuredAddress: address, logger: logger, onListening: onListening)
            let local = inProcess.map {
                GRPCServerService(server: $0, listeningPort: { 0 }, health: health, configuredAddress: "in-process", logger: logger) { _ in }
            }
            let gatewayService = gatewayServer.map {
                GRPCServerService(server: $0, listeningPort: { 0 }, health: health, configuredAddress: "gateway in-process", logger: logger) { _ in }
            }
            return [http2] + (local.map { [$0] } ?? []) + (gatewayService.map { [$0] } ?? [])
        }, gateway: gateway)
    }

    /// Everything that runs until shutdown, in the order it stops last-first: the audit
    /// checkpoint, the config watcher, the metrics endpoint, the gRPC server, plugins' background
    /// work and the escalator.
    func makeServiceGroup(
        server: Server, platform: Platform, storage: any HostStorage, core: Core, contexts: [(any DepartmentPlugin, PluginContext)],
        auditCheckpoints: AuditCheckpoints, onListening: @escaping @Sendable (Ports) async -> Void
    ) throws -> ServiceGroup {
        let metricsPort = Mutex<Int?>(nil)
        // First, so that it stops last: its final checkpoint comes after the calls in flight.
        var serviceList: [any Service] = [
            AuditCheckpointService(checkpoints: auditCheckpoints, interval: .seconds(config.auditCheckpointSeconds), writes: writes, logger: logger)
        ]
        if let configPath {
            let (matters, logger, engine, rules, externals) = (storage.matters, logger, core.engine, core.rules, platform.externals)
            serviceList.append(ConfigWatcher(path: configPath, initial: fileConfig, registry: core.registry, logLevel: logLevel, logger: logger) { next in
                await externals.apply(next, logger: logger)
                do {
                    let settings = try DeadlineSettings.load(next, rules: rules)
                    guard engine.update(calendar: settings.calendar, ruleDays: settings.ruleDays) else { return }
                    let count = try await matters.refreshDeadlines()
                    logger.notice("deadline settings applied", metadata: [
                        "calendar.last_day": "\(settings.calendar.coverage?.upperBound.description ?? "none")", "matters": "\(count)",
                    ])
                } catch let error as PlatformConfig.ConfigError {
                    logger.error("deadline settings refused; the running ones stay", metadata: ["config.key": "\(error.key)", "config.reason": "\(error.reason)"])
                } catch {
                    logger.error("re-deriving the deadline index failed; restart the host to retry", metadata: ["error": "\(error)"])
                }
            })
        }
        // Before the gRPC servers, so it stops after them: calls in flight to a plugin finish first.
        serviceList.append(platform.externals)
        // Finishes once the metrics endpoint listens (at once when it is off).
        let metricsReady = AsyncStream<Void>.makeStream()
        if config.metricsEnabled {
            let router = Router()
            router.get("/metrics") { _, _ -> Response in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: server.metrics.render())))
            }
            router.get("/healthz") { _, _ -> String in "ok\n" }
            serviceList.append(Application(
                router: router,
                configuration: .init(address: .hostname(config.metricsHost, port: config.metricsPort), serverName: "fawang-metrics"),
                onServerRunning: { channel in
                    metricsPort.withLock { $0 = channel.localAddress?.port }
                    metricsReady.continuation.finish()
                },
                logger: logger))
        } else {
            metricsReady.continuation.finish()
        }
        // Finishes once the HTTP gateway listens (at once when it is off).
        let httpPort = Mutex<Int?>(nil)
        let httpReady = AsyncStream<Void>.makeStream()
        serviceList += server.services(platform.health) { [logger, config] grpcPort in
            for await _ in metricsReady.stream {}
            for await _ in httpReady.stream {}
            let ports = Ports(grpc: grpcPort, metrics: metricsPort.withLock { $0 }, http: httpPort.withLock { $0 })
            logger.notice("fawang serving", metadata: [
                "grpc": "\(config.grpcHost):\(ports.grpc)", "metrics": "\(ports.metrics.map { "http://\(config.metricsHost):\($0)/metrics" } ?? "off")",
                "http": "\(ports.http.map { "http://\(config.httpHost):\($0)/" } ?? "off")",
            ])
            await onListening(ports)
        }
        // The work that must run once per database, on whichever host holds the lease: the
        // national exchange, each module's background work, the deadline scan.
        var background: [any Service] = []
        if config.exchangeEnabled, let address = ExchangeAddress(config.exchangeNationalAddress), let signal = storage.exchangeSignal {
            var referrals: ReferralReceiver?
            if config.exchangeReferrals, let intakes = contexts.first?.1.intakes {
                let registry = core.registry
                referrals = ReferralReceiver(
                    inbox: storage.referrals, intakes: intakes, isEnabled: { registry.isEnabled($0) }, writes: writes,
                    nationalKey: try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: config.exchangeNationalPublicKey) ?? Data()),
                    destination: config.exchangeSource, callTimeout: .seconds(config.exchangeCallTimeoutSeconds),
                    pollInterval: .seconds(config.exchangeReferralPollSeconds), endpoint: "\(address.host):\(address.port)", now: now,
                    logger: logger, metrics: server.metrics.registry)
            }
            background.append(ExchangePusher(
                outbox: storage.exchange, signal: signal, key: try ExchangeKey.load(config: config, logger: logger), source: config.exchangeSource,
                address: address, callTimeout: .seconds(config.exchangeCallTimeoutSeconds), tls: config.exchangeTLS,
                dailyStatistics: config.exchangeDailyStatistics, now: now, logger: logger, metrics: server.metrics.registry,
                referrals: referrals, idleWait: storage.isShared ? 1 : 60))
        }
        // After the gRPC servers in the list, so it stops first: no HTTP call arrives at a
        // server that has stopped taking calls.
        if let caller = server.gateway {
            let gateway = HTTPGateway(
                caller: caller, servedServices: Set(platform.policies.keys.compactMap { $0.split(separator: "/").first.map(String.init) }),
                external: platform.externals.accepted.flatMap(\.accepted.methods),
                maxRequestBytes: config.httpMaxRequestBytes, corsOrigin: config.httpCORSOrigin, trustedProxies: config.httpTrustedProxies,
                openAPI: OpenAPI.document(
                    schema: .current, methods: FawangMethods.all.filter { platform.policies[$0.descriptor.fullyQualifiedMethod] != nil },
                    policies: platform.policies),
                logger: logger)
            let portal = try Portal(
                caller: caller, plugins: plugins, materialLimits: config.materials,
                wechat: config.wechatToken.map { WeChatEndpoint(token: $0, portalURL: config.publicURL) }, now: now)
            serviceList.append(GatewayService(
                gateway: gateway, portal: portal, host: config.httpHost, port: config.httpPort, logger: logger,
                onListening: { port in
                    httpPort.withLock { $0 = port }
                    httpReady.continuation.finish()
                }))
        } else {
            httpReady.continuation.finish()
        }
        for (plugin, context) in contexts {
            background.append(PluginWorkService(plugin: plugin, context: context))
        }
        background.append(DeadlineEscalator(
            matters: storage.matters, writes: writes, engine: core.engine, now: now, interval: .seconds(config.deadlineScanSeconds), logger: logger))
        serviceList.append(MemoryReturn(interval: .seconds(15), logger: logger))
        // Last, so it stops first: no background write after the servers stopped.
        serviceList.append(Leased(name: "background", storage: storage, inner: background, logger: logger))

        var groupConfig = ServiceGroupConfiguration(
            services: serviceList.map { .init(service: $0) },
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .seconds(config.shutdownGraceSeconds)
        return ServiceGroup(configuration: groupConfig)
    }

    /// Begins a graceful shutdown: health reads NOT_SERVING, no new calls, in-flight calls finish.
    public func shutdown() async {
        shutdownRequested.set()
        if let serviceGroup = group.withLock({ $0 }) { await serviceGroup.triggerGracefulShutdown() }
    }

    // MARK: Set-up helpers

    /// A plugin's services must be exactly the services it declared, or its switch would not
    /// cover all of them.
    static func verify(services: [any RegistrableRPCService], declared: [String], module: String) throws {
        let actual = Set(methods(of: services).map(\.service.fullyQualifiedService))
        guard actual == Set(declared) else {
            throw FawangError(.internalError, "module \(module) declares services \(declared.sorted()) but provides \(actual.sorted())")
        }
    }

    /// A plugin's RPC table must be its `.proto` services, method for method, with each handler's
    /// request and response the method's messages: a handler bound to the wrong method, or a
    /// method left out, refuses to start (a client would otherwise get garbage or UNIMPLEMENTED).
    static func verifyContract(of plugin: any DepartmentPlugin, schema: ProtoSchema = .current) throws {
        let module = plugin.manifest.id
        var problems: [String] = []
        for rpc in plugin.rpcs {
            guard let method = schema.method(rpc.fullyQualifiedMethod) else {
                problems.append("\(rpc.fullyQualifiedMethod) is not in the .proto contract")
                continue
            }
            if method.inputType != rpc.input.protoMessageName || method.outputType != rpc.output.protoMessageName {
                problems.append("\(rpc.fullyQualifiedMethod) takes \(method.inputType) and returns \(method.outputType), but its handler takes \(rpc.input.protoMessageName) and returns \(rpc.output.protoMessageName)")
            }
        }
        let declared = Set(plugin.rpcs.map(\.fullyQualifiedMethod))
        for name in plugin.serviceNames {
            for method in schema.service(name)?.methods ?? [] where !declared.contains("\(name)/\(method.proto.name)") {
                problems.append("\(name)/\(method.proto.name) has no row in the plugin's RPC table")
            }
        }
        guard problems.isEmpty else {
            throw FawangError(.internalError, "module \(module) does not match its contract: \(problems.joined(separator: "; "))")
        }
    }

    /// The methods `services` register, as the server's router will see them.
    static func methods(of services: [any RegistrableRPCService]) -> [MethodDescriptor] {
        var router = RPCRouter<HTTP2ServerTransport.Posix>()
        for service in services { service.registerMethods(with: &router) }
        return router.methods
    }

    static func address(host: String, port: Int) -> GRPCNIOTransportCore.SocketAddress {
        host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
    }

    /// Refuses TLS files that are missing or unreadable, naming the config keys to check.
    static func requireReadable(_ paths: [String], keys: String) throws {
        for path in paths where !FileManager.default.isReadableFile(atPath: path) {
            throw FawangError(.failedPrecondition, "TLS file \(path) is missing or unreadable: check \(keys) in the config")
        }
    }

    /// Where a connection the host makes goes. A literal IP (`[::1]` too) is dialled as an address,
    /// not a DNS name: as a name it would go out as TLS's server name (SNI), which must not be an
    /// address, and no TLS connection could start; as an address the peer's certificate is
    /// checked against it (an IP subjectAltName).
    static func target(host: String, port: Int) -> any ResolvableTarget {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        switch IPRange.bytes(bare)?.count {
        case 4: return .ipv4(address: bare, port: port)
        case 16: return .ipv6(address: bare, port: port)
        default: return .dns(host: host, port: port)
        }
    }

    /// A connection the host makes: plaintext, TLS trusting the CA, or mutual TLS (``PlatformConfig/ClientTLS``).
    static func transportSecurity(_ tls: PlatformConfig.ClientTLS?, keys: String) throws -> HTTP2ClientTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        try requireReadable([tls.caFile] + [tls.certificateChain, tls.privateKey].compactMap(\.self), keys: keys)
        let trust: TLSConfig.TrustRootsSource = .certificates([.file(path: tls.caFile, format: .pem)])
        guard let chain = tls.certificateChain, let key = tls.privateKey else {
            return .tls { $0.trustRoots = trust }
        }
        return .mTLS(certificateChain: [.file(path: chain, format: .pem)], privateKey: .file(path: key, format: .pem)) { $0.trustRoots = trust }
    }

    static func transportSecurity(_ tls: PlatformConfig.TLS?) throws -> HTTP2ServerTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        try requireReadable([tls.certificateChainPath, tls.privateKeyPath] + (tls.clientCAPath.map { [$0] } ?? []), keys: "grpc.tls.*")
        let chain: [TLSConfig.CertificateSource] = [.file(path: tls.certificateChainPath, format: .pem)]
        let key: TLSConfig.PrivateKeySource = .file(path: tls.privateKeyPath, format: .pem)
        guard let clientCA = tls.clientCAPath else { return .tls(certificateChain: chain, privateKey: key) }
        return .mTLS(certificateChain: chain, privateKey: key) { settings in
            settings.trustRoots = .certificates([.file(path: clientCA, format: .pem)])
            settings.clientCertificateVerification = .noHostnameVerification
        }
    }

    static func transportConfig(_ config: PlatformConfig, admission: CallAdmission, oversized: OversizedRequests? = nil) -> HTTP2ServerTransport.Posix.Config {
        .defaults { settings in
            // Each handler goes in first in the stream's pipeline: the gate last, so a refused
            // stream's frames stop at it. Called on the stream's event loop: one completed future.
            settings.channelDebuggingCallbacks.onAcceptHTTP2Stream = { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let oversized { try pipeline.addHandler(OversizedRequests.Watcher(registry: oversized), position: .first) }
                    try pipeline.addHandler(CallAdmission.Gate(admission: admission), position: .first)
                }
            }
            settings.http2.maxConcurrentStreams = config.maxConcurrentStreams
            settings.rpc.maxRequestPayloadSize = config.maxRequestBytes
            settings.connection.keepalive = .init(
                time: .seconds(config.keepaliveTimeSeconds), timeout: .seconds(config.keepaliveTimeoutSeconds),
                clientBehavior: .init(minPingIntervalWithoutCalls: .seconds(config.minClientPingIntervalSeconds), allowWithoutCalls: true))
            settings.connection.maxIdleTime = .seconds(config.maxConnectionIdleSeconds)
        }
    }
}

extension Logger {
    func with(module: String) -> Logger {
        var copy = self
        copy[metadataKey: "module"] = "\(module)"
        return copy
    }
}

/// Runs the gRPC server as a lifecycle service; on graceful shutdown, marks health NOT_SERVING
/// and lets in-flight calls finish.
struct GRPCServerService<Transport: ServerTransport>: Service, CustomStringConvertible {
    /// How the service group names it in its logs (the default would print every field).
    var description: String { "gRPC server \(configuredAddress)" }
    let server: GRPCServer<Transport>
    /// The port it listens on once bound (0 for the in-process transport).
    let listeningPort: @Sendable () async throws -> Int
    let health: HealthService
    /// host:port as configured, for the message when it cannot be bound.
    let configuredAddress: String
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let port: Int
            do {
                port = try await listeningPort()
            } catch {
                throw FawangError(.unavailable, "cannot listen for gRPC on \(configuredAddress): \(error). If another process holds the port, stop it or set grpc.port (0 picks a free port)")
            }
            logger.notice("gRPC listening", metadata: ["grpc.port": "\(port)"])
            await onListening(port)
            group.addTask {
                // Returns when graceful shutdown begins; throws when the group is cancelled instead.
                do { try await gracefulShutdown() } catch { return }
                logger.notice("graceful shutdown: finishing in-flight calls")
                // Health watchers first see NOT_SERVING and end; then the transport stops taking
                // new calls while those in flight finish (within `shutdown.grace_seconds`).
                await health.beginShutdown(drain: .seconds(2))
                server.beginGracefulShutdown()
            }
            try await group.waitForAll()
        }
    }
}

/// A plugin's background work as a lifecycle service. Work that ends or fails never takes the
/// host down: failures are logged, and the service then waits for shutdown, because a service
/// group treats any service ending on its own (even during shutdown) as a failure.
struct PluginWorkService: Service, CustomStringConvertible {
    var description: String { "background work of \(plugin.manifest.id)" }
    let plugin: any DepartmentPlugin
    let context: PluginContext

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await plugin.runBackgroundWork(context: context)
            }
        } catch is CancellationError {
            // Shutdown cancelled the work: its normal end.
        } catch {
            context.logger.error("background work failed; the module keeps serving calls", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
    }
}
