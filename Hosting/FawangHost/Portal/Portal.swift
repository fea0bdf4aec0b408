import Crypto
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCProtobuf
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import SwiftProtobuf

/// The public portal, 12348宁夏法网, in Simplified Chinese: server-rendered pages (Mustache
/// templates in ``PortalTemplates``) over the same RPCs as every other channel. It calls the
/// host's services in-process (``GatewayCaller``) with the visitor's address, so limits, module
/// switches, validation and audit are the services' own; it adds only presentation.
///
/// Pages: the home page (the hotline and an entry per enabled module's online services), the
/// online application forms (``RequestForm``, built from each line's intake request and its
/// declared labels; errors shown beside their fields), the submission receipt, and the
/// progress query (tracking number and the phone's last four digits: timeline and deadlines with
/// their articles). State-changing forms carry a CSRF token checked against an `HttpOnly`,
/// `SameSite=Strict` cookie.
struct Portal: Sendable {
    let caller: GatewayCaller
    let forms: [RequestForm]
    /// Steps on a matter that need a signed-in role: the workbench's action forms.
    let stepRows: [(module: String, policy: AccessPolicy, form: RequestForm)]
    /// `module/status` of every status that ends a matter: no deadline runs after it.
    let finished: Set<String>
    let library: MustacheLibrary
    /// Cookies are marked `Secure` (browsers keep them on https and on localhost).
    let secureCookies: Bool
    /// `materials.*`: what the forms' file inputs say they take.
    let materialLimits: MaterialLimits
    /// Every method by its full name: what a form's RPC decodes and encodes with.
    let methods: [String: FawangMethods.Entry]
    /// Module id by its Chinese name (progress reports name the line in Chinese).
    let lineIDs: [String: String]
    /// The module of each matter type (a slot's service → the line whose application goes with it).
    let serviceLines: [String: String]

    /// Files one form may carry at once.
    static let maxFilesPerForm = 5
    /// The WeChat official account's endpoint, when `wechat.token` is set.
    let wechat: WeChatEndpoint?
    /// The host's clock (a page's default span of days).
    let now: @Sendable () -> Date

    init(
        caller: GatewayCaller, plugins: [any DepartmentPlugin], materialLimits: MaterialLimits = MaterialLimits(), secureCookies: Bool = true,
        wechat: WeChatEndpoint? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.now = now
        self.caller = caller
        self.wechat = wechat
        self.materialLimits = materialLimits
        self.methods = Dictionary(FawangMethods.all.map { ($0.descriptor.fullyQualifiedMethod, $0) }) { first, _ in first }
        self.lineIDs = Dictionary(plugins.map { ($0.manifest.nameZH, $0.manifest.id) }) { first, _ in first }
        self.serviceLines = Dictionary(plugins.flatMap { plugin in plugin.manifest.matterTypes.map { ($0.id, plugin.manifest.id) } }) { first, _ in first }
        self.forms = plugins.flatMap { plugin in
            plugin.rpcs.filter(\.isPublicIntake).map { RequestForm(module: plugin.manifest.id, rpc: $0) }
        }
        self.stepRows = plugins.flatMap { plugin in
            // A step changes the matter and answers with it (a read such as SuggestLaws is no step).
            plugin.rpcs.filter {
                $0.policy != .anyone && $0.argument == "tracking_number" && !$0.isPublicIntake
                    && ObjectIdentifier($0.output) == ObjectIdentifier(Fawang_Matter_V1_Matter.self)
            }.map {
                (module: plugin.manifest.id, policy: $0.policy, form: RequestForm(module: plugin.manifest.id, rpc: $0, filled: RequestForm.stepFields))
            }
        }
        self.finished = Set(plugins.flatMap { plugin in
            plugin.manifest.matterTypes.flatMap { type in type.workflow.terminalStatuses.map { "\(plugin.manifest.id)/\($0)" } }
        })
        self.library = try PortalTemplates.library()
        self.secureCookies = secureCookies
    }

