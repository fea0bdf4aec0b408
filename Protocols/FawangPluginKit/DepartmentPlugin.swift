public import FawangCore
public import Foundation
public import GRPCCore
public import Logging
import Synchronization

/// A department's business line, compiled into the host and switched on or off at run time.
///
/// A plugin says what it is (its ``ModuleManifest``: id, names, version, the matter types it
/// handles with their workflows and deadlines), declares its RPCs once in a table (``RPC``), owns
/// its storage migrations, may seed demo data and run background work, and lists the problems it
/// helps with for service guidance.
///
/// The host registers every plugin's services once at start. A module-gate interceptor rejects
/// calls to a switched-off module with `UNAVAILABLE`; the plugin itself never checks its switch.
///
/// ## Adding a department
/// A folder under `Plugins/`, its `.proto` under `Protocols/proto/fawang/<area>/v1/`, one line in
/// the host's `PluginCatalog`, its tests. See `docs/plugin-authoring.md`.
///
/// ## Example
/// ```swift
/// public struct NotarizationPlugin: DepartmentPlugin {
///     public init() {}
///     public let manifest = ModuleManifest(id: "notarization", nameZH: "公证", nameEN: "Notarization",
///                                          version: "1.0.0", matterTypes: [...])
///     public var rpcs: [RPCInfo] { NotarizationService.rpcs.infos }
///     public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
///         [NotarizationService.rpcs.service(NotarizationService(context: context))]
///     }
/// }
/// ```
public protocol DepartmentPlugin: Sendable {
    var manifest: ModuleManifest { get }

    /// The plugin's RPC table (``RPCTable/infos``): every method once, with its access policy and
    /// command-line verb. The host derives the service names, access policies and rate-limited
    /// methods from it.
    var rpcs: [RPCInfo] { get }

    /// Schema changes for the module's own tables, in order. Default: none.
    var migrations: [StorageMigration] { get }

    /// The services, built once when the host starts (``RPCTable/service(_:)``).
    func makeServices(context: PluginContext) -> [any RegistrableRPCService]

    /// Demo records for a fresh data directory (after the platform's own demo directory exists).
    func seedDemoData(context: PluginContext) async throws

    /// A few sample matters for a demo (`demo.sample_matters`), some submitted days ago so that
    /// deadline alerts and escalation show at once. Default: none.
    func seedSampleMatters(context: PluginContext) async throws

    /// Long-running work (reminders, synchronisation). Runs until cancelled at shutdown.
    func runBackgroundWork(context: PluginContext) async throws

    /// The organisations and people of the module's register, as the public directory shows them
    /// (法律服务组织机构及人员信息查找), with their licence status and disciplinary records. Read on
    /// request, so the directory shows a licence decision at once. Default: none.
    func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry]

    /// What the module records about other registers' entries (机构监管: licence terms, annual
    /// assessments, inspections, measures), by directory id; the directory lays each over its
    /// entry (``DirectoryEntry/apply(_:today:)``). Default: none.
    func oversightRecords(context: PluginContext) async throws -> [String: OversightRecord]
}

extension DepartmentPlugin {
    public var migrations: [StorageMigration] { [] }
    public func seedDemoData(context: PluginContext) async throws {}
    public func seedSampleMatters(context: PluginContext) async throws {}
    public func runBackgroundWork(context: PluginContext) async throws {}
    public func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry] { [] }
    public func oversightRecords(context: PluginContext) async throws -> [String: OversightRecord] { [:] }

    /// Fully qualified names of the gRPC services the plugin serves, from its RPC table: the host
    /// routes calls of these services through this module's switch.
    public var serviceNames: [String] {
        var names: [String] = []
        for rpc in rpcs where !names.contains(rpc.descriptor.service.fullyQualifiedService) {
            names.append(rpc.descriptor.service.fullyQualifiedService)
        }
        return names
    }

    /// Who may call each method (`package.Service/Method`), from the RPC table.
    public var accessPolicies: [String: AccessPolicy] {
        Dictionary(uniqueKeysWithValues: rpcs.map { ($0.fullyQualifiedMethod, $0.policy) })
    }
}

/// What the platform gives a plugin: storage behind Core's interfaces, the shared presenter of
/// matters, a logger and the clock.
public struct PluginContext: Sendable {
    /// The module's Chinese name, for messages ("不是公证事项").
    public var lineName: String
    public var matters: any MatterStore
    public var directory: any DirectoryStore
    /// The module's own tables.
    public var storage: any ModuleStorage
    public var presenter: MatterPresenter
    /// The legal clocks: working-day calendar and every matter's deadlines.
    public var deadlines: DeadlineEngine
    /// Every module's manifest and switches, read-only to a plugin (a cross-line service such as
    /// appointments names other lines' matter types).
    public var modules: ModuleRegistry
    public var logger: Logger
    public var now: @Sendable () -> Date
    /// The law library, to search and cite (a consultation's answer suggests articles); nil
    /// where the host has none.
    public var laws: (any LawIndex)?
    /// Every line's public intakes, to file one for the caller (a booking that brings its
    /// application); nil where the host has none.
    public var intakes: Intakes?
    /// The public directory as composed now (every enabled line's register with the bureaus'
    /// records laid over it), to read across registers (oversight); nil where the host has none.
    public var registers: Registers?

    public init(
        lineName: String, matters: any MatterStore, directory: any DirectoryStore, storage: any ModuleStorage,
        presenter: MatterPresenter, deadlines: DeadlineEngine, modules: ModuleRegistry, logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.modules = modules
        self.lineName = lineName
        self.deadlines = deadlines
        self.matters = matters
        self.directory = directory
        self.storage = storage
        self.presenter = presenter
        self.logger = logger
        self.now = now
    }
}

/// Every register's entries as the host's public directory composes them, given to the plugins
/// once the directory exists (it is made from the plugins' contexts).
public final class Registers: Sendable {
    private let compose = Mutex<(@Sendable () async throws -> [DirectoryEntry])?>(nil)

    public init() {}

    /// Set by the host once its directory exists.
    public func provide(_ body: @escaping @Sendable () async throws -> [DirectoryEntry]) {
        compose.withLock { $0 = body }
    }

    /// Every entry of every enabled line in its division, with the bureaus' records laid over it.
    public func entries() async throws -> [DirectoryEntry] {
        guard let body = compose.withLock({ $0 }) else { throw FawangError(.unavailable, "目录尚未就绪，请稍后再试") }
        return try await body()
    }
}
