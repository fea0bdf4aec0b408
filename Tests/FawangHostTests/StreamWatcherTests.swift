import FawangCore
import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The public watch streams (`Health/Watch`, `DeadlineService/WatchAlerts`): a watcher goes when
/// its client goes, and each client (and the host as a whole) may hold only so many.
@Suite struct StreamWatcherTests {
    typealias Health = Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<HTTP2ClientTransport.Posix>

    static func metrics(_ platform: TestPlatform) async throws -> String {
        let port = try #require(platform.ports.metrics)
        let (data, _) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }

    static let healthWatch = "method=\"grpc.health.v1.Health/Watch\",module=\"platform\""
    static let alertsWatch = "method=\"fawang.deadline.v1.DeadlineService/WatchAlerts\",module=\"platform\""

    @Test("客户端断开即释放监听：不等下一次状态变化，不记错误日志、不计内部错误")
    func aCancelledWatcherEndsWhenItsClientGoes() async throws {
        // Alert watchers re-check once an hour here: only the client going can end them in time.
        try await TestPlatform.with(extraConfig: "deadlines:\n  scan_seconds: 3600\n", plugins: PluginCatalog.all) { platform in
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                // The client reads the first answer and goes away (the RPC is cancelled).
                try await Health(wrapping: client).watch(.with { $0.service = "legal-aid" }) { response in
                    for try await message in response.messages {
                        #expect(message.status == .serving)
                        break
                    }
                }
                try await Deadlines(wrapping: client).watchAlerts(.init()) { response in
                    for try await update in response.messages where update.initialSyncDone { break }
                }
            }
            // No module switch, no write: the server ends both calls because their clients went.
            try await eventually(timeout: .seconds(5), "both watchers are dropped") {
                let text = try await Self.metrics(platform)
                return text.contains("fawang_rpc_calls_total{\(Self.healthWatch),code=\"cancelled\"} 1")
                    && text.contains("fawang_rpc_calls_total{\(Self.alertsWatch),code=\"cancelled\"} 1")
            }
            let text = try await Self.metrics(platform)
            #expect(!text.contains("code=\"internalError\""), "\(text)")
            #expect(!text.contains("code=\"unknown\""), "\(text)")
        }
    }

    /// Opens a `Health/Watch` that stays open until the returned task is cancelled; returns once
    /// the first answer arrived.
    static func openWatch(_ health: Health) async throws -> Task<Void, any Error> {
        let (opened, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            try await health.watch(.with { $0.service = "" }) { response in
                for try await _ in response.messages { signal.yield() }
            }
        }
        var iterator = opened.makeAsyncIterator()
        _ = await iterator.next()
        return task
    }

    @Test("监听数量有上限：每个客户端（地址或账号）和全平台，超出的以 RESOURCE_EXHAUSTED 拒绝")
    func watchersAreCappedPerClientAndInTotal() async throws {
        let limits = "limits:\n  watchers:\n    per_client: 2\n    total: 3\n"
        try await TestPlatform.with(extraConfig: limits, plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let health = Health(wrapping: client)
                let first = try await Self.openWatch(health)
                let second = try await Self.openWatch(health)
                // A third from the same address is refused.
                await expectStatus(.resourceExhausted, containing: ["监听", "2"]) {
                    try await health.watch(.with { $0.service = "" }) { response in for try await _ in response.messages {} }
                }
                // One goes away: its place is free again at once.
                first.cancel()
                _ = await first.result
                var third: Task<Void, any Error>?
                try await eventually(timeout: .seconds(5), "a freed place is taken") {
                    do {
                        third = try await Self.openWatchOrFail(health)
                        return true
                    } catch let error as RPCError where error.code == .resourceExhausted {
                        return false
                    }
                }
                // The host's total (3) counts every client: a staff account's alert watch is the third …
                try await platform.withClient(as: "staff-640100-reviewer") { staff in
                    let deadlines = Deadlines(wrapping: staff)
                    let (synced, signal) = AsyncStream<Void>.makeStream()
                    let alerts = Task {
                        try await deadlines.watchAlerts(.init()) { response in
                            for try await update in response.messages where update.initialSyncDone { signal.yield() }
                        }
                    }
                    var iterator = synced.makeAsyncIterator()
                    _ = await iterator.next()
                    // … and another account's is refused with the host-wide limit.
                    try await platform.withClient(as: "staff-640200-reviewer") { other in
                        await expectStatus(.resourceExhausted, containing: ["监听", "3"]) {
                            try await Deadlines(wrapping: other).watchAlerts(.init()) { response in for try await _ in response.messages {} }
                        }
                    }
                    alerts.cancel()
                }
                second.cancel()
                third?.cancel()
            }
            let text = try await Self.metrics(platform)
            #expect(text.contains("fawang_rpc_calls_total{\(Self.healthWatch),code=\"resourceExhausted\"}"), "\(text)")
            #expect(text.contains("fawang_rpc_calls_total{\(Self.alertsWatch),code=\"resourceExhausted\"} 1"), "\(text)")
        }
    }

    /// Like ``openWatch(_:)``, but throws the error of a refused watch.
    static func openWatchOrFail(_ health: Health) async throws -> Task<Void, any Error> {
        let (events, signal) = AsyncStream<Result<Void, any Error>>.makeStream()
        let task = Task {
            do {
                try await health.watch(.with { $0.service = "" }) { response in
                    for try await _ in response.messages { signal.yield(.success(())) }
                }
            } catch {
                signal.yield(.failure(error))
                throw error
            }
        }
        var iterator = events.makeAsyncIterator()
        guard let first = await iterator.next() else { throw TestFailure("the watch ended without an answer") }
        try first.get()
        return task
    }
}
