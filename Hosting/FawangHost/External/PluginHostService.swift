import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization

/// The calls an external plugin is serving now, each named by a random ticket that goes with the
/// call (`Caller.call_ticket`): what the plugin writes through the host API under a ticket is
/// recorded under that call's caller, and a ticket is good only while its call runs.
final class CallTickets: Sendable {
    private let open = Mutex<[String: Fawang_Plugin_V1_Caller]>([:])

    func issue(_ caller: Fawang_Plugin_V1_Caller) -> String {
        var generator = SystemRandomNumberGenerator()
        let ticket = String(generator.next() as UInt64, radix: 36) + "." + String(generator.next() as UInt64, radix: 36)
        open.withLock { $0[ticket] = caller }
        return ticket
    }

    func caller(_ ticket: String) -> Fawang_Plugin_V1_Caller? { ticket.isEmpty ? nil : open.withLock { $0[ticket] } }

    func end(_ ticket: String) { _ = open.withLock { $0.removeValue(forKey: ticket) } }
}

/// `fawang.plugin.v1.PluginHost` for one external plugin: the plugin's only way to the platform's
/// data, and only to its own. Its records live in its own table (`<module>_records`, through the
/// module's storage, which refuses any other table); a write goes in one transaction with its
/// audit entry. A matter of another line is refused and the attempt audited. What the platform
/// publishes to everyone is open to it: the deadline engine's calendar and the directory.
struct PluginHostService: Fawang_Plugin_V1_PluginHost.SimpleServiceProtocol {
    let module: String
    let storage: any ModuleStorage
    let matters: any MatterStore
    let audit: any AuditLog
    let directory: any DirectoryStore
    /// The calendar in force (a config reload may replace it).
    let deadlines: DeadlineEngine
    let tickets: CallTickets
    let now: @Sendable () -> Date

    static let largestDocument = 64 * 1024
    /// `updated_at` as stored: ISO 8601 in UTC with milliseconds, which sorts as it reads.
    static let stamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The plugin's records table, created with the module's storage migrations.
    static func migrations(for module: String) -> [StorageMigration] {
        [StorageMigration(id: "external-v1-records", statements: [
            """
            CREATE TABLE IF NOT EXISTS \(ModuleTables.prefix(of: module))records (
              collection TEXT NOT NULL, record_key TEXT NOT NULL, document TEXT NOT NULL, updated_at TEXT NOT NULL,
              PRIMARY KEY (collection, record_key))
            """
        ])]
    }

    private var table: String { ModuleTables.prefix(of: module) + "records" }

