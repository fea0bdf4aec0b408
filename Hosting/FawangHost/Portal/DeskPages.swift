import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The 12348 agent's desk (`/staff/desk`, `HotlineService`): calls ringing and the agent's own,
/// pushed over Server-Sent Events from `WatchDesk`; when the agent answers, the caller's card pops
/// up (their matters, consultations, bookings and earlier calls, `/staff/desk/card`); the day's
/// call log; the call's outcome with the matters it concerned. Every call carries the agent's
/// token, so what the desk shows is the services' own rule.
extension Portal {
    typealias HotlineMethod = Fawang_Hotline_V1_HotlineService.Method

    func addDeskPages(to router: Router<GatewayRequestContext>) {
        router.get("/staff/desk") { request, context in try await deskPage(request, context, notice: nil) }
        router.get("/staff/desk/card") { request, context in try await callerCard(request, context) }
        router.get("/staff/desk/events") { request, context in deskEvents(request, context) }
        router.post("/staff/desk/outcome") { request, context in try await recordOutcome(request, context) }
        router.get("/static/desk.js") { _, _ in Self.asset(DeskTemplates.script, type: "text/javascript; charset=utf-8") }
    }

    func deskPage(_ request: Request, _ context: GatewayRequestContext, notice: String?) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let me = try await whoAmI(metadata)
            let log = try await call(HotlineMethod.ListCalls.descriptor, Fawang_Hotline_V1_ListCallsRequest(), metadata, as: Fawang_Hotline_V1_ListCallsResponse.self)
            let csrf = Self.csrfToken(request)
            var response = page("staff-desk", title: "12348热线坐席", [
                "who": "\(me.displayName)（\(me.accountID)）", "me": me.accountID, "csrf": csrf, "notice": notice ?? "", "hasNotice": notice != nil,
                "calls": log.calls.map(Self.callRow), "hasCalls": !log.calls.isEmpty,
                "offered": log.offered, "answered": log.answered, "abandoned": log.abandoned, "afterHours": log.afterHours,
            ])
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError {
            return errorPage("12348热线坐席", error)
        }
    }

    /// The caller's card: a whole page, or (`fragment=1`) the card alone for the desk's pop-up.
    func callerCard(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let lookup = Fawang_Hotline_V1_LookupCallerRequest.with {
            $0.callID = Self.query(request, "call")
            $0.phone = Self.query(request, "phone")
        }
        do {
            let card = try await call(HotlineMethod.LookupCaller.descriptor, lookup, metadata, as: Fawang_Hotline_V1_CallerCard.self)
            // The caller's bookings, where the appointments module serves (its own staff rule); the
            // card still opens without them, saying why.
            var bookings: [Fawang_Appointment_V1_Booking] = []
            var bookingsProblem = ""
            do {
                bookings = try await call(
                    Fawang_Appointment_V1_AppointmentService.Method.FindBookings.descriptor,
                    Fawang_Appointment_V1_FindBookingsRequest.with { $0.phone = card.phone }, metadata,
                    as: Fawang_Appointment_V1_FindBookingsResponse.self).bookings
            } catch let error as RPCError {
                bookingsProblem = "预约信息暂不可查：\(Self.problem(error))"
            }
            let object: [String: Any] = [
                "phone": card.phone, "callID": lookup.callID, "csrf": Self.csrfToken(request),
                "matters": card.matters.map { matter in
                    [
                        "trackingNumber": matter.trackingNumber, "line": matter.businessLineName, "type": matter.matterTypeName,
                        "status": matter.statusLabel, "region": matter.regionName, "ended": matter.ended,
                        "role": matter.role == "applicant" ? "申请人" : "当事人",
                        "day": CivilDate(matter.submittedAt.date).description, "href": "/staff/matter/" + matter.trackingNumber.filter(\.isNumber),
                    ] as [String: Any]
                },
                "hasMatters": !card.matters.isEmpty,
                "bookings": bookings.map { ["number": $0.number, "service": $0.slot.serviceName, "office": $0.slot.officeName, "day": $0.slot.day, "period": $0.slot.period, "status": $0.statusLabel] },
                "hasBookings": !bookings.isEmpty, "bookingsProblem": bookingsProblem, "hasBookingsProblem": !bookingsProblem.isEmpty,
                "calls": card.recentCalls.map(Self.callRow), "hasCalls": !card.recentCalls.isEmpty,
            ]
            return page(Self.query(request, "fragment") == "1" ? "desk-card" : "staff-desk-card", title: "来电人 \(card.phone)", object)
        } catch let error as RPCError {
            return errorPage("来电人", error)
        }
    }

    func recordOutcome(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let numbers = (values["tracking_numbers"] ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " || $0 == "\n" })
            let recorded = try await call(
                HotlineMethod.RecordCallOutcome.descriptor,
                Fawang_Hotline_V1_RecordCallOutcomeRequest.with {
                    $0.callID = values["call_id"] ?? ""
                    $0.outcome = values["outcome"] ?? ""
                    $0.trackingNumbers = numbers.map(String.init)
                }, metadata, as: Fawang_Hotline_V1_Call.self)
            return try await deskPage(request, context, notice: "已登记来电 \(recorded.callID) 的通话结果")
        } catch let error as RPCError {
            return try await deskPage(request, context, notice: Self.problem(error))
        }
    }

    /// `WatchDesk` as Server-Sent Events: each call as JSON.
    func deskEvents(_ request: Request, _ context: GatewayRequestContext) -> Response {
        guard let metadata = staffMetadata(request, context) else {
            return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "请先登录")))
        }
        return eventStream(HotlineMethod.WatchDesk.descriptor, Fawang_Hotline_V1_WatchDeskRequest(), metadata) { (update: Fawang_Hotline_V1_DeskUpdate) in
            let object: [String: Any] = update.hasCall ? Self.callRow(update.call) : ["synced": true]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    static func callRow(_ call: Fawang_Hotline_V1_Call) -> [String: Any] {
        let offered = call.offeredAt.date
        return [
            "callID": call.callID, "line": call.line, "caller": call.callerNumber, "agent": call.agent, "state": call.state,
            "stateLabel": call.stateLabel, "time": Self.clock(offered), "afterHours": call.afterHours, "outcome": call.outcome,
            "wait": call.waitSeconds, "talk": call.talkSeconds, "callback": call.callbackTrackingNumber,
            "hasCallback": !call.callbackTrackingNumber.isEmpty,
            "callbackHref": "/staff/matter/" + call.callbackTrackingNumber.filter(\.isNumber), "tracking": call.trackingNumbers.joined(separator: "，"),
        ]
    }

    /// `HH:mm` Beijing time.
    static func clock(_ date: Date) -> String {
        let minutes = CivilDate.minuteOfDay(date)
        return String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}

/// The desk's templates and script.
enum DeskTemplates {
    static let templates: [String: String] = [
        "staff-desk": """
            {{> top}}
            <div class="bar"><h1>12348热线坐席</h1><span class="muted">{{who}}</span><a href="/staff">待办事项</a></div>
            {{#hasNotice}}<div class="alert" role="status">{{notice}}</div>{{/hasNotice}}
            <section id="desk" data-me="{{me}}" aria-live="polite">
              <h2>来电</h2><p class="status muted" id="desk-status">正在连接呼叫中心…</p>
              <ul id="ringing"></ul>
              <div id="caller-card"></div>
            </section>
            <form method="get" action="/staff/desk/card" class="inline">
              <div class="field"><label for="f-dphone">按号码查找来电人</label><input type="tel" id="f-dphone" name="phone" inputmode="numeric"></div>
              <p><button type="submit" class="button secondary">查找</button></p>
            </form>
            <form method="post" action="/staff/desk/outcome" id="outcome-form">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <div class="field"><label for="f-dcall">呼叫编号</label><input type="text" id="f-dcall" name="call_id" required></div>
              <div class="field"><label for="f-doutcome">通话结果</label><textarea id="f-doutcome" name="outcome" rows="2" required></textarea></div>
              <div class="field"><label for="f-dtrack">相关受理编号（多个用逗号分开）</label><input type="text" id="f-dtrack" name="tracking_numbers"></div>
              <p><button type="submit" class="button">登记</button></p>
            </form>
            <h2>今日通话</h2>
            <p class="muted" id="call-counts">来电 {{offered}}，接通 {{answered}}，放弃 {{abandoned}}，非工作时间 {{afterHours}}</p>
            <div class="table-wrap"><table class="queue" id="call-log">
            <thead><tr><th>时间</th><th>呼叫编号</th><th>来电</th><th>线路</th><th>坐席</th><th>状态</th><th>等待/通话（秒）</th><th>结果</th><th>回拨</th></tr></thead>
            <tbody>{{#calls}}<tr><td>{{time}}</td><td>{{callID}}</td><td>{{caller}}</td><td>{{line}}</td><td>{{agent}}</td><td>{{stateLabel}}{{#afterHours}}（非工作时间）{{/afterHours}}</td><td>{{wait}}/{{talk}}</td><td>{{outcome}} {{tracking}}</td><td>{{#hasCallback}}<a href="{{callbackHref}}">{{callback}}</a>{{/hasCallback}}</td></tr>{{/calls}}</tbody></table></div>
            {{^hasCalls}}<p class="muted">今天还没有来电。</p>{{/hasCalls}}
            <script src="/static/desk.js" defer></script>
            {{> bottom}}
            """,
        "staff-desk-card": """
            {{> top}}
            <p><a href="/staff/desk">← 坐席工作台</a></p>
            {{> desk-card}}
            {{> bottom}}
            """,
        "desk-card": """
            <section class="report" id="card" aria-labelledby="card-title" data-phone="{{phone}}">
              <h2 id="card-title">来电人 {{phone}}</h2>
              <h3>办理的事项和咨询</h3>
              {{#hasMatters}}<ul id="card-matters">{{#matters}}<li><a href="{{href}}">{{trackingNumber}}</a> {{line}} · {{type}}：{{status}}（{{role}}，{{region}}，{{day}}）</li>{{/matters}}</ul>{{/hasMatters}}
              {{^hasMatters}}<p class="muted">本辖区没有该号码的事项。</p>{{/hasMatters}}
              <h3>预约</h3>
              {{#hasBookings}}<ul id="card-bookings">{{#bookings}}<li>{{number}} {{service}}，{{office}} {{day}} {{period}}：{{status}}</li>{{/bookings}}</ul>{{/hasBookings}}
              {{#hasBookingsProblem}}<p class="muted">{{bookingsProblem}}</p>{{/hasBookingsProblem}}
              {{^hasBookingsProblem}}{{^hasBookings}}<p class="muted">没有预约。</p>{{/hasBookings}}{{/hasBookingsProblem}}
              <h3>以往来电</h3>
              {{#hasCalls}}<ul id="card-calls">{{#calls}}<li>{{time}} {{stateLabel}} {{outcome}}</li>{{/calls}}</ul>{{/hasCalls}}
              {{^hasCalls}}<p class="muted">没有以往来电。</p>{{/hasCalls}}
            </section>
            """,
    ]

    static let script = """
        // The agent's desk: calls pushed from /staff/desk/events; on the agent's answered call the
        // caller's card is fetched and shown.
        document.addEventListener('DOMContentLoaded', function () {
          var desk = document.getElementById('desk');
          if (!desk || !window.EventSource) return;
          var me = desk.getAttribute('data-me');
          var status = document.getElementById('desk-status');
          var ringing = document.getElementById('ringing');
          var card = document.getElementById('caller-card');
          var shown = '';
          var source = new EventSource('/staff/desk/events');
          source.onopen = function () { status.textContent = '已连接，等待来电'; };
          source.addEventListener('failed', function (e) { status.textContent = '连接中断：' + e.data; });
          source.onmessage = function (e) {
            var call = JSON.parse(e.data);
            if (call.synced) { status.textContent = '已连接，等待来电'; return; }
            var item = document.getElementById('call-' + call.callID);
            if (call.state === 'offered') {
              if (!item) { item = document.createElement('li'); item.id = 'call-' + call.callID; ringing.appendChild(item); }
              item.textContent = call.time + ' ' + call.caller + ' 振铃（' + call.line + '）';
              return;
            }
            if (item) item.remove();
            if (call.agent !== me || call.state !== 'answered' || shown === call.callID) return;
            shown = call.callID;
            status.textContent = '通话中：' + call.caller + '（' + call.callID + '）';
            document.getElementById('f-dcall').value = call.callID;
            fetch('/staff/desk/card?fragment=1&call=' + encodeURIComponent(call.callID), { credentials: 'same-origin' })
              .then(function (r) { return r.text(); })
              .then(function (html) { card.innerHTML = html; });
          };
        });
        """
}
