public import Foundation

/// Accounts, refresh tokens and revoked access tokens, on either engine. Logins, failures,
/// lockouts and revocations append their audit entries in the same transaction. While `writes`
/// is closed, accounts cannot be registered or changed; signing in and out still works
/// (``WriteGate``). An account's failure count is read and written under its name
/// (``SQLConnection/serialize(_:)``), so two hosts counting failures at once lose none; a refresh
/// token is spent by one conditional update, so only one of two hosts racing for it gets the
/// session.
public struct SQLIdentityStore: IdentityStore {
    let engine: any SQLEngine
    let cipher: PersonalDataCipher
    let writes: WriteGate

    public init(engine: any SQLEngine, cipher: PersonalDataCipher, writes: WriteGate) {
        (self.engine, self.cipher, self.writes) = (engine, cipher, writes)
    }

    public func register(_ account: Account, identityNumber: String) async throws {
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        let p = account.principal
        let sealed = try cipher.seal(identityNumber, context: "account:\(p.accountID)")
        try await engine.write { db in
            try db.serialize("login:\(account.login)")
            guard try db.row("SELECT 1 AS taken FROM accounts WHERE login = ? OR id = ?", [.text(account.login), .text(p.accountID)]) == nil else {
                throw FawangError(.alreadyExists, "该手机号已注册，请直接登录")
            }
            try db.execute(
                """
                INSERT INTO accounts (id, login, display_name, role, region_code, organization_id, department, password_hash, id_number)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(p.accountID), .text(account.login), .text(p.displayName), .text(p.role.rawValue), .text(p.regionCode),
                    .text(p.organizationID), .text(p.department), .text(account.passwordHash), .text(sealed),
                ])
            try SQLAuditLog.append(
                db, AuditDraft(actor: p.accountID, role: p.role.rawValue, channel: "", target: "account:\(p.accountID)", detail: "registered"),
                method: method, peer: peer, at: Date())
        }
    }

    public func account(login: String) async throws -> Account? {
        try await engine.read { db in try db.row("SELECT * FROM accounts WHERE login = ?", [.text(login)]).map(Self.account) }
    }

    public func save(_ account: Account) async throws {
        try writes.check()
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        try await engine.write { db in
            let p = account.principal
            try db.execute(
                """
                INSERT INTO accounts (
                    id, login, display_name, role, region_code, organization_id, department, channel, password_hash, failed_attempts, locked_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name, role = excluded.role,
                    region_code = excluded.region_code, organization_id = excluded.organization_id, department = excluded.department,
                    channel = excluded.channel, password_hash = excluded.password_hash, failed_attempts = excluded.failed_attempts,
                    locked_until = excluded.locked_until
                """,
                [
                    .text(p.accountID), .text(account.login), .text(p.displayName), .text(p.role.rawValue), .text(p.regionCode),
                    .text(p.organizationID), .text(p.department), .text(p.channel?.rawValue ?? ""), .text(account.passwordHash),
                    .integer(Int64(account.failedAttempts)), SQLValue.of(account.lockedUntil?.timeIntervalSince1970),
                ])
            try SQLAuditLog.append(
                db, AuditDraft(actor: "system", role: "", channel: "", target: "account:\(p.accountID)", detail: "account_saved:\(p.role.rawValue)"),
                method: method, peer: peer, at: Date())
        }
    }

    public func attemptLogin(
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
            let attempt: LoginAttempt? = try await engine.write { db in
                try db.serialize("login:\(login)")
                guard let row = try db.row("SELECT * FROM accounts WHERE login = ?", [.text(login)]) else { return .unknownLogin }
                let account = Self.account(row)
                let id = account.principal.accountID
                func audit(_ outcome: String, _ detail: String) throws {
                    try SQLAuditLog.append(
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
                    try db.execute("UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [.text(id)])
                    try audit("ok", "login")
                    return .accepted(account.principal)
                }
                let failures = (account.lockedUntil == nil ? account.failedAttempts : 0) + 1
                if failures >= maxFailures {
                    let until = time.addingTimeInterval(lockout)
                    try db.execute(
                        "UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                        [.integer(Int64(failures)), .real(until.timeIntervalSince1970), .text(id)])
                    try audit("denied", "account_locked:failures=\(failures)")
                    return .locked(until: until)
                }
                try db.execute("UPDATE accounts SET failed_attempts = ?, locked_until = NULL WHERE id = ?", [.integer(Int64(failures)), .text(id)])
                try audit("denied", "login_failed:failures=\(failures)")
                return .wrongPassword(remainingAttempts: maxFailures - failures)
            }
            if let attempt { return attempt }
        }
    }

    public func storeRefreshToken(hash: String, accountID: String, expiresAt: Date) async throws {
        try await engine.write { db in
            try db.execute(
                "INSERT INTO refresh_tokens (token_hash, account_id, expires_at) VALUES (?, ?, ?)",
                [.text(hash), .text(accountID), .real(expiresAt.timeIntervalSince1970)])
        }
    }

    public func consumeRefreshToken(hash: String, at time: Date) async throws -> Principal? {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        return try await engine.write { db in
            guard let row = try db.row(
                "SELECT account_id FROM refresh_tokens WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
                [.text(hash), .real(time.timeIntervalSince1970)]),
                let accountID = row.string("account_id")
            else { return nil }
            // Spent by whoever changes the row: a second host racing for it changes nothing.
            guard try db.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL", [.real(time.timeIntervalSince1970), .text(hash)]) == 1
            else { return nil }
            guard let account = try db.row("SELECT * FROM accounts WHERE id = ?", [.text(accountID)]).map(Self.account) else { return nil }
            try SQLAuditLog.append(
                db, AuditDraft(actor: accountID, role: account.principal.role.rawValue, channel: "", target: "account:\(accountID)", detail: "session_refreshed"),
                method: method, peer: peer, at: time)
            return account.principal
        }
    }

    public func revokeRefreshToken(hash: String, at time: Date) async throws {
        let (method, peer) = (AuditContext.method, AuditContext.peer)
        try await engine.write { db in
            guard let accountID = try db.row(
                "SELECT account_id FROM refresh_tokens WHERE token_hash = ? AND revoked_at IS NULL", [.text(hash)])?.string("account_id")
            else { return }
            guard try db.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL", [.real(time.timeIntervalSince1970), .text(hash)]) == 1
            else { return }
            try SQLAuditLog.append(
                db, AuditDraft(actor: accountID, role: "", channel: "", target: "account:\(accountID)", detail: "logout"),
                method: method, peer: peer, at: time)
        }
    }

    public func revokeAccessToken(id: String, expiresAt: Date) async throws {
        try await engine.write { db in
            try db.execute("DELETE FROM revoked_access_tokens WHERE expires_at < ?", [.real(Date().timeIntervalSince1970)])
            try db.execute(
                "INSERT INTO revoked_access_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING",
                [.text(id), .real(expiresAt.timeIntervalSince1970)])
        }
    }

    public func isAccessTokenRevoked(id: String) async throws -> Bool {
        try await engine.pointRead { db in try db.row("SELECT 1 AS revoked FROM revoked_access_tokens WHERE token_id = ?", [.text(id)]) != nil }
    }

    private static func account(_ row: SQLRow) -> Account {
        Account(
            principal: Principal(
                accountID: row.string("id") ?? "", displayName: row.string("display_name") ?? "", role: Role(rawValue: row.string("role") ?? "") ?? .citizen,
                regionCode: row.string("region_code") ?? "", organizationID: row.string("organization_id") ?? "",
                department: row.string("department") ?? "", channel: Channel(rawValue: row.string("channel") ?? "")),
            login: row.string("login") ?? "", passwordHash: row.string("password_hash") ?? "", failedAttempts: row.int("failed_attempts") ?? 0,
            lockedUntil: row.real("locked_until").map(Date.init(timeIntervalSince1970:)))
    }
}
