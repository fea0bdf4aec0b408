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
/// and oversight of the legal service organisations and practitioners (``OversightService``): their
/// licence terms, annual assessments, inspections and measures, credit score and alerts;
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
        StatisticsService.rpcs.infos + ImportService.rpcs.infos + OpinionService.rpcs.infos + OversightService.rpcs.infos
            + AssessmentService.rpcs.infos
    }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [
            StatisticsService.rpcs.service(StatisticsService(context: context)), ImportService.rpcs.service(ImportService(context: context)),
            OpinionService.rpcs.service(OpinionService(context: context)), OversightService.rpcs.service(OversightService(context: context)),
            AssessmentService.rpcs.service(AssessmentService(context: context)),
        ]
    }

    /// A few oversight records for the demo registers, dated from today so that each kind of alert
    /// shows: a notary office's licence ending in 45 days, an appraisal institution past its day
    /// to rectify, a firm's assessment of 基本合格, a lawyer's 通报批评.
    public func seedDemoData(context: PluginContext) async throws {
        let today = CivilDate(context.now()), at = context.now().formatted(.iso8601)
        let lastYear = Int64(today.components.year - 1)
        func day(_ offset: Int) -> SQLValue { .text(today.adding(days: offset).description) }
        try await context.storage.execute([
            SQLStatement(
                "INSERT INTO supervision_licence_terms (entry_id, valid_until, recorded_by, recorded_at) VALUES (?, ?, 'demo', ?)",
                [.text("notary_office/np-640100-1"), day(45), .text(at)]),
            SQLStatement(
                "INSERT INTO supervision_assessments (entry_id, year, result, note, recorded_on, recorded_by) VALUES (?, ?, ?, ?, ?, 'demo')",
                [.text("law_firm/36401201810002"), .integer(lastYear), .text(AnnualAssessmentResult.basic.rawValue), .text("内部管理制度不健全（演示）"), day(-200)]),
            SQLStatement(
                "INSERT INTO supervision_assessments (entry_id, year, result, note, recorded_on, recorded_by) VALUES (?, ?, ?, '', ?, 'demo')",
                [.text("law_firm/36401201510001"), .integer(lastYear), .text(AnnualAssessmentResult.pass.rawValue), day(-200)]),
            SQLStatement(
                """
                INSERT INTO supervision_inspections (id, entry_id, day, kind, result, findings, rectify_by, recorded_by, recorded_at)
                VALUES ('jc-demo-1', ?, ?, ?, ?, ?, ?, 'demo', ?)
                """,
                [.text("appraisal_institution/ja-640100-2"), day(-40), .text(InspectionKind.random.rawValue), .text(InspectionResult.rectify.rawValue),
                 .text("鉴定档案未按规定归档，收费标准未公示（演示）"), day(-10), .text(at)]),
            SQLStatement(
                """
                INSERT INTO supervision_measures (id, entry_id, decided_on, kind, basis, reason, until, recorded_by, recorded_at)
                VALUES ('cf-demo-1', ?, ?, ?, ?, ?, NULL, 'demo', ?)
                """,
                [.text("lawyer/16401201910000004"), day(-120), .text(MeasureKind.criticism.rawValue), .text("《律师协会会员违规行为处分规则（试行）》"),
                 .text("在执业推广中作不实宣传（演示）"), .text(at)]),
        ])
    }

    /// The bureaus' records about the directory's entries (``OversightService``).
    public func oversightRecords(context: PluginContext) async throws -> [String: OversightRecord] {
        try await OversightService.records(context.storage)
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
            // Oversight of organisations and practitioners (``OversightService``), by directory id.
            StorageMigration(id: "supervision-oversight", statements: [
                """
                CREATE TABLE supervision_licence_terms (
                    entry_id TEXT PRIMARY KEY,
                    valid_until TEXT NOT NULL,
                    recorded_by TEXT NOT NULL,
                    recorded_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE supervision_assessments (
                    entry_id TEXT NOT NULL,
                    year INTEGER NOT NULL,
                    result TEXT NOT NULL,
                    note TEXT NOT NULL,
                    recorded_on TEXT NOT NULL,
                    recorded_by TEXT NOT NULL,
                    PRIMARY KEY (entry_id, year)
                )
                """,
                """
                CREATE TABLE supervision_inspections (
                    id TEXT PRIMARY KEY,
                    entry_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    result TEXT NOT NULL,
                    findings TEXT NOT NULL,
                    rectify_by TEXT,
                    recorded_by TEXT NOT NULL,
                    recorded_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX supervision_inspections_entry ON supervision_inspections (entry_id, day)",
                """
                CREATE TABLE supervision_measures (
                    id TEXT PRIMARY KEY,
                    entry_id TEXT NOT NULL,
                    decided_on TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    basis TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    until TEXT,
                    recorded_by TEXT NOT NULL,
                    recorded_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX supervision_measures_entry ON supervision_measures (entry_id, decided_on)",
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
    /// monthly bulletins, last month's made where missing two minutes after start and whenever the
    /// month has turned since the last look (``AssessmentService/generateLastMonth()``).
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
    /// The first look waits this long after start (or for a write in a new month): printing up to
    /// six PDFs is kept out of the host's start-up, when every module is getting ready.
    static let bulletinStartDelay: Duration = .seconds(120)

    /// Looks two minutes after start, then once an hour — or at a write to a matter, when the month
    /// by the platform's clock is no longer the one last looked at (comparing two months costs
    /// nothing; the archive is read only when the month turned or the wait is up). A failed look
    /// (no wkhtmltopdf) is logged and tried again at the next hour.
    static func generateBulletins(context: PluginContext) async throws {
        let service = AssessmentService(context: context)
        var wait = bulletinStartDelay
        while !Task.isCancelled {
            let (month, interval) = (CivilDate(context.now()).monthStart(), wait)
            // Whichever comes first: the wait, or a write to a matter once the month has turned.
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try? await Task.sleep(for: interval)
                    return true
                }
                group.addTask {
                    for await _ in context.deadlines.changeSignal.changes() where CivilDate(context.now()).monthStart() != month { return true }
                    return false  // no more changes (shutting down): the wait decides
                }
                while let woke = await group.next() {
                    if woke { break }
                }
                group.cancelAll()
            }
            if Task.isCancelled { return }
            do {
                _ = try await service.generateLastMonth()  // each bulletin made is logged by its publication
            } catch is CancellationError {
                return
            } catch {
                context.logger.warning("assessment: generating last month's bulletins failed; trying again in an hour", metadata: ["error": "\(error)"])
            }
            wait = bulletinCheckInterval
        }
    }
}
