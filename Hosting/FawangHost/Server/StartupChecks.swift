import FawangCore
import Foundation
import Logging

/// Checks `PlatformHost.run` makes before it serves: each refuses to start with a message that
/// names what is wrong and what to do.
enum StartupChecks {
    /// With `environment: production`, refuses a database that holds demo accounts still on the
    /// published demo password (`Fawang@2026`): anyone could sign in as the platform admin.
    static func refuseDemoAccountsInProduction(config: PlatformConfig, identity: any IdentityStore) async throws {
        guard config.environment == "production" else { return }
        var found: [String] = []
        // Demo accounts share one hash: verify each distinct hash once (hashing is deliberately slow).
        var isDemoHash: [String: Bool] = [:]
        for (login, _) in DemoData.accounts {
            guard let account = try await identity.account(login: login) else { continue }
            let isDemo = isDemoHash[account.passwordHash] ?? PasswordHasher.standard.verify(DemoData.demoPassword, against: account.passwordHash)
            isDemoHash[account.passwordHash] = isDemo
            if isDemo { found.append(login) }
        }
        guard !found.isEmpty else { return }
        let logins = found.map { "'\($0)'" }.joined(separator: ", ")
        let sql = "DELETE FROM refresh_tokens WHERE account_id IN (SELECT id FROM accounts WHERE login IN (\(logins))); "
            + "DELETE FROM accounts WHERE login IN (\(logins));"
        throw FawangError(.failedPrecondition, """
            environment: production, but the database \(config.sqlitePath) holds \(found.count) demo accounts with the \
            published demo password Fawang@2026: \(found.joined(separator: ", ")). To remove them, stop the host, back up the \
            database and its key files, run
              sqlite3 '\(config.sqlitePath)' "\(sql)"
            and start again. (A database seeded by a development run is best not used in production at all.)
            """)
    }
}
