import Synchronization

/// Whether the platform may change what it holds: open normally, closed when the audit trail does
/// not verify (`audit.on_broken_chain: read_only` at start-up, or a break found while running).
///
/// A closed gate keeps the database as the investigation found it: submissions, workflow steps,
/// module records, directory and account changes are refused with `FAILED_PRECONDITION`. What a
/// read-only host still writes is what reading needs and what must stay accountable: sign-in
/// (sessions, failed attempts and lockouts), the audit entries of reads (unmasked personal data),
/// and the deadline index, which is derived from the matters and holds nothing of its own. The
/// signed audit checkpoint never moves over a broken trail.
public final class WriteGate: Sendable {
    private let closed = Mutex<String?>(nil)

    public init() {}

    /// The message every refused change answers with: the public and clerks see it.
    public static let refusal = "平台当前处于只读状态（审计记录校验未通过，待管理员核查），暂停受理和办理业务；进度查询、信息查阅不受影响。请稍后再试，或拨打12348咨询。"

    /// Closes the gate; `reason` (English, for operators) is what the logs and metrics name.
    /// Returns false if it was already closed.
    @discardableResult
    public func close(reason: String) -> Bool {
        closed.withLock { state in
            guard state == nil else { return false }
            state = reason
            return true
        }
    }

    /// Why the gate is closed, or nil while it is open.
    public var closedReason: String? { closed.withLock { $0 } }

    public var isOpen: Bool { closedReason == nil }

    /// Throws `FAILED_PRECONDITION` with ``refusal`` while closed: call before a change's transaction.
    public func check() throws(FawangError) {
        if !isOpen { throw FawangError(.failedPrecondition, Self.refusal) }
    }
}
