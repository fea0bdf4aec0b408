public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation

/// Supervision for the justice bureaus (监管功能): statistics over every line's matters
/// (``StatisticsService``), read from the store's facts index — one row per matter derived in the
/// matter's own transaction from its timeline, its line's workflow milestones and its deadlines —
/// so no figure is kept by hand anywhere; and bulk data entry (``ImportService``): records kept
/// elsewhere, imported through each line's own intake.
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

    public var rpcs: [RPCInfo] { StatisticsService.rpcs.infos + ImportService.rpcs.infos }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [StatisticsService.rpcs.service(StatisticsService(context: context)), ImportService.rpcs.service(ImportService(context: context))]
    }
}
