import FawangCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Applies edits of the config file to the running host: checks the file every
/// `config.reload_interval_ms` and at once on SIGHUP. A valid file switches modules (and the log
/// level) without a restart and without touching calls in flight; an invalid one is refused with
/// its key and reason in the log, and the running config stays. So is a file that was emptied or
/// deleted (``PlatformConfig/reload(path:)``): the last good config stays until the file is
/// valid again.
final class ConfigWatcher: Service {
    private let path: String
    private let registry: ModuleRegistry
    private let logLevel: LogLevelControl
    private let logger: Logger
    private let state: Mutex<(config: PlatformConfig, fingerprint: Data?)>
    /// Applies the live settings that are not the registry's (the deadline calendar), after each
    /// accepted reload; refusals are its to log.
    private let onReload: @Sendable (PlatformConfig) async -> Void

    init(
        path: String, initial: PlatformConfig, registry: ModuleRegistry, logLevel: LogLevelControl, logger: Logger,
        onReload: @escaping @Sendable (PlatformConfig) async -> Void = { _ in }
    ) {
        self.path = path
        self.registry = registry
        self.logLevel = logLevel
        self.logger = logger
        self.onReload = onReload
        self.state = Mutex((initial, Self.fingerprint(path, initial)))
    }

    var current: PlatformConfig { state.withLock { $0.config } }

    func run() async throws {
        let interval = Duration.milliseconds(current.reloadIntervalMilliseconds)
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Shutdown cancels the sleep: stop there, without one more read of the file.
                    while (try? await Task.sleep(for: interval)) != nil {
                        await self.check(trigger: "poll")
                    }
                }
                group.addTask {
                    for await _ in signals {
                        await self.check(trigger: "SIGHUP", force: true)
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Re-reads the file if it changed (or always, when `force`), and applies it if valid.
    func check(trigger: String, force: Bool = false) async {
        let previous = state.withLock { $0 }
        let fingerprint = Self.fingerprint(path, previous.config)
        guard force || fingerprint != previous.fingerprint else { return }
        let next: PlatformConfig
        do {
            next = try PlatformConfig.reload(path: path)
        } catch {
            state.withLock { $0.fingerprint = fingerprint }
            logger.error("config file refused; the running config stays", metadata: [
                "config.path": "\(path)", "config.key": "\(error.key)", "config.reason": "\(error.reason)", "trigger": "\(trigger)",
            ])
            return
        }
        state.withLock { $0 = (next, Self.fingerprint(path, next)) }
        for key in PlatformConfig.keys where !key.live {
            if key.current(previous.config) != key.current(next) {
                logger.warning("config key changed but applies only after a restart", metadata: ["config.key": "\(key.path)"])
            }
        }
        if let level = Logger.Level(rawValue: next.logLevel) { logLevel.level = level }
        var switches: [String: Bool] = [:]
        for module in registry.modules { switches[module.manifest.id] = next.isModuleEnabled(module.manifest.id) }
        for unknown in Set(next.moduleSwitches.keys).union(next.moduleRegionSwitches.keys).subtracting(switches.keys).sorted() {
            logger.warning("config names a module this host does not carry", metadata: ["config.key": "modules.\(unknown).enabled"])
        }
        let changed = registry.apply(switches: switches, regions: next.moduleRegionSwitches)
        for id in changed {
            logger.notice("module switched", metadata: ["module": "\(id)", "enabled": "\(registry.isEnabled(id))", "trigger": "\(trigger)"])
        }
        await onReload(next)
        logger.info("config reloaded", metadata: ["config.path": "\(path)", "trigger": "\(trigger)"])
    }

    /// Content hashes of the config file and the calendar file it names: an edit of either, even
    /// within the same second, shows.
    private static func fingerprint(_ path: String, _ config: PlatformConfig) -> Data? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let calendar = config.calendarFile.flatMap { FileManager.default.contents(atPath: $0) } ?? Data()
        return Data((RequestDigest.sha256Hex(data) + RequestDigest.sha256Hex(calendar)).utf8)
    }
}
