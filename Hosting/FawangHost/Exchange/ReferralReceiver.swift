import Crypto
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Prometheus
import SwiftProtobuf

/// Takes the national platform's referrals (转办): pulls those addressed to this platform after
/// the last one taken, and files each as a matter of the line its application names, through
/// that line's own public intake (its validation, rules and deadlines), under the service account
/// ``NationalExchange/referralAccount``: channel `api`.
///
/// Each message id is taken once:
/// - taken: the matter, its `referred` timeline entry, its audit entry, the inbox row and the
///   `matter.submitted` item that answers the national side (naming the referral) are one
///   transaction (the inbox row is a ``CompanionWrite`` of the intake), so a crash leaves either
///   all of them or none, and a referral offered again is found in the inbox and skipped;
/// - refused for good (bad signature, not a referral, an application the line refuses, a line
///   switched off): the inbox row, the audit entry and a `referral.rejected` answer with the
///   reason, again one transaction;
/// - anything else (the endpoint down, this host's store failing, the host read-only): nothing is
///   recorded, and the same referral is tried again after a back-off; those after it wait.
struct ReferralReceiver: Sendable {
    let inbox: any ExchangeInbox
    let intakes: Intakes
    /// Whether a module is switched on now (config reloads apply).
    let isEnabled: @Sendable (String) -> Bool
    /// Closed (a read-only host), nothing is taken or refused: referrals wait for it to open.
    let writes: WriteGate
    /// The national platform's registered key (`exchange.national_public_key`).
    let nationalKey: Curve25519.Signing.PublicKey
    /// This platform's division code: the destination asked for.
    let destination: String
    let callTimeout: Duration
    /// How long to wait after a fetch that brought nothing (`exchange.referral_poll_seconds`).
    let pollInterval: Duration
    /// The endpoint's address, for the audit trail's peer.
    let endpoint: String
    let now: @Sendable () -> Date
    let logger: Logger
    let metrics: PrometheusCollectorRegistry
    /// Referrals asked for per fetch.
    static let batch = 50

    /// What became of one referral.
    enum Outcome: String {
        case taken, refused, duplicate
    }

    /// Rounds until cancelled.
    func receive(from national: National_Exchange_V1_NationalExchange.Client<HTTP2ClientTransport.Posix>) async {
        var cursor: Int64?
        var failures = 0
        logger.notice("national exchange: taking referrals", metadata: ["destination": "\(destination)"])
        while !Task.isCancelled {
            var full = false
            do {
                let after: Int64
                if let cursor { after = cursor } else { after = try await inbox.referralCursor() }
                var options = CallOptions.defaults
                options.timeout = callTimeout
                let response = try await national.fetchReferrals(
                    .with {
                        $0.destination = destination
                        $0.afterSequence = after
                        $0.limit = Int32(Self.batch)
                    }, options: options)
                var position = after
                for referral in response.referrals {
                    try Task.checkCancellation()
                    let outcome = try await take(referral)
                    metrics.makeCounter(descriptor: PlatformMetrics.exchangeReferrals, labels: [("outcome", outcome.rawValue)]).increment()
                    position = max(position, referral.sequence)
                    cursor = position
                }
                if failures > 0 { logger.notice("national exchange: referrals are taken again") }
                failures = 0
                full = response.referrals.count >= Self.batch
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let wait = ExchangeBackoff.delay(afterAttempts: failures)
                if failures == 1 {
                    logger.warning("national exchange: taking referrals failed; retried with back-off", metadata: [
                        "error": "\(error)", "retry_in_seconds": "\(Int(wait.rounded(.up)))",
                    ])
                }
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                continue
            }
            // A full batch: more are waiting.
            if !full { try? await Task.sleep(for: pollInterval) }
        }
    }

