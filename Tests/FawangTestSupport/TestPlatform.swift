import FawangCore
public import FawangHost
public import FawangPluginKit
import FawangProto
public import Foundation
public import GRPCCore
public import GRPCInProcessTransport
public import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization

/// A real host for tests: its own temp directory with a config file, its own database (a SQLite
/// file in that directory, or a fresh PostgreSQL database with `FAWANG_TEST_ENGINE=postgres`:
/// ``TestEngine``), gRPC
/// over loopback HTTP/2 and metrics on ports picked by the OS (port 0), and an in-process
/// transport beside them for behaviour tests (``withInProcessClient(as:_:)``): two speeds of
/// testing through one interceptor chain.
///
/// ```swift
/// try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
///     try await platform.withClient { client in … }
/// }
/// ```
public final class TestPlatform: Sendable {
    public let directory: URL
    public let ports: PlatformHost.Ports
    /// Where the platform keeps its data (``TestEngine``).
    public let database: TestDatabase
    private let host: PlatformHost
    private let task: Task<Void, any Error>
    private let tokens = Mutex<[String: String]>([:])
    /// A client of the in-process transport the host serves beside HTTP/2 (one per platform: an
    /// in-process pairing connects once), running until the platform stops.
    private let inProcess: GRPCClient<InProcessTransport.Client>
    private let inProcessConnections: Task<Void, any Error>

    public var configPath: String { directory.appendingPathComponent("fawang.yaml").path }
    /// The SQLite file of a platform on SQLite (tests of what only SQLite has: ``Trait/sqliteOnly(_:)``).
    public var databasePath: String { database.sqlitePath }

    private init(
        database: TestDatabase, ports: PlatformHost.Ports, host: PlatformHost, task: Task<Void, any Error>,
        inProcess: InProcessTransport.Client
    ) {
        let client = GRPCClient(transport: inProcess, interceptors: [TaskLocalBearer()])
        self.inProcess = client
        self.inProcessConnections = Task { try await client.runConnections() }
        self.directory = database.directory
        self.database = database
        self.ports = ports
        self.host = host
        self.task = task
    }

    /// The config a test platform runs with; `extra` is appended verbatim (e.g. module switches).
    /// With `postgresURL`, the platform stores its data there instead of a SQLite file in
    /// `directory`. gRPC listens on `grpcHost` (loopback unless a test needs a caller from another
    /// address). `FAWANG_TEST_LOG=debug swift test` shows every host's log, the service group's
    /// included.
    public static func configYAML(
        directory: URL, extra: String = "", reloadIntervalMilliseconds: Int = 200,
        logLevel: String = ProcessInfo.processInfo.environment["FAWANG_TEST_LOG"] ?? "warning", sampleMatters: Bool = false,
        postgresURL: String? = nil, grpcHost: String = "127.0.0.1"
    ) -> String {
        // Two dozen hosts run at once on one test cluster: a few connections each is plenty.
        let postgres = postgresURL.map { "\n  engine: postgres\n  postgres:\n    url: \($0)\n    connections: 4" } ?? ""
        return """
        grpc:
          host: \(grpcHost)
          port: 0
        metrics:
          port: 0
        http:
          port: 0
        shutdown:
          # A loaded CI machine runs dozens of hosts at once: shutting one down can take longer
          # than the production default (15 s) without anything being wrong. Past the grace the
          # group cancels the host and its test fails on the transport's CancellationError; runs
          # since issue 14's second round went over 60 s several times a run. A shutdown that
          # never ends still fails its test, after 300 s.
          grace_seconds: 300
        storage:\(postgres)
          sqlite:
            path: \(directory.appendingPathComponent("fawang.sqlite").path)
        config:
          reload_interval_ms: \(reloadIntervalMilliseconds)
        log:
          level: \(logLevel)
        demo:
          sample_matters: \(sampleMatters)
        \(extra)
        """
    }

