import FawangCore
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Prometheus
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// Pushes the national exchange's outbox (``ExchangeOutbox``) to the national platform, in
/// order, one envelope at a time, each signed with the province's key.
///
/// An entry is settled only by a receipt: accepted or duplicate (the national side had it from
/// an earlier try whose receipt was lost) settles it as acknowledged, rejected as rejected with
/// the reason. Anything else (the endpoint down, a timeout, a crash of this host mid-call) leaves
/// it pending, and it is sent again after a back-off (``ExchangeBackoff``); the entries after it
/// wait, so the national side hears of each matter's changes in order. Because the national side
/// applies a message id once, every envelope takes effect there exactly once.
///
/// Woken at once by each commit that added to the outbox; a graceful shutdown stops it between
/// or during deliveries (an interrupted one is simply sent again on the next start).
struct ExchangePusher: Service, CustomStringConvertible {
    var description: String { "national exchange pusher → \(address.host):\(address.port)" }
    let outbox: any ExchangeOutbox
    let signal: ChangeSignal
    let key: ExchangeSigningKey
    let source: String
    let address: ExchangeAddress
    let callTimeout: Duration
    /// TLS to the endpoint (nil: plaintext).
    let tls: PlatformConfig.ClientTLS?
    /// Whether each day's figures are sent after the day ends (`exchange.daily_statistics`).
    let dailyStatistics: Bool
    /// The host's clock (a test's may run ahead).
    let now: @Sendable () -> Date
    let logger: Logger
    /// `fawang_exchange_deliveries_total` by outcome and `fawang_exchange_pending`.
    let metrics: PrometheusCollectorRegistry
    /// Takes the national platform's referrals over the same connection (`exchange.referrals`).
    let referrals: ReferralReceiver?
    /// The longest wait between looks at the outbox when nothing is due: a minute when every
    /// commit is this host's own and wakes it (SQLite); a second when other hosts of the database
    /// commit too, whose commits it cannot hear (PostgreSQL).
    let idleWait: TimeInterval
    /// Entries read per round.
    static let batch = 100

