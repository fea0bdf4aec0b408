import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// A citizen's own pages (`/my`): register under their real name (IdentityService/Register),
/// sign in, and see "my matters" — the matters they filed while signed in (ListMatters narrows a
/// citizen to their own). While signed in, the portal's forms file under their account.
extension Portal {
    static let citizenCookie = "fawang_citizen"

    func addMyMatters(to router: Router<GatewayRequestContext>) {
        router.get("/my") { request, context in try await myMatters(request, context) }
        router.post("/my/login") { request, context in try await citizenLogin(request, context) }
        router.post("/my/register") { request, context in try await citizenRegister(request, context) }
        router.post("/my/logout") { request, context in try await citizenLogout(request, context) }
    }

    /// The signed-in citizen's bearer token, added to a portal call's metadata.
    func citizenMetadata(_ request: Request, _ context: GatewayRequestContext) -> Metadata {
        var metadata = Self.metadata(context)
        if let token = request.cookies[Self.citizenCookie]?.value, !token.isEmpty {
            metadata.addString("Bearer \(token)", forKey: "authorization")
        }
        return metadata
    }

    func myLoginPage(_ request: Request, message: String?, errors: [String: String] = [:], values: [String: String] = [:], status: HTTPResponse.Status = .ok) -> Response {
        let csrf = Self.csrfToken(request)
        var object: [String: Any] = ["csrf": csrf, "message": message ?? "", "hasMessage": message != nil]
        for name in ["phone", "name", "id_number"] { object["v_\(name)"] = values[name] ?? "" }
        for name in ["phone", "password", "name", "id_number"] {
            object["e_\(name)"] = errors[name] ?? ""
            object["has_e_\(name)"] = errors[name] != nil
        }
        var response = page("my-login", title: "我的事项", object, status: status)
        setCSRFCookie(&response, csrf)
        return response
    }

    func signedIn(_ session: Fawang_Identity_V1_Session) -> Response {
        var response = Response(status: .seeOther, headers: [.location: "/my"])
        setSessionCookie(&response, Self.citizenCookie, path: "/", session)
        return response
    }

    func citizenLogin(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        do {
            let session = try await signIn(values, context)
            guard session.principal.role == .citizen else {
                return myLoginPage(request, message: "工作人员请从“工作人员入口”登录", status: .forbidden)
            }
            return signedIn(session)
        } catch let error as RPCError {
            return myLoginPage(request, message: error.message, status: Self.status(error))
        }
    }

    func citizenRegister(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        do {
            // Registering signs the citizen in (the service answers with a session).
            let session = try await call(
                Fawang_Identity_V1_IdentityService.Method.Register.descriptor,
                Fawang_Identity_V1_RegisterRequest.with {
                    $0.phone = values["phone"] ?? ""
                    $0.password = values["password"] ?? ""
                    $0.name = values["name"] ?? ""
                    $0.idNumber = values["id_number"] ?? ""
                }, Self.metadata(context), as: Fawang_Identity_V1_Session.self)
            return signedIn(session)
        } catch let error as RPCError {
            let errors = Self.fieldViolations(error)
            return myLoginPage(
                request, message: errors.isEmpty ? error.message : "请按提示修改后再注册", errors: errors, values: values, status: Self.status(error))
        }
    }

    func citizenLogout(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        var request = request
        let values = try await Self.formValues(&request)
        guard Self.csrfValid(request, values) else { return csrfRefused() }
        await signOut(citizenMetadata(request, context))
        var response = myLoginPage(request, message: "已退出登录")
        setSessionCookie(&response, Self.citizenCookie, path: "/", nil)
        return response
    }

    func myMatters(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard request.cookies[Self.citizenCookie]?.value.isEmpty == false else { return myLoginPage(request, message: nil) }
        let metadata = citizenMetadata(request, context)
        do {
            let me = try await whoAmI(metadata)
            let matters = try await call(
                Fawang_Matter_V1_MatterService.Method.ListMatters.descriptor, Fawang_Matter_V1_ListMattersRequest.with { $0.pageSize = 100 }, metadata,
                as: Fawang_Matter_V1_ListMattersResponse.self
            ).matters
            let csrf = Self.csrfToken(request)
            var response = page("my-matters", title: "我的事项", [
                "who": me.displayName, "csrf": csrf, "empty": matters.isEmpty,
                "rows": matters.map { matter in
                    [
                        "trackingNumber": matter.trackingNumber, "line": matter.businessLineName, "type": matter.matterTypeName,
                        "status": matter.statusLabel, "submitted": Self.beijingTime(matter.submittedAt),
                    ]
                },
            ])
            setCSRFCookie(&response, csrf)
            return response
        } catch let error as RPCError where error.code == .unauthenticated {
            var response = myLoginPage(request, message: "登录已过期，请重新登录", status: .unauthorized)
            setSessionCookie(&response, Self.citizenCookie, path: "/", nil)
            return response
        }
    }
}