    /// Starts a host in this process and waits until it listens.
    public static func start(
        extraConfig: String = "", plugins: [any DepartmentPlugin], clock: TestClock = TestClock(), sampleMatters: Bool = false
    ) async throws -> TestPlatform {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        let database = try await TestDatabase.make(in: directory)
        try configYAML(directory: directory, extra: extraConfig, sampleMatters: sampleMatters, postgresURL: database.postgresURL)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let inProcess = InProcessTransport()
        let host = try PlatformHost(configPath: configPath, plugins: plugins, inProcess: inProcess.server, now: { clock.now })
        let (stream, continuation) = AsyncStream<PlatformHost.Ports>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await host.run { ports in continuation.yield(ports) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let ports = await iterator.next() else {
            try await task.value
            throw TestFailure("host stopped before it listened")
        }
        return TestPlatform(database: database, ports: ports, host: host, task: task, inProcess: inProcess.client)
    }

    /// Runs `body` against a fresh platform and always stops it (and removes its files) after.
    public static func with<T: Sendable>(
        extraConfig: String = "", plugins: [any DepartmentPlugin], clock: TestClock = TestClock(),
        sampleMatters: Bool = false, _ body: (TestPlatform) async throws -> T
    ) async throws -> T {
        let platform = try await start(extraConfig: extraConfig, plugins: plugins, clock: clock, sampleMatters: sampleMatters)
        do {
            let result = try await body(platform)
            try await platform.stop()
            return result
        } catch {
            try? await platform.stop()
            throw error
        }
    }

    /// Graceful shutdown, then removes the temp directory (and the PostgreSQL database).
    public func stop() async throws {
        inProcess.beginGracefulShutdown()
        try? await inProcessConnections.value
        await host.shutdown()
        try await task.value
        try? FileManager.default.removeItem(at: directory)
        await database.drop()
    }

    /// ``TestDatabase/query(_:)`` on the platform's database: behind its back.
    public func query(_ sql: String) async throws -> String { try await database.query(sql) }

    /// Config that lifts the public rate limit out of the way, for tests that make many public
    /// calls from one address on purpose (concurrency, matrices, whole journeys).
    public static let unlimitedRates = "limits.public.burst: 10000\nlimits.public.calls_per_minute: 100000\n"

    /// Rewrites the config file (as an admin would), keeping the test's ports and database.
    public func rewriteConfig(extra: String) throws {
        try Self.configYAML(directory: directory, extra: extra, postgresURL: database.postgresURL).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// A client on loopback HTTP/2; with `login`, signed in as that demo account (password
    /// `Fawang@2026`) and sending its access token on every call.
    public func withClient<T: Sendable>(as login: String? = nil, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        let interceptors: [any ClientInterceptor] = if let login { [BearerToken(try await accessToken(login))] } else { [] }
        return try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: ports.grpc), transportSecurity: .plaintext),
            interceptors: interceptors
        ) { client in
            try await body(client)
        }
    }

    /// The client of the in-process transport: the same services and interceptor chain as
    /// ``withClient(as:_:)`` without a socket, for behaviour tests. Calls carry their own
    /// `authorization` metadata, or the token ``withInProcessClient(as:_:)`` signs them in with;
    /// the caller's peer is `in-process`, so per-address rate limits see one caller.
    public var inProcessClient: GRPCClient<InProcessTransport.Client> { inProcess }

    /// As ``withClient(as:_:)`` over the in-process transport: with `login`, every call `body`
    /// makes (in its task and the tasks it starts) is signed in as that demo account.
    public func withInProcessClient<T: Sendable>(
        as login: String? = nil, _ body: (GRPCClient<InProcessTransport.Client>) async throws -> T
    ) async throws -> T {
        let token: String? = if let login { try await accessToken(login) } else { nil }
        return try await TaskLocalBearer.$token.withValue(token) { try await body(inProcess) }
    }

    /// Logs a demo account in (once per platform: password hashing is deliberately slow).
    public func accessToken(_ login: String) async throws -> String {
        if let token = tokens.withLock({ $0[login] }) { return token }
        return try await accessTokenAfresh(login)
    }

    /// Logs a demo account in again (its last token was revoked by a logout).
    public func accessTokenAfresh(_ login: String) async throws -> String {
        let session = try await withClient { client in
            try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).login(.with {
                $0.login = login
                $0.password = "Fawang@2026"
            })
        }
        tokens.withLock { $0[login] = session.accessToken }
        return session.accessToken
    }
}

/// The host's clock in a test: the real time unless a test sets it (to see deadlines fall due).
public final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    /// A clock showing `date` now (and running on from there).
    public convenience init(at date: Date) {
        self.init()
        set(date)
    }

    public var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    public func set(_ date: Date) { offset.withLock { $0 = date.timeIntervalSinceNow } }

    public func advance(days: Int) { offset.withLock { $0 += TimeInterval(days * 86_400) } }
}

/// `year-month-day` at `hour` o'clock Beijing time.
public func beijing(_ year: Int, _ month: Int, _ day: Int, hour: Int = 10) -> Date {
    CivilDate(year: year, month: month, day: day).endInstant.addingTimeInterval(TimeInterval(-86_400 + hour * 3600))
}

/// The RPC error `body` throws (a test failure if it succeeds).
public func rpcError(_ body: () async throws -> some Any) async throws -> RPCError {
    do {
        _ = try await body()
    } catch let error as RPCError {
        return error
    }
    throw TestFailure("the call succeeded")
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes (for effects that are asynchronous by
/// design, such as a config file being picked up).
public func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(100), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw TestFailure("timed out waiting for: \(what)")
}


/// Starts a host with the config at `configPath` in this process, runs `body` once it listens,
/// then shuts it down gracefully. A host that refuses to start throws its error.
public func withRunningHost<T: Sendable>(
    configPath: String, plugins: [any DepartmentPlugin], _ body: (PlatformHost.Ports) async throws -> T
) async throws -> T {
    let host = try PlatformHost(configPath: configPath, plugins: plugins)
    let (stream, continuation) = AsyncStream<PlatformHost.Ports>.makeStream()
    let task = Task {
        defer { continuation.finish() }
        try await host.run { ports in continuation.yield(ports) }
    }
    var iterator = stream.makeAsyncIterator()
    guard let ports = await iterator.next() else {
        try await task.value
        throw TestFailure("host stopped before it listened")
    }
    let result: T
    do {
        result = try await body(ports)
    } catch {
        await host.shutdown()
        try? await task.value
        throw error
    }
    await host.shutdown()
    try await task.value
    return result
}

/// Sends the task's bearer token (``TestPlatform/withInProcessClient(as:_:)``) on a shared client.
struct TaskLocalBearer: ClientInterceptor {
    @TaskLocal static var token: String?

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        if let token = Self.token { request.metadata.replaceOrAddString("Bearer \(token)", forKey: "authorization") }
        return try await next(request, context)
    }
}
