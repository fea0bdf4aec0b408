public import FawangCore
public import FawangPluginKit
public import GRPCCore
import FawangProto
import Foundation
import Logging

/// Supervision for the justice bureaus (监管功能): statistics over every line's matters
/// (``StatisticsService``), read from the store's facts index — one row per matter derived in the
/// matter's own transaction from its timeline, its line's workflow milestones and its deadlines —
/// so no figure is kept by hand anywhere; and bulk data entry (``ImportService``): records kept
/// elsewhere, imported through each line's own intake; and public opinion (``OpinionService``):
/// the topics of the public's own words by region and period, and alerts when one rises in a county.
///
/// Who sees what: staff and department admins their division and their line; a bureau's
/// supervisors (department `supervision`) and the platform's admins every line of their division.
///
/// ## Configuration
/// - `modules.supervision.enabled` (bool, default `true`).
public struct SupervisionPlugin: DepartmentPlugin {
    public static let moduleID = "supervision"

    public init() {}

    public let manifest = ModuleManifest(
        id: SupervisionPlugin.moduleID, nameZH: "监管统计", nameEN: "Supervision and statistics", version: "1.0.0", matterTypes: [])

    public var rpcs: [RPCInfo] { StatisticsService.rpcs.infos + ImportService.rpcs.infos + OpinionService.rpcs.infos }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [
            StatisticsService.rpcs.service(StatisticsService(context: context)), ImportService.rpcs.service(ImportService(context: context)),
            OpinionService.rpcs.service(OpinionService(context: context)),
        ]
    }

    public var migrations: [StorageMigration] {
        [
            // Public opinion's alerts (``OpinionService``): one per topic, county and seven days risen.
            StorageMigration(id: "supervision-opinion-alerts", statements: [
                """
                CREATE TABLE supervision_opinion_alerts (
                    id TEXT PRIMARY KEY,
                    topic TEXT NOT NULL,
                    region_code TEXT NOT NULL,
                    from_day TEXT NOT NULL,
                    to_day TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    usual_per_week REAL NOT NULL,
                    raised_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX supervision_opinion_alerts_region ON supervision_opinion_alerts (region_code, raised_at)",
                "CREATE INDEX supervision_opinion_alerts_topic ON supervision_opinion_alerts (topic, region_code, to_day)",
            ])
        ]
    }

    /// Public opinion's spikes: looked for at start, then after every write to a matter, at most
    /// once every five seconds (``OpinionService/raiseAlerts()``).
    public func runBackgroundWork(context: PluginContext) async throws {
        let service = OpinionService(context: context)
        var changes = context.deadlines.changeSignal.changes().makeAsyncIterator()
        while !Task.isCancelled {
            do {
                for alert in try await service.raiseAlerts() {
                    context.logger.notice("opinion: alert raised", metadata: ["topic": "\(alert.topic)", "region": "\(alert.regionCode)"])
                }
            } catch is CancellationError {
                return
            } catch {
                context.logger.warning("opinion: looking for spikes failed; trying again after the next change", metadata: ["error": "\(error)"])
            }
            guard await changes.next() != nil else { return }
            try await Task.sleep(for: .seconds(5))
        }
    }
}
