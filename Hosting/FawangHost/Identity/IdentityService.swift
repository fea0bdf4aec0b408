import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import X509
import SwiftProtobuf

/// `fawang.identity.v1.IdentityService`: login, refresh, logout, who am I.
struct IdentityService: Fawang_Identity_V1_IdentityService.SimpleServiceProtocol {
    static let maxFailures = 5
    static let lockout: TimeInterval = 15 * 60

    let store: any IdentityStore
    let tokens: TokenIssuer
    let hasher: PasswordHasher
    let now: @Sendable () -> Date
    /// Sign-in and registration hash here, one at a time per host, off the cooperative pool and
    /// outside the write transaction: a burst of attempts queues here instead of taking a thread
    /// and 32 MiB each (before, the writer serialised them and everything else waited too).
    let hashing = DispatchQueue(label: "fawang.identity.password-hashing")

    func login(request: Fawang_Identity_V1_LoginRequest, context: ServerContext) async throws -> Fawang_Identity_V1_Session {
        var check = FieldValidator()
        check.requireText(request.login, "login", label: "账号或手机号", maxLength: 64)
        check.require(!request.password.isEmpty && request.password.count <= 256, "password", "请填写密码")
        try check.check()
        let hasher = self.hasher
        let password = request.password
        let attempt = try await store.attemptLogin(
            login: request.login, at: now(), maxFailures: Self.maxFailures, lockout: Self.lockout
        ) { [hashing] account in await hasher.verifyOffPool(password, against: account.passwordHash, on: hashing) }
        switch attempt {
        case .accepted(let principal):
            return try await session(for: principal)
        case .unknownLogin, .wrongPassword:
            // The same answer for an unknown account and a wrong password.
            throw FawangError(.unauthenticated, "账号或密码不正确")
        case .locked(let until):
            let minutes = max(1, Int((until.timeIntervalSince(now()) / 60).rounded(.up)))
            throw FawangError(.resourceExhausted, "登录失败次数过多，账户已临时锁定，请\(minutes)分钟后再试")
        }
    }

    func register(request: Fawang_Identity_V1_RegisterRequest, context: ServerContext) async throws -> Fawang_Identity_V1_Session {
        var check = FieldValidator()
        let phone = PhoneNumber.normalized(request.phone)
        check.require(phone.count == 11 && phone.first == "1", "phone", "请填写11位手机号")
        check.requireText(request.name, "name", label: "姓名", maxLength: 50)
        if let problem = ResidentIdentityNumber.problem(with: request.idNumber, now: now()) { check.fail("id_number", problem) }
        let password = request.password
        let strong = password.count >= 8 && password.count <= 128 && password.contains(where: \.isLetter) && password.contains(where: \.isNumber)
        check.require(strong, "password", "密码至少8位，须同时包含字母和数字")
        try check.check()
        let principal = Principal(
            accountID: "citizen-\(phone)", displayName: request.name.trimmingCharacters(in: .whitespaces), role: .citizen, regionCode: "")
        let passwordHash = try await hasher.hashOffPool(password, on: hashing)
        try await store.register(
            Account(principal: principal, login: phone, passwordHash: passwordHash), identityNumber: request.idNumber.uppercased())
        return try await session(for: principal)
    }

    func refresh(request: Fawang_Identity_V1_RefreshRequest, context: ServerContext) async throws -> Fawang_Identity_V1_Session {
        guard !request.refreshToken.isEmpty else { throw FawangError.invalidArgument(field: "refresh_token", "请提供刷新令牌") }
        guard let principal = try await store.consumeRefreshToken(hash: TokenIssuer.hash(request.refreshToken), at: now()) else {
            throw FawangError(.unauthenticated, "登录已失效，请重新登录")
        }
        return try await session(for: principal)
    }

    func logout(request: Fawang_Identity_V1_LogoutRequest, context: ServerContext) async throws -> Fawang_Identity_V1_LogoutResponse {
        if !request.refreshToken.isEmpty {
            try await store.revokeRefreshToken(hash: TokenIssuer.hash(request.refreshToken), at: now())
        }
        if let presented = Authentication.Presented.current {
            try await store.revokeAccessToken(id: presented.tokenID, expiresAt: presented.expiresAt)
            tokens.verified.revoke(id: presented.tokenID)
        }
        return .init()
    }

