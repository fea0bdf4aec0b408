import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCProtobuf
import LawyersPlugin
import SwiftProtobuf
import Testing

/// The lawyers line over a real server on loopback HTTP/2 with a real SQLite file. Logins:
/// `lawyers-640100` (Yinchuan city bureau), `lawyers-640104` (Xingqing district),
/// `lawyers-admin` (the autonomous region's department), `admin-approval-640100` (another department).
@Suite struct LawyersEndToEndTests {
    typealias Lawyers = Fawang_Lawyers_V1_LawyerService.Client<InProcessTransport.Client>

    static func platform<T: Sendable>(_ body: (TestPlatform, TestClock) async throws -> T) async throws -> T {
        let clock = TestClock(at: LawyersSamples.july(1))
        return try await TestPlatform.with(plugins: [LawyersPlugin()], clock: clock) { platform in
            try await body(platform, clock)
        }
    }

    static let city = LawyersSamples.staff()
    static let province = LawyersSamples.staff("staff-640000-lawyers-admin")

    /// Submits, accepts and forwards as the city bureau; returns the tracking number.
    static func throughCityStage(_ platform: TestPlatform, _ clock: TestClock, _ submit: @Sendable (Lawyers) async throws -> Fawang_Lawyers_V1_SubmitResponse) async throws -> String {
        try await platform.withInProcessClient(as: "lawyers-640100") { client in
            let lawyers = Lawyers(wrapping: client)
            let number = try await submit(lawyers).matter.trackingNumber
            _ = try await lawyers.accept(.with {
                $0.trackingNumber = number
                $0.context = city
            })
            clock.advance(days: 5)
            _ = try await lawyers.forward(.with {
                $0.trackingNumber = number
                $0.opinion = "材料齐全，符合律师法规定的条件，建议准予"
                $0.recommendGrant = true
                $0.context = city
            })
            return number
        }
    }

