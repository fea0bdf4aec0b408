import FawangCore
import Foundation
import GRDB

/// Accounts, refresh tokens and revoked access tokens. Logins, failures, lockouts and
/// revocations append their audit entries in the same transaction. While `writes` is closed,
/// accounts cannot be registered or changed; signing in and out still works (``WriteGate``).
struct SQLiteIdentityStore: IdentityStore {
    let pool: GroupCommitPool
    let cipher: PersonalDataCipher
    let writes: WriteGate

    func register(_ account: Account, identityNumber: String) async throws {
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        let p = account.principal
        let sealed = try cipher.seal(identityNumber, context: "account:\(p.accountID)")
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE login = ? OR id = ?", arguments: [account.login, p.accountID]) != true else {
                throw FawangError(.alreadyExists, "该手机号已注册，请直接登录")
            }
            try db.execute(
                sql: """
                    INSERT INTO accounts (id, login, display_name, role, region_code, organization_id, department, password_hash, id_number)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [p.accountID, account.login, p.displayName, p.role.rawValue, p.regionCode, p.organizationID, p.department, account.passwordHash, sealed])
            try SQLiteAuditLog.append(
                db, AuditDraft(actor: p.accountID, role: p.role.rawValue, channel: "", target: "account:\(p.accountID)", detail: "registered"),
                method: method, peer: peer, at: Date())
        }
    }

    func account(login: String) async throws -> Account? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE login = ?", arguments: [login]).map(Self.account) }
    }

    func save(_ account: Account) async throws {
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        try await pool.write { db in
            let p = account.principal
            try db.execute(
                sql: """
                    INSERT INTO accounts (
                        id, login, display_name, role, region_code, organization_id, department, channel, password_hash, failed_attempts, locked_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name, role = excluded.role,
                        region_code = excluded.region_code, organization_id = excluded.organization_id, department = excluded.department,
                        channel = excluded.channel, password_hash = excluded.password_hash, failed_attempts = excluded.failed_attempts,
                        locked_until = excluded.locked_until
                    """,
                arguments: [
                    p.accountID, account.login, p.displayName, p.role.rawValue, p.regionCode, p.organizationID, p.department,
                    p.channel?.rawValue ?? "", account.passwordHash, account.failedAttempts, account.lockedUntil?.timeIntervalSince1970,
                ])
            try SQLiteAuditLog.append(
                db, AuditDraft(actor: "system", role: "", channel: "", target: "account:\(p.accountID)", detail: "account_saved:\(p.role.rawValue)"),
                method: method, peer: peer, at: Date())
        }
    }

    func attemptLogin(
        login: String, at time: Date, maxFailures: Int, lockout: TimeInterval, verify: @escaping @Sendable (Account) async -> Bool
    ) async throws -> LoginAttempt {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        // The slow hash is checked before the write transaction, so it never holds the writer;
        // the transaction rereads the account and uses the verdict only for the hash it was
        // reached on (a password changed meanwhile is checked again).
        var verdict: (hash: String, accepted: Bool)?
        while true {
            guard let seen = try await account(login: login) else { return .unknownLogin }
            if seen.lockedUntil.map({ $0 <= time }) ?? true, verdict?.hash != seen.passwordHash {
                verdict = (seen.passwordHash, await verify(seen))
            }
            let known = verdict
            let attempt: LoginAttempt? = try await pool.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE login = ?", arguments: [login]) else {
                    return .unknownLogin
                }
                let account = Self.account(row)
                let id = account.principal.accountID
                func audit(_ outcome: String, _ detail: String) throws {
                    try SQLiteAuditLog.append(
                        db, AuditDraft(actor: id, role: account.principal.role.rawValue, channel: "", target: "account:\(id)", outcome: outcome, detail: detail),
                        method: method, peer: peer, at: time)
                }
                if let until = account.lockedUntil, until > time {
                    try audit("denied", "login_while_locked")
                    return .locked(until: until)
                }
                // Checked against another hash than the one stored now: check again, outside.
                guard let known, known.hash == account.passwordHash else { return nil }
                if account.lockedUntil != nil {
                    // The lock has run out: the account opens again, and the trail says so.
                    try audit("ok", "account_unlocked")
                }
                if known.accepted {
                    try db.execute(sql: "UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE id = ?", arguments: [id])
                    try audit("ok", "login")
                    return .accepted(account.principal)
                }
                let failures = (account.lockedUntil == nil ? account.failedAttempts : 0) + 1
                if failures >= maxFailures {
                    let until = time.addingTimeInterval(lockout)
                    try db.execute(sql: "UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE id = ?", arguments: [failures, until.timeIntervalSince1970, id])
                    try audit("denied", "account_locked:failures=\(failures)")
                    return .locked(until: until)
                }
                try db.execute(sql: "UPDATE accounts SET failed_attempts = ?, locked_until = NULL WHERE id = ?", arguments: [failures, id])
                try audit("denied", "login_failed:failures=\(failures)")
                return .wrongPassword(remainingAttempts: maxFailures - failures)
            }
            if let attempt { return attempt }
        }
    }

    func storeRefreshToken(hash: String, accountID: String, expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO refresh_tokens (token_hash, account_id, expires_at) VALUES (?, ?, ?)",
                arguments: [hash, accountID, expiresAt.timeIntervalSince1970])
        }
    }

    func consumeRefreshToken(hash: String, at time: Date) async throws -> Principal? {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        return try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT * FROM refresh_tokens WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
                arguments: [hash, time.timeIntervalSince1970])
            else { return nil }
            let accountID: String = row["account_id"]
            try db.execute(sql: "UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ?", arguments: [time.timeIntervalSince1970, hash])
            guard let account = try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [accountID]).map(Self.account) else { return nil }
            try SQLiteAuditLog.append(
                db, AuditDraft(actor: accountID, role: account.principal.role.rawValue, channel: "", target: "account:\(accountID)", detail: "session_refreshed"),
                method: method, peer: peer, at: time)
            return account.principal
        }
    }

    func revokeRefreshToken(hash: String, at time: Date) async throws {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        try await pool.write { db in
            guard let accountID = try String.fetchOne(
                db, sql: "SELECT account_id FROM refresh_tokens WHERE token_hash = ? AND revoked_at IS NULL", arguments: [hash])
            else { return }
            try db.execute(sql: "UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ?", arguments: [time.timeIntervalSince1970, hash])
            try SQLiteAuditLog.append(
                db, AuditDraft(actor: accountID, role: "", channel: "", target: "account:\(accountID)", detail: "logout"),
                method: method, peer: peer, at: time)
        }
    }

    func revokeAccessToken(id: String, expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM revoked_access_tokens WHERE expires_at < ?", arguments: [Date().timeIntervalSince1970])
            try db.execute(
                sql: "INSERT OR IGNORE INTO revoked_access_tokens (token_id, expires_at) VALUES (?, ?)",
                arguments: [id, expiresAt.timeIntervalSince1970])
        }
    }

    func isAccessTokenRevoked(id: String) async throws -> Bool {
        try pool.pointRead { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM revoked_access_tokens WHERE token_id = ?"), arguments: [id]) ?? false
        }
    }

    private static func account(_ row: Row) -> Account {
        Account(
            principal: Principal(
                accountID: row["id"], displayName: row["display_name"], role: Role(rawValue: row["role"]) ?? .citizen,
                regionCode: row["region_code"], organizationID: row["organization_id"], department: row["department"],
                channel: Channel(rawValue: row["channel"])),
            login: row["login"], passwordHash: row["password_hash"], failedAttempts: row["failed_attempts"],
            lockedUntil: (row["locked_until"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
