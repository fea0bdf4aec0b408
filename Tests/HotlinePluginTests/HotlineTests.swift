import AppointmentsPlugin
import ConsultationPlugin
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCInProcessTransport
import HotlinePlugin
import LegalAidPlugin
import MediationPlugin
import SwiftProtobuf
import Synchronization
import Testing

@Suite struct HotlineTests {
    typealias Hotline = Fawang_Hotline_V1_HotlineService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>
    static let unlimited = TestPlatform.unlimitedRates
    static let plugins: [any DepartmentPlugin] = [HotlinePlugin(), LegalAidPlugin(), ConsultationPlugin(), MediationPlugin(), AppointmentsPlugin()]

    /// The call centre's webhook: one event as Connect JSON through the HTTP gateway, with the
    /// call-centre account's token (as docs/operations.md shows with curl).
    static func post(_ event: [String: Any], port: Int, token: String) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/fawang.hotline.v1.HotlineService/ReportCallEvent")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: event)
        let (data, response) = try await URLSession.isolated().data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    static func page(_ path: String, port: Int, staffToken: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.setValue("fawang_staff=\(staffToken)", forHTTPHeaderField: "Cookie")
        // Other suites' sign-ins leave cookies in the shared session's store: send only this one.
        let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("呼叫中心推送来电：坐席接听即弹出来电人的两件事项和预约；通话记录；登记结果")
    func aCallPopsUpTheCallersMatters() async throws {
        // Noon of a working day on the host's clock: the day's log and the demo's slots cannot
        // straddle Beijing midnight while the test runs.
        let clock = TestClock(at: beijing(2026, 12, 8, hour: 12))
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: Self.plugins, clock: clock) { platform in
            let http = try #require(platform.ports.http)
            // The caller has a legal aid application and an earlier consultation; someone else has one too.
            let application = try await platform.withInProcessClient {
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: $0).submitApplication(LegalAidSamples.application()).matter
            }
            let consultation = try await platform.withInProcessClient(as: "hotline-640100") { client in
                try await Fawang_Consultation_V1_ConsultationService.Client(wrapping: client).recordConsultation(.with {
                    $0.requestID = UUID().uuidString
                    $0.person.name = "马小花"
                    $0.person.phone = "139-5100-1234"
                    $0.regionCode = "640104"
                    $0.topic = .labour
                    $0.question = "公司拖欠三个月工资怎么办？"
                    $0.answer = "可以申请劳动争议调解或仲裁，经济困难的可以申请法律援助。"
                }).matter
            }
            #expect(consultation.channel == .hotline, "keyed in by a hotline agent")
            let stranger = try await platform.withInProcessClient {
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: $0)
                    .submitApplication(LegalAidSamples.application(phone: "13800001111")).matter
            }

