import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCProtobuf
@testable import NotarizationPlugin
import SwiftProtobuf
import Testing

/// The notarization line over a real server on loopback HTTP/2 with a real SQLite file.
@Suite struct NotarizationEndToEndTests {
    typealias Notarization = Fawang_Notarization_V1_NotarizationService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<InProcessTransport.Client>

    static func accept(_ number: String, office: String = "np-640104-1") -> Fawang_Notarization_V1_AcceptRequest {
        .with {
            $0.trackingNumber = number
            $0.officeID = office
            $0.notaryName = "李公证员"
            $0.legalNotice = "已告知学历公证的法律意义和可能产生的法律后果"
            $0.context = NotarizationSamples.staff()
        }
    }


    @Test("公证法第二十五条、第二十七条、第二十九条、第三十条、第三十九条：申请、受理、补充材料、核实、出具公证书、复查")
    func wholePathFromApplicationToCertificate() async throws {
        let clock = TestClock()
        try await TestPlatform.with(plugins: [NotarizationPlugin()], clock: clock) { platform in
            clock.set(beijing(2026, 9, 24, hour: 9))
            try await platform.withInProcessClient(as: "notarization-640100") { client in
                let notarization = Notarization(wrapping: client)
                let deadlines = Deadlines(wrapping: client)

                // What each kind needs and costs (demo schedule, Art. 34).
                let kinds = try await notarization.listMatterKinds(.init()).kinds
                let education = try #require(kinds.first { $0.kind == .education })
                #expect(education.requiredMaterials == ["申请人身份证明", "学历证书"])
                #expect(education.feeYuan == 80)
                #expect(education.feeBasis.contains("第三十四条"))
                #expect(kinds.first { $0.kind == .will }?.inPersonOnly == true)

                // Offices serving Xingqing district: Yinchuan's, not Shizuishan's.
                let offices = try await notarization.listOffices(.with { $0.regionCode = "640104" }).offices.map(\.id)
                #expect(offices.contains("np-640104-1") && offices.contains("np-640100-1"))
                #expect(!offices.contains("np-640200-1"))

                let submitted = try await notarization.submitApplication(NotarizationSamples.application())
                #expect(!submitted.replayed)
                let number = submitted.matter.trackingNumber
                #expect(submitted.matter.status == "submitted")
                #expect(submitted.matter.statusLabel == "待受理")
                #expect(submitted.matter.deadlines.isEmpty)

                // Accepted on Thu 2026-09-24: 15 working days across 中秋 and 国庆 end on 10/22.
                clock.set(beijing(2026, 9, 24))
                let accepted = try await notarization.accept(Self.accept(number))
                #expect(accepted.status == "accepted")
                let clockAtStart = try #require(accepted.deadlines.first)
                #expect(clockAtStart.ruleID == "notarization.certificate")
                #expect(clockAtStart.article == "《中华人民共和国公证法》第三十条")
                #expect(clockAtStart.period == "15个工作日")
                // The office is credited with the matter it took (the directory's credit record).
                let office = try await Fawang_Directory_V1_DirectoryService.Client(wrapping: client).getEntry(.with { $0.id = "notary_office/np-640104-1" })
                #expect(office.credit.handledMatters == 1 && office.credit.overdueMatters == 0)
                #expect(clockAtStart.dueDate == "2026-10-22")
                #expect(clockAtStart.state == .running)
                #expect(accepted.timeline.last?.attributes["fee_yuan"] == "80")

                // Mon 9/28: supplementary proof requested (Art. 27); the clock stops.
                clock.set(beijing(2026, 9, 28))
                let waiting = try await notarization.requestMaterials(.with {
                    $0.trackingNumber = number
                    $0.missingMaterials = ["学历认证报告"]
                    $0.context = NotarizationSamples.staff()
                })
                #expect(waiting.status == "awaiting_materials")
                #expect(waiting.deadlines.first?.state == .paused)

                // Mon 10/12: the applicant hands it in on the web portal (phone digits as second factor).
                clock.set(beijing(2026, 10, 12))
                let resumed = try await platform.withInProcessClient { anonymous in
                    try await Notarization(wrapping: anonymous).supplyMaterials(.with {
                        $0.trackingNumber = number
                        $0.materials = ["学历认证报告"]
                        $0.phoneLast4 = "1234"
                        $0.context.channel = .web
                    })
                }
                #expect(resumed.status == "accepted")
                #expect(resumed.deadlines.first?.dueDate == "2026-10-30")

                // Tue 10/13 to Thu 10/15: verification (Art. 29) through the platform's PauseClock.
                clock.set(beijing(2026, 10, 13))
                await expectStatus(.invalidArgument, field: "reason") {
                    _ = try await deadlines.pauseClock(.with {
                        $0.trackingNumber = number
                        $0.reason = "hearing"
                        $0.context = NotarizationSamples.staff()
                    })
                }
                let verifying = try await deadlines.pauseClock(.with {
                    $0.trackingNumber = number
                    $0.reason = "verification"
                    $0.note = "向毕业院校核实学历"
                    $0.context = NotarizationSamples.staff()
                })
                #expect(verifying.deadlines.first?.state == .paused)
                #expect(verifying.deadlines.first?.pausedFor == "核实")
                clock.set(beijing(2026, 10, 15))
                let verified = try await deadlines.resumeClock(.with {
                    $0.trackingNumber = number
                    $0.context = NotarizationSamples.staff()
                })
                #expect(verified.deadlines.first?.dueDate == "2026-11-03")

                let issued = try await notarization.issueCertificate(.with {
                    $0.trackingNumber = number
                    $0.context = NotarizationSamples.staff()
                })
                #expect(issued.status == "issued")
                #expect(issued.timeline.last?.attributes["certificate_number"] == "（2026）宁银兴证字第1号")
                #expect(issued.deadlines.first?.state == .met)
                #expect(issued.detailsJson.contains("（2026）宁银兴证字第1号"))

                // A second certificate of the same office takes the next serial.
                let second = try await notarization.submitApplication(NotarizationSamples.application()).matter.trackingNumber
                _ = try await notarization.accept(Self.accept(second))
                let secondIssued = try await notarization.issueCertificate(.with {
                    $0.trackingNumber = second
                    $0.context = NotarizationSamples.staff()
                })
                #expect(secondIssued.timeline.last?.attributes["certificate_number"] == "（2026）宁银兴证字第2号")

                // Art. 39: the applicant asks for review; the office corrects the certificate.
                let reviewing = try await platform.withInProcessClient { anonymous in
                    try await Notarization(wrapping: anonymous).requestReview(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "1234"
                        $0.reasons = "公证书上的毕业时间有误"
                        $0.context.channel = .web
                    })
                }
                #expect(reviewing.status == "under_review")
                let corrected = try await notarization.decideReview(.with {
                    $0.trackingNumber = number
                    $0.outcome = .corrected
                    $0.explanation = "已更正毕业时间"
                    $0.context = NotarizationSamples.staff()
                })
                #expect(corrected.status == "issued")
                #expect(corrected.timeline.map(\.kind) == [
                    "submitted", "accepted", "materials_requested", "materials_supplied", "clock_paused", "clock_resumed",
                    "issued", "review_requested", "certificate_corrected",
                ])

