import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf

/// The module's tables and how their rows read.
enum AppointmentRows {
    /// Slots (one office × service × day × period, with its capacity), bookings (each holding a
    /// place while booked, checked in or not kept) and the outbox of messages to the public.
    static let migration = StorageMigration(id: "v1-slots-bookings-outbox", statements: [
        """
        CREATE TABLE appointments_slots (
            id TEXT PRIMARY KEY,
            office_id TEXT NOT NULL,
            office_name TEXT NOT NULL,
            region_code TEXT NOT NULL,
            service TEXT NOT NULL,
            day TEXT NOT NULL,
            period TEXT NOT NULL,
            capacity INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            UNIQUE (office_id, service, day, period)
        )
        """,
        "CREATE INDEX appointments_slots_by_day ON appointments_slots (day, region_code)",
        """
        CREATE TABLE appointments_bookings (
            number TEXT PRIMARY KEY,
            request_id TEXT NOT NULL UNIQUE,
            request_digest TEXT NOT NULL,
            slot_id TEXT NOT NULL REFERENCES appointments_slots (id),
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            status TEXT NOT NULL,
            channel TEXT NOT NULL,
            tracking_number TEXT NOT NULL DEFAULT '',
            rescheduled_to TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_write TEXT NOT NULL
        )
        """,
        "CREATE INDEX appointments_bookings_by_slot ON appointments_bookings (slot_id, status)",
        """
        CREATE TABLE appointments_outbox (
            id TEXT PRIMARY KEY,
            booking_number TEXT NOT NULL,
            kind TEXT NOT NULL,
            recipient TEXT NOT NULL,
            text TEXT NOT NULL,
            due_at TEXT NOT NULL,
            sent_at TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX appointments_outbox_due ON appointments_outbox (due_at) WHERE sent_at = ''",
    ])

    /// The statuses that hold a place in their slot.
    static let holding = "('booked', 'checked_in', 'no_show')"

    static func insertSlot(office: Organization, service: String, day: CivilDate, period: String, capacity: Int, by actor: String) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO appointments_slots (id, office_id, office_name, region_code, service, day, period, capacity, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, service, day, period) DO NOTHING
            """,
            [
                .text("sl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()), .text(office.id), .text(office.name), .text(office.regionCode),
                .text(service), .text(day.description), .text(period), .integer(Int64(capacity)), .text(actor),
            ])
    }

    /// Slots with the places they hold, for a WHERE clause on `s`.
    static func slotQuery(_ condition: String) -> String {
        """
        SELECT s.*, (SELECT COUNT(*) FROM appointments_bookings b WHERE b.slot_id = s.id AND b.status IN \(holding)) AS booked
        FROM appointments_slots s WHERE \(condition) ORDER BY s.day, s.period, s.office_id, s.service
        """
    }

    static func slot(_ row: SQLRow, serviceName: (String) -> String) -> Fawang_Appointment_V1_Slot {
        let capacity = row.int("capacity") ?? 0, booked = row.int("booked") ?? 0
        return .with {
            $0.id = row.string("id") ?? ""
            $0.officeID = row.string("office_id") ?? ""
            $0.officeName = row.string("office_name") ?? ""
            $0.regionCode = row.string("region_code") ?? ""
            $0.service = row.string("service") ?? ""
            $0.serviceName = serviceName($0.service)
            $0.day = row.string("day") ?? ""
            $0.period = row.string("period") ?? ""
            $0.capacity = Int32(capacity)
            $0.booked = Int32(booked)
            $0.remaining = Int32(max(0, capacity - booked))
        }
    }

    /// The working days of `from...to` by the calendar in force, and the days left out with why.
    static func workingDays(from: CivilDate, to: CivilDate, calendar: WorkingDayCalendar) -> (open: [CivilDate], skipped: [String]) {
        var open: [CivilDate] = [], skipped: [String] = []
        var day = from
        while day <= to {
            switch calendar.isWorkingDay(day) {
            case true?: open.append(day)
            case false?: skipped.append("\(day) \(calendar.holidayName(day) ?? "休息日")")
            case nil: skipped.append("\(day) 尚无该年度的节假日安排，暂不开放预约")
            }
            day = day.adding(days: 1)
        }
        return (open, skipped)
    }

    /// `HH:MM-HH:MM` with the start before the end, or nil.
    static func period(_ text: String) -> String? {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start < end else { return nil }
        return "\(parts[0])-\(parts[1])"
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    enum Status: String, CaseIterable {
        case booked, cancelled, rescheduled
        case checkedIn = "checked_in"
        case noShow = "no_show"

        var label: String {
            switch self {
            case .booked: "已预约"
            case .cancelled: "已取消"
            case .rescheduled: "已改约"
            case .checkedIn: "已到场"
            case .noShow: "未到场（失约）"
            }
        }

        var proto: Fawang_Appointment_V1_BookingStatus {
            switch self {
            case .booked: .booked
            case .cancelled: .cancelled
            case .rescheduled: .rescheduled
            case .checkedIn: .checkedIn
            case .noShow: .noShow
            }
        }
    }

    /// A fresh booking number: `Y` and twelve digits.
    static func newNumber() -> String {
        "Y" + String((0..<12).map { _ in "0123456789".randomElement()! })
    }
}