    func run() async throws {
        let target = PlatformHost.target(host: address.host, port: address.port)
        logger.notice("national exchange: pushing the outbox", metadata: [
            "endpoint": "\(address.host):\(address.port)", "tls": "\(tls == nil ? "off" : tls?.certificateChain == nil ? "tls" : "mtls")",
            "source": "\(source)", "key_id": "\(key.keyID)", "public_key": "\(key.publicKeyBase64)",
        ])
        try await withGRPCClient(transport: .http2NIOPosix(target: target, transportSecurity: try PlatformHost.transportSecurity(tls, keys: "exchange.tls.*"))) { client in
            let national = National_Exchange_V1_NationalExchange.Client(wrapping: client)
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.push(to: national) }
                    if let referrals = self.referrals { group.addTask { await referrals.receive(from: national) } }
                }
            }
        }
    }

    /// Rounds until cancelled: deliver what is due, then wait for a commit or the next retry.
    private func push(to national: National_Exchange_V1_NationalExchange.Client<HTTP2ClientTransport.Posix>) async {
        var failing = false
        var statisticsDone: CivilDate?
        while !Task.isCancelled {
            // Listening before reading: a commit after the read still wakes the wait below.
            let changes = signal.changes()
            if dailyStatistics { statisticsDone = await enqueueStatistics(after: statisticsDone) }
            var delivered = 0
            do {
                for entry in try await outbox.due(limit: Self.batch, now: Date()) {
                    try Task.checkCancellation()
                    do {
                        let receipt = try await deliver(entry, to: national)
                        try await settle(entry, receipt)
                        delivered += 1
                        if failing {
                            failing = false
                            logger.notice("national exchange: the endpoint answers again", metadata: ["message_id": "\(entry.messageID)"])
                        }
                    } catch let error where !(error is CancellationError) && !Task.isCancelled {
                        count("failed")
                        let wait = ExchangeBackoff.delay(afterAttempts: entry.attempts + 1)
                        try await outbox.retry(sequence: entry.sequence, error: "\(error)", next: Date().addingTimeInterval(wait))
                        if !failing {
                            failing = true
                            logger.warning("national exchange: delivery failed; it and the entries after it are retried with back-off", metadata: [
                                "message_id": "\(entry.messageID)", "error": "\(error)", "retry_in_seconds": "\(Int(wait.rounded(.up)))",
                            ])
                        }
                        break
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.error("national exchange: reading or settling the outbox failed; retrying in 5 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
                continue
            }
            metrics.makeGauge(descriptor: PlatformMetrics.exchangePending).set(to: Double((try? await outbox.pendingCount()) ?? 0))
            if delivered > 0 { continue }
            let next = (try? await outbox.nextDue()) ?? nil
            let wait = next.map { max(0.01, min(idleWait, $0.timeIntervalSinceNow)) } ?? idleWait
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                group.addTask { for await _ in changes { return } }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Adds yesterday's figures (China time) once it has ended, and those of days missed while
    /// no pusher ran (at most ``NationalExchange/statisticsCatchUpDays`` back); returns the day
    /// done through. Checked every round: the wait between rounds is at most a minute.
    private func enqueueStatistics(after done: CivilDate?) async -> CivilDate? {
        let yesterday = CivilDate(now()).adding(days: -1)
        if let done, done >= yesterday { return done }
        do {
            let earliest = yesterday.adding(days: 1 - NationalExchange.statisticsCatchUpDays)
            var day = max(try await outbox.lastStatisticsDay().map { $0.adding(days: 1) } ?? yesterday, earliest)
            while day <= yesterday {
                if try await outbox.enqueueDailyStatistics(day: day, at: now()) {
                    logger.info("national exchange: the day's figures are in the outbox", metadata: ["day": "\(day)"])
                }
                day = day.adding(days: 1)
            }
            return yesterday
        } catch {
            logger.error("national exchange: adding the day's figures failed; tried again within a minute", metadata: ["error": "\(error)"])
            return done
        }
    }

    private func deliver(
        _ entry: OutboxEntry, to national: National_Exchange_V1_NationalExchange.Client<HTTP2ClientTransport.Posix>
    ) async throws -> National_Exchange_V1_Receipt {
        var envelope = National_Exchange_V1_Envelope()
        envelope.messageID = entry.messageID
        envelope.source = source
        envelope.kind = entry.kind
        envelope.payload = entry.payload
        envelope.createdAtMicros = entry.createdAtMicros
        envelope.keyID = key.keyID
        envelope.signature = try key.sign(entry, source: source)
        var options = CallOptions.defaults
        options.timeout = callTimeout
        let receipt = try await national.deliver(envelope, options: options)
        guard receipt.messageID == entry.messageID else {
            throw RPCError(code: .internalError, message: "the receipt names \(receipt.messageID), not \(entry.messageID)")
        }
        return receipt
    }

    private func count(_ outcome: String) {
        metrics.makeCounter(descriptor: PlatformMetrics.exchangeDeliveries, labels: [("outcome", outcome)]).increment()
    }

    private func settle(_ entry: OutboxEntry, _ receipt: National_Exchange_V1_Receipt) async throws {
        switch receipt.disposition {
        case .accepted:
            try await outbox.settle(sequence: entry.sequence, as: .accepted, reason: "", at: Date())
            count("accepted")
        case .duplicate:
            try await outbox.settle(sequence: entry.sequence, as: .duplicate, reason: "", at: Date())
            count("duplicate")
        case .rejected:
            logger.error("national exchange: an envelope was rejected; it stays in the outbox with the reason (fawang exchange report)", metadata: [
                "message_id": "\(entry.messageID)", "kind": "\(entry.kind)", "reason": "\(receipt.reason)",
            ])
            try await outbox.settle(sequence: entry.sequence, as: .rejected, reason: receipt.reason, at: Date())
            count("rejected")
        case .unspecified, .UNRECOGNIZED:
            throw RPCError(code: .internalError, message: "a receipt without a disposition for \(entry.messageID)")
        }
    }
}
