import FawangCore
import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// A drill line (演练) for the engine's own tests: one matter type whose clocks have every feature
/// (working days, a generic stop, an extension policy), seeded with one matter at the test clock's
/// time. Its steps are the platform's: deadlines, transfers.
struct DrillPlugin: DepartmentPlugin {
    static let decision = DeadlineRule(
        id: "drill.decision", label: "作出决定", article: "演练规则第一条", days: 20, startsOn: ["opened", PlatformEvent.transferred],
        metBy: ["closed"], pauseReasons: [.hearing], extensions: ExtensionPolicy(maxTimes: 1, maxDays: 10, article: "演练规则第二条"))
    static let certificate = DeadlineRule(
        id: "drill.certificate", label: "出具文书", article: "演练规则第三条", days: 15, dayType: .working, startsOn: ["opened"], metBy: ["closed"])
    /// A Ministry-style rule the corpus lacks: its length may be configured.
    static let review = DeadlineRule(
        id: "drill.review", label: "复核", article: "演练规章第九条（待确认）", days: 10, startsOn: ["opened"], metBy: ["closed"],
        articleConfirmed: false)

    let manifest = ModuleManifest(
        id: "drill", nameZH: "演练", nameEN: "Drill", version: "1.0.0",
        matterTypes: [MatterTypeSpec(
            id: "drill.case", nameZH: "演练事项", nameEN: "Drill case", requiredFields: [], requiredMaterials: [],
            workflow: MatterWorkflow(
                initialStatus: "open", statuses: ["open": "办理中", "closed": "已办结"],
                transitions: [.init(command: "close", from: ["open"], to: "closed", event: "closed")],
                eventLabels: ["opened": "立案", "closed": "办结"]),
            deadlines: [decision, certificate, review],
            transferIntake: { intake in Data(#"{"from":"\#(intake.fromLine)"}"#.utf8) })])
    let rpcs: [RPCInfo] = []

    func makeServices(context: PluginContext) -> [any RegistrableRPCService] { [] }

    func seedDemoData(context: PluginContext) async throws {
        _ = try await context.matters.submit(MatterDraft(
            requestID: "drill-1", requestDigest: "d", businessLine: "drill", matterType: "drill.case", initialStatus: "open",
            applicant: Person(name: "马演练", idNumber: "", phone: "13900001111"), parties: [], regionCode: "640104", channel: .walkIn,
            operatorID: "t", details: Data("{}".utf8), firstEvent: MatterEventDraft(kind: "opened", actor: "t", channel: .walkIn)),
            at: context.now())
    }
}

@Suite struct DeadlineServiceTests {
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<HTTP2ClientTransport.Posix>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<HTTP2ClientTransport.Posix>

    static let staffContext = Fawang_Matter_V1_ChannelContext.with { $0.channel = .walkIn }

    /// The drill matter's tracking number (the only matter of the drill line).
    func drillMatter(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Fawang_Matter_V1_Matter {
        let list = try await Matters(wrapping: client).listMatters(.with { $0.businessLine = "drill" })
        let first = try #require(list.matters.first)
        return try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = first.trackingNumber })
    }

    @Test("行政许可法第四十二条式的延长：负责人批准、说明理由、期限内、限次限长") func extensionsNeedAnAdminAReasonAndStayWithinPolicy() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all + [DrillPlugin()], clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            try await platform.withClient(as: "admin") { client in
                let matter = try await drillMatter(client)
                let decision = try #require(matter.deadlines.first { $0.ruleID == "drill.decision" })
                #expect(decision.dueDate == "2026-06-22")  // 6-21 is a Sunday (民法典 第二百零三条)
                #expect(decision.period == "20日")
                let deadlines = Deadlines(wrapping: client)
                let tooLong = try await rpcError { try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.ruleID = "drill.decision"; $0.days = 11; $0.reason = "需要实地核查"; $0.context = Self.staffContext
                }) }
                #expect(tooLong.code == .invalidArgument && tooLong.message.contains("10日"))
                let noReason = try await rpcError { try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.ruleID = "drill.decision"; $0.days = 10; $0.context = Self.staffContext
                }) }
                #expect(noReason.code == .invalidArgument && noReason.message.contains("reason"))
                let fixed = try await rpcError { try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.ruleID = "drill.certificate"; $0.days = 5; $0.reason = "x"; $0.context = Self.staffContext
                }) }
                #expect(fixed.code == .failedPrecondition && fixed.message.contains("不能延长"))
                let extended = try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.ruleID = "drill.decision"; $0.days = 10; $0.reason = "需要实地核查"; $0.context = Self.staffContext
                })
                let after = try #require(extended.deadlines.first { $0.ruleID == "drill.decision" })
                #expect(after.dueDate == "2026-07-01")
                #expect(after.extensions == 1)
                #expect(extended.timeline.last?.kind == "deadline_extended")
                #expect(extended.timeline.last?.label == "批准延长办理期限")
                #expect(extended.timeline.last?.attributes["approved_by"] == "staff-640000-admin")
                let again = try await rpcError { try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.ruleID = "drill.decision"; $0.days = 1; $0.reason = "再延"; $0.context = Self.staffContext
                }) }
                #expect(again.code == .failedPrecondition && again.message.contains("已延长过1次"))
            }
            // Staff (not the head) are refused at the gate.
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let error = try await rpcError { try await Deadlines(wrapping: client).extendDeadline(.with {
                    $0.trackingNumber = "0000000000000000"; $0.ruleID = "x"; $0.days = 1; $0.reason = "x"; $0.context = Self.staffContext
                }) }
                #expect(error.code == .permissionDenied)
            }
        }
    }

    @Test("期限中止：只能以规则列明的事由中止，恢复后顺延；工作日期限超出日历则不推算") func clockStopsAndTheCalendarEnd() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        try await TestPlatform.with(plugins: PluginCatalog.all + [DrillPlugin()], clock: clock) { platform in
            try await platform.withClient(as: "admin") { client in
                let matter = try await drillMatter(client)
                let deadlines = Deadlines(wrapping: client)
                let wrongReason = try await rpcError { try await deadlines.pauseClock(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.reason = "testing"; $0.context = Self.staffContext
                }) }
                #expect(wrongReason.code == .invalidArgument && wrongReason.message.contains("hearing（听证）"))
                let paused = try await deadlines.pauseClock(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.reason = "hearing"; $0.note = "申请人要求听证"; $0.context = Self.staffContext
                })
                #expect(paused.deadlines.first { $0.ruleID == "drill.decision" }?.state == .paused)
                #expect(paused.deadlines.first { $0.ruleID == "drill.decision" }?.pausedFor == "听证")
                // The working-day rule does not list hearings: it keeps running.
                #expect(paused.deadlines.first { $0.ruleID == "drill.certificate" }?.state == .running)
                let twice = try await rpcError { try await deadlines.pauseClock(.with {
                    $0.trackingNumber = matter.trackingNumber; $0.reason = "hearing"; $0.context = Self.staffContext
                }) }
                #expect(twice.code == .failedPrecondition)
                clock.advance(days: 5)
                let resumed = try await deadlines.resumeClock(.with { $0.trackingNumber = matter.trackingNumber; $0.context = Self.staffContext })
                let decision = try #require(resumed.deadlines.first { $0.ruleID == "drill.decision" })
                // Stopped 6-01..6-05 (6-01, the start day, is not counted anyway): 20 days from 6-06.
                #expect(decision.pausedDays == 5)
                #expect(decision.dueDate == "2026-06-25")
                let noPause = try await rpcError { try await deadlines.resumeClock(.with { $0.trackingNumber = matter.trackingNumber; $0.context = Self.staffContext }) }
                #expect(noPause.code == .failedPrecondition)

                // Ad hoc computation for a clerk, and the refusal past the calendar.
                let due = try await deadlines.computeDueDate(.with { $0.startDate = "2026-09-24"; $0.days = 15; $0.dayType = .working })
                #expect(due.dueDate == "2026-10-22")
                #expect(due.holidaysSkipped.map(\.date).contains("2026-10-01"))
                let beyond = try await rpcError { try await deadlines.computeDueDate(.with { $0.startDate = "2026-12-20"; $0.days = 15; $0.dayType = .working }) }
                #expect(beyond.code == .failedPrecondition && beyond.message.contains("2026-12-31"))
                let calendar = try await deadlines.getCalendar(.init())
                #expect(calendar.firstDay == "2024-01-01" && calendar.lastDay == "2026-12-31")
                #expect(calendar.years.map(\.year) == [2024, 2025, 2026])
            }
        }
    }

    @Test("逾期预警、报上级督办、办结后清除；监听推送变化") func alertsEscalationAndWatch() async throws {
        let clock = TestClock(at: beijing(2026, 12, 1))
        try await TestPlatform.with(extraConfig: "deadlines:\n  scan_seconds: 1\n", plugins: PluginCatalog.all, clock: clock) { platform in
            let submitted = try await platform.withClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
            }
            let number = submitted.matter.trackingNumber
            #expect(submitted.matter.deadlines.first?.dueDate == "2026-12-08")
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let deadlines = Deadlines(wrapping: client)
                try await deadlines.watchAlerts(.init()) { response in
                    var updates = response.messages.makeAsyncIterator()
                    let initial = try #require(try await updates.next())
                    #expect(initial.initialSyncDone && !initial.hasAlert)
                    #expect(try await deadlines.listAlerts(.init()).alerts.isEmpty)

                    clock.set(beijing(2026, 12, 7))
                    let soon = try #require(try await updates.next())
                    #expect(soon.change == .raised && soon.alert.kind == .dueSoon && soon.alert.trackingNumber == number)
                    #expect(soon.alert.article == "《中华人民共和国法律援助法》第四十三条")
                    #expect(soon.alert.daysLeft == 1)

                    clock.set(beijing(2026, 12, 9))
                    // Overdue, then (or at once, if the escalator was first) escalated to Yinchuan's
                    // bureau: the matter is in Xingqing district.
                    var overdue = try #require(try await updates.next())
                    #expect(overdue.alert.kind == .overdue && overdue.alert.daysOverdue == 1)
                    if overdue.alert.escalatedTo.isEmpty { overdue = try #require(try await updates.next()) }
                    #expect(overdue.alert.kind == .overdue && overdue.alert.escalatedTo == "640100")
                    let queue = try await deadlines.listEscalations(.init())
                    #expect(queue.alerts.map(\.trackingNumber) == [number])
                    #expect(queue.alerts.first?.summary.contains("已报上级督办") == true)

                    let approved = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).approve(.with {
                        $0.trackingNumber = number; $0.context = LegalAidSamples.staff()
                    })
                    #expect(approved.timeline.contains { $0.kind == "escalated" && $0.attributes["to_region"] == "640100" })
                    #expect(approved.deadlines.first?.state == .metLate)
                    let cleared = try #require(try await updates.next())
                    #expect(cleared.change == .cleared && cleared.alert.ruleID == "legal-aid.decision")
                    // Approval started the 3-day assignment clock (due Monday 12-14, warned from 12-12): no alert yet.
                    #expect(try await deadlines.listEscalations(.init()).alerts.isEmpty)
                }
            }
            // Another city's staff do not see Yinchuan's alerts; the province's admin sees them all.
            try await platform.withClient(as: "staff-640200-reviewer") { client in
                #expect(try await Deadlines(wrapping: client).listEscalations(.init()).alerts.isEmpty)
                let outside = try await rpcError { try await Deadlines(wrapping: client).listAlerts(.with { $0.regionCode = "640100" }) }
                #expect(outside.code == .permissionDenied)
            }
        }
    }

    @Test("前台受理、后台办理：错投的事项转至其他业务条线，保留受理编号和全部记录") func transferKeepsTheTimeline() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all + [DrillPlugin()], clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            let submitted = try await platform.withClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
            }
            let number = submitted.matter.trackingNumber
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let matters = Matters(wrapping: client)
                let unknown = try await rpcError { try await matters.transferMatter(.with {
                    $0.trackingNumber = number; $0.toMatterType = "nothing.here"; $0.reason = "x"; $0.context = Self.staffContext
                }) }
                #expect(unknown.code == .invalidArgument && unknown.message.contains("to_matter_type"))
                let refusing = try await rpcError { try await matters.transferMatter(.with {
                    $0.trackingNumber = number; $0.toMatterType = "legal-aid.application"; $0.reason = "x"; $0.context = Self.staffContext
                }) }
                #expect(refusing.code == .failedPrecondition)
                let moved = try await matters.transferMatter(.with {
                    $0.trackingNumber = number; $0.toMatterType = "drill.case"; $0.reason = "不属于法律援助事项，转演练条线办理"; $0.context = Self.staffContext
                })
                #expect(moved.trackingNumber == number)
                #expect(moved.businessLine == "drill" && moved.status == "open")
                #expect(moved.timeline.map(\.kind) == ["submitted", "transferred"])
                #expect(moved.timeline.first?.label == "提交法律援助申请")
                #expect(moved.timeline.last?.attributes["from_line"] == "legal-aid")
                // The receiving line's clock starts on receipt; legal aid's is gone.
                #expect(moved.deadlines.map(\.ruleID) == ["drill.decision"])
                // Legal aid staff no longer handle it.
                let gone = try await rpcError { try await matters.getMatter(.with { $0.trackingNumber = number }) }
                #expect(gone.code == .permissionDenied)
            }
        }
    }

    @Test func theDemoSamplesShowAlertsAndAnEscalationAtOnce() async throws {
        try await TestPlatform.with(extraConfig: "deadlines:\n  scan_seconds: 1\n", plugins: PluginCatalog.all, clock: TestClock(at: beijing(2026, 6, 10)), sampleMatters: true) { platform in
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let deadlines = Deadlines(wrapping: client)
                try await eventually("the overdue sample is escalated") { try await deadlines.listEscalations(.init()).alerts.count == 1 }
                let alerts = try await deadlines.listAlerts(.init()).alerts
                // Received 5-27, undecided: overdue since 6-04. Received 6-04: decision due 6-11.
                // Approved 6-09: assignment due 6-12.
                #expect(alerts.map(\.kind) == [.overdue, .dueSoon, .dueSoon], "\(alerts.map(\.summary))")
                #expect(alerts.map(\.dueDate) == ["2026-06-03", "2026-06-11", "2026-06-12"])
                #expect(alerts.allSatisfy { $0.article.contains("法律援助法") })
            }
        }
    }

    @Test("部门规章规定的期限可配置、依据待确认；法定期限不可配置") func ministryRulesAreConfigurableStatutoryOnesAreNot() async throws {
        try await TestPlatform.with(
            extraConfig: "deadlines:\n  rule_days:\n    drill.review: 12\n", plugins: PluginCatalog.all + [DrillPlugin()], clock: TestClock(at: beijing(2026, 6, 1))
        ) { platform in
            try await platform.withClient(as: "admin") { client in
                let review = try #require(try await drillMatter(client).deadlines.first { $0.ruleID == "drill.review" })
                #expect(review.period == "12日" && review.dueDate == "2026-06-15")  // 6-13 is a Saturday
                #expect(!review.articleConfirmed && review.summary.contains("依据待确认"))
            }
        }
        for (line, reason) in [("drill.decision: 30", "cannot be configured"), ("drill.nothing: 30", "no module of this host")] {
            do {
                try await TestPlatform.with(extraConfig: "deadlines:\n  rule_days:\n    \(line)\n", plugins: PluginCatalog.all + [DrillPlugin()]) { _ in }
                Issue.record("a host started with deadlines.rule_days.\(line)")
            } catch let error as FawangError {
                #expect(error.message.contains("deadlines.rule_days.") && error.message.contains(reason), "\(error.message)")
            }
        }
    }

    @Test("工作日期限超出日历：不推定法定日期，但向工作人员和群众显示暂按周末推算的日期（待国务院公布2027年节假日安排）")
    func pastTheCalendarAProvisionalDateIsShownBesideUncomputable() async throws {
        // The drill matter is opened on Sun 2026-12-20: 15 working days run into 2027.
        try await TestPlatform.with(plugins: PluginCatalog.all + [DrillPlugin()], clock: TestClock(at: beijing(2026, 12, 20))) { platform in
            let matter = try await platform.withClient(as: "admin") { client in try await drillMatter(client) }
            let certificate = try #require(matter.deadlines.first { $0.ruleID == "drill.certificate" })
            // Still refused as the legal date …
            #expect(certificate.state == .uncomputable)
            #expect(certificate.dueDate == "")
            // … but 12-21..12-31 (9 working days), then weekdays only from 2027-01-01: 2027-01-08.
            #expect(certificate.provisionalDueDate == "2027-01-08")
            #expect(certificate.summary.contains("暂按周末推算") && certificate.summary.contains("2027-01-08"), "\(certificate.summary)")
            #expect(certificate.summary.contains("待国务院公布2027年节假日安排"), "\(certificate.summary)")
            // The citizen's progress query shows the same.
            let report = try await platform.withClient { client in
                try await Matters(wrapping: client).queryProgress(.with { $0.trackingNumber = matter.trackingNumber; $0.phoneLast4 = "1111" })
            }
            let shown = try #require(report.deadlines.first { $0.ruleID == "drill.certificate" })
            #expect(shown.state == .uncomputable && shown.dueDate == "")
            #expect(shown.provisionalDueDate == "2027-01-08")
            #expect(shown.summary == certificate.summary)
            // A computable limit carries no provisional date.
            #expect(matter.deadlines.first { $0.ruleID == "drill.decision" }?.provisionalDueDate == "")
        }
    }

    @Test("启动时若工作日历缺少下一年度，记录警告并写明缺少的年份")
    func startUpWarnsOfTheMissingCalendarYear() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(directory: directory, logLevel: "info").write(toFile: configPath, atomically: true, encoding: .utf8)
        let serve = try await ServeProcess(configPath: configPath, directory: directory)
        defer { serve.signal(SIGTERM) }
        // The built-in calendar ends with 2026 (the tests run in late 2026): 2027 is the year to add.
        let missing = 2027
        try await eventually("the warning is logged") { serve.log.contains("working-day calendar") }
        let warning = try #require(serve.log.split(separator: "\n").first { $0.contains("working-day calendar") })
        #expect(warning.contains("warning"), "\(warning)")
        #expect(warning.contains("\(missing)"), "\(warning)")
        #expect(warning.contains("deadlines.calendar_file"), "\(warning)")
    }

    @Test func aCalendarFileExtendsTheRunningHostAndABadOneIsRefused() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let file = platform.directory.appendingPathComponent("holidays-2027.txt")
            try "year 2027 测试通知\nholiday 2027-01-01 元旦\n".write(to: file, atomically: true, encoding: .utf8)
            try platform.rewriteConfig(extra: "deadlines:\n  calendar_file: \(file.path)\n")
            try await platform.withClient { client in
                let deadlines = Deadlines(wrapping: client)
                try await eventually("the 2027 calendar is in force") { try await deadlines.getCalendar(.init()).lastDay == "2027-12-31" }
                #expect(try await deadlines.computeDueDate(.with { $0.startDate = "2026-12-20"; $0.days = 15; $0.dayType = .working }).dueDate == "2027-01-11")
                // A broken edit is refused; the running calendar stays.
                try "year 2027 测试通知\nworkday 2027-01-04 错误\n".write(to: file, atomically: true, encoding: .utf8)
                try await Task.sleep(for: .milliseconds(800))
                #expect(try await deadlines.getCalendar(.init()).lastDay == "2027-12-31")
            }
        }
    }
}
