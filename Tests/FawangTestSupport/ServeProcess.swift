public import Foundation
public import FawangHost

/// A real `fawang serve` process, for what only a separate process can show: `kill -9`,
/// signals, a restart on the same database.
public final class ServeProcess: @unchecked Sendable {
    public let process: SpawnedProcess
    public let grpcPort: Int
    /// The HTTP gateway's port (nil when the config turns it off).
    public let httpPort: Int?
    public let logPath: String

    /// The `fawang` executable built next to the test bundle.
    public static var executable: URL {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bin, bin.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("fawang")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return bin.appendingPathComponent("fawang")
    }

    /// Starts `fawang serve --config configPath` and waits until it listens.
    public init(configPath: String, directory: URL) async throws {
        let portsFile = directory.appendingPathComponent("ports-\(UUID().uuidString).json")
        logPath = directory.appendingPathComponent("serve-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw TestFailure("\(Self.executable.path) is missing: run `swift build` before `swift test` (scripts/test.sh does)")
        }
        let log = open(logPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard log >= 0 else { throw TestFailure("cannot open \(logPath) for the server's log") }
        defer { close(log) }
        process = try SpawnedProcess(Self.executable.path, ["serve", "--config", configPath, "--ports-file", portsFile.path], output: log)
        // Generous: a debug build seeding demo data while a whole test run shares two cores has
        // taken over 20 s on CI.
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: portsFile.path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let port = object["grpc"] as? Int
            {
                grpcPort = port
                httpPort = object["http"] as? Int
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.signal(SIGTERM)
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw TestFailure("fawang serve did not start listening; its log:\n\(output)")
    }

    public func signal(_ number: Int32) { process.signal(number) }

    /// Waits for the process to exit and returns its status.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("fawang serve did not exit") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.waitUntilExit()
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning { process.signal(SIGKILL) }
    }
}
