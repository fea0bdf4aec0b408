import Foundation

/// The PostgreSQL the tests run against: `FAWANG_TEST_POSTGRES_URL` when set (scripts/test.sh
/// starts a private cluster and sets it), else a cluster this test process starts once with
/// `scripts/postgres-cluster.sh` in a directory of the machine's temporary folder (reused by the
/// next run). Each test takes a fresh database of its own.
public enum PostgresTestCluster {
    /// The cluster's `fawang` database.
    static let base = Task<String, any Error> {
        if let url = ProcessInfo.processInfo.environment["FAWANG_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres-cluster.sh")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-test-postgres").path
        let (status, output) = try await runChildProcess(URL(fileURLWithPath: "/bin/bash"), [script.path, "start", directory])
        guard status == 0, let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgres://") else {
            throw TestFailure("could not start a PostgreSQL cluster for the tests (scripts/postgres-cluster.sh start \(directory)):\n\(output)")
        }
        return url
    }

    /// A new, empty database on the cluster; its URL.
    public static func freshDatabase() async throws -> String {
        let url = try await base.value
        guard var parts = URLComponents(string: url) else { throw TestFailure("not a URL: \(url)") }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let (status, output) = try await runChildProcess(
            URL(fileURLWithPath: "/usr/bin/psql"),
            ["-h", parts.host ?? "127.0.0.1", "-p", String(parts.port ?? 5432), "-U", parts.user ?? "postgres", "-d", "postgres", "-qAt",
             "-c", "CREATE DATABASE \(name)"])
        guard status == 0 else { throw TestFailure("CREATE DATABASE \(name) failed: \(output)") }
        parts.path = "/\(name)"
        return parts.string ?? url
    }

    /// Drops a database ``freshDatabase()`` made (connections still open to it are ended): a run
    /// of the suite on PostgreSQL makes hundreds, about 8 MB each.
    public static func dropDatabase(_ url: String) async throws {
        guard var parts = URLComponents(string: url), parts.path.hasPrefix("/t_") else { throw TestFailure("not a test database: \(url)") }
        let name = String(parts.path.dropFirst())
        parts.path = "/postgres"
        _ = try await psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: parts.string ?? url)
    }

    /// Runs `sql` with psql on the database at `url`: how tests act behind the platform's back.
    public static func psql(_ sql: String, on url: String) async throws -> String {
        let (status, output) = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/psql"), [url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard status == 0 else { throw TestFailure("psql failed: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
