import Synchronization

/// The modules this host carries, which gRPC services each contributes, and which are switched on.
///
/// Services of every module are registered with the gRPC server once (its routing table is fixed
/// at start); the registry is what the module gate, the health service and discovery consult on
/// every call, and what a config reload updates. Reads are lock-protected snapshots, so a switch
/// never tears a call already running.
public final class ModuleRegistry: Sendable {
    public struct Module: Sendable {
        public var manifest: ModuleManifest
        /// Fully qualified gRPC service names, e.g. `fawang.legalaid.v1.LegalAidService`.
        public var serviceNames: [String]
        public var enabled: Bool
        /// False while the process of an external plugin is down or refused (its calls answer
        /// `UNAVAILABLE`, health reads `NOT_SERVING`); a compiled-in module is always reachable.
        public var reachable = true
        /// Why it is not reachable, for the admin's module list and the log.
        public var unreachableReason = ""
    }

    private struct State {
        var modules: [Module] = []
        /// Module id → division code → switch (`modules.<id>.regions.<division>.enabled`).
        var regionSwitches: [String: [String: Bool]] = [:]
        var moduleByService: [String: String] = [:]
        var watchers: [Int: AsyncStream<[Module]>.Continuation] = [:]
        var nextWatcherID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a module, initially switched on or off. Ids and service names must be unique.
    public func register(_ manifest: ModuleManifest, serviceNames: [String], enabled: Bool) {
        state.withLock { state in
            precondition(!state.modules.contains { $0.manifest.id == manifest.id }, "module \(manifest.id) registered twice")
            for name in serviceNames {
                precondition(state.moduleByService[name] == nil, "service \(name) registered by two modules")
                state.moduleByService[name] = manifest.id
            }
            state.modules.append(Module(manifest: manifest, serviceNames: serviceNames, enabled: enabled))
        }
    }

    public var modules: [Module] { state.withLock { $0.modules } }

    /// Marks an external plugin's module up or down (with why), notifying watchers on a change.
    public func setReachable(_ id: String, _ reachable: Bool, reason: String = "") {
        update(id) { module in
            module.reachable = reachable
            module.unreachableReason = reachable ? "" : reason
        }
    }

    /// Records the version an external plugin's rolling update brought, notifying watchers.
    public func setVersion(_ id: String, _ version: String) {
        update(id) { $0.manifest.version = version }
    }

    /// Changes one module, telling watchers when anything they see changed.
    private func update(_ id: String, _ change: (inout Module) -> Void) {
        let (changed, snapshot, watchers) = state.withLock { state -> (Bool, [Module], [AsyncStream<[Module]>.Continuation]) in
            guard let index = state.modules.firstIndex(where: { $0.manifest.id == id }) else { return (false, [], []) }
            let before = state.modules[index]
            change(&state.modules[index])
            let after = state.modules[index]
            guard before.reachable != after.reachable || before.unreachableReason != after.unreachableReason
                || before.manifest.version != after.manifest.version else { return (false, [], []) }
            return (true, state.modules, Array(state.watchers.values))
        }
        if changed { for watcher in watchers { watcher.yield(snapshot) } }
    }

    /// The ids of the modules that handle matters (the business lines, switched on or not): what
    /// statistics, assessments and audiences range over.
    public var matterLines: [String] { modules.filter { !$0.manifest.matterTypes.isEmpty }.map(\.manifest.id) }

    public func module(id: String) -> Module? { state.withLock { s in s.modules.first { $0.manifest.id == id } } }

    /// The module declaring matter type `id`, with the type.
    public func module(forMatterType id: String) -> (module: Module, type: MatterTypeSpec)? {
        for module in modules {
            if let type = module.manifest.matterType(id) { return (module, type) }
        }
        return nil
    }

    /// The module that owns a gRPC service, or nil for platform services.
    public func module(forService serviceName: String) -> Module? {
        state.withLock { s in
            guard let id = s.moduleByService[serviceName] else { return nil }
            return s.modules.first { $0.manifest.id == id }
        }
    }

    public func isEnabled(_ id: String) -> Bool { module(id: id)?.enabled ?? false }

