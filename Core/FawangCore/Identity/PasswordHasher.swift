import Crypto
import CryptoExtras
public import Dispatch
import Foundation

/// Slow, salted password hashes with scrypt (BoringSSL's, through swift-crypto's CryptoExtras).
///
/// Stored as `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, so the cost can rise later while old
/// hashes keep verifying.
public struct PasswordHasher: Sendable {
    public var rounds: Int
    public var blockSize: Int
    public var parallelism: Int

    /// N = 2^15, r = 8, p = 1: about 32 MiB and tens of milliseconds per hash on these machines.
    public static let standard = PasswordHasher(rounds: 1 << 15, blockSize: 8, parallelism: 1)

    public init(rounds: Int, blockSize: Int, parallelism: Int) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    public func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(key.withUnsafeBytes { Data($0) }.base64EncodedString())"
    }

    /// Whether `password` matches `stored`, compared in constant time.
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
            let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
            let key = try? derive(password, salt: salt, rounds: n, blockSize: r, parallelism: p)
        else { return false }
        return key == SymmetricKey(data: expected)
    }

    /// Hashing off Swift's cooperative pool: a hash is deliberately a lot of CPU, and the pool
    /// has one thread per core, so a few at once on it would hold up every other task of the
    /// process — calls, streams, shutdowns — until done. It runs on `queue`, a serial queue (a
    /// thread of its own); by default a new one. Not a concurrent queue: on Linux that runs on the
    /// very worker threads Swift's tasks run on, as wide as the cores, and starves them the same.
    /// A caller that must bound how many hashes run at once (sign-in: a burst of attempts would
    /// take 32 MiB each) passes its own serial queue: one hash at a time on it.
    public func hashOffPool(_ password: String, on queue: DispatchQueue? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            (queue ?? DispatchQueue(label: "fawang.password-hashing")).async { continuation.resume(with: Result { try self.hash(password) }) }
        }
    }

    /// ``verify(_:against:)`` off the cooperative pool, as ``hashOffPool(_:on:)``.
    public func verifyOffPool(_ password: String, against stored: String, on queue: DispatchQueue? = nil) async -> Bool {
        await withCheckedContinuation { continuation in
            (queue ?? DispatchQueue(label: "fawang.password-hashing")).async { continuation.resume(returning: self.verify(password, against: stored)) }
        }
    }

    private func derive(_ password: String, salt: some DataProtocol, rounds: Int, blockSize: Int, parallelism: Int) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(
            from: Data(password.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize,
            parallelism: parallelism, maxMemory: 128 * rounds * blockSize * parallelism + 1 << 20)
    }
}
