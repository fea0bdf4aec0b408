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
/// the topics of the public's own words by region and period, and alerts when one rises in a county;
/// and assessment (``AssessmentService``): a monthly score per line and division from the bureau's
/// declared indicators (``AssessmentIndicators``), and the monthly bulletin, archived as HTML and PDF.
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

    public var rpcs: [RPCInfo] {
        StatisticsService.rpcs.infos + ImportService.rpcs.infos + OpinionService.rpcs.infos + AssessmentService.rpcs.infos
    }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [
            StatisticsService.rpcs.service(StatisticsService(context: context)), ImportService.rpcs.service(ImportService(context: context)),
            OpinionService.rpcs.service(OpinionService(context: context)), AssessmentService.rpcs.service(AssessmentService(context: context)),
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
            ]),
            // The monthly bulletins (``AssessmentService``): one per month and division, both files.
            StorageMigration(id: "supervision-bulletins", statements: [
                """
                CREATE TABLE supervision_bulletins (
                    id TEXT PRIMARY KEY,
                    month TEXT NOT NULL,
                    region_code TEXT NOT NULL,
                    title TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    html BLOB NOT NULL,
                    pdf BLOB NOT NULL,
                    generated_at TEXT NOT NULL,
                    generated_by TEXT NOT NULL,
                    UNIQUE (month, region_code)
                )
                """,
                "CREATE INDEX supervision_bulletins_region ON supervision_bulletins (region_code, month)",
            ]),
        ]
    }

    /// Two loops side by side: public opinion's spikes, looked for at start, then after every write
    /// to a matter, at most once every five seconds (``OpinionService/raiseAlerts()``); and the
    /// monthly bulletins, last month's made where missing at start and whenever the month has
    /// turned since the last look (``AssessmentService/generateLastMonth()``).
    public func runBackgroundWork(context: PluginContext) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.watchOpinion(context: context) }
            group.addTask { try await Self.generateBulletins(context: context) }
            try await group.waitForAll()
        }
    }

    static func watchOpinion(context: PluginContext) async throws {
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

    /// How often the bulletins' loop looks at the clock when nothing is written.
    static let bulletinCheckInterval: Duration = .seconds(3600)

    /// Looks at start, then once an hour — or at a write to a matter, when the month by the
    /// platform's clock is no longer the one last looked at (comparing two months costs nothing;
    /// the archive is read only when the month turned or the hour is up). A failed look (no
    /// wkhtmltopdf) is logged and tried again at the next hour.
    static func generateBulletins(context: PluginContext) async throws {
        let service = AssessmentService(context: context)
        while !Task.isCancelled {
            let month = CivilDate(context.now()).monthStart()
            do {
                _ = try await service.generateLastMonth()  // each bulletin made is logged by its publication
            } catch is CancellationError {
                return
            } catch {
                context.logger.warning("assessment: generating last month's bulletins failed; trying again in an hour", metadata: ["error": "\(error)"])
            }
            // Whichever comes first: the hour, or a write to a matter once the month has turned.
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try? await Task.sleep(for: bulletinCheckInterval)
                    return true
                }
                group.addTask {
                    for await _ in context.deadlines.changeSignal.changes() where CivilDate(context.now()).monthStart() != month { return true }
                    return false  // no more changes (shutting down): the hour decides
                }
                while let woke = await group.next() {
                    if woke { break }
                }
                group.cancelAll()
            }
        }
    }
}
