import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The staff workbench (`/staff`): sign-in, the queue of matters in the staff member's division
/// and line, coloured by the deadline engine's alerts (overdue, due soon), filters, and a matter page with the steps of its line that the staff member's role
/// may take, each a form built from the step's request message. Every call carries the staff
/// member's access token (kept in an `HttpOnly`, `SameSite=Strict` cookie), so what they see and
/// may do is the services' own rule.
extension Portal {
    static let sessionCookie = "fawang_staff"

    func addWorkbench(to router: Router<GatewayRequestContext>) {
        router.get("/staff") { request, context in try await queue(request, context) }
        router.post("/staff/login") { request, context in try await login(request, context) }
        router.post("/staff/logout") { request, context in try await logout(request, context) }
        router.get("/staff/matter/:number") { request, context in try await matterPage(request, context, notice: nil, errors: [:], failed: nil) }
        router.post("/staff/matter/:number/:verb") { request, context in try await takeStep(request, context) }
        router.post("/staff/materials/:number") { request, context in try await staffUpload(request, context) }
        router.get("/staff/material/:id") { request, context in try await download(request, context) }
        router.get("/staff/alerts") { request, context in liveAlerts(request, context) }
        router.get("/static/workbench.js") { _, _ in Self.asset(Self.workbenchScript, type: "text/javascript; charset=utf-8") }
    }

