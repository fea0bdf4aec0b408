public import FawangCore
import Foundation
public import Logging

/// Where the keys that seal identity numbers come from: `FAWANG_DATA_KEYS` (`id:base64,…`, the
/// active key first) if set, else the key file (`security.data_key_file`, by default `fawang.keys`
/// next to the database). A missing key file is created with one fresh key, readable by the owner
/// only — back it up with the database: without it, sealed identity numbers cannot be read.
public enum DataKeys {
    public static let environmentVariable = "FAWANG_DATA_KEYS"

    public static func load(config: PlatformConfig, logger: Logger) throws -> PersonalDataCipher {
        if let list = ProcessInfo.processInfo.environment[environmentVariable], !list.isEmpty {
            return try PersonalDataCipher(keyList: list)
        }
        let path = config.resolvedDataKeyFile
        if !FileManager.default.fileExists(atPath: path) {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let stamp = Date().formatted(.iso8601.year().month().day().dateSeparator(.omitted))
            let text = """
                # Fawang data keys: AES-256, one id:base64 per line, the active key first.
                # Keep this file with the database and back it up; see docs/configuration.md on rotation.
                \(PersonalDataCipher.generateKeyLine(id: "k\(stamp)"))

                """
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw FawangError(.failedPrecondition, "cannot create the data key file \(path)")
            }
            logger.warning("generated a new data key file; back it up with the database", metadata: ["security.data_key_file": "\(path)"])
        }
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw FawangError(.failedPrecondition, "cannot read the data key file \(path)")
        }
        return try PersonalDataCipher(keyList: text)
    }
}
