public import FawangProto
public import FawangCore
public import Foundation
import SwiftProtobuf

/// Turns Core's `Matter` into the shared `fawang.matter.v1` messages: labels from the owning
/// module's workflow, deadlines evaluated from the timeline, region names from the directory, and
/// personal data masked for the public.
///
/// One presenter serves every business line, so the hotline, the window and the portal show the
/// same matter the same way.
public struct MatterPresenter: Sendable {
    public let registry: ModuleRegistry
    private let directory: any DirectoryStore
    private let deadlines: DeadlineEngine

    public init(registry: ModuleRegistry, directory: any DirectoryStore, deadlines: DeadlineEngine) {
        self.registry = registry
        self.directory = directory
        self.deadlines = deadlines
    }

    /// The full record. `includeTimeline` is false for list views; without `revealPersonalData`
    /// identity numbers and phones are masked.
    public func staffView(_ matter: Matter, now: Date, includeTimeline: Bool = true, revealPersonalData: Bool = true) async throws -> Fawang_Matter_V1_Matter {
        let module = registry.module(id: matter.businessLine)
        let spec = module?.manifest.matterType(matter.matterType)
        var message = Fawang_Matter_V1_Matter()
        message.id = matter.id
        message.trackingNumber = matter.trackingNumber.formatted
        message.businessLine = matter.businessLine
        message.businessLineName = module?.manifest.nameZH ?? matter.businessLine
        message.matterType = matter.matterType
        message.matterTypeName = spec?.nameZH ?? matter.matterType
        message.status = matter.status
        message.statusLabel = spec?.workflow.label(ofStatus: matter.status) ?? matter.status
        message.applicant = Fawang_Matter_V1_Person(revealPersonalData ? matter.applicant : Self.masked(matter.applicant))
        message.parties = matter.parties.map { party in
            var proto = Fawang_Matter_V1_Party()
            proto.role = party.role
            proto.person = Fawang_Matter_V1_Person(revealPersonalData ? party.person : Self.masked(party.person))
            return proto
        }
        message.regionCode = matter.regionCode
        message.regionName = try await regionName(matter.regionCode)
        message.channel = Fawang_Matter_V1_Channel(matter.channel)
        message.operatorID = matter.operatorID
        message.submittedAt = Google_Protobuf_Timestamp(date: matter.submittedAt)
        message.updatedAt = Google_Protobuf_Timestamp(date: matter.updatedAt)
        message.detailsJson = String(decoding: matter.details, as: UTF8.self)
        if includeTimeline {
            message.timeline = timeline(of: matter, forPublic: false)
            message.deadlines = deadlines.statuses(of: matter, now: now).map(Self.deadline)
        }
        return message
    }

    /// What a citizen sees after giving the tracking number and the second factor.
    public func publicView(_ matter: Matter, now: Date) async throws -> Fawang_Matter_V1_ProgressReport {
        let module = registry.module(id: matter.businessLine)
        let spec = module?.manifest.matterType(matter.matterType)
        var report = Fawang_Matter_V1_ProgressReport()
        report.trackingNumber = matter.trackingNumber.formatted
        report.businessLineName = module?.manifest.nameZH ?? matter.businessLine
        report.matterTypeName = spec?.nameZH ?? matter.matterType
        report.status = matter.status
        report.statusLabel = spec?.workflow.label(ofStatus: matter.status) ?? matter.status
        report.applicantNameMasked = PersonName.masked(matter.applicant.name)
        report.regionName = try await regionName(matter.regionCode)
        report.submittedAt = Google_Protobuf_Timestamp(date: matter.submittedAt)
        report.timeline = timeline(of: matter, forPublic: true)
        report.deadlines = deadlines.statuses(of: matter, now: now).map(Self.deadline)
        return report
    }

    static func masked(_ person: Person) -> Person {
        var copy = person
        if !copy.idNumber.isEmpty { copy.idNumber = ResidentIdentityNumber.masked(copy.idNumber) }
        if !copy.phone.isEmpty { copy.phone = PhoneNumber.masked(copy.phone) }
        return copy
    }

    private func regionName(_ code: String) async throws -> String {
        try await directory.division(code: code)?.name ?? code
    }

    /// The timeline, each event labelled by the workflow of the line and matter type it happened
    /// under. A transfer event records where the matter came from and went to (`from_line`,
    /// `from_type`, `to_line`, `to_type`): what precedes it belongs to the old line, so a legal aid
    /// application moved to mediation still reads 提交法律援助申请, never 当事人申请调解. An event
    /// whose line is not on this host reads as the platform's label or its kind, never another
    /// line's label.
    func timeline(of matter: Matter, forPublic: Bool) -> [Fawang_Matter_V1_MatterEvent] {
        let firstTransfer = matter.timeline.first { $0.kind == PlatformEvent.transferred }
        var line = firstTransfer?.attributes["from_line"] ?? matter.businessLine
        var type = firstTransfer?.attributes["from_type"] ?? matter.matterType
        return matter.timeline.map { item in
            let workflow = registry.module(id: line)?.manifest.matterType(type)?.workflow
            let label = workflow?.eventLabels[item.kind] ?? PlatformEvent.labels[item.kind] ?? item.kind
            if item.kind == PlatformEvent.transferred {
                // What follows happened in the receiving line.
                line = item.attributes["to_line"] ?? matter.businessLine
                type = item.attributes["to_type"] ?? matter.matterType
            }
            return event(for: item, label: label, forPublic: forPublic)
        }
    }

    private func event(for event: MatterEvent, label: String, forPublic: Bool) -> Fawang_Matter_V1_MatterEvent {
        var proto = Fawang_Matter_V1_MatterEvent()
        proto.sequence = UInt32(event.sequence)
        proto.kind = event.kind
        proto.label = label
        proto.at = Google_Protobuf_Timestamp(date: event.at)
        proto.channel = Fawang_Matter_V1_Channel(event.channel)
        proto.note = event.note
        proto.attributes = event.attributes
        if forPublic {
            // What the sending line recorded before a transfer is for staff.
            proto.attributes.removeValue(forKey: "previous_details")
        } else {
            proto.actor = event.actor
        }
        return proto
    }

    public static func deadline(_ status: DeadlineStatus) -> Fawang_Matter_V1_Deadline {
        var proto = Fawang_Matter_V1_Deadline()
        proto.ruleID = status.rule.id
        proto.label = status.rule.label
        proto.article = status.rule.article
        proto.state = switch status.state {
        case .running: .running
        case .paused: .paused
        case .met: .met
        case .metLate: .metLate
        case .overdue: .overdue
        case .dueSoon: .dueSoon
        case .uncomputable: .uncomputable
        }
        proto.dueDate = status.dueDate?.description ?? ""
        proto.pausedDays = Int32(status.pausedDays)
        if let metAt = status.metAt { proto.metAt = Google_Protobuf_Timestamp(date: metAt) }
        proto.summary = status.summary
        proto.period = status.rule.dayType.describe(status.days)
        proto.extensions = Int32(status.extensions)
        proto.articleConfirmed = status.rule.articleConfirmed
        proto.provisional = status.provisional
        proto.pausedFor = status.pausedFor ?? ""
        proto.provisionalDueDate = status.provisionalDueDate?.description ?? ""
        return proto
    }
}
