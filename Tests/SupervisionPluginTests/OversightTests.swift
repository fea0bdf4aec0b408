import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
@testable import SupervisionPlugin
import Testing

/// Oversight of organisations and practitioners over a real host: the bureau records a lawyer's
/// failed assessment, an inspection and a suspension; the public complains about him three times;
/// a notary office's matters run past their limits and its licence nears its end. The score, the
/// alerts and the public directory's credit record follow, each from its rule; who may see and
/// record what follows the divisions and lines.
@Suite struct OversightTests {
    typealias Oversight = Fawang_Supervision_V1_OversightService.Client<HTTP2ClientTransport.Posix>
    typealias Directory = Fawang_Directory_V1_DirectoryService.Client<HTTP2ClientTransport.Posix>
    typealias Lawyers = Fawang_Lawyers_V1_LawyerService.Client<HTTP2ClientTransport.Posix>
    typealias Notarization = Fawang_Notarization_V1_NotarizationService.Client<HTTP2ClientTransport.Posix>

    /// 马明, practising in Xingqing district (the demo register).
    static let maMing = "lawyer/16401201010000001"
    /// 杨帆, practising in Jinfeng district.
    static let yangFan = "lawyer/16401202410000005"
    static let office = "notary_office/np-640104-1"

    @Test("机构监管：年度考核不称职、限期整改、停止执业、投诉集中各按规则扣分和预警，公众目录同步显示；县级只管本县本条线")
    func recordsScoreAlertsAndTheDirectoryAgree() async throws {
        let clock = TestClock(at: beijing(2026, 11, 2, hour: 10))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            // The public complains about 马明 three times within a few weeks.
            for (index, day) in [5, 12, 19].enumerated() {
                clock.set(beijing(2026, 11, day, hour: 10))
                _ = try await platform.withClient { client in
                    try await Lawyers(wrapping: client).submitComplaint(.with {
                        $0.requestID = "complaint-\(index)"
                        $0.context.channel = .web
                        $0.complainant.name = "投诉人\(index)"
                        $0.complainant.phone = "1395100123\(index)"
                        $0.subjectKind = .lawyer
                        $0.subjectLicenceNumber = "16401201010000001"
                        $0.facts = "该律师收取费用后不出庭，也不退费"
                    })
                }
            }
            clock.set(beijing(2026, 12, 1, hour: 10))
            let today = "2026-12-01"

            let record = try await platform.withClient(as: "supervision-640104") { client in
                let oversight = Oversight(wrapping: client)
                let clean = try await oversight.getOversight(.with { $0.entryID = Self.maMing })
                #expect(clean.creditScore == 100 && clean.creditGrade == "A")
                #expect(clean.alerts.map(\.kind) == ["complaints_piling"], "three complaints in 90 days: \(clean.alerts.map(\.message))")

                // Bad input names its field.
                await expectStatus(.invalidArgument, field: "year") {
                    _ = try await oversight.recordAssessment(.with {
                        $0.entryID = Self.maMing
                        $0.year = 2026
                        $0.result = .pass
                    })
                }
                await expectStatus(.invalidArgument, field: "rectify_by") {
                    _ = try await oversight.recordInspection(.with {
                        $0.entryID = Self.maMing
                        $0.day = today
                        $0.kind = .special
                        $0.result = .rectify
                        $0.findings = "未按规定建立业务档案"
                    })
                }
                await expectStatus(.invalidArgument, field: "until") {
                    _ = try await oversight.recordMeasure(.with {
                        $0.entryID = Self.maMing
                        $0.decidedOn = today
                        $0.kind = .suspension
                        $0.basis = "《中华人民共和国律师法》第四十八条"
                        $0.reason = "私自收费"
                    })
                }
                await expectStatus(.notFound) { _ = try await oversight.getOversight(.with { $0.entryID = "lawyer/19999999999999999" }) }

                _ = try await oversight.recordAssessment(.with {
                    $0.entryID = Self.maMing
                    $0.year = 2025
                    $0.result = .fail
                    $0.note = "全年未完成公益法律服务"
                })
                // A retried inspection with the same request id is recorded once.
                let inspection = Fawang_Supervision_V1_RecordInspectionRequest.with {
                    $0.requestID = "jc-test-1"
                    $0.entryID = Self.maMing
                    $0.day = "2026-11-20"
                    $0.kind = .special
                    $0.result = .rectify
                    $0.findings = "未按规定建立业务档案"
                    $0.rectifyBy = "2026-11-30"
                }
                _ = try await oversight.recordInspection(inspection)
                _ = try await oversight.recordInspection(inspection)
                return try await oversight.recordMeasure(.with {
                    $0.requestID = "cf-test-1"
                    $0.entryID = Self.maMing
                    $0.decidedOn = "2026-11-25"
                    $0.kind = .suspension
                    $0.basis = "《中华人民共和国律师法》第四十八条"
                    $0.reason = "私自接受委托、收取费用"
                    $0.until = "2027-02-24"
                })
            }
            // 100 − 30 (assessment) − 5 (inspection) − 25 (suspension) = 40: grade D.
            #expect(record.inspections.count == 1, "the retry recorded nothing twice")
            #expect(record.assessments.map(\.resultName) == ["不称职"])
            #expect(record.creditScore == 40 && record.creditGrade == "D", "\(record.deductions.map { "\($0.points) \($0.reason)" })")
            #expect(record.deductions.map(\.points).sorted() == [-30, -25, -5])
            #expect(Set(record.alerts.map(\.kind)) == ["complaints_piling", "assessment_failed", "rectification_due", "low_credit"])
            #expect(record.entry.credit.licenceStatus == "停止执业（至2027-02-24）" && !record.entry.credit.inGoodStanding)
            #expect(record.measures.first?.recordedByBureau == true)

            // The public directory shows the same record to anyone.
            let listed = try await platform.withClient { client in try await Directory(wrapping: client).getEntry(.with { $0.id = Self.maMing }) }
            #expect(listed.credit.creditScore == 40 && listed.credit.creditGrade == "D" && listed.credit.creditGradeName == "D级（失信）")
            #expect(listed.credit.annualAssessment == "2025年度 不称职")
            #expect(listed.credit.inspections == ["2026-11-20 专项检查：限期整改（至2026-11-30）"])
            #expect(!listed.credit.inGoodStanding && listed.credit.licenceStatus.hasPrefix("停止执业"))
            #expect(listed.credit.discipline.first?.hasPrefix("2026-11-25 停止执业") == true, "\(listed.credit.discipline)")
            let goodOnly = try await platform.withClient { client in
                try await Directory(wrapping: client).searchDirectory(.with {
                    $0.name = "马明"
                    $0.inGoodStandingOnly = true
                })
            }
            #expect(goodOnly.entries.isEmpty, "a suspended lawyer is not offered to the public")

            // A county's staff oversee their county and their line only.
            try await platform.withClient(as: "lawyers-640104") { client in
                let oversight = Oversight(wrapping: client)
                #expect(try await oversight.getOversight(.with { $0.entryID = Self.maMing }).creditScore == 40)
                await expectStatus(.permissionDenied) { _ = try await oversight.getOversight(.with { $0.entryID = Self.yangFan }) }
                await expectStatus(.permissionDenied) { _ = try await oversight.getOversight(.with { $0.entryID = Self.office }) }
                await expectStatus(.permissionDenied) { _ = try await oversight.listOverseen(.with { $0.regionCode = "640106" }) }
                let mine = try await oversight.listOverseen(.init())
                #expect(!mine.entries.isEmpty && mine.entries.allSatisfy { $0.regionCode == "640104" && $0.businessLineName == "律师管理" },
                        "\(mine.entries.map { "\($0.name) \($0.regionCode) \($0.businessLineName)" })")
                #expect(mine.entries.first?.id == Self.maMing, "lowest score first")
            }
            try await platform.withClient(as: "notarization-640104") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Oversight(wrapping: client).recordAssessment(.with {
                        $0.entryID = Self.maMing
                        $0.year = 2025
                        $0.result = .pass
                    })
                }
            }
            try await platform.withClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Oversight(wrapping: client).listOverseen(.init()) }
            }
        }
    }

    @Test("机构监管：公证处的事项多次逾期、许可60天内到期即预警；办理满10件逾期率20%以上扣15分")
    func overdueMattersAndALicenceNearItsEndRaiseAlerts() async throws {
        let clock = TestClock(at: beijing(2026, 9, 1, hour: 10))
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: clock) { platform in
            // Ten applications taken by the Xingqing office; three of them are left to run past
            // their 15 working days (公证法第三十条), the rest are issued in time.
            try await platform.withClient(as: "notarization-640104") { client in
                let notarization = Notarization(wrapping: client)
                for index in 0..<10 {
                    let number = try await notarization.submitApplication(.with {
                        $0.requestID = "overdue-\(index)"
                        $0.context.channel = .walkIn
                        $0.applicant.name = "申请人\(index)"
                        $0.applicant.idNumber = "11010519491231002X"
                        $0.applicant.phone = "1395100\(String(format: "%04d", index))"
                        $0.regionCode = "640104"
                        $0.placeBasis = .domicile
                        $0.matterKind = .education
                        $0.purpose = "出国留学"
                        $0.materials = ["申请人身份证明", "学历证书"]
                    }).matter.trackingNumber
                    _ = try await notarization.accept(.with {
                        $0.trackingNumber = number
                        $0.officeID = "np-640104-1"
                        $0.notaryName = "李公证员"
                        $0.legalNotice = "已告知学历公证的法律意义和可能产生的法律后果"
                    })
                    if index >= 3 {
                        _ = try await notarization.issueCertificate(.with { $0.trackingNumber = number })
                    }
                }
            }
            clock.set(beijing(2026, 11, 2, hour: 10))
            try await platform.withClient(as: "supervision-640100") { client in
                let oversight = Oversight(wrapping: client)
                _ = try await oversight.setLicenceTerm(.with {
                    $0.entryID = Self.office
                    $0.validUntil = "2026-12-20"
                })
                let alerts = try await oversight.listOversightAlerts(.with { $0.regionCode = "640104" }).alerts.filter { $0.entryID == Self.office }
                #expect(Set(alerts.map(\.kind)) == ["licence_expiring", "repeated_overdue"], "\(alerts.map(\.message))")
                #expect(alerts.allSatisfy { $0.regionName == "银川市兴庆区" && $0.entryName.contains("公证") })
                #expect(alerts.first { $0.kind == "repeated_overdue" }?.message.contains("3 件") == true)
                let record = try await oversight.getOversight(.with { $0.entryID = Self.office })
                #expect(record.entry.credit.handledMatters == 10 && record.entry.credit.overdueMatters == 3)
                #expect(record.creditScore == 85 && record.creditGrade == "B", "\(record.deductions.map(\.reason))")
                await expectStatus(.invalidArgument, field: "valid_until") {
                    _ = try await oversight.setLicenceTerm(.with {
                        $0.entryID = Self.office
                        $0.validUntil = "20261220"
                    })
                }
                // Only alerts of a kind, when asked.
                let onlyLicences = try await oversight.listOversightAlerts(.with {
                    $0.regionCode = "640104"
                    $0.kinds = ["licence_expiring"]
                }).alerts
                #expect(!onlyLicences.isEmpty && onlyLicences.allSatisfy { $0.kind == "licence_expiring" })
                let withAlerts = try await oversight.listOverseen(.with {
                    $0.regionCode = "640104"
                    $0.withAlertsOnly = true
                })
                #expect(withAlerts.entries.contains { $0.id == Self.office })
                #expect(withAlerts.entries.allSatisfy { !$0.alerts.isEmpty })
            }
            // The statistics split by office: the ten matters are the office's, three of them overdue;
            // the offices' groups add up to the whole.
            try await platform.withClient(as: "supervision-640100") { client in
                let statistics = Fawang_Supervision_V1_StatisticsService.Client(wrapping: client)
                func ask(_ groupBy: [Fawang_Supervision_V1_Dimension]) async throws -> Fawang_Supervision_V1_StatisticsReport {
                    try await statistics.getStatistics(.with {
                        $0.regionCode = "640104"
                        $0.fromDay = "2026-08-15"
                        $0.toDay = "2026-11-02"
                        $0.groupBy = groupBy
                    })
                }
                let byOffice = try await ask([.office])
                let office = try #require(byOffice.groups.first { $0.key.first?.value == Self.office })
                #expect(office.key.first?.label.contains("公证") == true, "\(office.key)")
                #expect(office.figures.received == 10 && office.figures.accepted == 10 && office.figures.overdue == 3)
                let whole = try await ask([])
                #expect(byOffice.groups.map(\.figures.received).reduce(0, +) == whole.total.received)
                let byLineAndOffice = try await ask([.line, .office])
                #expect(byLineAndOffice.groups.contains { $0.key.map(\.value) == ["notarization", Self.office] && $0.figures.received == 10 })
            }
            // Past its end, the directory no longer offers the office.
            clock.set(beijing(2026, 12, 21, hour: 10))
            let office = try await platform.withClient { client in try await Directory(wrapping: client).getEntry(.with { $0.id = Self.office }) }
            #expect(!office.credit.inGoodStanding && office.credit.licenceStatus == "执业许可已于2026-12-20到期")
            #expect(office.credit.licenceValidUntil == "2026-12-20")
        }
    }
}
