public import Foundation

/// Front desk accepts, back office handles: moving a matter filed under the wrong line to the
/// line that handles it, as a pure decision. The matter keeps its tracking number and timeline;
/// the receiving type's intake turns its content into the new line's details, it restarts in
/// that workflow's initial status, and the transfer event records both lines (the presenter
/// labels earlier events by the line they happened under; the receiving line's clocks that list
/// `transferred` among their start events start on receipt).
public enum MatterTransfer {
    /// The type's intake of transferred matters, or why it takes none.
    public static func requireIntake(_ spec: MatterTypeSpec) throws(FawangError) -> @Sendable (TransferIntake) -> Data {
        guard let intake = spec.transferIntake else {
            throw FawangError.failedPrecondition("「\(spec.nameZH)」不接收其他业务条线转来的事项，请引导当事人另行申请")
        }
        return intake
    }

    /// - Parameters:
    ///   - source: the sending line's manifest (nil when its module is no longer on this host).
    ///   - target: the receiving line and the matter type that takes the matter in.
    public static func decide(
        _ matter: Matter, source: ModuleManifest?, target: ModuleManifest, type spec: MatterTypeSpec,
        reason: String, actor: String, channel: Channel
    ) throws(FawangError) -> MatterChange {
        let intake = try requireIntake(spec)
        guard matter.businessLine != target.id else {
            throw FawangError.failedPrecondition("该事项已属于「\(target.nameZH)」，无需转办")
        }
        if let workflow = source?.matterType(matter.matterType)?.workflow, workflow.terminalStatuses.contains(matter.status) {
            throw FawangError.failedPrecondition("该事项已办结（\(workflow.label(ofStatus: matter.status))），不能转办")
        }
        let details = intake(TransferIntake(matter: matter, fromLine: matter.businessLine, fromLineName: source?.nameZH ?? matter.businessLine, reason: reason))
        return MatterChange(
            newStatus: spec.workflow.initialStatus,
            events: [MatterEventDraft(
                kind: PlatformEvent.transferred, actor: actor, channel: channel, note: reason,
                attributes: [
                    "from_line": matter.businessLine, "from_type": matter.matterType, "to_line": target.id, "to_type": spec.id,
                    "previous_details": String(decoding: matter.details, as: UTF8.self),
                ])],
            details: details, transfer: (target.id, spec.id))
    }
}
