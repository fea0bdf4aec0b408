import FawangCore
import Foundation
import Logging
import ServiceLifecycle

/// Escalates overdue matters to the supervising bureau (a county's to its city, a city's to the
/// province): every `deadlines.scan_seconds` it reads the overdue, not yet escalated limits from
/// the deadline index and records an `escalated` event on each matter, in the matter's own
/// transaction. The event puts the matter in the supervising bureau's queue
/// (`DeadlineService/ListEscalations`) until the limit is met.
struct DeadlineEscalator: Service, CustomStringConvertible {
    var description: String { "deadline escalator" }
    let matters: any MatterStore
    /// While closed (read-only host) no scan runs: escalating is a change like any other.
    let writes: WriteGate
    let engine: DeadlineEngine
    let now: @Sendable () -> Date
    let interval: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        if writes.isOpen { try await escalateOverdue() }
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        logger.error("deadline escalation scan failed; retrying at the next scan", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Shutdown.
        }
        try? await gracefulShutdown()
    }

    /// One scan; returns how many matters it escalated.
    @discardableResult
    func escalateOverdue() async throws -> Int {
        let today = CivilDate(now())
        let overdue = try await matters.deadlineAlerts(DeadlineAlertQuery(unescalatedOverdueOnly: true, today: today, limit: 500))
        var escalated = 0
        for alert in overdue {
            guard let number = TrackingNumber(alert.trackingNumber) else { continue }
            let engine = engine
            let instant = now()
            let matter = try await matters.update(trackingNumber: number, at: instant) { matter in
                // Re-checked inside the transaction: the limit may have been met since the scan read.
                guard let status = engine.statuses(of: matter, now: instant).first(where: { $0.rule.id == alert.ruleID }),
                    status.state == .overdue, let due = status.dueDate,
                    !matter.timeline.contains(where: { $0.kind == PlatformEvent.escalated && $0.attributes["rule_id"] == alert.ruleID })
                else { return .none }
                let supervisor = DivisionCode.supervisor(of: matter.regionCode)
                return MatterChange(events: [MatterEventDraft(
                    kind: PlatformEvent.escalated, actor: "system", channel: .api,
                    note: "「\(status.rule.label)」的期限（\(status.rule.article)）已于\(due)届满，报上级司法行政机关督办",
                    attributes: ["rule_id": alert.ruleID, "to_region": supervisor, "due_date": due.description])])
            }
            if matter.timeline.last?.kind == PlatformEvent.escalated, matter.timeline.last?.attributes["rule_id"] == alert.ruleID {
                escalated += 1
                logger.notice("overdue matter escalated", metadata: [
                    "matter.id": "\(matter.id)", "rule": "\(alert.ruleID)", "to_region": "\(matter.timeline.last!.attributes["to_region"] ?? "")",
                ])
            }
        }
        return escalated
    }
}
