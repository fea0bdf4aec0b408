import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The admin console (`/staff/admin`, department and platform admins): every division of the
/// province (the province, its cities, their districts and counties) × every module, each cell
/// whether the module serves that division — the module's own switch and the regional ones
/// (`modules.<id>.regions.<division>.enabled`) resolved as the services resolve them. The page
/// refreshes its cells every few seconds from `/staff/admin/switches.json`, so a config edit
/// shows within seconds. Switching is done in the config file, as the platform's design has it.
extension Portal {
    func addAdminConsole(to router: Router<GatewayRequestContext>) {
        router.get("/staff/admin") { request, context in try await adminPage(request, context) }
        router.get("/staff/admin/switches.json") { request, context in try await switchesJSON(request, context) }
        router.get("/static/admin.js") { _, _ in Self.asset(Self.adminScript, type: "text/javascript; charset=utf-8") }
    }

    struct SwitchMatrix {
        let modules: [(id: String, name: String, health: String)]
        let divisions: [(code: String, name: String, level: Int32)]
        /// "division/module" → serves.
        let serves: [String: Bool]
    }

    /// The admin's session, or the page that says why not.
    func admin(_ request: Request, _ context: GatewayRequestContext) async throws -> Result<Metadata, HTTPError> {
        guard let metadata = staffMetadata(request, context) else { return .failure(HTTPError(.unauthorized)) }
        do {
            let me = try await whoAmI(metadata)
            guard me.role == .platformAdmin || me.role == .departmentAdmin else { return .failure(HTTPError(.forbidden)) }
            return .success(metadata)
        } catch let error as RPCError where error.code == .unauthenticated {
            return .failure(HTTPError(.unauthorized))
        }
    }

    /// The matrix as PlatformService resolves it, in one call (`ListModules` `by_division`).
    func matrix(_ context: GatewayRequestContext) async throws -> SwitchMatrix {
        let response = try await call(
            Fawang_Platform_V1_PlatformService.Method.ListModules.descriptor, Fawang_Platform_V1_ListModulesRequest.with { $0.byDivision = true },
            Self.metadata(context), as: Fawang_Platform_V1_ListModulesResponse.self)
        var serves: [String: Bool] = [:]
        for entry in response.divisions {
            let enabled = Set(entry.enabledModules)
            for module in response.modules { serves["\(entry.division.code)/\(module.id)"] = enabled.contains(module.id) }
        }
        return SwitchMatrix(
            modules: response.modules.map { module in
                let health = module.health == .serving ? "服务中" : !module.unavailableReason.isEmpty ? "中断：\(module.unavailableReason)" : "已停用"
                return (module.id, module.nameZh, health)
            },
            divisions: response.divisions.map { ($0.division.code, $0.division.name, $0.division.level) }, serves: serves)
    }

    func adminPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        switch try await admin(request, context) {
        case .failure(let error) where error.status == .forbidden:
            return messagePage("无权访问", "模块开关总览仅供平台管理员和业务部门管理员使用。", status: .forbidden)
        case .failure:
            return loginPage(request, message: "请先登录")
        case .success:
            let matrix = try await matrix(context)
            let rows: [[String: Any]] = matrix.divisions.map { division in
                [
                    "code": division.code, "name": division.name, "indent": division.level > 1 ? "level-\(division.level)" : "",
                    "cells": matrix.modules.map { module -> [String: Any] in
                        let on = matrix.serves["\(division.code)/\(module.id)"] ?? false
                        return ["key": "\(division.code)/\(module.id)", "on": on, "text": on ? "启用" : "停用"]
                    },
                ]
            }
            return page("admin", title: "模块开关总览", [
                "modules": matrix.modules.map { ["id": $0.id, "name": $0.name, "health": $0.health] }, "rows": rows,
            ])
        }
    }

    func switchesJSON(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard case .success = try await admin(request, context) else {
            return Response(status: .unauthorized, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let matrix = try await matrix(context)
        let object: [String: Any] = [
            "serves": matrix.serves,
            "health": Dictionary(uniqueKeysWithValues: matrix.modules.map { ($0.id, $0.health) }),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let adminScript = """
        // Refreshes the switch matrix every 3 seconds: a config edit shows without reloading.
        (function () {
          function refresh() {
            fetch('/staff/admin/switches.json', { credentials: 'same-origin', cache: 'no-store' })
              .then(function (r) { return r.ok ? r.json() : null; })
              .then(function (data) {
                if (!data) return;
                document.querySelectorAll('td[data-key]').forEach(function (cell) {
                  var on = data.serves[cell.getAttribute('data-key')] === true;
                  cell.className = on ? 'on' : 'off';
                  cell.textContent = on ? '启用' : '停用';
                });
                document.querySelectorAll('[data-health]').forEach(function (cell) {
                  cell.textContent = data.health[cell.getAttribute('data-health')] || '';
                });
                var stamp = document.getElementById('refreshed');
                if (stamp) stamp.textContent = new Date().toLocaleTimeString('zh-CN');
              })
              .catch(function () {});
          }
          setInterval(refresh, 3000);
        })();
        """
}