    func putRecord(request: Fawang_Plugin_V1_PutRecordRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_Record {
        try Self.check(collection: request.collection, key: request.key)
        guard request.json.utf8.count <= Self.largestDocument,
              (try? JSONSerialization.jsonObject(with: Data(request.json.utf8), options: [.fragmentsAllowed])) != nil else {
            throw FawangError.invalidArgument(field: "json", "expected a JSON document of at most 64 KiB")
        }
        let at = now()
        let stamp = Self.stamp.format(at)
        let (actor, role, channel, peer) = attribution(request.callTicket)
        try await AuditContext.$method.withValue(Fawang_Plugin_V1_PluginHost.Method.PutRecord.descriptor.fullyQualifiedMethod) {
            try await AuditContext.$peer.withValue(peer) {
                try await storage.execute([SQLStatement(
                    """
                    INSERT INTO \(table) (collection, record_key, document, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (collection, record_key) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
                    """,
                    [.text(request.collection), .text(request.key), .text(request.json), .text(stamp)])],
                    audit: AuditDraft(actor: actor, role: role, channel: channel, target: "\(module):\(request.collection)/\(request.key)", detail: "record_put"))
            }
        }
        return .with {
            $0.collection = request.collection
            $0.key = request.key
            $0.json = request.json
            $0.updatedAt = Google_Protobuf_Timestamp(date: at)
        }
    }

    func getRecord(request: Fawang_Plugin_V1_GetRecordRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_Record {
        try Self.check(collection: request.collection, key: request.key)
        let rows = try await storage.query(SQLStatement(
            "SELECT collection, record_key, document, updated_at FROM \(table) WHERE collection = ? AND record_key = ?",
            [.text(request.collection), .text(request.key)]))
        guard let row = rows.first else { throw FawangError(.notFound, "没有 \(request.collection)/\(request.key) 这条记录") }
        return Self.record(row)
    }

    func listRecords(request: Fawang_Plugin_V1_ListRecordsRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_ListRecordsResponse {
        try Self.check(collection: request.collection, key: "-")
        let limit = request.limit <= 0 ? 500 : min(Int(request.limit), 500)
        // The prefix as a range of keys (no LIKE, whose wildcards a key may contain).
        let rows = try await storage.query(SQLStatement(
            """
            SELECT collection, record_key, document, updated_at FROM \(table)
            WHERE collection = ? AND record_key >= ? AND record_key < ? ORDER BY record_key LIMIT \(limit)
            """,
            [.text(request.collection), .text(request.keyPrefix), .text(request.keyPrefix + "\u{10FFFF}")]))
        return .with { $0.records = rows.map(Self.record) }
    }

    func getLineMatter(request: Fawang_Plugin_V1_GetLineMatterRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_LineMatter {
        guard let number = TrackingNumber(request.trackingNumber) else {
            throw FawangError.invalidArgument(field: "tracking_number", "受理编号应为16位数字")
        }
        guard let matter = try await matters.matter(trackingNumber: number) else { throw FawangError(.notFound, "未找到该事项") }
        guard matter.businessLine == module else {
            let (actor, role, channel, peer) = attribution(request.callTicket)
            try await AuditContext.$method.withValue(Fawang_Plugin_V1_PluginHost.Method.GetLineMatter.descriptor.fullyQualifiedMethod) {
                try await AuditContext.$peer.withValue(peer) {
                    try await audit.append(AuditDraft(
                        actor: actor, role: role, channel: channel, target: "matter:\(matter.id)", outcome: "denied",
                        detail: "external plugin \(module) asked for a matter of \(matter.businessLine)"))
                }
            }
            throw FawangError(.permissionDenied, "外部插件 \(module) 只能读取本条线的事项")
        }
        return .with {
            $0.trackingNumber = matter.trackingNumber.digits
            $0.line = matter.businessLine
            $0.matterType = matter.matterType
            $0.status = matter.status
            $0.regionCode = matter.regionCode
            $0.submittedAt = Google_Protobuf_Timestamp(date: matter.submittedAt)
        }
    }

    func dueDate(request: Fawang_Plugin_V1_DueDateRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_DueDateResponse {
        guard let start = CivilDate(iso: request.startDate), start.description == request.startDate else {
            throw FawangError.invalidArgument(field: "start_date", "应为 YYYY-MM-DD 格式的日期")
        }
        guard (1...3650).contains(request.days) else { throw FawangError.invalidArgument(field: "days", "应为1至3650之间的天数") }
        let calendar = deadlines.calendar
        // The engine's own counting (DeadlineRule.lastDay): the start day not counted, a calendar
        // period's last rest day rolled to the next working day (民事诉讼法 第八十五条).
        let period = DeadlineRule(
            id: "plugin-period", label: "", article: "", days: Int(request.days), dayType: request.workingDays ? .working : .calendar,
            startsOn: [], metBy: [])
        let through = calendar.coverage?.upperBound.description ?? ""
        if let coverage = calendar.coverage, start < coverage.lowerBound {
            throw FawangError(.failedPrecondition, "start_date: 工作日日历自 \(coverage.lowerBound) 起，无法推算更早的期间")
        }
        guard let (due, provisional) = period.lastDay(from: start, counting: period.days, skipping: [], calendar: calendar) else {
            throw FawangError(
                .failedPrecondition,
                "工作日日历只到 \(through)，无法推算 \(request.startDate) 起 \(period.dayType.describe(period.days)) 的届满日：请在 deadlines.calendar_files 中加入次年国务院节假日安排")
        }
        return .with {
            $0.dueDate = due.description
            $0.provisional = provisional
            $0.calendarThrough = through
            $0.period = period.dayType.describe(period.days)
        }
    }

    func getDivision(request: Fawang_Plugin_V1_GetDivisionRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_Division {
        guard DivisionCode.isWellFormed(request.code) else { throw FawangError.invalidArgument(field: "code", "行政区划代码应为6位数字") }
        guard let division = try await directory.division(code: request.code) else {
            throw FawangError(.notFound, "没有代码为 \(request.code) 的行政区划")
        }
        var known = [division.code: division]
        if let city = DivisionCode.city(of: division.code), city != division.code, let parent = try await directory.division(code: city) {
            known[city] = parent
        }
        return .with {
            $0.code = division.code
            $0.name = division.name
            $0.level = Int32(division.level)
            $0.parentCode = division.parentCode ?? ""
            $0.fullName = DivisionCode.fullName(of: division.code, in: known)
        }
    }

    func listOrganizations(request: Fawang_Plugin_V1_ListOrganizationsRequest, context: ServerContext) async throws -> Fawang_Plugin_V1_ListOrganizationsResponse {
        guard request.regionCode.isEmpty || DivisionCode.isWellFormed(request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码应为6位数字")
        }
        let organizations = try await directory.organizations(
            businessLine: request.businessLine.isEmpty ? nil : request.businessLine, within: request.regionCode.isEmpty ? nil : request.regionCode)
        return .with {
            $0.organizations = organizations.map { organization in
                .with {
                    $0.id = organization.id
                    $0.kind = organization.kind
                    $0.name = organization.name
                    $0.regionCode = organization.regionCode
                    $0.businessLine = organization.businessLine
                    $0.phone = organization.phone
                    $0.address = organization.address
                }
            }
        }
    }

    /// Who an entry is recorded under: the caller of the ticket's call, else the plugin itself.
    private func attribution(_ ticket: String) -> (actor: String, role: String, channel: String, peer: String) {
        guard let caller = tickets.caller(ticket) else { return ("plugin:\(module)", Role.service.rawValue, Channel.api.rawValue, "plugin:\(module)") }
        let role = caller.hasPrincipal ? Role(caller.principal.role).map(\.rawValue) ?? "" : "anonymous"
        let actor = caller.hasPrincipal ? caller.principal.accountID : "anonymous"
        return (actor, role, caller.channel, caller.peer)
    }

    static func check(collection: String, key: String) throws {
        guard !collection.isEmpty, collection.count <= 64,
              collection.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "_" }) else {
            throw FawangError.invalidArgument(field: "collection", "lower-case letters, digits, '-' and '_', at most 64")
        }
        guard !key.isEmpty, key.count <= 200 else { throw FawangError.invalidArgument(field: "key", "1 to 200 characters") }
    }

    static func record(_ row: SQLRow) -> Fawang_Plugin_V1_Record {
        .with {
            $0.collection = row.string("collection") ?? ""
            $0.key = row.string("record_key") ?? ""
            $0.json = row.string("document") ?? ""
            if let text = row.string("updated_at"), let date = try? stamp.parse(text) {
                $0.updatedAt = Google_Protobuf_Timestamp(date: date)
            }
        }
    }
}