    func whoAmI(request: Fawang_Identity_V1_WhoAmIRequest, context: ServerContext) async throws -> Fawang_Identity_V1_Principal {
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        return Self.proto(principal)
    }

    private func session(for principal: Principal) async throws -> Fawang_Identity_V1_Session {
        let time = now()
        let access = try await tokens.accessToken(for: principal, now: time)
        let refresh = TokenIssuer.refreshToken()
        let refreshExpiry = time.addingTimeInterval(tokens.refreshLifetime)
        try await store.storeRefreshToken(hash: refresh.hash, accountID: principal.accountID, expiresAt: refreshExpiry)
        return .with {
            $0.accessToken = access.token
            $0.accessExpiresAt = Google_Protobuf_Timestamp(date: access.expiresAt)
            $0.refreshToken = refresh.token
            $0.refreshExpiresAt = Google_Protobuf_Timestamp(date: refreshExpiry)
            $0.principal = Self.proto(principal)
        }
    }

    static func proto(_ principal: Principal) -> Fawang_Identity_V1_Principal {
        .with {
            $0.accountID = principal.accountID
            $0.displayName = principal.displayName
            $0.role = Fawang_Identity_V1_Role(principal.role)
            $0.regionCode = principal.regionCode
            $0.organizationID = principal.organizationID
            $0.department = principal.department
        }
    }
}

/// Who is calling, from `authorization: Bearer <token>`: a valid token is the call's principal
/// (``PlatformInterceptor`` sets `Principal.current` from it); a forged, malformed, expired or
/// revoked one is refused `UNAUTHENTICATED`. Without a token, a client certificate (mutual TLS)
/// whose common name is a service account's login signs the call in as that account. Otherwise
/// the call is anonymous, and the access policies decide.
struct Authentication: Sendable {
    /// The token the current call presented, for logout.
    struct Presented: Sendable {
        var tokenID: String
        var expiresAt: Date
        @TaskLocal static var current: Presented?
    }

    /// A signed-in caller: the principal, and the token it presented (none for a certificate).
    struct Caller: Sendable {
        var principal: Principal
        var presented: Presented?
    }

    let tokens: TokenIssuer
    let store: any IdentityStore

    /// The common name of the verified client certificate, when the connection is mutual TLS.
    static func clientCertificateName(_ context: ServerContext) -> String? {
        guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
            let certificate = transport.peerCertificate
        else { return nil }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return nil
    }

    /// The token's principal from ``VerifiedTokens`` when this host has verified it before (its
    /// revocation looked up again when due), else from full verification.
    func authenticate(_ token: String) async throws -> VerifiedTokens.Entry {
        let (now, instant) = (Date(), ContinuousClock.now)
        let cache = tokens.verified
        if let (entry, recheck) = cache.lookup(token, now: now, at: instant) {
            guard recheck else { return entry }
            var checked = entry
            checked.revoked = try await store.isAccessTokenRevoked(id: entry.id)
            checked.revocationCheckedAt = instant
            cache.store(token, checked, now: now)
            return checked
        }
        let verified: (principal: Principal, id: String, expiresAt: Date)
        do {
            verified = try await tokens.verify(token)
        } catch {
            throw FawangError(.unauthenticated, "登录已失效或凭证无效，请重新登录")
        }
        let entry = VerifiedTokens.Entry(
            principal: verified.principal, id: verified.id, expiresAt: verified.expiresAt,
            revoked: try await store.isAccessTokenRevoked(id: verified.id), revocationCheckedAt: instant)
        cache.store(token, entry, now: now)
        return entry
    }

    /// The caller of a call with these request headers; nil when anonymous.
    func caller(_ metadata: Metadata, context: ServerContext) async throws -> Caller? {
        guard let header = metadata[stringValues: "authorization"].first(where: { _ in true }) else {
            if let name = Self.clientCertificateName(context), let account = try await store.account(login: name), account.principal.role == .service {
                return Caller(principal: account.principal)
            }
            return nil
        }
        guard header.hasPrefix("Bearer "), header.utf8.count > 7 else {
            throw FawangError(.unauthenticated, "登录凭证格式不正确，请重新登录")
        }
        let verified = try await authenticate(String(header.dropFirst(7)))
        guard !verified.revoked else { throw FawangError(.unauthenticated, "该登录已退出，请重新登录") }
        return Caller(principal: verified.principal, presented: Presented(tokenID: verified.id, expiresAt: verified.expiresAt))
    }
}
