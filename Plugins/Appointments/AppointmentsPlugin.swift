public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation
import Logging

/// Online appointments (网上预约) and the walk-in hall's queue (取号叫号, ``HallService``), one
/// module for every line: an office of the platform directory
/// (a public legal service centre, a legal aid centre) opens slots for a service (a matter type of
/// any line) on its working days; anyone books, cancels or moves a booking from any channel;
/// staff check visitors in; a booking not kept becomes a no-show. The confirmation and the
/// reminder go through the module's outbox, written in the booking's transaction and delivered by
/// the plugin's ``NotificationSender`` (the log by default).
///
/// ## Configuration
/// - `modules.appointments.enabled` (bool, default `true`).
/// - `sender` (init parameter): delivers confirmations and reminders; default ``LoggingSender``.
public struct AppointmentsPlugin: DepartmentPlugin {
    public static let moduleID = "appointments"
    let sender: any NotificationSender
    /// How often the outbox and the past days' open bookings are looked at.
    let interval: Duration

    public init(sender: any NotificationSender = LoggingSender(), interval: Duration = .seconds(5)) {
        self.sender = sender
        self.interval = interval
    }

    public let manifest = ModuleManifest(
        id: AppointmentsPlugin.moduleID, nameZH: "网上预约", nameEN: "Appointments", version: "1.0.0", matterTypes: [])

    public var rpcs: [RPCInfo] { AppointmentService.rpcs.infos + HallService.rpcs.infos }

    public var migrations: [StorageMigration] { [AppointmentRows.migration, HallService.migration, HallService.ticketMatters] }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        // Each host start has its own watchers of the halls (tests start several hosts in one process).
        [
            AppointmentService.rpcs.service(AppointmentService(context: context)),
            HallService.rpcs.service(HallService(context: context, changes: HallChanges())),
        ]
    }

    /// Delivers due messages and records yesterday's unkept bookings as no-shows, every `interval`.
    public func runBackgroundWork(context: PluginContext) async throws {
        let outbox = Outbox(context: context, sender: sender)
        while !Task.isCancelled {
            do {
                try await outbox.deliverDue()
                try await AppointmentService(context: context).recordPastNoShows()
            } catch is CancellationError {
                return
            } catch {
                context.logger.warning("appointments: background work failed; retrying", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: interval)
        }
    }

    /// DEMO DATA: every county's public legal service centre opens morning and afternoon slots for
    /// legal aid applications and mediation over the next ten working days, eight places each.
    public func seedDemoData(context: PluginContext) async throws {
        let today = CivilDate(context.now())
        let centres = try await context.directory.organizations(businessLine: nil, within: nil).filter { $0.kind == "service_centre" }
        var statements: [SQLStatement] = []
        for centre in centres {
            for service in ["legal-aid.application", "mediation.dispute"] where context.modules.module(forMatterType: service) != nil {
                let days = AppointmentRows.workingDays(from: today.adding(days: 1), to: today.adding(days: 20), calendar: context.deadlines.calendar).open.prefix(10)
                for day in days {
                    for period in ["09:00-12:00", "14:30-17:30"] {
                        statements.append(AppointmentRows.insertSlot(
                            office: centre, service: service, day: day, period: period, capacity: 8, by: "demo"))
                    }
                }
            }
        }
        try await context.storage.execute(statements)
    }
}
