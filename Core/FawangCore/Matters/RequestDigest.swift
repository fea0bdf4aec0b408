import Crypto
public import Foundation

/// A stable fingerprint of a request's content, kept with its idempotency key so that a key
/// reused for different content is recognised and refused instead of silently replayed.
public enum RequestDigest {
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
