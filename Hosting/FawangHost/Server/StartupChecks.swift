import FawangCore
import FawangPostgres
import Foundation
import Logging
import ServiceLifecycle

extension PlatformConfig {
    /// The database as logs and messages name it: the SQLite file, or the PostgreSQL database
    /// without its password.
    var databaseName: String {
        storageEngine == "postgres" ? PostgresEngine.Settings.redacted(postgresURL ?? "") : sqlitePath
    }
}

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
            let known = isDemoHash[account.passwordHash]
            let isDemo = if let known { known } else { await PasswordHasher.standard.verifyOffPool(DemoData.demoPassword, against: account.passwordHash) }
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

    /// Verifies the audit chain from its last signed checkpoint (only the entries after it, so
    /// start-up stays fast) and moves the checkpoint to the verified head. On an edited or cut
    /// trail it refuses to start (`audit.on_broken_chain: refuse`), or closes `writes` and leaves
    /// the checkpoint where it was (`read_only`).
    static func verifyAuditChain(config: PlatformConfig, audit: any AuditLog, writes: WriteGate, logger: Logger) async throws -> AuditCheckpoints {
        // The database as the operator names it, and how to point `fawang audit verify` at it.
        let database = config.databaseName
        let verify = config.storageEngine == "postgres"
            ? "fawang audit verify --config <this host's config file>" : "fawang audit verify --database \(config.sqlitePath)"
        let (key, existed) = try AuditCheckpointKey.load(sqlitePath: config.sqlitePath, logger: logger)
        let checkpoints = AuditCheckpoints(audit: audit, key: key)
        let started = ContinuousClock.now
        let result = try await checkpoints.verifySinceCheckpoint(checkpointExpected: existed)
        if let problem = result.problem, config.auditOnBrokenChain == "read_only" {
            writes.close(reason: "\(problem)")
            logger.critical("audit trail broken: serving reads only; submissions and workflow steps are refused", metadata: [
                "database": "\(database)", "audit.problem": "\(problem)", "audit.on_broken_chain": "read_only",
                "next": "keep this database and its key files unchanged for investigation, run `\(verify)`, then restore the last backup whose trail verifies and restart",
            ])
            return checkpoints
        }
        if let problem = result.problem {
            logger.critical("audit trail broken: refusing to start", metadata: [
                "database": "\(database)", "audit.problem": "\(problem)", "audit.on_broken_chain": "\(config.auditOnBrokenChain)",
            ])
            throw FawangError(.failedPrecondition, """
                the audit trail of \(database) does not verify: \(problem). The host does not start on an edited \
                trail (audit.on_broken_chain: refuse). Keep this database and its key files unchanged for investigation, run \
                `\(verify)` to see the first bad entry, and restore the last backup \
                whose trail verifies (or set audit.on_broken_chain: read_only to serve queries meanwhile).
                """)
        }
        try await checkpoints.advance(to: result)
        logger.info("audit trail verified", metadata: [
            "audit.entries": "\(result.count)", "audit.checked": "\(result.checked)", "duration": "\(ContinuousClock.now - started)",
        ])
        return checkpoints
    }

    /// The files that hold personal data or keys, as far as they live in files (not in
    /// environment variables).
    static func privateFiles(config: PlatformConfig) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        var files = [config.sqlitePath, config.sqlitePath + "-wal", config.sqlitePath + "-shm"]
        if environment[DataKeys.environmentVariable]?.isEmpty ?? true { files.append(config.resolvedDataKeyFile) }
        if environment[TokenIssuer.environmentVariable]?.isEmpty ?? true {
            files.append(SecretSource.besideDatabase(config.sqlitePath, named: "fawang.token-key"))
        }
        if environment[AuditCheckpointKey.environmentVariable]?.isEmpty ?? true {
            files.append(AuditCheckpointKey.path(besideDatabase: config.sqlitePath))
        }
        if config.exchangeEnabled, environment[ExchangeKey.environmentVariable]?.isEmpty ?? true { files.append(ExchangeKey.path(config: config)) }
        return files
    }

    /// Refuses to start while the database, its -wal/-shm files or a key file can be read or
    /// written by other users, unless `storage.allow_loose_permissions` is true (then warns).
    /// A data folder looser than 0700 is warned about only: the files' own modes are what count.
    static func refuseLoosePermissions(config: PlatformConfig, logger: Logger) throws {
        var loose: [(path: String, mode: Int)] = []
        for path in privateFiles(config: config) {
            if let mode = PrivateFiles.mode(of: path), PrivateFiles.isLoose(mode) { loose.append((path, mode)) }
        }
        let folder = URL(fileURLWithPath: config.sqlitePath).deletingLastPathComponent().path
        if let mode = PrivateFiles.mode(of: folder), PrivateFiles.isLoose(mode) {
            logger.warning("the data folder can be listed by other users; consider chmod 700", metadata: [
                "path": "\(folder)", "mode": "\(PrivateFiles.octal(mode))",
            ])
        }
        guard !loose.isEmpty else { return }
        if config.allowLoosePermissions {
            for file in loose {
                logger.warning("file holding personal data or keys is readable by other users (storage.allow_loose_permissions)", metadata: [
                    "path": "\(file.path)", "mode": "\(PrivateFiles.octal(file.mode))",
                ])
            }
            return
        }
        let list = loose.map { "\($0.path) has mode \(PrivateFiles.octal($0.mode))" }.joined(separator: "; ")
        let command = "chmod 600 " + loose.map(\.path).joined(separator: " ")
        throw FawangError(.failedPrecondition, """
            files holding personal data or keys can be read or written by other users: \(list). \
            Run `\(command)` (and `chmod 700 \(folder)`), or set storage.allow_loose_permissions: true to start anyway.
            """)
    }
}

/// Keeps the signed audit checkpoint close to the head: every `audit.checkpoint_seconds`, and a
/// last time at graceful shutdown (it is the first service of the group, so it stops last, after
/// the calls in flight). Each time only the entries since the previous checkpoint are verified.
struct AuditCheckpointService: Service, CustomStringConvertible {
    var description: String { "audit checkpoint" }
    let checkpoints: AuditCheckpoints
    let interval: Duration
    /// A break found while running closes it (whatever `audit.on_broken_chain` says: the trail is
    /// evidence now); while closed, each interval repeats the alert instead of moving the checkpoint.
    let writes: WriteGate
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { break }
                await advance(trigger: "interval")
            }
        }
        await advance(trigger: "shutdown")
    }

    func advance(trigger: String) async {
        if let reason = writes.closedReason {
            logger.critical("serving reads only: the audit trail does not verify; restore the last backup whose trail verifies and restart", metadata: [
                "audit.problem": "\(reason)", "trigger": "\(trigger)",
            ])
            return
        }
        do {
            let result = try await checkpoints.verifySinceCheckpoint(checkpointExpected: true)
            if let problem = result.problem {
                writes.close(reason: "\(problem)")
                logger.critical("audit trail broken while running: serving reads only from now; the checkpoint stays where it was", metadata: [
                    "audit.problem": "\(problem)", "trigger": "\(trigger)",
                ])
                return
            }
            try await checkpoints.advance(to: result)
        } catch {
            logger.error("writing the audit checkpoint failed", metadata: ["error": "\(error)", "trigger": "\(trigger)"])
        }
    }
}
