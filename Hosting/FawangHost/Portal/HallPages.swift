import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The walk-in hall's screens (`HallService`): the kiosk (`/hall/kiosk?office=…`: one button per
/// service a window handles, a ticket printed on the screen) and the display (`/hall/display?office=…`,
/// 叫号屏: the latest calls and the queues, pushed over Server-Sent Events from `WatchHall` as they
/// change, the newest call spoken where the browser can speak).
extension Portal {
    typealias HallMethod = Fawang_Appointment_V1_HallService.Method

    func addHallPages(to router: Router<GatewayRequestContext>) {
        router.get("/hall/kiosk") { request, context in try await kioskPage(request, context, ticket: nil, message: nil) }
        router.post("/hall/kiosk") { request, context in try await takeTicket(request, context) }
        router.get("/hall/display") { request, context in try await displayPage(request, context) }
        router.get("/hall/events") { request, context in hallEvents(request, context) }
        router.get("/static/hall.js") { _, _ in Self.asset(Self.hallScript, type: "text/javascript; charset=utf-8") }
    }

    func kioskPage(_ request: Request, _ context: GatewayRequestContext, ticket: Fawang_Appointment_V1_Ticket?, message: String?) async throws -> Response {
        let office = Self.query(request, "office")
        do {
            let hall = try await call(
                HallMethod.GetHall.descriptor, Fawang_Appointment_V1_GetHallRequest.with { $0.officeID = office }, Self.metadata(context),
                as: Fawang_Appointment_V1_HallState.self)
            let csrf = Self.csrfToken(request)
            var object: [String: Any] = [
                "office": hall.officeName, "officeID": office, "csrf": csrf, "message": message ?? "", "hasMessage": message != nil,
                "services": hall.queues.map { ["id": $0.service, "name": $0.serviceName, "waiting": $0.waiting] },
                "hasServices": !hall.queues.isEmpty,
            ]
            if let ticket {
                object["ticket"] = ["number": ticket.number, "service": ticket.serviceName, "ahead": ticket.ahead]
            }
            var response = page("hall-kiosk", title: "取号", object)
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError {
            return errorPage("取号", error)
        }
    }

    func takeTicket(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        do {
            let ticket = try await call(
                HallMethod.TakeTicket.descriptor,
                Fawang_Appointment_V1_TakeTicketRequest.with {
                    $0.officeID = Self.query(request, "office")
                    $0.service = values["service"] ?? ""
                    $0.bookingNumber = values["booking_number"] ?? ""
                    $0.phoneLast4 = values["phone_last4"] ?? ""
                    $0.context.channel = .walkIn
                },
                Self.metadata(context), as: Fawang_Appointment_V1_Ticket.self)
            return try await kioskPage(request, context, ticket: ticket, message: nil)
        } catch let error as RPCError {
            return try await kioskPage(request, context, ticket: nil, message: Self.problem(error))
        }
    }

    func displayPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let office = Self.query(request, "office")
        do {
            let hall = try await call(
                HallMethod.GetHall.descriptor, Fawang_Appointment_V1_GetHallRequest.with { $0.officeID = office }, Self.metadata(context),
                as: Fawang_Appointment_V1_HallState.self)
            return page("hall-display", title: "叫号", ["office": hall.officeName, "officeID": office, "state": Self.hallJSON(hall)])
        } catch let error as RPCError {
            return errorPage("叫号", error)
        }
    }

    /// `WatchHall` relayed as Server-Sent Events: one JSON state per change, a comment every 15 s.
    func hallEvents(_ request: Request, _ context: GatewayRequestContext) -> Response {
        let watch = Fawang_Appointment_V1_GetHallRequest.with { $0.officeID = Self.query(request, "office") }
        return eventStream(HallMethod.WatchHall.descriptor, watch, Self.metadata(context)) { (state: Fawang_Appointment_V1_HallState) in
            Self.hallJSON(state)
        }
    }

    /// The display's state as the page's script reads it.
    static func hallJSON(_ state: Fawang_Appointment_V1_HallState) -> String {
        let object: [String: Any] = [
            "calling": state.calling.map { ["number": $0.number, "window": $0.window, "announcement": $0.announcement, "status": $0.statusLabel] },
            "queues": state.queues.map {
                ["service": $0.serviceName, "waiting": $0.waiting, "served": $0.served, "wait": $0.averageWaitMinutes, "serve": $0.averageServiceMinutes]
            },
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static let hallScript = """
        // The hall display (叫号屏): redraw on every pushed state; speak a new call.
        document.addEventListener('DOMContentLoaded', function () {
          var screen = document.getElementById('hall-display');
          if (!screen) return;
          var spoken = '';
          function draw(state) {
            var calls = document.getElementById('calls'), queues = document.getElementById('queues');
            calls.innerHTML = ''; queues.innerHTML = '';
            state.calling.forEach(function (call) {
              var row = document.createElement('tr');
              [call.number, call.window, call.status].forEach(function (text) { var cell = document.createElement('td'); cell.textContent = text; row.appendChild(cell); });
              calls.appendChild(row);
            });
            state.queues.forEach(function (queue) {
              var row = document.createElement('tr');
              [queue.service, queue.waiting, queue.served, queue.wait + ' 分钟'].forEach(function (text) { var cell = document.createElement('td'); cell.textContent = text; row.appendChild(cell); });
              queues.appendChild(row);
            });
            var latest = state.calling.length ? state.calling[0].announcement : '';
            document.getElementById('announcement').textContent = latest || '请留意叫号';
            if (latest && latest !== spoken && window.speechSynthesis && window.SpeechSynthesisUtterance) {
              var utterance = new SpeechSynthesisUtterance(latest);
              utterance.lang = 'zh-CN';
              window.speechSynthesis.speak(utterance);
            }
            spoken = latest;
          }
          draw(JSON.parse(screen.dataset.state));
          if (!window.EventSource) return;
          var source = new EventSource('/hall/events?office=' + encodeURIComponent(screen.dataset.office));
          source.onopen = function () { screen.dataset.live = 'true'; };
          source.onmessage = function (message) { draw(JSON.parse(message.data)); screen.dataset.updates = String(Number(screen.dataset.updates || 0) + 1); };
        });
        """
}
