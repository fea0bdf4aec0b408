import FawangCore
import FawangPluginKit
import Foundation
import Logging

/// DEMO DATA (`demo.synthetic_matters`): many matters across every line, county and channel over
/// the past year, each walked through its own line's workflow at random — some left open, some
/// concluded, refused or stopped, some rated — so the supervision dashboard has figures to show
/// and its tests a store to count against. Seeded: the same count and seed give the same store.
/// Written through the matter store like any matter (each its own transaction, facts and deadline
/// index included), never in production. The matters carry no line details: they are for the
/// figures, not for handling.
struct SyntheticMatters {
    let store: any MatterStore
    let registry: ModuleRegistry
    let counties: [String]
    let now: Date
    let logger: Logger

    func generate(count: Int, seed: UInt64, days: Int = 365) async throws {
        var random = SplitMix64(seed: seed)
        let types = registry.modules.flatMap { module in module.manifest.matterTypes.map { (line: module.manifest.id, type: $0) } }
        guard !types.isEmpty, !counties.isEmpty else { return }
        let channels = Channel.allCases
        for index in 0..<count {
            let (line, type) = types[Int(random.next() % UInt64(types.count))]
            let channel = channels[Int(random.next() % UInt64(channels.count))]
            let region = counties[Int(random.next() % UInt64(counties.count))]
            var at = now.addingTimeInterval(-Double(random.next() % UInt64(days * 86_400)))
            let phone = "139" + String(format: "%08d", Int(random.next() % 100_000_000))
            let outcome = try await store.submit(
                MatterDraft(
                    requestID: "synthetic-\(seed)-\(index)", requestDigest: "", businessLine: line, matterType: type.id,
                    initialStatus: type.workflow.initialStatus, applicant: Person(name: "示例\(index)", idNumber: "", phone: phone, address: ""),
                    parties: [], regionCode: region, channel: channel, operatorID: "", details: Data("{}".utf8),
                    firstEvent: MatterEventDraft(kind: "submitted", actor: "synthetic", channel: channel)),
                at: at)
            guard case .created(let matter) = outcome else { continue }
            var status = matter.status
            // A few steps a few days apart; one matter in six stays where it is.
            for _ in 0..<6 {
                let commands = type.workflow.allowedCommands(in: status).filter { $0 != MatterWorkflow.closeCallbackCommand }
                guard !commands.isEmpty, random.next() % 6 != 0 else { break }
                at = at.addingTimeInterval(Double(3_600 + random.next() % UInt64(12 * 86_400)))
                guard at < now else { break }
                let change = try type.workflow.change(
                    commands[Int(random.next() % UInt64(commands.count))], from: status, actor: "synthetic", channel: channel)
                _ = try await store.update(trackingNumber: matter.trackingNumber, at: at) { _ in change }
                status = change.newStatus ?? status
            }
            // Half the ended ones are rated, mostly well.
            if type.workflow.terminalStatuses.contains(status), random.next() % 2 == 0 {
                let rated = at.addingTimeInterval(Double(3_600 + random.next() % 86_400))
                if rated < now {
                    let score = [5, 5, 5, 4, 4, 3, 2, 1][Int(random.next() % 8)]
                    let event = MatterEventDraft(
                        kind: MatterRating.event, actor: "applicant", channel: channel, attributes: [MatterRating.scoreAttribute: String(score)])
                    _ = try await store.update(trackingNumber: matter.trackingNumber, at: rated) { _ in MatterChange(events: [event]) }
                }
            }
            if (index + 1) % 500 == 0 || index + 1 == count {
                logger.notice("seeding synthetic matters", metadata: ["done": "\(index + 1)", "total": "\(count)"])
            }
        }
    }
}

/// A small seeded generator (Steele, Lea & Flood's SplitMix64): the same seed, the same matters.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
