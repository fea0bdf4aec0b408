import Crypto
public import Foundation

/// Encrypts personal identifiers (resident identity numbers) at rest with AES-256-GCM.
///
/// A sealed value reads `v1:<key id>:<base64 of nonce ‖ ciphertext ‖ tag>`. The key id lets keys
/// rotate: new values are sealed with the active key, older ones open with the key they name, so
/// a retired key stays configured until nothing sealed with it remains. The `context` (e.g. the
/// matter id) is authenticated, so a value copied into another record does not open there.
///
/// ```swift
/// let cipher = try PersonalDataCipher(keys: [("2026a", keyData)])
/// let stored = try cipher.seal("11010519491231002X", context: "matter:42")
/// let plain = try cipher.open(stored, context: "matter:42")
/// ```
public struct PersonalDataCipher: Sendable {
    public let activeKeyID: String
    private let keys: [String: SymmetricKey]
    /// The phone index's key, derived from the active key (``phoneKey(_:)``).
    private let phoneIndexKey: SymmetricKey

    /// - Parameter keys: (id, 32 key bytes) pairs; the first is the active key.
    public init(keys: [(id: String, key: Data)]) throws(FawangError) {
        guard let first = keys.first else { throw FawangError(.failedPrecondition, "no data key configured") }
        var table: [String: SymmetricKey] = [:]
        for (id, key) in keys {
            guard !id.isEmpty, !id.contains(":"), !id.contains(","), !id.contains(" ") else {
                throw FawangError(.failedPrecondition, "data key id \"\(id)\" must be non-empty without ':', ',' or spaces")
            }
            guard key.count == 32 else {
                throw FawangError(.failedPrecondition, "data key \(id) has \(key.count) bytes; AES-256 needs 32")
            }
            guard table[id] == nil else { throw FawangError(.failedPrecondition, "data key id \(id) appears twice") }
            table[id] = SymmetricKey(data: key)
        }
        self.activeKeyID = first.id
        self.keys = table
        self.phoneIndexKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: table[first.id]!, info: Data("fawang phone index v1".utf8), outputByteCount: 32)
    }

    /// Parses `id:base64,id:base64` (the active key first), as in `FAWANG_DATA_KEYS` or a key file.
    public init(keyList: String) throws(FawangError) {
        var pairs: [(id: String, key: Data)] = []
        let lines = keyList.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        for item in lines.flatMap({ $0.split(separator: ",") }) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let key = Data(base64Encoded: String(parts[1])) else {
                throw FawangError(.failedPrecondition, "data keys must read id:base64 (e.g. 2026a:…32 bytes in base64…)")
            }
            pairs.append((String(parts[0]), key))
        }
        try self.init(keys: pairs)
    }

    /// A new random key, as a key-list line `id:base64`.
    public static func generateKeyLine(id: String) -> String {
        "\(id):" + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    public func seal(_ plaintext: String, context: String) throws -> String {
        guard !plaintext.isEmpty else { return "" }
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: keys[activeKeyID]!, authenticating: Data(context.utf8))
        return "v1:\(activeKeyID):" + box.combined!.base64EncodedString()
    }

    public func open(_ sealed: String, context: String) throws(FawangError) -> String {
        guard !sealed.isEmpty else { return "" }
        let parts = sealed.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0] == "v1", let combined = Data(base64Encoded: String(parts[2])) else {
            throw FawangError(.internalError, "a stored personal identifier is not in the sealed format")
        }
        guard let key = keys[String(parts[1])] else {
            throw FawangError(.internalError, "a stored personal identifier was sealed with data key \(parts[1]), which is not configured")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Data(context.utf8)), as: UTF8.self)
        } catch {
            throw FawangError(.internalError, "a stored personal identifier does not open with data key \(parts[1]): wrong key or altered data")
        }
    }

    /// A file's bytes sealed with the active key: nonce ‖ ciphertext ‖ tag, and the key's id to
    /// store beside them. `context` (e.g. the material's id) is authenticated as for strings.
    public func seal(data: Data, context: String) throws -> (keyID: String, sealed: Data) {
        let box = try AES.GCM.seal(data, using: keys[activeKeyID]!, authenticating: Data(context.utf8))
        return (activeKeyID, box.combined!)
    }

    public func open(data sealed: Data, keyID: String, context: String) throws(FawangError) -> Data {
        guard let key = keys[keyID] else {
            throw FawangError(.internalError, "a stored file was sealed with data key \(keyID), which is not configured")
        }
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(context.utf8))
        } catch {
            throw FawangError(.internalError, "a stored file does not open with data key \(keyID): wrong key or altered data")
        }
    }

    /// A keyed digest of a phone number (its digits), to find records by number without keeping
    /// another readable copy of it: HMAC-SHA256 under a key derived from the active data key. An
    /// index of these is re-derived at start, so rotating the active key re-keys it.
    public func phoneKey(_ phone: String) -> String {
        let digits = PhoneNumber.normalized(phone)
        guard !digits.isEmpty else { return "" }
        return RequestDigest.hex(HMAC<SHA256>.authenticationCode(for: Data(digits.utf8), using: phoneIndexKey))
    }

    /// `person` with its identity number sealed or opened.
    public func seal(_ person: Person, context: String) throws -> Person {
        var copy = person
        copy.idNumber = try seal(person.idNumber, context: context)
        return copy
    }

    public func open(_ person: Person, context: String) throws -> Person {
        var copy = person
        copy.idNumber = try open(person.idNumber, context: context)
        return copy
    }
}
