import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf
import Synchronization

/// Bulk data entry for an office (`/staff/import`, `ImportService`): download a line's template,
/// upload the filled CSV or XLSX (a dry run first, if wished), and read the report — each refused row with
/// its reason. The import runs with the signed-in officer's token, so the line's and the
/// division's rules are the service's own.
extension Portal {
    typealias ImportMethod = Fawang_Supervision_V1_ImportService.Method

    func addImportPages(to router: Router<GatewayRequestContext>) {
        router.get("/staff/import") { request, context in importPage(request, context, report: nil, message: nil) }
        router.post("/staff/import") { request, context in try await runImport(request, context) }
        router.get("/staff/import/template") { request, context in try await importTemplate(request, context) }
    }

    /// The lines with a public intake, which is what an import files through.
    var importLines: [(id: String, name: String)] {
        var seen: Set<String> = []
        return forms.compactMap { form in
            guard seen.insert(form.module).inserted else { return nil }
            return (form.module, lineIDs.first { $0.value == form.module }?.key ?? form.module)
        }
    }

    func importPage(
        _ request: Request, _ context: GatewayRequestContext, report: Fawang_Supervision_V1_ImportReport?, message: String?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        guard staffMetadata(request, context) != nil else { return loginPage(request, message: nil) }
        let csrf = Self.csrfToken(request)
        var object: [String: Any] = [
            "csrf": csrf, "lines": importLines.map { ["id": $0.id, "name": $0.name] }, "message": message ?? "", "hasMessage": message != nil,
        ]
        if let report {
            object["report"] = [
                "summary": report.summary,
                "refused": report.refused.map { ["row": $0.row, "key": $0.rowKey, "field": $0.field, "reason": $0.reason] },
                "hasRefused": !report.refused.isEmpty,
            ] as [String: Any]
        }
        var response = page("staff-import", title: "批量导入", object, status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    func runImport(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        guard let posted = try await readUpload(&request) else {
            return importPage(request, context, report: nil, message: "文件过大", status: .contentTooLarge)
        }
        guard Self.csrfValid(request, posted.values) else { return csrfRefused() }
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        guard let file = posted.files.first, !file.content.isEmpty else {
            return importPage(request, context, report: nil, message: "请选择要导入的 CSV 或 Excel（.xlsx）文件", status: .unprocessableContent)
        }
        let importing = Fawang_Supervision_V1_ImportRequest.with {
            $0.businessLine = posted.values["line"] ?? ""
            $0.content = file.content
            $0.fileName = file.fileName
            $0.dryRun = posted.values["dry_run"] == "on"
        }
        do {
            let last = Mutex<[UInt8]>([])
            try await caller.serverStreaming(ImportMethod.ImportRows.descriptor, try importing.serializedBytes(), metadata: metadata, timeout: .seconds(600)) { bytes in
                last.withLock { $0 = bytes }
            }
            let progress = try Fawang_Supervision_V1_ImportProgress(serializedBytes: last.withLock { $0 })
            return importPage(request, context, report: progress.report, message: nil)
        } catch let error as RPCError {
            return importPage(request, context, report: nil, message: Self.problem(error), status: Self.status(error))
        }
    }

    func importTemplate(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let metadata = staffMetadata(request, context) else { return loginPage(request, message: nil) }
        do {
            let file = try await call(
                ImportMethod.GetImportTemplate.descriptor, Fawang_Supervision_V1_ImportTemplateRequest.with { $0.businessLine = Self.query(request, "line") },
                metadata, as: Fawang_Supervision_V1_ExportedFile.self)
            return Self.download(file)
        } catch let error as RPCError {
            return errorPage("批量导入", error)
        }
    }
}

enum ImportTemplates {
    static let templates: [String: String] = [
        "staff-import": """
            {{> top}}
            <div class="bar"><h1>批量导入</h1><a href="/staff">待办事项</a><a href="/staff/dashboard">监管统计</a></div>
            <p>本单位在其他系统登记的记录，按条线的模板填写后上传：每一行都按该条线的受理规则逐项校验，通过的建档（渠道“批量导入”），未通过的逐行说明原因。同一记录编号重复导入不会重复建档，修改后可以重新导入同一文件。</p>
            <ul id="import-templates">{{#lines}}<li><a href="/staff/import/template?line={{id}}">下载「{{name}}」导入模板</a></li>{{/lines}}</ul>
            {{#hasMessage}}<div class="alert" role="alert" id="import-message">{{message}}</div>{{/hasMessage}}
            <form method="post" action="/staff/import" enctype="multipart/form-data" id="import-form">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <div class="field"><label for="f-iline">业务条线</label><select id="f-iline" name="line">{{#lines}}<option value="{{id}}">{{name}}</option>{{/lines}}</select></div>
              <div class="field"><label for="f-ifile">CSV（UTF-8）或 Excel（.xlsx）文件</label><input type="file" id="f-ifile" name="_files" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"></div>
              <div class="field"><label><input type="checkbox" name="dry_run"> 试导入：只校验，不写入</label></div>
              <p><button type="submit" class="button">导入</button></p>
            </form>
            {{#report}}
            <section class="report" id="import-report" aria-live="polite">
              <h2 id="import-summary">{{summary}}</h2>
              {{#hasRefused}}<table class="catalogue" id="import-refused"><thead><tr><th>行</th><th>记录编号</th><th>字段</th><th>原因</th></tr></thead>
              <tbody>{{#refused}}<tr><td>{{row}}</td><td>{{key}}</td><td>{{field}}</td><td>{{reason}}</td></tr>{{/refused}}</tbody></table>{{/hasRefused}}
            </section>
            {{/report}}
            {{> bottom}}
            """,
    ]
}