    /// Whether module `id` serves matters of `regionCode`: switched on globally, and in the
    /// division by its own switch, else its city's, else its province's (a county inherits what
    /// is not set for it).
    public func isEnabled(_ id: String, in regionCode: String) -> Bool {
        state.withLock { state in
            guard state.modules.first(where: { $0.manifest.id == id })?.enabled == true else { return false }
            return Self.regionSetting(state.regionSwitches[id] ?? [:], regionCode) ?? true
        }
    }

    /// The switch that applies to `regionCode`: its own, its city's or its province's.
    static func regionSetting(_ switches: [String: Bool], _ regionCode: String) -> Bool? {
        guard !switches.isEmpty, regionCode.count == 6 else { return nil }
        let chain = [regionCode, String(regionCode.prefix(4)) + "00", String(regionCode.prefix(2)) + "0000"]
        for code in chain { if let setting = switches[code] { return setting } }
        return nil
    }

    /// The divisions with a switch of their own, per module (for the admin's view).
    public var regionSwitches: [String: [String: Bool]] { state.withLock { $0.regionSwitches } }

    /// Applies switches by module id; ids not in `switches` keep their state. Returns the ids
    /// whose state changed and notifies watchers if any did.
    /// `regions` (module id → division → switch) replaces every module's regional switches when
    /// given; a module whose regional switches changed counts as changed.
    @discardableResult
    public func apply(switches: [String: Bool], regions: [String: [String: Bool]]? = nil) -> [String] {
        let (changed, snapshot, watchers) = state.withLock { state -> ([String], [Module], [AsyncStream<[Module]>.Continuation]) in
            var changed: [String] = []
            if let regions {
                for module in state.modules {
                    let id = module.manifest.id
                    if (state.regionSwitches[id] ?? [:]) != (regions[id] ?? [:]) { changed.append(id) }
                }
                state.regionSwitches = regions.filter { !$0.value.isEmpty }
            }
            for index in state.modules.indices {
                let id = state.modules[index].manifest.id
                if let wanted = switches[id], wanted != state.modules[index].enabled {
                    state.modules[index].enabled = wanted
                    if !changed.contains(id) { changed.append(id) }
                }
            }
            return (changed, state.modules, Array(state.watchers.values))
        }
        if !changed.isEmpty {
            for watcher in watchers { watcher.yield(snapshot) }
        }
        return changed
    }

    /// Sends the current modules to every watcher, e.g. when something outside the registry that
    /// watchers derive from (the host shutting down) changed.
    public func notifyWatchers() {
        let (snapshot, watchers) = state.withLock { ($0.modules, Array($0.watchers.values)) }
        for watcher in watchers { watcher.yield(snapshot) }
    }

    /// The current modules, then the modules after every change, until the consumer stops.
    public func updates() -> AsyncStream<[Module]> {
        let (stream, continuation) = AsyncStream<[Module]>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[id] = continuation
            continuation.yield(state.modules)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Throws `UNAVAILABLE` naming the module if `id` is switched off: its matters stay readable
    /// but nothing may change them, whichever service is asked.
    public func requireEnabled(_ id: String) throws(FawangError) {
        guard let module = module(id: id), !module.enabled else { return }
        throw Self.switchedOff(module)
    }

    /// As ``requireEnabled(_:)`` for a matter of `regionCode`: `UNAVAILABLE` naming the module
    /// and the division when it is switched off there.
    public func requireEnabled(_ id: String, in regionCode: String) throws(FawangError) {
        try requireEnabled(id)
        guard let module = module(id: id), !isEnabled(id, in: regionCode) else { return }
        throw FawangError(.unavailable, "「\(module.manifest.nameZH)」在该地区（\(regionCode)）暂停网上和窗口受理、办理（已有事项可以查询）；请拨打12348咨询或到上级司法行政机关办理")
    }

    /// The answer while an external plugin's process is down (``Module/reachable``), or a call to
    /// it met it down.
    public static func interrupted(_ nameZH: String) -> FawangError {
        FawangError(.unavailable, "「\(nameZH)」服务暂时中断，正在恢复，请稍后再试")
    }

    public static func switchedOff(_ module: Module) -> FawangError {
        FawangError(.unavailable, "模块「\(module.manifest.nameZH)」(\(module.manifest.id)) 已停用，暂不办理此类业务（已有事项可以查询）；请稍后再试或拨打12348咨询")
    }
}
