public import Foundation

/// The platform's decisions on a matter's clocks, as pure functions: extend a period with the
/// head's approval, stop the clocks for a reason the law excludes, resume them. Each returns the
/// change to write or why it cannot be made; the deadline service runs them inside the matter's
/// write transaction.
public enum ClockDecisions {
    /// Extends rule `ruleID`'s period by `days`, approved by `actor` (行政许可法 第四十二条,
    /// 信访工作条例 第三十四条 …: each rule's `ExtensionPolicy` names its article): only within the
    /// policy's days and times, and only before the period ends.
    public static func extend(
        _ matter: Matter, ruleID: String, days: Int, reason: String, actor: String, channel: Channel,
        engine: DeadlineEngine, now: Date
    ) throws(FawangError) -> MatterChange {
        guard let rule = engine.rule(ruleID, of: matter) else {
            throw FawangError.invalidArgument(field: "rule_id", "该事项没有编号为 \(ruleID) 的期限")
        }
        guard let policy = rule.extensions else {
            throw FawangError.failedPrecondition("「\(rule.label)」的期限（\(rule.article)）不能延长")
        }
        guard days <= policy.maxDays else {
            throw FawangError.invalidArgument(field: "days", "「\(rule.label)」最多可延长\(rule.dayType.describe(policy.maxDays))（\(policy.article)）")
        }
        guard let status = engine.statuses(of: matter, now: now).first(where: { $0.rule.id == rule.id }) else {
            throw FawangError.failedPrecondition("「\(rule.label)」的期限尚未开始计算，不能延长")
        }
        switch status.state {
        case .running, .dueSoon, .paused, .uncomputable: break
        case .overdue:
            throw FawangError.failedPrecondition("「\(rule.label)」的期限已于\(status.dueDate!)届满，延长须在期限内批准（\(policy.article)）")
        case .met, .metLate:
            throw FawangError.failedPrecondition("「\(rule.label)」已经办结，无需延长")
        }
        guard status.extensions < policy.maxTimes else {
            throw FawangError.failedPrecondition("「\(rule.label)」的期限已延长过\(status.extensions)次，不能再延长（\(policy.article)）")
        }
        return MatterChange(events: [MatterEventDraft(
            kind: PlatformEvent.deadlineExtended, actor: actor, channel: channel, note: reason,
            attributes: ["rule_id": rule.id, "days": String(days), "approved_by": actor, "article": policy.article])])
    }

    /// Stops every open period whose rule lists `reason` (a hearing, testing, expert review …).
    /// One platform stop at a time; a plugin's own stop (waiting for materials) may overlap it.
    public static func pause(
        _ matter: Matter, reason: String, note: String, actor: String, channel: Channel, engine: DeadlineEngine, now: Date
    ) throws(FawangError) -> MatterChange {
        let open = engine.statuses(of: matter, now: now).filter(\.isOpen)
        let stoppable = open.filter { $0.rule.pauseReasons.contains { $0.id == reason } }
        guard !stoppable.isEmpty else {
            let allowed = Set(open.flatMap { $0.rule.pauseReasons.map { "\($0.id)（\($0.label)）" } }).sorted()
            throw FawangError.invalidArgument(
                field: "reason",
                allowed.isEmpty ? "该事项当前没有可因法定事由中止计算的期限" : "该事项的期限可因以下事由中止计算：\(allowed.joined(separator: "、"))")
        }
        if let pause = openPause(matter) {
            throw FawangError.failedPrecondition("该事项的期限已因\(pause.attributes["reason"] ?? "其他事由")中止计算，请先恢复计算")
        }
        return MatterChange(events: [MatterEventDraft(
            kind: PlatformEvent.clockPaused, actor: actor, channel: channel, note: note,
            attributes: ["reason": reason, "rules": stoppable.map(\.rule.id).joined(separator: ",")])])
    }

    /// Resumes the platform stop in force.
    public static func resume(_ matter: Matter, note: String, actor: String, channel: Channel) throws(FawangError) -> MatterChange {
        guard let pause = openPause(matter), let reason = pause.attributes["reason"] else {
            throw FawangError.failedPrecondition("该事项没有中止计算的期限")
        }
        return MatterChange(events: [MatterEventDraft(
            kind: PlatformEvent.clockResumed, actor: actor, channel: channel, note: note, attributes: ["reason": reason])])
    }

    /// The platform stop in force, if any: the last pause not followed by a resume.
    public static func openPause(_ matter: Matter) -> MatterEvent? {
        let last = matter.timeline.last { [PlatformEvent.clockPaused, PlatformEvent.clockResumed].contains($0.kind) }
        return last?.kind == PlatformEvent.clockPaused ? last : nil
    }
}