    /// The staff member's deadline alerts as Server-Sent Events, from `DeadlineService/WatchAlerts`
    /// with their own token: the current alerts, a marker when they are all sent, then each alert
    /// raised or cleared as it happens. The call ends when the page goes.
    func liveAlerts(_ request: Request, _ context: GatewayRequestContext) -> Response {
        guard let metadata = staffMetadata(request, context) else {
            return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "请先登录")))
        }
        let watch = Fawang_Deadline_V1_DeadlineService.Method.WatchAlerts.descriptor
        return eventStream(watch, Fawang_Deadline_V1_WatchAlertsRequest(), metadata) { (update: Fawang_Deadline_V1_AlertUpdate) in
            let event: [String: Any] = [
                "change": update.change == .cleared ? "cleared" : "raised", "synced": update.initialSyncDone,
                "trackingNumber": update.alert.trackingNumber, "kind": update.alert.kind == .overdue ? "overdue" : "due-soon",
                "summary": update.alert.summary.isEmpty ? update.alert.label : update.alert.summary, "article": update.alert.article,
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// A server-streaming call relayed as Server-Sent Events: `render` makes each message one
    /// `data:` line; an error ends it with a `failed` event. A comment line every 15 s: writing it
    /// to a page that has gone ends the relay (and frees the watcher) without waiting for the next
    /// message.
    func eventStream<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
        _ descriptor: MethodDescriptor, _ request: Input, _ metadata: Metadata, render: @escaping @Sendable (Output) throws -> String
    ) -> Response {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let caller = self.caller
        let task = caller.streams.start {
            let heartbeat = Task {
                while (try? await Task.sleep(for: .seconds(15))) != nil { continuation.yield(ByteBuffer(string: ": keep-alive\n\n")) }
            }
            defer { heartbeat.cancel() }
            do {
                try await caller.serverStreaming(descriptor, try request.serializedBytes(), metadata: metadata, timeout: nil) { bytes in
                    continuation.yield(ByteBuffer(string: "data: \(try render(try Output(serializedBytes: bytes)))\n\n"))
                }
            } catch let error as RPCError {
                continuation.yield(ByteBuffer(string: "event: failed\ndata: \(error.message)\n\n"))
            } catch {}
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"], body: .init(asyncSequence: stream))
    }

    static let workbenchScript = """
        // Live deadline alerts on the queue (Server-Sent Events from /staff/alerts).
        document.addEventListener('DOMContentLoaded', function () {
          var box = document.getElementById('live-alerts');
          if (!box || !window.EventSource) return;
          var status = box.querySelector('.status'), list = box.querySelector('ul'), count = 0, synced = false;
          var source = new EventSource('/staff/alerts');
          source.onmessage = function (message) {
            var update = JSON.parse(message.data);
            if (update.trackingNumber) {
              var row = document.querySelector('tr[data-number="' + update.trackingNumber + '"]');
              if (update.change === 'raised') {
                count += 1;
                if (row) row.className = update.kind;
                if (synced) {
                  var item = document.createElement('li');
                  item.className = update.kind;
                  item.textContent = update.trackingNumber + '：' + update.summary + '（' + update.article + '）';
                  list.insertBefore(item, list.firstChild);
                }
              } else if (update.change === 'cleared') {
                count = Math.max(0, count - 1);
                if (row && row.className !== 'finished') row.className = 'running';
              }
            }
            if (update.synced) synced = true;
            if (synced) status.textContent = '实时期限提醒已连接：当前' + count + '条提醒';
          };
          source.addEventListener('failed', function (message) { status.textContent = '实时期限提醒未连接：' + message.data; source.close(); });
          source.onerror = function () { if (source.readyState === 2) status.textContent = '实时期限提醒已断开，请刷新页面'; };
        });
        """

    // MARK: Session

    func staffMetadata(_ request: Request, _ context: GatewayRequestContext) -> Metadata? {
        guard let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty else { return nil }
        var metadata = Self.metadata(context)
        metadata.addString("Bearer \(token)", forKey: "authorization")
        return metadata
    }

    func call<Request: SwiftProtobuf.Message, Reply: SwiftProtobuf.Message>(
        _ descriptor: MethodDescriptor, _ message: Request, _ metadata: Metadata, as: Reply.Type
    ) async throws -> Reply {
        try Reply(serializedBytes: try await caller.unary(descriptor, try message.serializedBytes(), metadata: metadata, timeout: .seconds(30)))
    }

    /// Who the session belongs to (IdentityService/WhoAmI with its token).
    func whoAmI(_ metadata: Metadata) async throws -> Fawang_Identity_V1_Principal {
        try await call(
            Fawang_Identity_V1_IdentityService.Method.WhoAmI.descriptor, Fawang_Identity_V1_WhoAmIRequest(), metadata,
            as: Fawang_Identity_V1_Principal.self)
    }

    func loginPage(_ request: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = Self.csrfToken(request)
        var response = page("staff-login", title: "工作人员登录", ["csrf": csrf, "message": message ?? "", "hasMessage": message != nil], status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    func login(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        do {
            let session = try await signIn(values, context)
            // Staff and admins; and lawyers and legal service workers, for the matters assigned to
            // them (a consultation routed to them on duty, a legal aid case).
            guard [.staff, .departmentAdmin, .platformAdmin, .professional].contains(session.principal.role) else {
                return loginPage(request, message: "工作台仅供司法行政机关工作人员和承办的法律服务人员使用", status: .forbidden)
            }
            var response = Response(status: .seeOther, headers: [.location: "/staff"])
            setSessionCookie(&response, Self.sessionCookie, path: "/staff", session)
            return response
        } catch let error as RPCError {
            return loginPage(request, message: error.message, status: Self.status(error))
        }
    }

    func logout(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        if let metadata = staffMetadata(request, context) { await signOut(metadata) }
        var response = loginPage(request, message: "已退出登录")
        setSessionCookie(&response, Self.sessionCookie, path: "/staff", nil)
        return response
    }

    // MARK: Queue

    func queue(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let line = request.uri.queryParameters["line"].map(String.init) ?? ""
        let status = request.uri.queryParameters["status"].map(String.init) ?? ""
        do {
            let me = try await whoAmI(metadata)
            // A professional's queue is what is assigned to them, of any line and division.
            let handler = me.role != .professional
            var filterMessage: String?
            var matters: [Fawang_Matter_V1_Matter] = []
            do {
                matters = try await call(
                    Fawang_Matter_V1_MatterService.Method.ListMatters.descriptor,
                    Fawang_Matter_V1_ListMattersRequest.with {
                        $0.businessLine = line.isEmpty && handler ? me.department : line
                        $0.status = status
                        $0.regionCode = handler ? me.regionCode : ""
                        $0.pageSize = 200
                    }, metadata, as: Fawang_Matter_V1_ListMattersResponse.self
                ).matters
            } catch let error as RPCError where error.code == .invalidArgument {
                filterMessage = error.message
            }
            // The deadline engine's alerts colour the queue: overdue, then due soon (staff's).
            let alerts = handler ? try await call(
                Fawang_Deadline_V1_DeadlineService.Method.ListAlerts.descriptor,
                Fawang_Deadline_V1_ListAlertsRequest.with { $0.businessLine = line.isEmpty ? me.department : line }, metadata,
                as: Fawang_Deadline_V1_ListAlertsResponse.self
            ).alerts : []
            var pressing: [String: Fawang_Deadline_V1_DeadlineAlert] = [:]
            for alert in alerts {
                if let known = pressing[alert.trackingNumber], Self.rank(known.kind) <= Self.rank(alert.kind) { continue }
                pressing[alert.trackingNumber] = alert
            }
            let rows: [[String: Any]] = matters.map { matter in
                let alert = pressing[matter.trackingNumber]
                let (stateClass, state): (String, String) = switch alert?.kind {
                case .overdue: ("overdue", "已逾期")
                case .dueSoon: ("due-soon", "即将到期")
                case .calendarMissing: ("due-soon", "期限待定")
                default: finished.contains("\(matter.businessLine)/\(matter.status)") ? ("finished", "已办结") : ("running", "")
                }
                return [
                    "trackingNumber": matter.trackingNumber, "href": "/staff/matter/\(matter.trackingNumber.replacingOccurrences(of: " ", with: ""))",
                    "line": matter.businessLineName, "type": matter.matterTypeName, "status": matter.statusLabel,
                    "applicant": matter.applicant.name, "region": matter.regionName, "submitted": Self.beijingTime(matter.submittedAt),
                    "deadline": alert.map { "\($0.label) \($0.dueDate)（\($0.article)）" } ?? "", "stateClass": stateClass, "state": state,
                ]
            }
            let csrf = Self.csrfToken(request)
            var response = page("staff-queue", title: "工作台", [
                "who": "\(me.displayName)（\(me.regionCode)）", "rows": rows, "count": rows.count, "empty": rows.isEmpty,
                "isAdmin": me.role == .platformAdmin || me.role == .departmentAdmin, "isHandler": handler,
                "line": line, "status": status, "filterMessage": filterMessage ?? "", "hasFilterMessage": filterMessage != nil, "csrf": csrf,
            ])
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError where error.code == .unauthenticated {
            return loginPage(request, message: "登录已过期，请重新登录", status: .unauthorized)
        }
    }

    /// Which alert a clerk must see first: overdue, then due soon, then a missing calendar.
    static func rank(_ kind: Fawang_Deadline_V1_AlertKind) -> Int {
        switch kind {
        case .overdue: 0
        case .dueSoon: 1
        default: 2
        }
    }

    // MARK: Matter

    /// The steps of `line` a staff member may take on a matter, as forms.
    func stepForms(line: String, role: Fawang_Identity_V1_Role) -> [RequestForm] {
        guard let role = Role(role) else { return [] }
        return stepRows.filter { row in
            guard row.module == line else { return false }
            if case .roles(let roles) = row.policy { return roles.contains(role) }
            return false
        }.map(\.form).filter(\.isComplete)
    }

    func matterPage(
        _ request: Request, _ context: GatewayRequestContext, notice: String?, errors: [String: String], failed: String?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let number = context.parameters.get("number") ?? ""
        do {
            let me = try await whoAmI(metadata)
            let matter = try await call(
                Fawang_Matter_V1_MatterService.Method.GetMatter.descriptor, Fawang_Matter_V1_GetMatterRequest.with { $0.trackingNumber = number },
                metadata, as: Fawang_Matter_V1_Matter.self)
            let materials = try await call(
                Fawang_Matter_V1_MaterialService.Method.ListMaterials.descriptor,
                Fawang_Matter_V1_ListMaterialsRequest.with { $0.trackingNumber = number }, metadata,
                as: Fawang_Matter_V1_ListMaterialsResponse.self
            ).materials
            let csrf = Self.csrfToken(request)
            let actions: [[String: Any]] = stepForms(line: matter.businessLine, role: me.role).map { form in
                [
                    "title": form.title, "verb": form.verb, "action": "/staff/matter/\(number)/\(form.verb)", "csrf": csrf,
                    "failed": failed == form.verb, "sections": Self.sections(form, values: [:], errors: failed == form.verb ? errors : [:]),
                ]
            }
            var response = page("staff-matter", title: "事项 \(matter.trackingNumber)", [
                "trackingNumber": matter.trackingNumber, "line": matter.businessLineName, "type": matter.matterTypeName,
                "status": matter.statusLabel, "applicant": matter.applicant.name, "idNumber": matter.applicant.idNumber,
                "phone": matter.applicant.phone, "region": matter.regionName, "channel": Self.channelText(matter.channel),
                "deadlines": matter.deadlines.map(Self.deadlineRow),
                "timeline": matter.timeline.map {
                    ["at": Self.beijingTime($0.at), "label": $0.label, "note": $0.note, "hasNote": !$0.note.isEmpty, "actor": $0.actor, "hasActor": !$0.actor.isEmpty]
                },
                "actions": actions, "notice": notice ?? "", "hasNotice": notice != nil,
                "materials": materials.map { material in Self.materialRow(material).merging(["download": true]) { $1 } },
                "hasMaterials": !materials.isEmpty,
                "upload": uploadObject(errors: [:]), "uploadAction": "/staff/materials/\(number)", "csrf": csrf,
            ], status: status)
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError where error.code == .unauthenticated {
            return loginPage(request, message: "登录已过期，请重新登录", status: .unauthorized)
        } catch let error as RPCError {
            return errorPage("无法查看该事项", title: "无法查看", error)
        }
    }

    func takeStep(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        let number = context.parameters.get("number") ?? "", verb = context.parameters.get("verb") ?? ""
        guard let row = stepRows.first(where: { $0.form.verb == verb && $0.form.isComplete }) else { return notOffered() }
        let (json, problems) = row.form.json(from: values, fixed: ["tracking_number": number, "context": ["channel": "CHANNEL_WALK_IN"]])
        if !problems.isEmpty {
            return try await matterPage(request, context, notice: "请按提示修改后再办理", errors: problems, failed: verb, status: .unprocessableContent)
        }
        do {
            _ = try await callForm(row.form, json, metadata: metadata)
            return try await matterPage(request, context, notice: "已办理：\(row.form.title)", errors: [:], failed: nil)
        } catch let error as RPCError {
            return try await matterPage(
                request, context, notice: error.message, errors: Self.fieldViolations(error), failed: verb, status: Self.status(error))
        }
    }

    /// A window clerk attaches scanned paper materials (recorded under the clerk, walk-in).
    func staffUpload(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        guard let posted = try await readUpload(&request) else {
            return try await matterPage(request, context, notice: tooLargeText, errors: [:], failed: nil, status: .contentTooLarge)
        }
        guard Self.csrfValid(request, posted.values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        if let problem = Self.fileCountProblem(posted.files) {
            return try await matterPage(request, context, notice: problem, errors: [:], failed: nil, status: .unprocessableContent)
        }
        let result = await upload(
            posted.files, to: context.parameters.get("number") ?? "", phoneLast4: "", channel: .walkIn, metadata: metadata)
        let notice = (result.stored.map { "已上传：\($0.fileName)" } + result.refused).joined(separator: "；")
        return try await matterPage(request, context, notice: notice, errors: [:], failed: nil, status: result.refused.isEmpty ? .ok : .unprocessableContent)
    }

    /// One material, as a file download for staff who may see its matter (audited by the service).
    func download(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let file = try await call(
                Fawang_Matter_V1_MaterialService.Method.DownloadMaterial.descriptor,
                Fawang_Matter_V1_DownloadMaterialRequest.with { $0.id = context.parameters.get("id") ?? "" }, metadata,
                as: Fawang_Matter_V1_MaterialContent.self)
            // RFC 6266 / RFC 5987: an ASCII fallback and the UTF-8 name.
            let encoded = Self.percentEncoded(file.material.fileName)
            let fallback = "material-\(file.material.id.prefix(8)).\((file.material.fileName as NSString).pathExtension)"
            return Response(
                status: .ok,
                headers: [
                    .contentType: file.material.contentType,
                    .contentDisposition: "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)",
                    .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: file.content)))
        } catch let error as RPCError where error.code == .unauthenticated {
            return loginPage(request, message: "登录已过期，请重新登录", status: .unauthorized)
        } catch let error as RPCError {
            return errorPage("无法下载该材料", title: "无法下载", error)
        }
    }

    static func channelText(_ channel: Fawang_Matter_V1_Channel) -> String {
        switch channel {
        case .hotline: "12348热线"
        case .walkIn: "窗口"
        case .web: "网站"
        case .mobile: "移动客户端"
        case .wechat: "微信"
        case .api: "系统接口"
        case .import: "批量导入"
        default: ""
        }
    }
}