                // The public progress query shows the article and no operator ids.
                let report = try await Matters(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.statusLabel == "已出具公证书")
                #expect(report.timeline.allSatisfy { $0.actor.isEmpty })
                #expect(report.deadlines.first?.summary.contains("《中华人民共和国公证法》第三十条") == true)
            }
        }
    }

    @Test("公证法第三十一条：不予办理须列明法定情形和理由，事项随即办结")
    func refusalPath() async throws {
        let clock = TestClock()
        try await TestPlatform.with(plugins: [NotarizationPlugin()], clock: clock) { platform in
            clock.set(beijing(2026, 9, 24))
            try await platform.withInProcessClient(as: "notarization-640104") { client in
                let notarization = Notarization(wrapping: client)
                var application = NotarizationSamples.application(kind: .inheritance)
                application.materials = NotarialMatterKind.inheritance.rule.requiredMaterials
                let number = try await notarization.submitApplication(application).matter.trackingNumber
                _ = try await notarization.accept(Self.accept(number))
                await expectStatus(.invalidArgument, field: "grounds") {
                    _ = try await notarization.refuse(.with {
                        $0.trackingNumber = number
                        $0.reasons = "继承人之间有争议"
                        $0.context = NotarizationSamples.staff()
                    })
                }
                await expectStatus(.invalidArgument, field: "grounds[0]") {
                    _ = try await notarization.refuse(.with {
                        $0.trackingNumber = number
                        $0.grounds = [.unspecified]
                        $0.reasons = "继承人之间有争议"
                        $0.context = NotarizationSamples.staff()
                    })
                }
                let refused = try await notarization.refuse(.with {
                    $0.trackingNumber = number
                    $0.grounds = [.disputed]
                    $0.reasons = "继承人之间对遗产范围有争议"
                    $0.context = NotarizationSamples.staff()
                })
                #expect(refused.status == "refused")
                #expect(refused.statusLabel == "不予办理公证")
                #expect(refused.timeline.last?.note == "继承人之间对遗产范围有争议")
                #expect(refused.timeline.last?.attributes["articles"] == "第三十一条第四项")
                #expect(refused.deadlines.first?.state == .met)
                await expectStatus(.failedPrecondition) {
                    _ = try await notarization.issueCertificate(.with {
                        $0.trackingNumber = number
                        $0.context = NotarizationSamples.staff()
                    })
                }
            }
        }
    }

    @Test("公证法第二十七条、第二十八条：缺少必备材料时，INVALID_ARGUMENT 指明 materials 和缺少的材料")
    func missingMaterialIsAFieldError() async throws {
        try await TestPlatform.with(plugins: [NotarizationPlugin()]) { platform in
            try await platform.withInProcessClient { client in
                let notarization = Notarization(wrapping: client)
                var application = NotarizationSamples.application(kind: .noCriminalRecord)
                application.context = .with { $0.channel = .web }
                application.materials = ["申请人身份证明"]
                do {
                    _ = try await notarization.submitApplication(application)
                    Issue.record("expected INVALID_ARGUMENT")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("materials"))
                    #expect(error.message.contains("「无犯罪记录证明」"))
                    let violations = try #require(try error.unpackGoogleRPCStatus()).details.compactMap(\.badRequest).flatMap(\.violations)
                    #expect(violations.map(\.field) == ["materials"])
                }
                var will = NotarizationSamples.application(kind: .will)
                will.materials = NotarialMatterKind.will.rule.requiredMaterials
                will.agent = .with {
                    $0.name = "马大山"
                    $0.phone = "13800001111"
                }
                await expectStatus(.invalidArgument, field: "agent") { _ = try await notarization.submitApplication(will) }
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await notarization.submitApplication(NotarizationSamples.application(region: "110101"))
                }
            }
        }
    }

    @Test("公证法第二十五条：受理的公证机构须在申请地所在市，且正常执业")
    func art25OfficeOfThePlace() async throws {
        try await TestPlatform.with(plugins: [NotarizationPlugin()]) { platform in
            try await platform.withInProcessClient(as: "notarization-admin") { client in
                let notarization = Notarization(wrapping: client)
                let number = try await notarization.submitApplication(NotarizationSamples.application()).matter.trackingNumber
                do {
                    _ = try await notarization.accept(Self.accept(number, office: "np-640200-1"))
                    Issue.record("expected FAILED_PRECONDITION")
                } catch let error as RPCError {
                    #expect(error.code == .failedPrecondition)
                    #expect(error.message.contains("第二十五条"))
                }
                await expectStatus(.failedPrecondition) { _ = try await notarization.accept(Self.accept(number, office: "np-640105-1")) }
                await expectStatus(.notFound) { _ = try await notarization.accept(Self.accept(number, office: "np-nowhere")) }
                await expectStatus(.invalidArgument, field: "legal_notice") {
                    var request = Self.accept(number)
                    request.legalNotice = ""
                    _ = try await notarization.accept(request)
                }
                let accepted = try await notarization.accept(Self.accept(number, office: "np-640100-1"))
                #expect(accepted.status == "accepted")
            }
        }
    }

    @Test func otherDistrictsAndDepartmentsAreDenied() async throws {
        try await TestPlatform.with(plugins: [NotarizationPlugin()]) { platform in
            // A matter in Xixia district (640105), Yinchuan.
            let number = try await platform.withInProcessClient { client in
                try await Notarization(wrapping: client).submitApplication(NotarizationSamples.application(region: "640105")).matter.trackingNumber
            }
            // Anonymous callers cannot decide.
            try await platform.withInProcessClient { client in
                await expectStatus(.unauthenticated) { _ = try await Notarization(wrapping: client).accept(Self.accept(number, office: "np-640100-1")) }
            }
            // Xingqing district's notarization staff: another district.
            try await platform.withInProcessClient(as: "notarization-640104") { client in
                await expectStatus(.permissionDenied) { _ = try await Notarization(wrapping: client).accept(Self.accept(number, office: "np-640100-1")) }
            }
            // Yinchuan's mediation staff: another department.
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                await expectStatus(.permissionDenied) { _ = try await Notarization(wrapping: client).accept(Self.accept(number, office: "np-640100-1")) }
            }
            // Citizens may not decide either (denied at the gate).
            try await platform.withInProcessClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Notarization(wrapping: client).accept(Self.accept(number, office: "np-640100-1")) }
            }
            // Yinchuan's notarization staff may.
            try await platform.withInProcessClient(as: "notarization-640100") { client in
                let accepted = try await Notarization(wrapping: client).accept(Self.accept(number, office: "np-640100-1"))
                #expect(accepted.status == "accepted")
                #expect(accepted.timeline.last?.actor == "staff-640100-notarization")
            }
            // A wrong second factor reads like an unknown number.
            try await platform.withInProcessClient { client in
                await expectStatus(.notFound) {
                    _ = try await Notarization(wrapping: client).requestReview(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "9999"
                        $0.reasons = "x"
                        $0.context.channel = .web
                    })
                }
            }
        }
    }

    @Test("隐私：代理人的身份证号和手机号不出现在公众可见的事项详情中，仅作为当事人按规则遮蔽")
    func theAgentsIdentityIsNotShownToThePublic() async throws {
        try await TestPlatform.with(plugins: [NotarizationPlugin()]) { platform in
            var application = NotarizationSamples.application(kind: .contract)
            application.context = .with { $0.channel = .web }
            application.materials = NotarialMatterKind.contract.rule.requiredMaterials
            application.agent = .with {
                $0.name = "马大山"
                $0.idNumber = "64010419900101123X"
                $0.phone = "13800001111"
            }
            let submitted = try await platform.withInProcessClient { anonymous in
                try await Notarization(wrapping: anonymous).submitApplication(application).matter
            }
            #expect(!submitted.detailsJson.contains("64010419900101123X"))
            #expect(!submitted.detailsJson.contains("13800001111"))
            let agent = try #require(submitted.parties.first { $0.role == "agent" })
            #expect(agent.person.idNumber != "64010419900101123X")
            #expect(agent.person.phone != "13800001111")
            // Supplying materials with the second factor shows the same masked record.
            try await platform.withInProcessClient(as: "notarization-640104") { client in
                let notarization = Notarization(wrapping: client)
                _ = try await notarization.accept(Self.accept(submitted.trackingNumber))
                _ = try await notarization.requestMaterials(.with {
                    $0.trackingNumber = submitted.trackingNumber
                    $0.missingMaterials = ["合同附件"]
                    $0.context = NotarizationSamples.staff()
                })
                // Staff handling the matter see the agent in full.
                let full = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = submitted.trackingNumber })
                #expect(full.parties.first { $0.role == "agent" }?.person.idNumber == "64010419900101123X")
            }
            let supplied = try await platform.withInProcessClient { anonymous in
                try await Notarization(wrapping: anonymous).supplyMaterials(.with {
                    $0.trackingNumber = submitted.trackingNumber
                    $0.materials = ["合同附件"]
                    $0.phoneLast4 = "1234"
                    $0.context.channel = .web
                })
            }
            #expect(!supplied.detailsJson.contains("64010419900101123X") && !supplied.detailsJson.contains("13800001111"))
            #expect(supplied.parties.allSatisfy { $0.person.idNumber != "64010419900101123X" && $0.person.phone != "13800001111" })
        }
    }

    @Test("公证法第三十条：公证书编号与出具在同一事务中登记，并发出具不重号，未出具的事项不占号")
    func certificateNumbersAreTakenOnlyByIssuedCertificates() async throws {
        try await TestPlatform.with(plugins: [NotarizationPlugin()]) { platform in
            try await platform.withInProcessClient(as: "notarization-640104") { client in
                let notarization = Notarization(wrapping: client)
                var numbers: [String] = []
                for _ in 0..<6 {
                    let number = try await notarization.submitApplication(NotarizationSamples.application()).matter.trackingNumber
                    _ = try await notarization.accept(Self.accept(number))
                    numbers.append(number)
                }
                // Issue four concurrently; race an issue against a refusal on the other two.
                let issue: @Sendable (String) async throws -> Fawang_Matter_V1_Matter = { number in
                    try await notarization.issueCertificate(.with {
                        $0.trackingNumber = number
                        $0.context = NotarizationSamples.staff()
                    })
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for number in numbers.prefix(4) { group.addTask { _ = try await issue(number) } }
                    for number in numbers.suffix(2) {
                        group.addTask { _ = try? await issue(number) }
                        group.addTask {
                            _ = try? await notarization.refuse(.with {
                                $0.trackingNumber = number
                                $0.grounds = [.disputed]
                                $0.reasons = "当事人之间有争议"
                                $0.context = NotarizationSamples.staff()
                            })
                        }
                    }
                    try await group.waitForAll()
                }
                let matters = Matters(wrapping: client)
                var issued: [String: String] = [:]
                for number in numbers {
                    let matter = try await matters.getMatter(.with { $0.trackingNumber = number })
                    if matter.status == "issued" {
                        issued[matter.id] = try #require(matter.timeline.first { $0.kind == "issued" }?.attributes["certificate_number"])
                    } else {
                        #expect(matter.status == "refused")
                        #expect(!matter.detailsJson.contains("证字第"))
                    }
                }
                #expect(issued.count >= 4)
                // The register holds exactly the issued certificates, serials 1…n without gaps.
                let dump = try await platform.query("SELECT matter_id, number, serial FROM notarization_certificates ORDER BY serial")
                let rows = dump.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
                #expect(rows.map { Int($0[2]) } == Array(1...issued.count).map(Optional.some))
                #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0[1]) }) == issued)
            }
        }
    }

    @Test func aRetriedSubmissionReturnsTheSameMatter() async throws {
        try await TestPlatform.with(plugins: [NotarizationPlugin()]) { platform in
            try await platform.withInProcessClient { client in
                let notarization = Notarization(wrapping: client)
                let request = NotarizationSamples.application(requestID: "retry-1")
                let first = try await notarization.submitApplication(request)
                let again = try await notarization.submitApplication(request)
                #expect(again.replayed)
                #expect(again.matter.trackingNumber == first.matter.trackingNumber)
            }
        }
    }
}
