@testable import AppointmentsPlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import LegalAidPlugin
import MediationPlugin
import SwiftProtobuf
import Testing

/// A booking that files its application (网上申请 + 网上预约 in one step): the line's own intake
/// validates it, and the matter and the booking are written in one transaction, over loopback
/// HTTP/2 against a real SQLite file.
@Suite struct BookingWithApplicationTests {
    typealias Appointments = Fawang_Appointment_V1_AppointmentService.Client<HTTP2ClientTransport.Posix>
    /// Noon in Beijing: the slot's day is tomorrow whenever the suite runs.
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))

    static func booking(_ slot: String, _ application: Fawang_Legalaid_V1_SubmitApplicationRequest) throws -> Fawang_Appointment_V1_BookRequest {
        try .with {
            $0.requestID = UUID().uuidString
            $0.slotID = slot
            $0.application = try Google_Protobuf_Any(message: application)
            $0.context.channel = .web
        }
    }

    static func count(_ sql: String, _ platform: TestPlatform) async throws -> Int {
        Int(try await platform.query(sql)) ?? -1
    }

    @Test("预约同时提交申请：事项和预约同一事务写入；约满则申请不提交；申请按本条线规则校验")
    func aBookingFilesItsApplication() async throws {
        try await TestPlatform.with(
            extraConfig: TestPlatform.unlimitedRates, plugins: [AppointmentsPlugin(), LegalAidPlugin(), MediationPlugin()], clock: Self.clock
        ) { platform in
            let slot = try #require(try await AppointmentsTests.publish(platform, from: "2026-12-08", to: "2026-12-08", capacity: 2).opened.first)
            let mattersNow = { try await Self.count("SELECT COUNT(*) FROM matters WHERE business_line = 'legal-aid'", platform) }
            let before = try await mattersNow()
            try await platform.withClient { client in
                let appointments = Appointments(wrapping: client)
                // Name and phone come from the application's applicant.
                let request = try Self.booking(slot.id, LegalAidSamples.application(phone: "13951009876"))
                let first = try await appointments.book(request)
                #expect(!first.replayed && first.booking.nameMasked == "马**" && first.booking.status == .booked)
                let tracking = first.booking.trackingNumber
                #expect(tracking.count >= 12, "the booking carries the new matter: \(tracking)")
                // The matter is the line's own, filed through the booking's door.
                let matter = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = tracking
                    $0.phoneLast4 = "9876"
                })
                #expect(matter.businessLineName == "法律援助" && matter.timeline.map(\.kind) == ["submitted", "appointment_booked"])
                #expect(matter.timeline.last?.label == "预约到场办理" && matter.timeline.last?.note.contains(first.booking.number) == true)
                #expect(try await appointments.getBooking(.with {
                    $0.number = first.booking.number
                    $0.phoneLast4 = "9876"
                }).trackingNumber == tracking)
                // A retry is the same booking and the same matter.
                let again = try await appointments.book(request)
                #expect(again.replayed && again.booking.number == first.booking.number && again.booking.trackingNumber == tracking)
                #expect(try await mattersNow() == before + 1)

                // The application is checked by its line: field errors under application.
                var bad = LegalAidSamples.application(phone: "13951001111")
                bad.applicant.idNumber = "110105194912310021"
                await expectStatus(.invalidArgument, field: "application.applicant.id_number") {
                    _ = try await appointments.book(try Self.booking(slot.id, bad))
                }
                // Another line's application for a legal aid slot.
                var mediation = try Self.booking(slot.id, LegalAidSamples.application())
                mediation.application = try Google_Protobuf_Any(message: Fawang_Mediation_V1_SubmitDisputeRequest.with { $0.requestID = "m-1" })
                await expectStatus(.invalidArgument, field: "application.type_url", containing: ["fawang.legalaid.v1.SubmitApplicationRequest"]) {
                    _ = try await appointments.book(mediation)
                }
                // A phone that is not the applicant's; a tracking number beside an application.
                var otherPhone = try Self.booking(slot.id, LegalAidSamples.application(phone: "13951002222"))
                otherPhone.phone = "13951003333"
                await expectStatus(.invalidArgument, field: "phone") { _ = try await appointments.book(otherPhone) }
                var both = try Self.booking(slot.id, LegalAidSamples.application(phone: "13951004444"))
                both.trackingNumber = tracking
                await expectStatus(.invalidArgument, field: "tracking_number") { _ = try await appointments.book(both) }
                #expect(try await mattersNow() == before + 1, "nothing refused was filed")

                // The last place; then the slot is full and the application is not filed either.
                _ = try await appointments.book(try Self.booking(slot.id, LegalAidSamples.application(phone: "13951005555")))
                let refused = LegalAidSamples.application(phone: "13951006666")
                await expectStatus(.failedPrecondition, containing: ["已约满"]) {
                    _ = try await appointments.book(try Self.booking(slot.id, refused))
                }
                #expect(try await mattersNow() == before + 2)
                // Filed on its own afterwards with the same request id, it is a new matter: the
                // refused booking left no trace of it.
                let alone = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(refused)
                #expect(!alone.replayed)

                // Cancelled, the booking leaves its mark on the matter's timeline too.
                _ = try await appointments.cancelBooking(.with {
                    $0.number = first.booking.number
                    $0.phoneLast4 = "9876"
                    $0.context.channel = .web
                })
                let after = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = tracking
                    $0.phoneLast4 = "9876"
                })
                #expect(after.timeline.map(\.kind) == ["submitted", "appointment_booked", "appointment_cancelled"])
            }
            let bookings = try await Self.count("SELECT COUNT(*) FROM appointments_bookings WHERE tracking_number != ''", platform)
            #expect(bookings == 2)
            // The booking's audit entry sits in the chain beside the matter's.
            #expect(try await Self.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE 'booked % with application'", platform) == 2)
        }
    }

    @Test("12 people book with their applications for 5 places at once: exactly 5 bookings and 5 matters")
    func concurrentFilingsKeepTheCapacity() async throws {
        try await TestPlatform.with(
            extraConfig: TestPlatform.unlimitedRates, plugins: [AppointmentsPlugin(), LegalAidPlugin()], clock: Self.clock
        ) { platform in
            let slot = try #require(try await AppointmentsTests.publish(platform, from: "2026-12-08", to: "2026-12-08", capacity: 5).opened.first)
            let before = try await Self.count("SELECT COUNT(*) FROM matters", platform)
            let outcomes = try await AppointmentsTests.atOnce(12, platform) { client, index in
                let application = LegalAidSamples.application(phone: "139520\(String(format: "%05d", index))")
                _ = try await Appointments(wrapping: client).book(try Self.booking(slot.id, application))
            }
            #expect(outcomes.filter { $0 == nil }.count == 5)
            #expect(outcomes.filter { $0 == .failedPrecondition }.count == 7, "\(outcomes)")
            #expect(try await Self.count("SELECT COUNT(*) FROM matters", platform) == before + 5)
            let linked = try await Self.count(
                "SELECT COUNT(*) FROM appointments_bookings b JOIN matters m ON m.tracking_number = b.tracking_number WHERE b.slot_id = '\(slot.id)'",
                platform)
            #expect(linked == 5, "every booking carries its own matter")
        }
    }
}
