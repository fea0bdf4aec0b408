import FawangCore
import Foundation
import Testing

/// The platform's clock and transfer decisions, pure and server-free.
@Suite struct ClockAndTransferDecisionTests {
    static let law = "《中华人民共和国行政许可法》"
    /// 行政许可法 第四十二条: 20 days, extendable once by 10 with the head's approval; 第四十五条:
    /// hearings do not count.
    static let decision = DeadlineRule(
        id: "drill.decision", label: "作出决定", article: law + "第四十二条", days: 20, startsOn: ["submitted"], metBy: ["decided"],
        pauseReasons: [.hearing], extensions: ExtensionPolicy(maxTimes: 1, maxDays: 10, article: law + "第四十二条"))
    static let workflow = MatterWorkflow(
        initialStatus: "submitted", statuses: ["submitted": "待决定", "decided": "已决定"],
        transitions: [.init(command: "decide", from: ["submitted"], to: "decided", event: "decided")],
        eventLabels: ["submitted": "提交", "decided": "决定"])
    static let drill = ModuleManifest(id: "drill", nameZH: "演练", nameEN: "Drill", version: "1", matterTypes: [
        MatterTypeSpec(id: "drill.case", nameZH: "演练", nameEN: "Drill", requiredFields: [], requiredMaterials: [], workflow: workflow, deadlines: [decision]),
    ])
    static let other = ModuleManifest(id: "other", nameZH: "他线", nameEN: "Other", version: "1", matterTypes: [
        MatterTypeSpec(
            id: "other.case", nameZH: "他线事项", nameEN: "Other", requiredFields: [], requiredMaterials: [], workflow: workflow, deadlines: [],
            transferIntake: { intake in Data("{\"from\":\"\(intake.fromLineName)\"}".utf8) }),
        MatterTypeSpec(id: "other.closed", nameZH: "不收转办", nameEN: "Closed", requiredFields: [], requiredMaterials: [], workflow: workflow, deadlines: []),
    ])

    let engine: DeadlineEngine = {
        let registry = ModuleRegistry()
        registry.register(ClockAndTransferDecisionTests.drill, serviceNames: [], enabled: true)
        return DeadlineEngine(registry: registry, calendar: .builtIn)
    }()

    func matter(status: String = "submitted", submitted: Date, events: [String] = []) -> Matter {
        let kinds = ["submitted"] + events
        return Matter(
            id: "m", trackingNumber: .random(), businessLine: "drill", matterType: "drill.case", status: status,
            applicant: Person(name: "a", idNumber: "", phone: ""), parties: [], regionCode: "640104", channel: .web, operatorID: "",
            submittedAt: submitted, updatedAt: submitted, details: Data("{}".utf8),
            timeline: kinds.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element, at: submitted, actor: "x", channel: .web,
                attributes: $0.element == PlatformEvent.clockPaused ? ["reason": "hearing"] : [:]) })
    }

    @Test("行政许可法第四十二条：延长以十日为限、一次，且须在期限届满前批准")
    func extensionWithinPolicyAndPeriod() throws {
        let now = Date()
        let running = matter(submitted: now.addingTimeInterval(-3 * 86_400))
        let change = try ClockDecisions.extend(running, ruleID: "drill.decision", days: 10, reason: "情况复杂", actor: "head", channel: .walkIn, engine: engine, now: now)
        #expect(change.events.first?.kind == PlatformEvent.deadlineExtended)
        #expect(change.events.first?.attributes["approved_by"] == "head")
        #expect(throws: FawangError.invalidArgument(field: "days", "「作出决定」最多可延长10日（\(Self.law)第四十二条）")) {
            try ClockDecisions.extend(running, ruleID: "drill.decision", days: 11, reason: "r", actor: "head", channel: .walkIn, engine: engine, now: now)
        }
        let overdue = matter(submitted: now.addingTimeInterval(-40 * 86_400))
        #expect { try ClockDecisions.extend(overdue, ruleID: "drill.decision", days: 5, reason: "r", actor: "head", channel: .walkIn, engine: engine, now: now) }
            throws: { ($0 as? FawangError)?.code == .failedPrecondition && ($0 as? FawangError)?.message.contains("届满") == true }
        #expect { try ClockDecisions.extend(running, ruleID: "nope", days: 5, reason: "r", actor: "head", channel: .walkIn, engine: engine, now: now) }
            throws: { ($0 as? FawangError)?.violations.map(\.field) == ["rule_id"] }
    }

    @Test("行政许可法第四十五条：听证期间不计入；恢复只对已中止的期限")
    func pauseAndResume() throws {
        let now = Date()
        let running = matter(submitted: now.addingTimeInterval(-86_400))
        let paused = try ClockDecisions.pause(running, reason: "hearing", note: "", actor: "s", channel: .walkIn, engine: engine, now: now)
        #expect(paused.events.first?.attributes["rules"] == "drill.decision")
        #expect { try ClockDecisions.pause(running, reason: "testing", note: "", actor: "s", channel: .walkIn, engine: engine, now: now) }
            throws: { ($0 as? FawangError)?.violations.map(\.field) == ["reason"] }
        #expect { try ClockDecisions.resume(running, note: "", actor: "s", channel: .walkIn) }
            throws: { ($0 as? FawangError)?.code == .failedPrecondition }
        let stopped = matter(submitted: now.addingTimeInterval(-86_400), events: [PlatformEvent.clockPaused])
        #expect(try ClockDecisions.resume(stopped, note: "", actor: "s", channel: .walkIn).events.first?.attributes["reason"] == "hearing")
        #expect { try ClockDecisions.pause(stopped, reason: "hearing", note: "", actor: "s", channel: .walkIn, engine: engine, now: now) }
            throws: { ($0 as? FawangError)?.code == .failedPrecondition }
    }

    @Test("前台受理、后台办理：转办保留时间线，记录来去条线；不收转办、同线、已办结的拒绝")
    func transferDecisions() throws {
        let open = matter(submitted: Date())
        let change = try MatterTransfer.decide(
            open, source: Self.drill, target: Self.other, type: Self.other.matterTypes[0], reason: "实为他线事项", actor: "s", channel: .hotline)
        #expect(change.transfer?.businessLine == "other" && change.transfer?.matterType == "other.case")
        #expect(change.newStatus == "submitted")
        #expect(change.events.first?.attributes["from_line"] == "drill" && change.events.first?.attributes["to_type"] == "other.case")
        #expect(String(decoding: change.details ?? Data(), as: UTF8.self) == "{\"from\":\"演练\"}")
        #expect { try MatterTransfer.decide(open, source: Self.drill, target: Self.other, type: Self.other.matterTypes[1], reason: "r", actor: "s", channel: .web) }
            throws: { ($0 as? FawangError)?.message.contains("不接收") == true }
        #expect { try MatterTransfer.decide(open, source: Self.drill, target: Self.drill, type: Self.other.matterTypes[0], reason: "r", actor: "s", channel: .web) }
            throws: { ($0 as? FawangError)?.message.contains("无需转办") == true }
        #expect { try MatterTransfer.decide(matter(status: "decided", submitted: Date()), source: Self.drill, target: Self.other, type: Self.other.matterTypes[0], reason: "r", actor: "s", channel: .web) }
            throws: { ($0 as? FawangError)?.message.contains("已办结") == true }
    }
}