    func add(to router: Router<GatewayRequestContext>) {
        router.get("/") { request, context in try await home(request, context) }
        router.get("/region") { request, _ in chooseRegion(request) }
        router.get("/apply") { request, context in try await applyList(request, context) }
        router.get("/apply/:module/:verb") { request, context in try await applyForm(request, context) }
        router.post("/apply/:module/:verb") { request, context in try await submit(request, context) }
        router.get("/progress") { request, _ in progressPage(request, values: [:], report: nil, message: nil) }
        router.post("/progress") { request, context in try await progress(request, context) }
        router.post("/progress/rate") { request, context in try await rate(request, context) }
        router.post("/progress/upload") { request, context in try await progressUpload(request, context) }
        addWorkbench(to: router)
        addAdminConsole(to: router)
        addWebApp(to: router)
        addLawPages(to: router)
        addPublicInfoPages(to: router)
        addAppointmentPages(to: router)
        addWeChat(to: router)
        addHallPages(to: router)
        addDeskPages(to: router)
        addDashboardPages(to: router)
        addImportPages(to: router)
        addSurveyPages(to: router)
        addOpinionPages(to: router)
        addOversightPages(to: router)
        addBulletinPages(to: router)
        addConsultationPages(to: router)
        addMyMatters(to: router)
        router.get("/static/portal.css") { _, _ in Self.asset(PortalTemplates.css + PublicInfoTemplates.css + AppointmentTemplates.css, type: "text/css; charset=utf-8") }
        router.get("/static/portal.js") { _, _ in
            Self.asset(PortalTemplates.javascript + PublicInfoTemplates.javascript, type: "text/javascript; charset=utf-8")
        }
    }

    // MARK: Pages

    func home(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let region = Self.region(request)
        let modules = try await enabledModules(request, context)
        let services: [[String: Any]] = modules.map { module in
            let links = forms.filter { $0.module == module.id && $0.isComplete }.map { ["title": $0.title, "href": "/apply/\($0.module)/\($0.verb)"] }
            return ["name": module.nameZh, "links": links, "hasLinks": !links.isEmpty]
        }
        // The province's cities, each with its districts and counties, for the region choice.
        let divisions = Fawang_Platform_V1_PlatformService.Method.ListDivisions.descriptor
        func children(_ code: String) async throws -> [Fawang_Platform_V1_Division] {
            let request = Fawang_Platform_V1_ListDivisionsRequest.with { $0.parentCode = code }
            return try Fawang_Platform_V1_ListDivisionsResponse(serializedBytes: try await caller.unary(
                divisions, try request.serializedBytes(), metadata: Self.metadata(context), timeout: .seconds(30))).divisions
        }
        var groups: [[String: Any]] = []
        var regionName = ""
        for province in try await children("") {
            for city in try await children(province.code) {
                let counties = try await children(city.code)
                let options = ([city] + counties).map { division -> [String: Any] in
                    if division.code == region { regionName = division.name }
                    return ["code": division.code, "name": division.code == city.code ? "\(city.name)（市本级）" : division.name, "selected": division.code == region]
                }
                groups.append(["name": city.name, "options": options])
            }
        }
        return page("home", title: "首页", [
            "services": services, "groups": groups, "regionName": regionName, "hasRegion": !regionName.isEmpty,
        ])
    }

