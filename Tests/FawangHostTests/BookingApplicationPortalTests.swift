import FawangCatalog
import FawangCore
import FawangHost
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The portal's booking page offers the slot's line's online application; filing it there books
/// the slot with it (AppointmentService/Book with the application), over real HTTP.
@Suite struct BookingApplicationPortalTests {
    static let legalAid: [String: String] = [
        "applicant.name": "马小花", "applicant.id_number": "11010519491231002X", "applicant.phone": "13951007777",
        "applicant.address": "银川市兴庆区文化街1号", "region_code": "640104", "case_category": "CASE_CATEGORY_LABOUR_REMUNERATION",
        "service_form": "SERVICE_FORM_LITIGATION_AGENCY", "case_summary": "在工地务工六个月，被拖欠工资两万四千元。",
        "opposing_party": "某建筑劳务公司", "hardship.household_size": "4", "hardship.monthly_income_per_capita_yuan": "600",
        "hardship.description": "家庭无其他收入来源", "hardship.verification": "HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT",
        "materials": "身份证复印件\n务工情况说明",
    ]

    @Test func anApplicationFiledFromTheBookingPageBooksItsSlot() async throws {
        let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            let http = try #require(platform.ports.http)
            let slot = try #require(try await platform.withInProcessClient(as: "appointments-640104") { client in
                try await Fawang_Appointment_V1_AppointmentService.Client(wrapping: client).publishSlots(.with {
                    $0.officeID = "plsc-640104"
                    $0.service = "legal-aid.application"
                    $0.fromDay = "2026-12-08"
                    $0.toDay = "2026-12-08"
                    $0.periods = ["08:30-11:30"]
                    $0.capacity = 3
                    $0.context = LegalAidSamples.staff("staff-640104-appointments")
                })
            }.opened.first)
            let book = try await PortalTests.get(http, "/appointments/book?slot=\(slot.id)")
            let apply = "/apply/legal-aid/submit?slot=\(slot.id)"
            #expect(book.html.contains("id=\"apply-with-booking\"") && book.html.contains(apply), "the booking page offers the application")
            let form = try await PortalTests.get(http, apply)
            #expect(form.html.contains("id=\"visit-slot\"") && form.html.contains("name=\"_slot\" value=\"\(slot.id)\""))
            #expect(form.html.contains("2026-12-08") && form.html.contains("08:30-11:30"))

            // A field the line refuses is shown beside it, and the slot stays with the form.
            var wrong = Self.legalAid
            wrong["applicant.id_number"] = "110105194912310021"
            wrong["_slot"] = slot.id
            wrong["_request_id"] = UUID().uuidString
            let (refusedStatus, refused) = try await PortalTests.postMultipart(http, "/apply/legal-aid/submit", fields: wrong, files: [])
            #expect(refusedStatus == 422 && refused.contains("id=\"visit-slot\""))
            let beside = refused.firstMatch(of: /id="f-submit-applicant-id_number-error">([^<]+)</)?.1
            #expect(beside?.contains("身份证") == true, "the id number's problem beside it: \(String(describing: beside))")
            #expect(try await platform.query("SELECT COUNT(*) FROM appointments_bookings WHERE slot_id = '\(slot.id)'") == "0")

            var fields = Self.legalAid
            fields["_slot"] = slot.id
            fields["_request_id"] = UUID().uuidString
            let (status, page) = try await PortalTests.postMultipart(http, "/apply/legal-aid/submit", fields: fields, files: [])
            #expect(status == 200 && page.contains("提交成功") && page.contains("id=\"visit-booking\""), "\(page.suffix(600))")
            let tracking = try #require(page.firstMatch(of: /id="tracking-number">(\d+)</)?.1)
            let number = try #require(page.firstMatch(of: /预约号 <strong>(Y\d+)</)?.1)
            // One booking carrying the new matter, filed through the portal's door.
            let row = try await platform.query(
                "SELECT b.tracking_number || '|' || b.channel || '|' || m.channel FROM appointments_bookings b JOIN matters m "
                    + "ON m.tracking_number = b.tracking_number WHERE b.number = '\(number)'")
            #expect(row == "\(tracking)|web|web")
            let report = try await platform.withClient { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = String(tracking)
                    $0.phoneLast4 = "7777"
                })
            }
            #expect(report.businessLineName == "法律援助")
            #expect(!report.statusLabel.isEmpty && page.contains("当前状态：<strong>\(report.statusLabel)</strong>"), "the receipt shows the matter's status")
        }
    }
}