            // And a booking at Xingqing's centre (the demo slots) for the same number.
            let booking = try await platform.withInProcessClient { client in
                let appointments = Fawang_Appointment_V1_AppointmentService.Client(wrapping: client)
                let slot = try #require(try await appointments.listSlots(.with {
                    $0.regionCode = "640104"
                    $0.availableOnly = true
                }).slots.first)
                return try await appointments.book(.with {
                    $0.requestID = UUID().uuidString
                    $0.slotID = slot.id
                    $0.name = "马小花"
                    $0.phone = "13951001234"
                }).booking
            }

            // The agent's desk is watching before the phone rings.
            let seen = Mutex<[Fawang_Hotline_V1_Call]>([])
            let synced = Atomic<Bool>(false)
            let desk = Task {
                try await platform.withInProcessClient(as: "hotline-640100") { client in
                    try await Hotline(wrapping: client).watchDesk(.init()) { response in
                        for try await update in response.messages {
                            if update.synced { synced.store(true, ordering: .relaxed) }
                            if update.hasCall { seen.withLock { $0.append(update.call) } }
                        }
                    }
                }
            }
            defer { desk.cancel() }
            try await eventually("the desk is watching") { synced.load(ordering: .relaxed) }

            let centre = try await platform.accessToken("hotline-frontend")
            let offered = try await Self.post(
                ["callId": "c-1001", "kind": "CALL_EVENT_KIND_OFFERED", "callerNumber": "13951001234", "line": "12348-1", "regionCode": "640104"],
                port: http, token: centre)
            #expect(offered.status == 200 && offered.json["state"] as? String == "offered", "\(offered)")
            let answered = try await Self.post(
                ["callId": "c-1001", "kind": "CALL_EVENT_KIND_ANSWERED", "callerNumber": "13951001234", "agent": "staff-640100-hotline"],
                port: http, token: centre)
            #expect(answered.json["state"] as? String == "answered" && answered.json["agent"] as? String == "staff-640100-hotline")
            // A repeated event (the call centre retries) changes nothing.
            #expect(try await Self.post(["callId": "c-1001", "kind": "CALL_EVENT_KIND_ANSWERED", "callerNumber": "13951001234", "agent": "staff-640100-hotline"],
                                        port: http, token: centre).status == 200)
            try await eventually("the desk saw the call ring and be answered") {
                seen.withLock { calls in calls.contains { $0.state == "offered" } && calls.contains { $0.state == "answered" && $0.callID == "c-1001" } }
            }

            // The pop-up: both of the caller's matters, not the stranger's; full number for the agent.
            let agent = try await platform.accessToken("hotline-640100")
            let card = try await Self.page("/staff/desk/card?fragment=1&call=c-1001", port: http, staffToken: agent)
            #expect(card.status == 200)
            #expect(card.body.contains(application.trackingNumber) && card.body.contains(consultation.trackingNumber), "\(card.body)")
            #expect(!card.body.contains(stranger.trackingNumber) && card.body.contains("13951001234"))
            #expect(card.body.contains("法律援助") && card.body.contains("法律咨询"))
            #expect(card.body.contains(booking.number) && card.body.contains("已预约"), "\(card.body)")

            try await platform.withInProcessClient(as: "hotline-640100") { client in
                let hotline = Hotline(wrapping: client)
                let looked = try await hotline.lookupCaller(.with { $0.callID = "c-1001" })
                #expect(Set(looked.matters.map(\.trackingNumber)) == [application.trackingNumber, consultation.trackingNumber])
                #expect(looked.matters.allSatisfy { $0.role == "applicant" })
                await expectStatus(.invalidArgument, field: "phone") { _ = try await hotline.lookupCaller(.with { $0.phone = "12" }) }
                await expectStatus(.notFound) { _ = try await hotline.lookupCaller(.with { $0.callID = "c-none" }) }

                // The call ends; the agent links the consultation; the log has it.
                _ = try await Self.post(["callId": "c-1001", "kind": "CALL_EVENT_KIND_ENDED", "callerNumber": "13951001234"], port: http, token: centre)
                let outcome = try await hotline.recordCallOutcome(.with {
                    $0.callID = "c-1001"
                    $0.outcome = "已解答欠薪问题，建议申请法律援助"
                    $0.trackingNumbers = [consultation.trackingNumber]
                })
                #expect(outcome.state == "ended" && outcome.trackingNumbers == [consultation.trackingNumber])
                await expectStatus(.invalidArgument, field: "tracking_numbers[0]") {
                    _ = try await hotline.recordCallOutcome(.with {
                        $0.callID = "c-1001"
                        $0.outcome = "x"
                        $0.trackingNumbers = ["6406193755306760"]
                    })
                }
                let log = try await hotline.listCalls(.init())
                #expect(log.offered == 1 && log.answered == 1 && log.abandoned == 0)
                #expect(log.calls.first?.callerNumber == "139****1234", "the log masks the number")
            }
            let deskPage = try await Self.page("/staff/desk", port: http, staffToken: agent)
            #expect(deskPage.body.contains("c-1001") && deskPage.body.contains("已解答欠薪问题"), "\(deskPage.body)")

            // Who may report calls: the call centre and the hotline's staff, not another line's.
            try await platform.withInProcessClient(as: "consultation-640100") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Hotline(wrapping: client).reportCallEvent(.with {
                        $0.callID = "c-x"
                        $0.kind = .offered
                        $0.callerNumber = "13951001234"
                    })
                }
                await expectStatus(.permissionDenied) { _ = try await Hotline(wrapping: client).listCalls(.init()) }
            }
            let bad = try await Self.post(["callId": "c-2", "kind": "CALL_EVENT_KIND_ANSWERED", "callerNumber": "123"], port: http, token: centre)
            #expect(bad.status == 400, "\(bad)")
            let fields = ((bad.json["details"] as? [[String: Any]])?.description ?? "") + "\(bad.json)"
            #expect(fields.contains("caller_number") && fields.contains("agent"), "\(bad.json)")
        }
    }

    @Test("未接来电（排队放弃、非工作时间）转为回拨任务：两个工作日内回拨并登记结果")
    func missedCallsBecomeCallbacks() async throws {
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: Self.plugins) { platform in
            try await platform.withInProcessClient(as: "hotline-frontend") { client in
                let hotline = Hotline(wrapping: client)
                // Tuesday 2026-12-08 10:00 Beijing: in hours; the caller gives up in the queue.
                let tuesday = beijing(2026, 12, 8, hour: 10)
                _ = try await hotline.reportCallEvent(.with {
                    $0.callID = "c-2001"
                    $0.kind = .offered
                    $0.callerNumber = "13800002222"
                    $0.regionCode = "640104"
                    $0.at = Google_Protobuf_Timestamp(date: tuesday)
                })
                let abandoned = try await hotline.reportCallEvent(.with {
                    $0.callID = "c-2001"
                    $0.kind = .abandoned
                    $0.callerNumber = "13800002222"
                    $0.at = Google_Protobuf_Timestamp(date: tuesday.addingTimeInterval(40))
                })
                #expect(abandoned.state == "abandoned" && !abandoned.afterHours && abandoned.waitSeconds == 40)
                let task = abandoned.callbackTrackingNumber
                #expect(TrackingNumber(task) != nil)
                // Told again, it opens no second task.
                let again = try await hotline.reportCallEvent(.with {
                    $0.callID = "c-2001"
                    $0.kind = .abandoned
                    $0.callerNumber = "13800002222"
                })
                #expect(again.callbackTrackingNumber == task)
                await expectStatus(.failedPrecondition) {
                    _ = try await hotline.reportCallEvent(.with {
                        $0.callID = "c-2001"
                        $0.kind = .answered
                        $0.callerNumber = "13800002222"
                        $0.agent = "staff-640100-hotline"
                    })
                }

                // Sunday 2026-12-13 22:00: after hours; the caller hears the closing message.
                let sunday = beijing(2026, 12, 13, hour: 22)
                _ = try await hotline.reportCallEvent(.with {
                    $0.callID = "c-2002"
                    $0.kind = .offered
                    $0.callerNumber = "0951-6012345"
                    $0.regionCode = "640104"
                    $0.at = Google_Protobuf_Timestamp(date: sunday)
                })
                let late = try await hotline.reportCallEvent(.with {
                    $0.callID = "c-2002"
                    $0.kind = .ended
                    $0.callerNumber = "0951-6012345"
                    $0.at = Google_Protobuf_Timestamp(date: sunday.addingTimeInterval(20))
                })
                #expect(late.afterHours && late.state == "ended" && !late.callbackTrackingNumber.isEmpty)
                #expect(late.callerNumber == "09516012345")

                // Xingqing's hotline staff see the task with the callback deadline and close it.
                try await platform.withInProcessClient(as: "hotline-640104") { client in
                    let matters = Matters(wrapping: client)
                    let opened = try await matters.getMatter(.with { $0.trackingNumber = task })
                    #expect(opened.matterType == "hotline.callback" && opened.status == "pending" && opened.channel == .hotline)
                    #expect(opened.statusLabel == "待回拨" && opened.timeline.first?.note.contains("138****2222") == true)
                    #expect(opened.deadlines.map(\.ruleID) == ["platform.callback"] && opened.deadlines.first?.state != .met)
                    let closed = try await matters.closeCallback(.with {
                        $0.trackingNumber = task
                        $0.outcome = "已回拨，来电人咨询离婚财产分割，已解答"
                        $0.reached = true
                    })
                    #expect(closed.status == "called_back" && closed.deadlines.first?.state == .met)
                    #expect(closed.timeline.last?.channel == .hotline, "the hotline's agent called back")
                    await expectStatus(.failedPrecondition) {
                        _ = try await matters.closeCallback(.with {
                            $0.trackingNumber = task
                            $0.outcome = "再次回拨"
                        })
                    }
                }
            }
        }
    }
}
