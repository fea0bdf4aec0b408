import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Oversight on the workbench over HTTP: the division's list with the demo records' alerts, an
/// entry's file, a refused inspection (its reason on the page, what was typed kept), a recorded
/// one, and the public directory's page showing the credit grade.
@Suite struct OversightPagesTests {
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))

    @Test("门户机构监管：本辖区列表和预警（演示数据：许可即将到期、整改到期）；登记检查漏填整改期限时提示并保留所填；登记后档案和公众目录同步")
    func theBureauRecordsAnInspectionAndThePublicSeesTheGrade() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let http = try #require(platform.ports.http)
            let staff = try await AdminConsoleTests.signIn(http, "supervision-640100")
            let (status, data) = try await AdminConsoleTests.get(http, "/staff/oversight", session: staff)
            let list = String(decoding: data, as: UTF8.self)
            #expect(status == 200 && list.contains("id=\"oversight-entries\""))
            let alerts = try #require(list.firstMatch(of: /id="oversight-alerts"[\s\S]*?<\/section>/)).output
            #expect(alerts.contains("执业许可即将到期") && alerts.contains("银川市第一公证处"), "the demo office's licence ends in 45 days")
            #expect(alerts.contains("整改期限已到") && alerts.contains("银川市电子数据司法鉴定所"))
            #expect(!list.contains("大武口区"), "another city's entries are not listed")

            let entry = "/staff/oversight/entry?id=" + "notary_office/np-640100-1".addingPercentEncoding(withAllowedCharacters: SurveyPagesTests.unreserved)!
            let (entryStatus, entryData) = try await AdminConsoleTests.get(http, entry, session: staff)
            let file = String(decoding: entryData, as: UTF8.self)
            #expect(entryStatus == 200 && file.contains("id=\"form-inspection\"") && file.contains("许可有效期至</dt><dd>2027-01-21"))

            let cookie = "fawang_staff=\(staff)"
            let refused = try await SurveyPagesTests.post(http, "/staff/oversight/entry", [
                ("id", "notary_office/np-640100-1"), ("form", "inspection"), ("request_id", "page-1"), ("day", "2026-12-03"),
                ("kind", "special"), ("result", "rectify"), ("findings", "公证书副本未按期归档"),
            ], cookie: cookie)
            #expect(refused.status == 422 && refused.html.contains("请填写整改期限"), "\(refused.status)")
            #expect(refused.html.contains("公证书副本未按期归档"), "what was typed stays")
            let recorded = try await SurveyPagesTests.post(http, "/staff/oversight/entry", [
                ("id", "notary_office/np-640100-1"), ("form", "inspection"), ("request_id", "page-1"), ("day", "2026-12-03"),
                ("kind", "special"), ("result", "rectify"), ("findings", "公证书副本未按期归档"), ("rectify_by", "2026-12-31"),
            ], cookie: cookie)
            #expect(recorded.status == 303 && recorded.location.hasPrefix("/staff/oversight/entry?id="))
            let (_, afterData) = try await AdminConsoleTests.get(http, entry, session: staff)
            let after = String(decoding: afterData, as: UTF8.self)
            #expect(after.contains("公证书副本未按期归档") && after.contains("95 分 · A级（守信）"), "100 − 5 for the rectification")

            // The public's page of the office shows the grade and the inspection.
            let (publicStatus, publicPage) = try await PortalTests.get(http, "/directory/entry?id=notary_office%2Fnp-640100-1")
            #expect(publicStatus == 200 && publicPage.contains("A级（守信）（95 分）") && publicPage.contains("2026-12-03 专项检查：限期整改（至2026-12-31）"))

            // A county officer of another line may not open it.
            let county = try await AdminConsoleTests.signIn(http, "lawyers-640104")
            let (deniedStatus, _) = try await AdminConsoleTests.get(http, entry, session: county)
            #expect(deniedStatus == 403)
        }
    }
}
