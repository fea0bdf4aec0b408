import Crypto
import FawangCore
import Foundation
import JWTKit
import Logging
import Synchronization

/// Signs and verifies access tokens (JWT, HS256) and makes refresh tokens.
///
/// The HMAC key comes from `FAWANG_TOKEN_KEY` (base64, at least 32 bytes) or a key file next to the
/// database (`fawang.token-key`, created with a fresh key, mode 0600). Rotating it logs everyone out.
final class TokenIssuer: Sendable {
    struct AccessClaims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var jti: IDClaim
        var name: String
        var role: String
        var region: String
        var org: String
        var dept: String
        /// The account's channel (Principal.channel); absent for none.
        var chan: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    static let environmentVariable = "FAWANG_TOKEN_KEY"

    let accessLifetime: TimeInterval
    let refreshLifetime: TimeInterval
    private let keys: JWTKeyCollection
    /// Tokens already verified, so each is checked (signature, JSON) once, not on every call.
    let verified = VerifiedTokens()

    init(secret: Data, accessLifetime: TimeInterval, refreshLifetime: TimeInterval) async {
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
    }

    /// The secret from `FAWANG_TOKEN_KEY` or the key file at `path` (created if missing).
    static func loadSecret(path: String, logger: Logger) throws -> Data {
        let source = SecretSource(environmentVariable: environmentVariable, path: path, label: "token signing key")
        let text = try source.load(logger: logger) {
            SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString() + "\n"
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count >= 32 else {
            throw FawangError(.failedPrecondition, "the token signing key (\(environmentVariable) or \(path)) must be base64 of at least 32 bytes")
        }
        return data
    }

    func accessToken(for principal: Principal, now: Date) async throws -> (token: String, expiresAt: Date) {
        let expiresAt = now.addingTimeInterval(accessLifetime)
        let claims = AccessClaims(
            sub: .init(value: principal.accountID), exp: .init(value: expiresAt), iat: .init(value: now),
            jti: .init(value: UUID().uuidString), name: principal.displayName, role: principal.role.rawValue,
            region: principal.regionCode, org: principal.organizationID, dept: principal.department,
            chan: principal.channel?.rawValue)
        return (try await keys.sign(claims), expiresAt)
    }

    /// The token's principal, id and expiry; throws for a forged, malformed or expired token.
    func verify(_ token: String) async throws -> (principal: Principal, id: String, expiresAt: Date) {
        let claims = try await keys.verify(token, as: AccessClaims.self)
        guard let role = Role(rawValue: claims.role) else { throw FawangError(.internalError, "token names unknown role") }
        let principal = Principal(
            accountID: claims.sub.value, displayName: claims.name, role: role, regionCode: claims.region,
            organizationID: claims.org, department: claims.dept, channel: claims.chan.flatMap(Channel.init(rawValue:)))
        return (principal, claims.jti.value, claims.exp.value)
    }

    /// A random refresh token (to give out) and its SHA-256 (to store).
    static func refreshToken() -> (token: String, hash: String) {
        let token = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (token, hash(token))
    }

    static func hash(_ refreshToken: String) -> String { RequestDigest.sha256Hex(Data(refreshToken.utf8)) }
}

/// Access tokens this host has verified, by their text, and whether each was revoked when last
/// looked up: the authenticated path then costs a dictionary lookup instead of an HMAC, a base64
/// and JSON decode and a database read on every call.
///
/// - Only a token that verified is kept, under its whole text (signature included): a forged or
///   altered token never matches an entry and goes through full verification.
/// - An entry is used only until the token expires.
/// - Revocation: a logout on this host marks the entry at once (``revoke(id:)``); otherwise the
///   revocation table is looked up again when the last look is older than
///   ``revocationRecheck``, so a logout on another host sharing the database takes effect within
///   that time.
/// - At ``capacity`` entries the expired ones are dropped, and if that is not enough, all of them.
final class VerifiedTokens: Sendable {
    struct Entry: Sendable {
        let principal: Principal
        let id: String
        let expiresAt: Date
        var revoked: Bool
        var revocationCheckedAt: ContinuousClock.Instant
    }

    static let capacity = 50_000
    static let revocationRecheck: Duration = .seconds(2)

    private let entries = Mutex<[String: Entry]>([:])

    /// The unexpired entry for `token`, and whether its revocation must be looked up again.
    func lookup(_ token: String, now: Date, at instant: ContinuousClock.Instant) -> (entry: Entry, recheck: Bool)? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.expiresAt > now else {
                entries[token] = nil
                return nil
            }
            return (entry, !entry.revoked && instant - entry.revocationCheckedAt > Self.revocationRecheck)
        }
    }

    /// Keeps a verified token with the revocation state just looked up.
    func store(_ token: String, _ entry: Entry, now: Date) {
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[token] == nil {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = entry
        }
    }

    /// A logout on this host: the token with this id is refused from now on.
    func revoke(id: String) {
        entries.withLock { entries in
            for (token, entry) in entries where entry.id == id { entries[token]?.revoked = true }
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
