public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation

/// The 12348 hotline desk (热线平台): the call centre's events (offered, answered, ended,
/// abandoned) build the call log; the agent who answers is shown the caller's matters,
/// consultations and earlier calls, found by number (``HotlineService``); a call nobody answered —
/// abandoned in the queue, or offered outside the desk's hours — becomes a callback task, a
/// `hotline.callback` matter whose first event starts the platform's callback deadline
/// (`platform.callback`) and which `MatterService.CloseCallback` closes.
///
/// ## Configuration
/// - `modules.hotline.enabled` (bool, default `true`).
/// - `hours` (init parameter): the desk's staffed hours on working days, Beijing time; default
///   08:30–18:00. Calls offered outside them are after hours.
public struct HotlinePlugin: DepartmentPlugin {
    public static let moduleID = "hotline"
    let hours: ClosedRange<Int>

    /// - Parameter hours: minutes after midnight (Beijing) the desk is staffed on working days.
    public init(hours: ClosedRange<Int> = (8 * 60 + 30)...(18 * 60)) {
        self.hours = hours
    }

    public let manifest = ModuleManifest(
        id: HotlinePlugin.moduleID, nameZH: "12348热线", nameEN: "12348 hotline", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: CallbackWorkflow.matterType, nameZH: "来电回拨", nameEN: "Callback of a missed call",
                requiredFields: [], requiredMaterials: [], workflow: CallbackWorkflow.machine,
                // The callback deadline is the platform's (PlatformDeadlines.callback): it starts on
                // the task's first event and is met when CloseCallback records the callback.
                deadlines: [])
        ])

    public var rpcs: [RPCInfo] { HotlineService.rpcs.infos }

    public var migrations: [StorageMigration] { [HotlineService.migration] }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [HotlineService.rpcs.service(HotlineService(context: context, changes: DeskChanges(), hours: hours))]
    }
}

/// A callback task's two states. It is opened by an unanswered call (never by a request) and
/// closed by `MatterService.CloseCallback`, which takes the `close_callback` step.
enum CallbackWorkflow {
    static let matterType = "hotline.callback"

    static let machine = MatterWorkflow(
        initialStatus: "pending",
        statuses: ["pending": "待回拨", "called_back": "已回拨"],
        transitions: [.init(command: MatterWorkflow.closeCallbackCommand, from: ["pending"], to: "called_back", event: PlatformEvent.callbackDone)],
        eventLabels: [PlatformEvent.callbackRequired: "未接来电，待回拨", PlatformEvent.callbackDone: "已回拨"],
        // Opened by the platform and worked at once: accepted when opened, concluded by the callback.
        milestones: [:])
}
