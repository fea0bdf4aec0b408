import ArgumentParser
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

// Staff commands of the deadline engine (every business line) and of cross-line transfers.

struct Deadlines: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Statutory deadlines: alerts, the escalation queue, extensions, clock stops, the working-day calendar.",
        subcommands: [Alerts.self, Escalations.self, Extend.self, Pause.self, Resume.self, Calendar.self, DueDate.self])

    typealias Client = Fawang_Deadline_V1_DeadlineService.Client<HTTP2ClientTransport.Posix>

    static func render(_ alerts: [Fawang_Deadline_V1_DeadlineAlert]) -> String {
        alerts.isEmpty ? "（无预警）" : alerts.map { alert in
            let kind = switch alert.kind {
            case .overdue: "逾期"
            case .dueSoon: "临期"
            case .calendarMissing: "缺日历"
            default: "?"
            }
            return "[\(kind)] \(alert.summary)\t\(alert.regionName)"
        }.joined(separator: "\n")
    }

    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Near-due, overdue and uncomputable deadlines in your region (--watch keeps listening).")
        @OptionGroup var client: ClientOptions
        @Option(name: .long, help: "Division code within yours, e.g. 640104.") var region: String = ""
        @Option(name: .long, help: "Business line id, e.g. notarization.") var line: String = ""
        @Flag(name: .long, help: "Print changes as they happen until interrupted.") var watch = false

        func run() async throws {
            let (region, line, watch, client) = (region, line, watch, client)
            if watch {
                try await client.withClient { grpc in
                    try await Client(wrapping: grpc).watchAlerts(.with { $0.regionCode = region; $0.businessLine = line }) { response in
                        for try await update in response.messages {
                            if update.hasAlert {
                                print((update.change == .cleared ? "[解除] " : "") + Deadlines.render([update.alert]))
                            }
                            if update.initialSyncDone { print("—— 以上为当前预警，以下为实时变化 ——") }
                        }
                    }
                }
                return
            }
            let response = try await client.withClient { grpc in
                try await Client(wrapping: grpc).listAlerts(.with { $0.regionCode = region; $0.businessLine = line })
            }
            try client.emit(response) { "截至\(response.asOf)\n" + Deadlines.render(response.alerts) }
        }
    }

    struct Escalations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Overdue matters escalated to your bureau by the bureaus it supervises.")
        @OptionGroup var client: ClientOptions
        @Option(name: .long) var region: String = ""

        func run() async throws {
            let region = region
            let response = try await client.withClient { grpc in try await Client(wrapping: grpc).listEscalations(.with { $0.regionCode = region }) }
            try client.emit(response) { Deadlines.render(response.alerts) }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend a deadline (department admin: the head's approval), with the reason told to the applicant.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var handling: HandlingOptions
        @Argument var trackingNumber: String
        @Option(name: .long, help: "Rule id, as shown by `fawang show`, e.g. admin-approval.decision.") var rule: String
        @Option(name: .long) var days: Int32
        @Option(name: .long) var reason: String

        func run() async throws {
            let context = handling.context
            let request = Fawang_Deadline_V1_ExtendDeadlineRequest.with {
                $0.trackingNumber = trackingNumber; $0.ruleID = rule; $0.days = days; $0.reason = reason
                $0.context = context
            }
            try await runMatterAction(client, { Client(wrapping: $0) }) { try await $0.extendDeadline(request) }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a matter's clocks for time the law excludes (hearing, testing, expert_review, …).")
        @OptionGroup var client: ClientOptions
        @OptionGroup var handling: HandlingOptions
        @Argument var trackingNumber: String
        @Option(name: .long, help: "hearing, testing, expert_review, appraisal, supplementing_materials, verification, force_majeure, …") var reason: String
        @Option(name: .long) var note: String = ""

        func run() async throws {
            let context = handling.context
            let request = Fawang_Deadline_V1_PauseClockRequest.with {
                $0.trackingNumber = trackingNumber; $0.reason = reason; $0.note = note
                $0.context = context
            }
            try await runMatterAction(client, { Client(wrapping: $0) }) { try await $0.pauseClock(request) }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart a matter's stopped clocks.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var handling: HandlingOptions
        @Argument var trackingNumber: String
        @Option(name: .long) var note: String = ""

        func run() async throws {
            let context = handling.context
            let request = Fawang_Deadline_V1_ResumeClockRequest.with {
                $0.trackingNumber = trackingNumber; $0.note = note
                $0.context = context
            }
            try await runMatterAction(client, { Client(wrapping: $0) }) { try await $0.resumeClock(request) }
        }
    }

    struct Calendar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The working-day calendar in force: years, sources, holidays, make-up working days.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let calendar = try await client.withClient(authenticated: false) { grpc in try await Client(wrapping: grpc).getCalendar(.init()) }
            try client.emit(calendar) {
                (["工作日历：\(calendar.firstDay) 至 \(calendar.lastDay)"] + calendar.years.map { year in
                    "\(year.year)  \(year.source)（\(year.origin)）\n  放假：\(year.holidays.map { "\($0.date) \($0.name)" }.joined(separator: "，"))\n  调休上班：\(year.makeUpWorkdays.map { "\($0.date) \($0.name)" }.joined(separator: "，"))"
                }).joined(separator: "\n")
            }
        }
    }

    struct DueDate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "due-date", abstract: "The last day of a period, counted as the engine counts (民法典 201, 203).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Day of the triggering event, YYYY-MM-DD (not counted).") var start: String
        @Argument var days: Int32
        @Flag(name: .long, help: "Count working days (工作日) instead of calendar days (日).") var working = false

        func run() async throws {
            let request = Fawang_Deadline_V1_ComputeDueDateRequest.with { $0.startDate = start; $0.days = days; $0.dayType = working ? .working : .calendar }
            let response = try await client.withClient(authenticated: false) { grpc in try await Client(wrapping: grpc).computeDueDate(request) }
            try client.emit(response) {
                "期限届满日：\(response.dueDate)\(response.provisional ? "（日历未覆盖该日，如遇法定节假日顺延）" : "")"
                    + (response.holidaysSkipped.isEmpty ? "" : "\n跳过：" + response.holidaysSkipped.map { "\($0.date) \($0.name)" }.joined(separator: "，"))
            }
        }
    }
}

struct Transfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Move a matter filed under the wrong business line to the right one; its tracking number and timeline stay.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var handling: HandlingOptions
    @Argument var trackingNumber: String
    @Option(name: .long, help: "The receiving matter type, e.g. mediation.dispute.") var to: String
    @Option(name: .long) var reason: String

    func run() async throws {
        let context = handling.context
        let request = Fawang_Matter_V1_TransferMatterRequest.with {
            $0.trackingNumber = trackingNumber; $0.toMatterType = to; $0.reason = reason
            $0.context = context
        }
        try await runMatterAction(client, { Fawang_Matter_V1_MatterService.Client(wrapping: $0) }) { try await $0.transferMatter(request) }
    }
}