    /// Takes or refuses one referral; throws, recording nothing, when it should be tried again.
    func take(_ referral: National_Exchange_V1_Referral) async throws -> Outcome {
        let envelope = referral.envelope
        let id = envelope.messageID
        guard !id.isEmpty, id.count <= 128 else {
            // Nothing to answer to: the national side is told by its own logs, and so is ours.
            logger.error("national exchange: a referral without a usable message id is skipped", metadata: ["sequence": "\(referral.sequence)"])
            return .refused
        }
        if try await inbox.referral(messageID: id) != nil { return .duplicate }
        // Thrown before any verdict: a read-only host's refusal is not the referral's fault.
        try writes.check()
        guard
            ExchangeSigningKey.verify(
                signature: envelope.signature, publicKey: nationalKey, messageID: id, source: envelope.source, kind: envelope.kind,
                createdAtMicros: envelope.createdAtMicros, payload: envelope.payload)
        else {
            return try await refuse(referral, "签名无法用全国平台登记的公钥（exchange.national_public_key）验证")
        }
        guard envelope.kind == NationalExchange.referralKind else {
            return try await refuse(referral, "kind 为 \(envelope.kind)，不是转办（\(NationalExchange.referralKind)）")
        }
        guard let payload = (try? JSONSerialization.jsonObject(with: envelope.payload)) as? [String: Any],
            var application = payload["application"] as? [String: Any]
        else {
            return try await refuse(referral, "转办内容须为含 application 的 JSON 对象", [.init(field: "application", reason: "缺少申请内容")])
        }
        let typeName = String((application["@type"] as? String ?? "").split(separator: "/").last ?? "")
        guard let entry = intakes.entry(forRequest: typeName) else {
            let known = intakes.all.map { $0.input.protoMessageName }.joined(separator: "、")
            return try await refuse(
                referral, "\(typeName.isEmpty ? "（未注明）" : typeName) 不是本平台可受理的申请",
                [.init(field: "application.@type", reason: "可选：\(known)")])
        }
        guard isEnabled(entry.module) else {
            return try await refuse(referral, "本平台「\(entry.module)」业务未开通，无法接收该转办")
        }
        application["@type"] = nil
        // The message id is the idempotency key, whatever the application says.
        application["request_id"] = "national:\(id)"
        let note = (payload["note"] as? String).map { String($0.prefix(500)) } ?? ""
        let time = now()
        let sequence = referral.sequence
        let companion = CompanionWrite(
            module: "exchange",
            audit: AuditDraft(
                actor: NationalExchange.referralAccount, role: Role.service.rawValue, channel: Channel.api.rawValue, target: "referral:\(id)",
                detail: "taken from the national platform, sequence \(sequence)"),
            events: [
                MatterEventDraft(
                    kind: NationalExchange.referredEvent, actor: NationalExchange.referralAccount, channel: .api,
                    note: note, attributes: [NationalExchange.referralAttribute: id])
            ]
        ) { matter in
            [NationalExchange.takenReferral(messageID: id, sequence: sequence, matter: matter, at: time)]
        }
        do {
            let body = try JSONSerialization.data(withJSONObject: application)
            let response = try await asReferralAccount {
                try await intakes.file(json: body, with: entry, companion: companion)
            }
            let tracking = (response as? any SubmissionResponse)?.matter.trackingNumber ?? ""
            logger.info("national exchange: a referral was taken", metadata: [
                "message_id": "\(id)", "line": "\(entry.module)", "tracking_number": "\(tracking)",
            ])
            return .taken
        } catch let error as FawangError where Self.final.contains(error.code) {
            return try await refuse(
                referral, error.message, error.violations.map { .init(field: "application.\($0.field)", reason: $0.reason) })
        }
    }

    /// The answers that resending the same referral will not change.
    static let final: Set<FawangError.Code> = [.invalidArgument, .notFound, .alreadyExists, .failedPrecondition, .permissionDenied]

    private func refuse(
        _ referral: National_Exchange_V1_Referral, _ reason: String, _ violations: [NationalExchange.ReferralRefusal.Violation] = []
    ) async throws -> Outcome {
        let id = referral.envelope.messageID
        logger.warning("national exchange: a referral was refused; the national platform is told why", metadata: [
            "message_id": "\(id)", "reason": "\(reason)",
        ])
        let recorded = try await asReferralAccount {
            try await inbox.refuseReferral(
                .init(referralID: id, reason: reason, violations: violations), sequence: referral.sequence,
                audit: AuditDraft(
                    actor: NationalExchange.referralAccount, role: Role.service.rawValue, channel: Channel.api.rawValue, target: "referral:\(id)",
                    outcome: "refused", detail: reason),
                at: now())
        }
        return recorded ? .refused : .duplicate
    }

    /// Runs `body` as the referral account: what a call of the national platform through the
    /// host's front door would be (a service account, channel `api`), audited as this exchange.
    private func asReferralAccount<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let principal = Principal(
            accountID: NationalExchange.referralAccount, displayName: "全国12348平台", role: .service, regionCode: destination, channel: .api)
        return try await Principal.$current.withValue(principal) {
            try await ChannelDecision.$current.withValue(.api) {
                try await AuditContext.$method.withValue("national.exchange.v1.NationalExchange/FetchReferrals") {
                    try await AuditContext.$peer.withValue(endpoint) { try await body() }
                }
            }
        }
    }
}
