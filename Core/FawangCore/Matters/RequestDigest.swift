import Crypto
public import Foundation

/// A stable fingerprint of a request's content, kept with its idempotency key so that a key
/// reused for different content is recognised and refused instead of silently replayed.
public enum RequestDigest {
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    static func sha256Hex(bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// `bytes` in lower-case hex, two digits each.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let bytes = Array(bytes)
        return String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = hexDigits[Int(byte >> 4)]
                buffer[index + 1] = hexDigits[Int(byte & 0xF)]
                index += 2
            }
            return index
        }
    }

    /// `0123456789abcdef` as UTF-8.
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
