public import FawangCore
public import Foundation
public import Logging

/// A secret the host keeps: taken from an environment variable if set, else from a file (by
/// default next to the database) that is created on first run, readable by the owner only.
/// Back such files up with the database.
struct SecretSource {
    var environmentVariable: String
    var path: String
    var label: String

    /// The secret's text; `makeNew` writes the first one when the file does not exist.
    func load(logger: Logger, makeNew: () -> String) throws -> String {
        if let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty { return value }
        if !FileManager.default.fileExists(atPath: path) {
            // 0700 folder, 0600 file from the first byte (not chmod after a umask-dependent create).
            try PrivateFiles.createDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            try PrivateFiles.createFile(path, contents: Data(makeNew().utf8))
            logger.warning("generated a new \(label) file; back it up with the database", metadata: ["path": "\(path)"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FawangError(.failedPrecondition, "cannot read the \(label) file \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A file next to the database at `sqlitePath`.
    static func besideDatabase(_ sqlitePath: String, named name: String) -> String {
        URL(fileURLWithPath: sqlitePath).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// Where the keys that seal identity numbers come from: `FAWANG_DATA_KEYS` (`id:base64,…`, the
/// active key first) if set, else the key file (`security.data_key_file`, by default `fawang.keys`
/// next to the database). A missing key file is created with one fresh key — without it, sealed
/// identity numbers cannot be read.
public enum DataKeys {
    public static let environmentVariable = "FAWANG_DATA_KEYS"

    public static func load(config: PlatformConfig, logger: Logger) throws -> PersonalDataCipher {
        let source = SecretSource(environmentVariable: environmentVariable, path: config.resolvedDataKeyFile, label: "data key")
        let text = try source.load(logger: logger) {
            let stamp = Date().formatted(.iso8601.year().month().day().dateSeparator(.omitted))
            return """
                # Fawang data keys: AES-256, one id:base64 per line, the active key first.
                # Keep this file with the database and back it up; see docs/configuration.md on rotation.
                \(PersonalDataCipher.generateKeyLine(id: "k\(stamp)"))

                """
        }
        return try PersonalDataCipher(keyList: text)
    }
}

/// The HMAC key that signs the audit checkpoint (``SignedAuditCheckpoint``): `FAWANG_AUDIT_KEY`
/// (base64, ≥ 32 bytes) if set, else `fawang.audit-key` next to the database, created on first
/// run (mode 0600). Kept outside the database, so that whoever edits the database cannot sign a
/// checkpoint that hides the edit. Back it up with the database.
public enum AuditCheckpointKey {
    public static let environmentVariable = "FAWANG_AUDIT_KEY"
    public static let fileName = "fawang.audit-key"

    public static func path(besideDatabase sqlitePath: String) -> String {
        SecretSource.besideDatabase(sqlitePath, named: fileName)
    }

    /// The key, creating the file on first run. `existed`: the file was there before, so a
    /// checkpoint has been written and its absence from a non-empty trail means it was removed.
    static func load(sqlitePath: String, logger: Logger) throws -> (key: Data, existed: Bool) {
        let path = path(besideDatabase: sqlitePath)
        let existed = FileManager.default.fileExists(atPath: path)
        let source = SecretSource(environmentVariable: environmentVariable, path: path, label: "audit checkpoint key")
        let text = try source.load(logger: logger) {
            Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString() + "\n"
        }
        return (try decode(text, from: path), existed)
    }

    /// The key for `fawang audit verify`, never creating it; nil when there is none.
    public static func read(besideDatabase sqlitePath: String) throws -> Data? {
        if let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty { return try decode(value, from: environmentVariable) }
        let path = path(besideDatabase: sqlitePath)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try decode(String(decoding: data, as: UTF8.self), from: path)
    }

    private static func decode(_ text: String, from source: String) throws -> Data {
        guard let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count >= 32 else {
            throw FawangError(.failedPrecondition, "the audit checkpoint key (\(source)) must be base64 of at least 32 bytes")
        }
        return key
    }
}

/// The province's Ed25519 key for the national exchange (``ExchangeSigningKey``):
/// `FAWANG_EXCHANGE_KEY` (base64 of the 32-byte private key) if set, else
/// `exchange.signing_key_file` (by default `fawang.exchange-key` next to the database), created on
/// first run. Its public key is what the national platform registers for this province.
public enum ExchangeKey {
    public static let environmentVariable = "FAWANG_EXCHANGE_KEY"

    /// The key file: `exchange.signing_key_file`, else `fawang.exchange-key` next to the database.
    public static func path(config: PlatformConfig) -> String {
        config.exchangeSigningKeyFile ?? SecretSource.besideDatabase(config.sqlitePath, named: "fawang.exchange-key")
    }

    public static func load(config: PlatformConfig, logger: Logger) throws -> ExchangeSigningKey {
        let path = path(config: config)
        let source = SecretSource(environmentVariable: environmentVariable, path: path, label: "exchange signing key")
        let text = try source.load(logger: logger) { ExchangeSigningKey.generate().fileLine + "\n" }
        let from = ProcessInfo.processInfo.environment[environmentVariable].map { $0.isEmpty ? path : environmentVariable } ?? path
        return try ExchangeSigningKey(text: text, from: from)
    }
}
