public import Foundation
public import FawangHost

/// A real `fawang-national-standin` process: the national platform's exchange endpoint as the
/// host's outbox sees it, killed and restarted by tests on the same port and database.
public final class NationalStandinProcess: @unchecked Sendable {
    public let process: SpawnedProcess
    public let port: Int
    public let databasePath: String

    public static var executable: URL {
        ServeProcess.executable.deletingLastPathComponent().appendingPathComponent("fawang-national-standin")
    }

    /// Starts it on `port` (0 picks a free one) with its records in `databasePath`, trusting
    /// signatures of `publicKey` (base64), and waits until it listens.
    /// With `tls`, it serves TLS with that certificate and key (PEM files). With `referrals`, it
    /// offers those (the national key's file and a JSON-lines file, see the stand-in's header).
    public init(
        databasePath: String, publicKey: String, port: Int = 0, tls: (certificate: String, key: String)? = nil,
        referrals: (keyFile: String, file: String)? = nil, directory: URL
    ) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw TestFailure("\(Self.executable.path) is missing: run `swift build` before `swift test` (scripts/test.sh does)")
        }
        let portsFile = directory.appendingPathComponent("standin-\(UUID().uuidString).json")
        let logPath = directory.appendingPathComponent("standin-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = open(logPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard log >= 0 else { throw TestFailure("cannot open \(logPath)") }
        defer { close(log) }
        self.databasePath = databasePath
        process = try SpawnedProcess(
            Self.executable.path,
            ["--database", databasePath, "--public-key", publicKey, "--port", String(port), "--ports-file", portsFile.path]
                + (tls.map { ["--tls-cert", $0.certificate, "--tls-key", $0.key] } ?? [])
                + (referrals.map { ["--national-key", $0.keyFile, "--referrals", $0.file] } ?? []), output: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: portsFile.path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let bound = object["grpc"] as? Int
            {
                self.port = bound
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        throw TestFailure("fawang-national-standin did not start; its log:\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// `kill -9`, waiting until it is gone.
    public func kill() {
        process.signal(SIGKILL)
        _ = process.waitUntilExit()
    }

    deinit {
        if process.isRunning { process.signal(SIGKILL) }
    }
}