    /// The visitor's division (`/region?code=640104`): pages then show what serves it.
    func chooseRegion(_ request: Request) -> Response {
        let code = request.uri.queryParameters["code"].map(String.init) ?? ""
        var response = Response(status: .seeOther, headers: [.location: "/"])
        if DivisionCode.isWellFormed(code) {
            response.setCookie(Cookie(name: Self.regionCookie, value: code, maxAge: 365 * 86_400, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        } else {
            response.setCookie(Cookie(name: Self.regionCookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        }
        return response
    }

    static let regionCookie = "fawang_region"

    /// The division the visitor chose, if any.
    static func region(_ request: Request) -> String {
        guard let code = request.cookies[regionCookie]?.value, DivisionCode.isWellFormed(code) else { return "" }
        return code
    }

    func applyList(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let enabled = Set(try await enabledModules(request, context).map(\.id))
        let available = forms.filter { enabled.contains($0.module) && $0.isComplete }
        return page("apply-list", title: "在线申请", ["forms": available.map { ["title": $0.title, "href": "/apply/\($0.module)/\($0.verb)"] }])
    }

    func applyForm(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let form = try await availableForm(request, context) else { return notOffered() }
        // The visitor's division fills in the form's region, where it has one.
        let region = Self.region(request)
        var values = region.isEmpty ? [:] : ["region_code": region]
        // Filed with a booking (`?slot=`, from the booking page): the slot rides along.
        let slot = try await visitSlot(Self.query(request, "slot"), context)
        if let slot { values["_slot"] = slot.id }
        return formPage(form, request: request, values: values, errors: [:], message: nil, slot: slot)
    }

    func submit(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let form = try await availableForm(request, context) else { return notOffered() }
        var request = request
        guard let posted = try await readUpload(&request) else {
            return formPage(form, request: request, values: [:], errors: [Self.filesField: tooLargeText], message: tooLargeText, status: .contentTooLarge)
        }
        let values = posted.values
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        let requestID = values["_request_id"].flatMap { UUID(uuidString: $0)?.uuidString } ?? UUID().uuidString
        let slot = try await visitSlot(values["_slot"] ?? "", context)
        var (json, problems) = form.json(from: values, fixed: ["request_id": requestID, "context": ["channel": "CHANNEL_WEB"]])
        let metadata = citizenMetadata(request, context)
        // The files are checked before the application is filed, so a wrong file files nothing.
        if posted.files.count > Self.maxFilesPerForm {
            problems[Self.filesField] = "一次最多上传\(Self.maxFilesPerForm)个文件，其余的可在提交后到进度查询页面补传"
        } else {
            let check = await upload(posted.files, to: "", phoneLast4: "", metadata: metadata, validateOnly: true)
            if !check.refused.isEmpty { problems[Self.filesField] = check.refused.joined(separator: "；") + "（请重新选择文件）" }
        }
        if !problems.isEmpty {
            // The file input sits at the end of a long form: its problem is named at the top too.
            let text = (["请按提示修改标出的内容后再提交"] + [problems[Self.filesField]].compactMap { $0 }).joined(separator: "；")
            return formPage(form, request: request, values: values, errors: problems, message: text, status: .unprocessableContent, slot: slot)
        }
        do {
            // Signed in, a citizen files under their own account ("my matters"); with a slot, the
            // application goes with the booking (AppointmentService/Book), both or neither.
            var booked: Fawang_Appointment_V1_Booking?
            if let slot { booked = try await bookWithApplication(form, json, slot: slot, requestID: requestID, metadata: metadata) }
            var matter = booked == nil ? try await callForm(form, json, metadata: metadata)["matter"] as? [String: Any] ?? [:] : [:]
            let tracking = booked?.trackingNumber ?? matter["trackingNumber"] as? String ?? ""
            let phone = (matter["applicant"] as? [String: Any] ?? json["applicant"] as? [String: Any])?["phone"] as? String ?? ""
            let last4 = String(phone.filter(\.isNumber).suffix(4))
            // Without a phone (an anonymous complaint) the public has no second factor: no progress
            // query, and files only from a signed-in applicant.
            let trackable = last4.count == 4
            // The matter the booking filed, as its applicant sees it (filed whatever this read says).
            if let booked,
                let report = try? await call(
                    Fawang_Matter_V1_MatterService.Method.QueryProgress.descriptor,
                    Fawang_Matter_V1_QueryProgressRequest.with {
                        $0.trackingNumber = booked.trackingNumber
                        $0.phoneLast4 = last4
                    }, metadata, as: Fawang_Matter_V1_ProgressReport.self)
            {
                matter = ["statusLabel": report.statusLabel, "deadlines": report.deadlines.map { ["summary": $0.summary, "article": $0.article] }]
            }
            let uploaded = trackable || request.cookies[Self.citizenCookie] != nil
                ? await upload(posted.files, to: tracking, phoneLast4: last4, metadata: metadata)
                : (stored: [], refused: posted.files.map { "\($0.fileName)：未留手机号的事项不能在线上传材料，请到受理窗口提交" })
            let deadlines = (matter["deadlines"] as? [[String: Any]] ?? []).map { ["summary": $0["summary"] ?? "", "article": $0["article"] ?? ""] }
            return page("submitted", title: "提交成功", [
                "formTitle": form.title, "trackingNumber": tracking, "statusLabel": matter["statusLabel"] ?? "", "trackable": trackable,
                "booking": booked.map { ["number": $0.number, "slot": Self.slotObject($0.slot)] as [String: Any] } as Any,
                "deadlines": deadlines, "hasDeadlines": !deadlines.isEmpty,
                "materials": uploaded.stored.map(Self.materialRow), "hasMaterials": !uploaded.stored.isEmpty,
                "refused": uploaded.refused, "hasRefused": !uploaded.refused.isEmpty,
            ])
        } catch let error as RPCError {
            // Filed with a booking, the application's fields are named under `application.`.
            let violations = Dictionary(Self.fieldViolations(error).map { key, text in
                (slot != nil && key.hasPrefix("application.") ? String(key.dropFirst("application.".count)) : key, text)
            }) { first, _ in first }
            let known = Set(form.sections.flatMap(\.fields).map(\.path))
            let beside = violations.filter { known.contains($0.key) }
            let elsewhere = violations.filter { !known.contains($0.key) }.map(\.value)
            let text = beside.isEmpty && elsewhere.isEmpty ? error.message : (["请按提示修改标出的内容后再提交"] + elsewhere).joined(separator: "；")
            return formPage(form, request: request, values: values, errors: beside, message: text, status: Self.status(error), slot: slot)
        }
    }

    /// The applicant adds files to an open matter from its progress page (the same two factors).
    func progressUpload(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        guard let posted = try await readUpload(&request) else {
            return progressPage(request, values: [:], report: nil, message: tooLargeText, status: .contentTooLarge)
        }
        guard Self.csrfValid(request, posted.values) else { return csrfRefused() }
        let values = posted.values
        if let problem = Self.fileCountProblem(posted.files) {
            return try await progress(request, context, values: values, notice: problem)
        }
        let result = await upload(
            posted.files, to: values["tracking_number"] ?? "", phoneLast4: values["phone_last4"] ?? "", metadata: citizenMetadata(request, context))
        let stored = result.stored.map { "已上传：\($0.fileName)" }
        return try await progress(request, context, values: values, notice: (stored + result.refused).joined(separator: "；"))
    }

    /// Sends each file to MaterialService/UploadMaterial (with `validateOnly`, only checks them):
    /// what was stored, and a line "file name：reason" for each one refused.
    func upload(
        _ files: [PostedForm.File], to tracking: String, phoneLast4: String, channel: Fawang_Matter_V1_Channel = .web,
        metadata: Metadata, validateOnly: Bool = false
    ) async -> (stored: [Fawang_Matter_V1_Material], refused: [String]) {
        var stored: [Fawang_Matter_V1_Material] = [], refused: [String] = []
        for file in files {
            let request = Fawang_Matter_V1_UploadMaterialRequest.with {
                $0.trackingNumber = tracking
                $0.phoneLast4 = phoneLast4
                $0.fileName = file.fileName
                $0.content = file.content
                $0.context.channel = channel
                $0.validateOnly = validateOnly
            }
            do {
                let bytes = try await caller.unary(
                    Fawang_Matter_V1_MaterialService.Method.UploadMaterial.descriptor, try request.serializedBytes(), metadata: metadata,
                    timeout: .seconds(60))
                stored.append(try Fawang_Matter_V1_Material(serializedBytes: bytes))
            } catch let error as RPCError {
                let reasons = Self.fieldViolations(error).sorted { $0.key < $1.key }.map(\.value)
                refused.append("\(file.fileName)：" + (reasons.isEmpty ? error.message : reasons.joined(separator: "，")))
            } catch {
                refused.append("\(file.fileName)：上传失败，请稍后重试")
            }
        }
        return (stored, refused)
    }

    /// A posted form that may carry files; nil when its body is over ``uploadBodyLimit``.
    func readUpload(_ request: inout Request) async throws -> PostedForm? {
        do {
            return try await PostedForm.read(&request, maxBytes: uploadBodyLimit)
        } catch is NIOTooManyBytesError {
            return nil
        }
    }

    /// What is wrong with the number of files an upload form carries, if anything.
    static func fileCountProblem(_ files: [PostedForm.File]) -> String? {
        if files.isEmpty { return "请选择要上传的文件" }
        return files.count > maxFilesPerForm ? "一次最多上传\(maxFilesPerForm)个文件" : nil
    }

    /// The form field the file input's problems are shown beside.
    static let filesField = "_files"

    /// A posted form's body limit: the largest files the form may carry, and its fields.
    var uploadBodyLimit: Int { materialLimits.maxBytes * Self.maxFilesPerForm + PostedForm.fieldsLimit }

    var tooLargeText: String {
        "上传的文件总大小超过上限（单个文件不超过\(MaterialLimits.describe(bytes: materialLimits.maxBytes))，一次最多\(Self.maxFilesPerForm)个），请压缩或分次上传"
    }

    /// A deadline as the progress and workbench pages show it; a confirmed article links to its text.
    static func deadlineRow(_ deadline: Fawang_Matter_V1_Deadline) -> [String: Any] {
        [
            "label": deadline.label, "article": deadline.article, "summary": deadline.summary,
            "state": stateText(deadline.state), "stateClass": stateClass(deadline.state),
            "hasArticleLink": deadline.articleConfirmed && LawCitation(deadline.article) != nil,
            "articleHref": LawPages.articleHref(deadline.article),
        ]
    }

    /// A material as the receipt, progress and workbench pages list it.
    static func materialRow(_ material: Fawang_Matter_V1_Material) -> [String: Any] {
        [
            "id": material.id, "title": material.title, "fileName": material.fileName,
            "size": MaterialLimits.describe(bytes: Int(material.sizeBytes)), "sha256": material.sha256,
            "shortHash": String(material.sha256.prefix(12)), "at": beijingTime(material.uploadedAt),
            "uploadedBy": material.uploadedBy, "hasUploadedBy": !material.uploadedBy.isEmpty,
        ]
    }

    /// Calls a form's RPC with the JSON the form built; the reply as JSON (proto3 mapping).
    func callForm(_ form: RequestForm, _ json: [String: Any], metadata: Metadata) async throws -> [String: Any] {
        guard let entry = methods[form.method] else { throw RPCError(code: .unimplemented, message: "该服务暂未开放网上办理") }
        let body = try JSONSerialization.data(withJSONObject: json)
        let reply = try await caller.unary(entry.descriptor, try ProtoJSON.decode(entry.input, json: Array(body)), metadata: metadata, timeout: .seconds(30))
        return try JSONSerialization.jsonObject(with: Data(try ProtoJSON.encode(entry.output, binary: reply))) as? [String: Any] ?? [:]
    }

    func progress(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        return try await progress(request, context, values: values, notice: nil)
    }

    func progress(_ request: Request, _ context: GatewayRequestContext, values: [String: String], notice: String?) async throws -> Response {
        let query = Fawang_Matter_V1_QueryProgressRequest.with {
            $0.trackingNumber = values["tracking_number"] ?? ""
            $0.phoneLast4 = values["phone_last4"] ?? ""
        }
        do {
            let bytes = try await caller.unary(
                Fawang_Matter_V1_MatterService.Method.QueryProgress.descriptor, try query.serializedBytes(),
                metadata: Self.metadata(context), timeout: .seconds(30))
            return progressPage(request, values: values, report: try Fawang_Matter_V1_ProgressReport(serializedBytes: bytes), message: notice)
        } catch let error as RPCError {
            let violations = Self.fieldViolations(error)
            return progressPage(request, values: values, report: nil, message: error.message, errors: violations, status: Self.status(error))
        }
    }

    /// The applicant rates an ended matter of any line from its progress page (the same two
    /// factors): MatterService.RateMatter.
    func rate(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        let rating = Fawang_Matter_V1_RateMatterRequest.with {
            $0.trackingNumber = values["tracking_number"] ?? ""
            $0.phoneLast4 = values["phone_last4"] ?? ""
            $0.score = Int32(values["score"] ?? "") ?? 0
            $0.comment = values["comment"] ?? ""
            $0.context.channel = .web
        }
        do {
            _ = try await caller.unary(
                Fawang_Matter_V1_MatterService.Method.RateMatter.descriptor, try rating.serializedBytes(),
                metadata: Self.metadata(context), timeout: .seconds(30))
            return try await progress(request, context, values: values, notice: "感谢您的评价")
        } catch let error as RPCError {
            return try await progress(request, context, values: values, notice: error.message)
        }
    }

    func progressPage(
        _ request: Request, values: [String: String], report: Fawang_Matter_V1_ProgressReport?, message: String?,
        errors: [String: String] = [:], status: HTTPResponse.Status = .ok
    ) -> Response {
        let csrf = Self.csrfToken(request)
        var object: [String: Any] = [
            "trackingNumber": values["tracking_number"] ?? "", "phoneLast4": values["phone_last4"] ?? "",
            "trackingError": errors["tracking_number"] ?? "", "phoneError": errors["phone_last4"] ?? "",
            "hasTrackingError": errors["tracking_number"] != nil, "hasPhoneError": errors["phone_last4"] != nil,
            "message": message ?? "", "hasMessage": message != nil,
        ]
        if let report {
            object["report"] = [
                "trackingNumber": report.trackingNumber, "line": report.businessLineName, "type": report.matterTypeName,
                "statusLabel": report.statusLabel, "applicant": report.applicantNameMasked, "region": report.regionName,
                "timeline": report.timeline.map { event in
                    ["at": Self.beijingTime(event.at), "label": event.label, "note": event.note, "hasNote": !event.note.isEmpty]
                },
                "deadlines": report.deadlines.map(Self.deadlineRow),
            ] as [String: Any]
            let concluded = lineIDs[report.businessLineName].map { finished.contains("\($0)/\(report.status)") } ?? true
            if !concluded {
                object["upload"] = uploadObject(errors: [:])
            }
            // Once it has ended, the applicant rates it once (MatterService.RateMatter).
            if concluded, !report.timeline.contains(where: { $0.kind == MatterRating.event }) {
                object["rating"] = ["csrf": csrf, "scores": MatterRating.labels.map { ["value": $0.score, "label": $0.label] }] as [String: Any]
            }
        }
        object["csrf"] = csrf
        var response = page("progress", title: "进度查询", object, status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    // MARK: Pieces

    struct ModuleSummary { let id: String; let nameZh: String }

    /// The modules serving the visitor's division (all enabled ones when none is chosen).
    func enabledModules(_ request: Request, _ context: GatewayRequestContext) async throws -> [ModuleSummary] {
        let query = Fawang_Platform_V1_ListModulesRequest.with { $0.regionCode = Self.region(request) }
        let bytes = try await caller.unary(
            Fawang_Platform_V1_PlatformService.Method.ListModules.descriptor, try query.serializedBytes(), metadata: Self.metadata(context),
            timeout: .seconds(30))
        return try Fawang_Platform_V1_ListModulesResponse(serializedBytes: bytes).modules
            .filter(\.enabled).map { ModuleSummary(id: $0.id, nameZh: $0.nameZh) }
    }

    func availableForm(_ request: Request, _ context: GatewayRequestContext) async throws -> RequestForm? {
        let module = context.parameters.get("module") ?? "", verb = context.parameters.get("verb") ?? ""
        guard let form = forms.first(where: { $0.module == module && $0.verb == verb }), form.isComplete,
            try await enabledModules(request, context).contains(where: { $0.id == module })
        else { return nil }
        return form
    }

    func formPage(
        _ form: RequestForm, request: Request, values: [String: String], errors: [String: String], message: String?,
        status: HTTPResponse.Status = .ok, slot: Fawang_Appointment_V1_Slot? = nil
    ) -> Response {
        let token = Self.csrfToken(request)
        let sections = Self.sections(form, values: values, errors: errors)
        var response = page("form", title: form.title, [
            "formTitle": form.title, "action": "/apply/\(form.module)/\(form.verb)", "sections": sections,
            "csrf": token, "requestID": values["_request_id"] ?? UUID().uuidString,
            "message": message ?? "", "hasMessage": message != nil, "upload": uploadObject(errors: errors),
            "slot": slot.map(Self.slotObject) as Any,
        ], status: status)
        setCSRFCookie(&response, token)
        return response
    }

    /// The `upload` partial's file input: what it takes, and its error.
    func uploadObject(errors: [String: String]) -> [String: Any] {
        [
            "hint": "支持PDF、JPG、PNG格式（以文件内容为准），单个文件不超过\(MaterialLimits.describe(bytes: materialLimits.maxBytes))，一次最多\(Self.maxFilesPerForm)个；身份证、证明材料可拍照上传。",
            "error": errors[Self.filesField] ?? "", "hasError": errors[Self.filesField] != nil,
        ]
    }

    /// A form's sections for the `fields` partial: each field with its value and error.
    static func sections(_ form: RequestForm, values: [String: String], errors: [String: String]) -> [[String: Any]] {
        form.sections.map { section in
            [
                "legend": section.legend ?? "", "hasLegend": section.legend != nil,
                "fields": section.fields.map { field -> [String: Any] in
                    let value = values[field.path] ?? ""
                    return [
                        "id": "f-\(form.verb)-" + field.path.replacingOccurrences(of: ".", with: "-"), "name": field.path, "label": field.label,
                        "value": value, "error": errors[field.path] ?? "", "hasError": errors[field.path] != nil,
                        "isText": field.kind == .text, "isLongText": field.kind == .longText, "isNumber": field.kind == .number,
                        "isLines": field.kind == .lines, "isCheckbox": field.kind == .checkbox, "checked": value == "on",
                        "isChoice": field.kind == .choice, "isChoices": field.kind == .choices,
                        "options": field.options.enumerated().map { index, option in
                            [
                                "value": option.value, "label": option.label, "index": index,
                                "selected": field.kind == .choices ? value.split(separator: "\n").contains { $0 == option.value } : option.value == value,
                            ]
                        },
                    ]
                },
            ]
        }
    }

    /// A page that only says something: a heading and a sentence (the tab shows `title`, or the heading).
    func messagePage(_ heading: String, title: String? = nil, _ text: String, status: HTTPResponse.Status) -> Response {
        page("message", title: title ?? heading, ["heading": heading, "text": text], status: status)
    }

    /// A call that failed, as the public reads it: the field's problem or the message, with the
    /// HTTP status matching the gRPC code.
    func errorPage(_ heading: String, title: String? = nil, _ error: RPCError) -> Response {
        messagePage(heading, title: title, Self.problem(error), status: Self.status(error))
    }

    func page(_ template: String, title: String, _ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var object = object
        object["title"] = title
        let html = library.render(object, withTemplate: template) ?? "模板缺失：\(template)"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func notOffered() -> Response {
        messagePage("该服务暂未开放网上办理", title: "暂未开放", "请拨打 12348 法律服务热线咨询，或到当地公共法律服务中心（站）办理。", status: .notFound)
    }

    func csrfRefused() -> Response {
        messagePage("页面已过期", "为保护您的信息安全，请返回上一页刷新后重新提交。", status: .forbidden)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let csrfCookie = "fawang_csrf"

    /// Sets the CSRF cookie a page's forms carry the token of.
    func setCSRFCookie(_ response: inout Response, _ token: String) {
        response.setCookie(Cookie(name: Self.csrfCookie, value: token, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
    }

    /// A signed-in session's cookie (citizens' `fawang_citizen` on `/`, staff's `fawang_staff` on
    /// `/staff`): the access token, expiring with it; no session clears the cookie.
    func setSessionCookie(_ response: inout Response, _ name: String, path: String, _ session: Fawang_Identity_V1_Session?) {
        let maxAge = session.map { Int($0.accessExpiresAt.seconds - Int64(Date().timeIntervalSince1970)) } ?? 0
        response.setCookie(Cookie(
            name: name, value: session?.accessToken ?? "", maxAge: maxAge, path: path, secure: secureCookies, httpOnly: true, sameSite: .strict))
    }

    /// IdentityService/Login with a sign-in form's `login` and `password`.
    func signIn(_ values: [String: String], _ context: GatewayRequestContext) async throws -> Fawang_Identity_V1_Session {
        try await call(
            Fawang_Identity_V1_IdentityService.Method.Login.descriptor,
            Fawang_Identity_V1_LoginRequest.with {
                $0.login = values["login"] ?? ""
                $0.password = values["password"] ?? ""
            }, Self.metadata(context), as: Fawang_Identity_V1_Session.self)
    }

    /// IdentityService/Logout for the session `metadata` carries; one already ended is no error.
    func signOut(_ metadata: Metadata) async {
        _ = try? await call(
            Fawang_Identity_V1_IdentityService.Method.Logout.descriptor, Fawang_Identity_V1_LogoutRequest(), metadata,
            as: Fawang_Identity_V1_LogoutResponse.self)
    }

    /// The visitor's CSRF token: the cookie's, or a new one.
    static func csrfToken(_ request: Request) -> String {
        if let value = request.cookies[csrfCookie]?.value, value.count == 64 { return value }
        return SymmetricKey(size: .bits256).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
    }

    /// The form's token equals the cookie's (which another site can neither read nor send).
    static func csrfValid(_ request: Request, _ values: [String: String]) -> Bool {
        guard let cookie = request.cookies[csrfCookie]?.value, cookie.count == 64, let field = values["_csrf"] else { return false }
        return Data(cookie.utf8) == Data(field.utf8)
    }

    /// The fields of a form without files.
    static func formValues(_ request: inout Request) async throws -> [String: String] {
        try await PostedForm.read(&request, maxBytes: PostedForm.fieldsLimit).values
    }

    /// RFC 3986 unreserved characters kept, everything else (Chinese included) %-encoded as UTF-8:
    /// for query values and RFC 5987 file names.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func metadata(_ context: GatewayRequestContext, origin: FawangCore.Channel = .web) -> Metadata {
        GatewayCaller.metadata(peer: context.peer, origin: origin)
    }

    /// What a page says about a refused call: the first field's problem, else the message.
    static func problem(_ error: RPCError) -> String {
        fieldViolations(error).values.sorted().first ?? error.message
    }

    static func fieldViolations(_ error: RPCError) -> [String: String] {
        var violations: [String: String] = [:]
        for detail in (try? error.unpackGoogleRPCStatus())?.details ?? [] {
            for violation in detail.badRequest?.violations ?? [] { violations[violation.field] = violation.violationDescription }
        }
        return violations
    }

    static func status(_ error: RPCError) -> HTTPResponse.Status {
        switch error.code {
        case .invalidArgument, .failedPrecondition: .unprocessableContent
        case .notFound: .notFound
        case .resourceExhausted: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: ConnectError.httpStatus(error.code)
        }
    }

    static func beijingTime(_ timestamp: Google_Protobuf_Timestamp) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: timestamp.date)
    }

    static func stateText(_ state: Fawang_Matter_V1_DeadlineState) -> String {
        switch state {
        case .running: "办理中"
        case .paused: "已中止计算"
        case .met: "已按期办结"
        case .overdue: "已逾期"
        case .metLate: "逾期办结"
        case .dueSoon: "即将到期"
        case .uncomputable: "暂无法计算"
        default: ""
        }
    }

    static func stateClass(_ state: Fawang_Matter_V1_DeadlineState) -> String {
        switch state {
        case .overdue, .metLate: "overdue"
        case .dueSoon: "due-soon"
        case .paused: "paused"
        case .met: "met"
        default: "running"
        }
    }
}