    @Test("律师法第六条: practice licence — city review in 20 days, provincial decision in 10, licence in the register")
    func practiceLicenceTwoStages() async throws {
        try await Self.platform { platform, clock in
            let number = try await platform.withInProcessClient(as: "lawyers-640100") { client in
                let lawyers = Lawyers(wrapping: client)
                let submitted = try await lawyers.submitPracticeApplication(LawyersSamples.practice())
                #expect(submitted.matter.status == "submitted")
                #expect(submitted.matter.matterTypeName == "律师执业申请")
                #expect(submitted.matter.detailsJson.contains("宁夏贺兰山律师事务所"))
                let number = submitted.matter.trackingNumber
                // Not yet reviewed: the province's step is refused by the workflow.
                await expectStatus(.failedPrecondition) {
                    _ = try await lawyers.forward(.with {
                        $0.trackingNumber = number
                        $0.opinion = "x"
                        $0.context = Self.city
                    })
                }
                let accepted = try await lawyers.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.city
                })
                #expect(accepted.status == "city_review")
                let review = try #require(accepted.deadlines.first)
                #expect(review.ruleID == "lawyers.practice.city-review")
                #expect(review.dueDate == "2026-07-21")
                #expect(review.article == "《中华人民共和国律师法》第六条")
                clock.advance(days: 5)
                await expectStatus(.invalidArgument, field: "opinion") {
                    _ = try await lawyers.forward(.with {
                        $0.trackingNumber = number
                        $0.context = Self.city
                    })
                }
                let forwarded = try await lawyers.forward(.with {
                    $0.trackingNumber = number
                    $0.opinion = "符合律师法第五条规定的条件，建议准予执业"
                    $0.recommendGrant = true
                    $0.context = Self.city
                })
                #expect(forwarded.status == "province_review")
                #expect(forwarded.deadlines.map(\.ruleID) == ["lawyers.practice.city-review", "lawyers.practice.province-decision"])
                #expect(forwarded.deadlines.map(\.state) == [.met, .running])
                #expect(forwarded.deadlines.last?.dueDate == "2026-07-16")

                // The city bureau cannot decide at the province's stage.
                await expectStatus(.permissionDenied) {
                    _ = try await lawyers.grant(.with {
                        $0.trackingNumber = number
                        $0.context = Self.city
                    })
                }
                return number
            }
            // Xingqing district's staff and another department's staff are outside the matter.
            try await platform.withInProcessClient(as: "lawyers-640104") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Lawyers(wrapping: client).accept(.with {
                        $0.trackingNumber = number
                        $0.context = LawyersSamples.staff("staff-640104-lawyers")
                    })
                }
            }
            try await platform.withInProcessClient(as: "admin-approval-640100") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Lawyers(wrapping: client).refuse(.with {
                        $0.trackingNumber = number
                        $0.ground = .criminalPunishment
                        $0.reasons = "x"
                        $0.context = LawyersSamples.staff("staff-640100-admin-approval")
                    })
                }
            }

            let licence = try await platform.withInProcessClient(as: "lawyers-admin") { client in
                // 律师法第六条: the city's stage is not the province's to take.
                await expectStatus(.permissionDenied) {
                    _ = try await Lawyers(wrapping: client).forward(.with {
                        $0.trackingNumber = number
                        $0.opinion = "符合条件"
                        $0.context = Self.province
                    })
                }
                let granted = try await Lawyers(wrapping: client).grant(.with {
                    $0.trackingNumber = number
                    $0.note = "准予执业"
                    $0.context = Self.province
                })
                #expect(granted.status == "granted")
                #expect(granted.deadlines.map(\.state) == [.met, .met])
                return try #require(granted.timeline.last?.attributes["licence_number"])
            }

            // The public register shows the new lawyer, without identity number or phone.
            try await platform.withInProcessClient { anonymous in
                let lawyers = Lawyers(wrapping: anonymous)
                let lawyer = try await lawyers.getLawyer(.with { $0.licenceNumber = licence })
                #expect(lawyer.name == "马小花")
                #expect(lawyer.status == .practising)
                #expect(lawyer.firmName == "宁夏贺兰山律师事务所")
                #expect(lawyer.specialties == ["劳动争议", "婚姻家事"])
                #expect(lawyer.practisingSince == "2026-07-06")
                let text = try lawyer.jsonString()
                #expect(!text.contains("11010519491231002X") && !text.contains("13951001234"))
                let found = try await lawyers.searchLawyers(.with { $0.query = "马小花" })
                #expect(found.lawyers.map(\.licenceNumber) == [licence])
            }
        }
    }

    @Test("律师法第六条、第七条: refusal in writing with an Art. 7 ground; the register is unchanged")
    func refusalPath() async throws {
        try await Self.platform { platform, clock in
            let number = try await Self.throughCityStage(platform, clock) { try await $0.submitPracticeApplication(LawyersSamples.practice()) }
            try await platform.withInProcessClient(as: "lawyers-admin") { client in
                let lawyers = Lawyers(wrapping: client)
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await lawyers.refuse(.with {
                        $0.trackingNumber = number
                        $0.ground = .criminalPunishment
                        $0.context = Self.province
                    })
                }
                await expectStatus(.invalidArgument, field: "ground") {
                    _ = try await lawyers.refuse(.with {
                        $0.trackingNumber = number
                        $0.ground = .firmConditionsNotMet
                        $0.reasons = "x"
                        $0.context = Self.province
                    })
                }
                let refused = try await lawyers.refuse(.with {
                    $0.trackingNumber = number
                    $0.ground = .criminalPunishment
                    $0.reasons = "申请人曾因故意犯罪受过刑事处罚，依照律师法第七条第二项不予颁发律师执业证书"
                    $0.context = Self.province
                })
                #expect(refused.status == "refused")
                #expect(refused.statusLabel == "不准予（已书面说明理由）")
                #expect(refused.timeline.last?.attributes["ground"] == "criminal_punishment")
                #expect(refused.deadlines.last?.state == .met)
                await expectStatus(.failedPrecondition) {
                    _ = try await lawyers.grant(.with {
                        $0.trackingNumber = number
                        $0.context = Self.province
                    })
                }
                #expect(try await lawyers.searchLawyers(.with { $0.query = "马小花" }).lawyers.isEmpty)
            }
        }
    }

    @Test("律师法第十四条至第十六条、第十八条: a law firm — founders checked, two stages, firm in the register")
    func firmEstablishment() async throws {
        try await Self.platform { platform, clock in
            try await platform.withInProcessClient { anonymous in
                // 杨帆 has practised since 2024: not three years (Art. 15).
                var founders = LawyersSamples.seniorLawyers
                founders[2] = LawyersSamples.juniorLawyer
                await expectStatus(.invalidArgument, field: "founder_licence_numbers[2]") {
                    _ = try await Lawyers(wrapping: anonymous).submitFirmApplication(LawyersSamples.firm(founders: founders))
                }
                founders[2] = "10000000000000000"
                await expectStatus(.invalidArgument, field: "founder_licence_numbers[2]") {
                    _ = try await Lawyers(wrapping: anonymous).submitFirmApplication(LawyersSamples.firm(founders: founders))
                }
            }
            let number = try await Self.throughCityStage(platform, clock) { try await $0.submitFirmApplication(LawyersSamples.firm()) }
            let licence = try await platform.withInProcessClient(as: "lawyers-admin") { client in
                let granted = try await Lawyers(wrapping: client).grant(.with {
                    $0.trackingNumber = number
                    $0.context = Self.province
                })
                #expect(granted.matterTypeName == "律师事务所设立申请")
                #expect(granted.deadlines.map(\.article) == ["《中华人民共和国律师法》第十八条", "《中华人民共和国律师法》第十八条"])
                return try #require(granted.timeline.last?.attributes["licence_number"])
            }
            try await platform.withInProcessClient { anonymous in
                let lawyers = Lawyers(wrapping: anonymous)
                let firms = try await lawyers.searchFirms(.with { $0.query = "六盘山" })
                let firm = try #require(firms.firms.first)
                #expect(firm.licenceNumber == licence)
                #expect(firm.kind == .partnership)
                #expect(firm.lawyerCount == 3)
                #expect(firm.statusLabel == "正常执业")
                let members = try await lawyers.searchLawyers(.with { $0.firmLicenceNumber = licence })
                #expect(Set(members.lawyers.map(\.name)) == ["马明", "李静", "王强"])
            }
        }
    }

    @Test("律师法第四十八条: a complaint ends in a 4-month suspension that the register shows")
    func complaintToSuspension() async throws {
        try await Self.platform { platform, clock in
            let number = try await platform.withInProcessClient { anonymous in
                let lawyers = Lawyers(wrapping: anonymous)
                await expectStatus(.invalidArgument, field: "subject_licence_number") {
                    _ = try await lawyers.submitComplaint(LawyersSamples.complaint(against: "19999999999999999"))
                }
                let submitted = try await lawyers.submitComplaint(LawyersSamples.complaint())
                // 杨帆 practises in Jinfeng district: the complaint goes to Yinchuan's bureau.
                #expect(submitted.matter.regionCode == "640100")
                #expect(submitted.matter.status == "registered")
                #expect(submitted.matter.parties.first?.person.name == "杨帆")
                return submitted.matter.trackingNumber
            }
            try await platform.withInProcessClient(as: "lawyers-640100") { client in
                let lawyers = Lawyers(wrapping: client)
                _ = try await lawyers.startInvestigation(.with {
                    $0.trackingNumber = number
                    $0.context = Self.city
                })
                clock.advance(days: 10)
                await expectStatus(.invalidArgument, field: "penalty.suspension_months") {
                    _ = try await lawyers.decideComplaint(.with {
                        $0.trackingNumber = number
                        $0.outcome = .discipline
                        $0.findings = "私自接受委托、收取费用"
                        $0.penalty = .with {
                            $0.article = .penaltyArticle48
                            $0.kind = .suspension
                            $0.suspensionMonths = 7
                        }
                        $0.context = Self.city
                    })
                }
                // Revocation is the province's (Art. 49).
                await expectStatus(.permissionDenied) {
                    _ = try await lawyers.decideComplaint(.with {
                        $0.trackingNumber = number
                        $0.outcome = .discipline
                        $0.findings = "x"
                        $0.penalty = .with {
                            $0.article = .penaltyArticle49
                            $0.kind = .revocation
                        }
                        $0.context = Self.city
                    })
                }
                let decided = try await lawyers.decideComplaint(.with {
                    $0.trackingNumber = number
                    $0.outcome = .discipline
                    $0.findings = "私自接受委托、收取费用五千元（律师法第四十八条第一项）"
                    $0.penalty = .with {
                        $0.article = .penaltyArticle48
                        $0.kind = .suspension
                        $0.suspensionMonths = 4
                        $0.fineYuan = 8_000
                        $0.confiscateIllegalGains = true
                    }
                    $0.context = Self.city
                })
                #expect(decided.status == "disciplined")
                #expect(decided.timeline.map(\.kind) == ["submitted", "investigation_started", "disciplined", "callback_required"])
            }
            try await platform.withInProcessClient { anonymous in
                let lawyer = try await Lawyers(wrapping: anonymous).getLawyer(.with { $0.licenceNumber = LawyersSamples.juniorLawyer })
                #expect(lawyer.status == .suspended)
                #expect(lawyer.statusLabel == "停止执业")
                #expect(lawyer.suspendedUntil == "2026-11-11")
                let record = try #require(lawyer.discipline.first)
                #expect(record.article == "《中华人民共和国律师法》第四十八条")
                #expect(record.penalty == "停止执业4个月，罚款8000元，没收违法所得")
                #expect(record.decidedOn == "2026-07-11")
                // The public directory's credit record shows the decision at once.
                let directory = Fawang_Directory_V1_DirectoryService.Client(wrapping: anonymous)
                let entry = try await directory.getEntry(.with { $0.id = "lawyer/\(LawyersSamples.juniorLawyer)" })
                #expect(!entry.credit.inGoodStanding && entry.credit.licenceStatus.hasPrefix("停止执业"))
                #expect(entry.credit.discipline == ["2026-07-11 停止执业4个月，罚款8000元，没收违法所得：依据《中华人民共和国律师法》第四十八条"])
                // The complaint that ended in it counts as upheld.
                #expect(entry.credit.complaintsDecided == 1 && entry.credit.complaintsUpheld == 1)
                // The suspension ends after its last day.
                clock.advance(days: 124)
                let later = try await Lawyers(wrapping: anonymous).getLawyer(.with { $0.licenceNumber = LawyersSamples.juniorLawyer })
                #expect(later.status == .practising)
                #expect(later.discipline.count == 1)
                let restored = try await directory.getEntry(.with { $0.id = "lawyer/\(LawyersSamples.juniorLawyer)" })
                #expect(restored.credit.inGoodStanding && restored.credit.discipline.count == 1, "the record stays after the licence is restored")
            }
        }
    }

    @Test func complaintWithoutViolationAndPublicSearch() async throws {
        try await Self.platform { platform, _ in
            let number = try await platform.withInProcessClient { anonymous in
                try await Lawyers(wrapping: anonymous).submitComplaint(LawyersSamples.complaint(against: LawyersSamples.seniorLawyers[0])).matter.trackingNumber
            }
            try await platform.withInProcessClient(as: "lawyers-640100") { client in
                let lawyers = Lawyers(wrapping: client)
                _ = try await lawyers.startInvestigation(.with {
                    $0.trackingNumber = number
                    $0.context = Self.city
                })
                await expectStatus(.invalidArgument, field: "penalty") {
                    _ = try await lawyers.decideComplaint(.with {
                        $0.trackingNumber = number
                        $0.outcome = .discipline
                        $0.findings = "x"
                        $0.context = Self.city
                    })
                }
                let closed = try await lawyers.decideComplaint(.with {
                    $0.trackingNumber = number
                    $0.outcome = .noViolation
                    $0.findings = "经调查，收费有律师事务所票据，投诉事项不成立"
                    $0.context = Self.city
                })
                #expect(closed.status == "no_violation")
            }
            try await platform.withInProcessClient { anonymous in
                let lawyers = Lawyers(wrapping: anonymous)
                #expect(try await lawyers.getLawyer(.with { $0.licenceNumber = LawyersSamples.seniorLawyers[0] }).discipline.isEmpty)
                // Decided, not upheld: the credit record says so.
                let credit = try await Fawang_Directory_V1_DirectoryService.Client(wrapping: anonymous)
                    .getEntry(.with { $0.id = "lawyer/\(LawyersSamples.seniorLawyers[0])" }).credit
                #expect(credit.complaintsDecided == 1 && credit.complaintsUpheld == 0)
                let criminal = try await lawyers.searchLawyers(.with { $0.specialty = "刑事辩护" })
                #expect(Set(criminal.lawyers.map(\.name)) == ["李静", "杨帆"])
                let shizuishan = try await lawyers.searchLawyers(.with { $0.regionCode = "640200" })
                #expect(shizuishan.lawyers.map(\.name) == ["丁勇"])
                #expect(shizuishan.lawyers.first?.regionName == "大武口区")
                // A LIKE wildcard in the query is taken literally.
                #expect(try await lawyers.searchLawyers(.with { $0.query = "%" }).lawyers.isEmpty)
                await expectStatus(.notFound) { _ = try await lawyers.getLawyer(.with { $0.licenceNumber = "1" }) }
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await lawyers.searchLawyers(.with { $0.regionCode = "64" })
                }
            }
        }
    }
}
