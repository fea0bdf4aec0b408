import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import MediationPlugin
import SwiftProtobuf
import Testing

/// The people's mediation line over a real server on loopback HTTP/2 with a real SQLite file.
@Suite struct MediationEndToEndTests {
    typealias Mediation = Fawang_Mediation_V1_MediationService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>

    /// Legal aid (to transfer from) and mediation; whatever the catalog holds otherwise.
    static var plugins: [any DepartmentPlugin] {
        PluginCatalog.all.filter { $0.manifest.id == "legal-aid" } + [MediationPlugin()]
    }

    /// Applies as a citizen on the web, then staff choose the Xingqing committee and its first mediator.
    func mediating(_ platform: TestPlatform, _ staff: Mediation, region: String = "640104") async throws -> String {
        let number = try await platform.withInProcessClient { anonymous in
            try await Mediation(wrapping: anonymous).apply(MediationSamples.dispute(region: region)).matter.trackingNumber
        }
        _ = try await staff.assignCommittee(.with {
            $0.trackingNumber = number
            $0.committeeID = "mc-\(region)"
            $0.context = MediationSamples.staff()
        })
        _ = try await staff.assignMediators(.with {
            $0.trackingNumber = number
            $0.mediatorIds = ["mc-\(region)-m1"]
            $0.chosenBy = .committeeDesignated
            $0.context = MediationSamples.staff()
        })
        return number
    }

    @Test("人民调解法第十七条至第三十三条：申请、选定调解委员会、调解员、调解、达成协议、司法确认提醒")
    func wholePathFromApplicationToJudicialConfirmation() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        try await TestPlatform.with(plugins: Self.plugins, clock: clock) { platform in
            // A citizen applies on the web, without signing in (Art. 17).
            let applied = try await platform.withInProcessClient { anonymous in
                try await Mediation(wrapping: anonymous).apply(MediationSamples.dispute())
            }
            #expect(!applied.replayed)
            let number = applied.matter.trackingNumber
            #expect(applied.matter.status == "submitted")
            #expect(applied.matter.businessLineName == "人民调解")
            #expect(applied.matter.parties.map(\.person.name) == ["李大山"])
            // The Act sets no time limit for the mediation itself.
            #expect(applied.matter.deadlines.isEmpty)

            try await platform.withInProcessClient(as: "mediation-640100") { client in
                let mediation = Mediation(wrapping: client)
                let matters = Matters(wrapping: client)

                // Committees of the matter's city, with their mediators.
                let committees = try await mediation.listCommittees(.with { $0.regionCode = "640104" }).committees
                #expect(committees.allSatisfy { $0.regionCode.hasPrefix("6401") })
                let xingqing = try #require(committees.first { $0.id == "mc-640104" })
                #expect(xingqing.mediators.count == 2)

                let withCommittee = try await mediation.assignCommittee(.with {
                    $0.trackingNumber = number
                    $0.committeeID = xingqing.id
                    $0.context = MediationSamples.staff()
                })
                #expect(withCommittee.status == "committee_assigned")

                // Art. 19: the parties chose two mediators; Art. 20: a neighbour invited with consent.
                let started = try await mediation.assignMediators(.with {
                    $0.trackingNumber = number
                    $0.mediatorIds = xingqing.mediators.map(\.id)
                    $0.chosenBy = .partiesChose
                    $0.invitedParticipants = ["楼栋长王某"]
                    $0.partiesConsentedToInvitees = true
                    $0.context = MediationSamples.staff()
                })
                #expect(started.status == "mediating")
                #expect(started.timeline.last?.attributes["invited_participants"] == "楼栋长王某")
                // The committee and both mediators are credited with it.
                let directory = Fawang_Directory_V1_DirectoryService.Client(wrapping: client)
                for id in ["mediation_committee/\(xingqing.id)"] + xingqing.mediators.map({ "mediator/\($0.id)" }) {
                    #expect(try await directory.getEntry(.with { $0.id = id }).credit.handledMatters == 1, "\(id)")
                }

                let scheduled = try await mediation.recordSession(.with {
                    $0.trackingNumber = number
                    $0.sessionDate = "2026-06-03"
                    $0.place = "兴庆区联合人民调解委员会调解室"
                    $0.context = MediationSamples.staff()
                })
                #expect(scheduled.timeline.last?.kind == "session_scheduled")
                #expect(scheduled.timeline.last?.attributes["session_date"] == "2026-06-03")

                clock.advance(days: 2)
                let held = try await mediation.recordSession(.with {
                    $0.trackingNumber = number
                    $0.sessionDate = "2026-06-03"
                    $0.place = "兴庆区联合人民调解委员会调解室"
                    $0.held = true
                    $0.notes = "双方到场陈述，李大山同意维修并协商赔偿数额"
                    $0.context = MediationSamples.staff()
                })
                #expect(held.status == "mediating")
                #expect(held.deadlines.isEmpty)

                // Arts. 28–29: a written agreement, signed and sealed, takes effect today (2026-06-03).
                let agreed = try await mediation.recordAgreement(.with {
                    $0.trackingNumber = number
                    $0.form = .written
                    $0.factsAndIssues = "李大山家卫生间漏水致马小花家墙面受损"
                    $0.terms = "李大山于2026年6月6日前维修管道并赔偿马小花墙面修复费800元"
                    $0.performance = "现金一次性支付"
                    $0.signedByAllParties = true
                    $0.committeeSealed = true
                    $0.context = MediationSamples.staff()
                })
                #expect(agreed.status == "agreement_reached")
                #expect(agreed.statusLabel == "已达成调解协议")

                // Art. 33: the 30-day window shows on the matter, for staff…
                let seen = try await matters.getMatter(.with { $0.trackingNumber = number })
                let window = try #require(seen.deadlines.first)
                #expect(seen.deadlines.count == 1)
                #expect(window.ruleID == "mediation.judicial-confirmation")
                #expect(window.article == "《中华人民共和国人民调解法》第三十三条")
                #expect(window.dueDate == "2026-07-03")
                #expect(window.period == "30日")
                #expect(window.state == .running)

                // …and for the applicant on the public progress query.
                let report = try await matters.queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.statusLabel == "已达成调解协议")
                #expect(report.deadlines.map(\.ruleID) == ["mediation.judicial-confirmation"])
                #expect(report.deadlines.first?.summary.contains("第三十三条") == true)
                #expect(report.deadlines.first?.summary.contains("2026-07-03") == true)
                #expect(report.timeline.allSatisfy { $0.actor.isEmpty })

                // Five days before the last day it is due soon.
                clock.advance(days: 26)
                #expect(try await matters.getMatter(.with { $0.trackingNumber = number }).deadlines.first?.state == .dueSoon)

                // Art. 33: the parties applied jointly; the reminder is met.
                let confirmed = try await mediation.recordJudicialConfirmation(.with {
                    $0.trackingNumber = number
                    $0.decision = .applied
                    $0.court = "银川市兴庆区人民法院"
                    $0.jointly = true
                    $0.context = MediationSamples.staff()
                })
                #expect(confirmed.status == "confirmation_applied")
                #expect(confirmed.deadlines.first?.state == .met)
                #expect(confirmed.timeline.map(\.kind) == [
                    "submitted", "committee_assigned", "mediators_assigned", "session_scheduled", "session_held",
                    "agreement_reached", "judicial_confirmation_applied",
                ])
                #expect(confirmed.timeline.first?.channel == .mobile, "submitted by an app over native gRPC")
                #expect(confirmed.timeline.last?.actor == "staff-640100-mediation")
                let details = try JSONSerialization.jsonObject(with: Data(confirmed.detailsJson.utf8)) as? [String: Any]
                #expect((details?["sessions"] as? [Any])?.count == 2)
                #expect((details?["agreement"] as? [String: Any])?["form"] as? String == "written")

                // Terminal: nothing more to record.
                await expectStatus(.failedPrecondition) {
                    _ = try await mediation.decline(.with {
                        $0.trackingNumber = number
                        $0.decliningParty = "李大山"
                        $0.context = MediationSamples.staff()
                    })
                }
            }
        }
    }

    @Test("人民调解法第三十三条：未申请司法确认的，期限届满后显示逾期提醒")
    func confirmationReminderRunsOut() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        try await TestPlatform.with(plugins: Self.plugins, clock: clock) { platform in
            try await platform.withInProcessClient(as: "mediation-640104") { client in
                let mediation = Mediation(wrapping: client)
                let number = try await mediating(platform, mediation)
                let agreed = try await mediation.recordAgreement(.with {
                    $0.trackingNumber = number
                    $0.form = .oral
                    $0.terms = "李大山当场赔偿800元"
                    $0.context = MediationSamples.staff("staff-640104-mediation")
                })
                #expect(agreed.deadlines.first?.dueDate == "2026-07-01")
                clock.advance(days: 31)
                let later = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                #expect(later.deadlines.first?.state == .overdue)
                // The parties see no need: recorded, the matter closes.
                let closed = try await mediation.recordJudicialConfirmation(.with {
                    $0.trackingNumber = number
                    $0.decision = .notNeeded
                    $0.note = "已当场履行完毕"
                    $0.context = MediationSamples.staff("staff-640104-mediation")
                })
                #expect(closed.status == "closed")
                #expect(closed.deadlines.first?.state == .metLate)
            }
        }
    }

    @Test("人民调解法第三条、第十七条、第二十三条：一方拒绝调解的，调解终止并记录拒绝方")
    func declinePath() async throws {
        try await TestPlatform.with(plugins: Self.plugins, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                let mediation = Mediation(wrapping: client)
                let number = try await mediating(platform, mediation)
                // The respondent refuses: staff record it.
                await expectStatus(.invalidArgument, field: "declining_party") {
                    _ = try await mediation.decline(.with {
                        $0.trackingNumber = number
                        $0.context = MediationSamples.staff()
                    })
                }
                await expectStatus(.invalidArgument, field: "declining_party") {
                    _ = try await mediation.decline(.with {
                        $0.trackingNumber = number
                        $0.decliningParty = "张三"
                        $0.context = MediationSamples.staff()
                    })
                }
                let declined = try await mediation.decline(.with {
                    $0.trackingNumber = number
                    $0.decliningParty = "李大山"
                    $0.reason = "不同意调解，要求直接起诉"
                    $0.context = MediationSamples.staff()
                })
                #expect(declined.status == "declined")
                #expect(declined.statusLabel == "当事人拒绝调解，调解终止")
                #expect(declined.timeline.last?.attributes["declining_party"] == "李大山")
                #expect(declined.detailsJson.contains("\"declinedBy\":\"李大山\""))
                #expect(declined.deadlines.isEmpty)
                // It is over: no agreement can follow.
                await expectStatus(.failedPrecondition) {
                    _ = try await mediation.recordAgreement(.with {
                        $0.trackingNumber = number
                        $0.form = .oral
                        $0.terms = "x"
                        $0.context = MediationSamples.staff()
                    })
                }
            }

            // The applicant withdraws on their own, before any committee is chosen, with the phone digits.
            try await platform.withInProcessClient { anonymous in
                let mediation = Mediation(wrapping: anonymous)
                let number = try await mediation.apply(MediationSamples.dispute()).matter.trackingNumber
                await expectStatus(.notFound) {
                    _ = try await mediation.decline(.with {
                        $0.trackingNumber = number
                        $0.decliningParty = "马小花"
                        $0.phoneLast4 = "9999"
                        $0.context.channel = .web
                    })
                }
                // Not in the other party's name.
                await expectStatus(.invalidArgument, field: "declining_party") {
                    _ = try await mediation.decline(.with {
                        $0.trackingNumber = number
                        $0.decliningParty = "李大山"
                        $0.phoneLast4 = "1234"
                        $0.context.channel = .web
                    })
                }
                let withdrawn = try await mediation.decline(.with {
                    $0.trackingNumber = number
                    $0.decliningParty = "马小花"
                    $0.reason = "已与邻居私下和解"
                    $0.phoneLast4 = "1234"
                    $0.context.channel = .web
                })
                #expect(withdrawn.status == "declined")
                #expect(withdrawn.timeline.last?.actor == "applicant")
            }
        }
    }

    @Test("人民调解法第二十六条：调解不成的终止调解，并告知仲裁、行政、司法等途径")
    func failurePath() async throws {
        try await TestPlatform.with(plugins: Self.plugins, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                let mediation = Mediation(wrapping: client)
                let number = try await mediating(platform, mediation)
                await expectStatus(.invalidArgument, field: "other_routes_told") {
                    _ = try await mediation.recordFailure(.with {
                        $0.trackingNumber = number
                        $0.reasons = "双方对赔偿数额分歧过大"
                        $0.context = MediationSamples.staff()
                    })
                }
                let failed = try await mediation.recordFailure(.with {
                    $0.trackingNumber = number
                    $0.reasons = "双方对赔偿数额分歧过大"
                    $0.otherRoutesTold = true
                    $0.routes = "可向银川市兴庆区人民法院提起诉讼"
                    $0.context = MediationSamples.staff()
                })
                #expect(failed.status == "failed")
                #expect(failed.timeline.last?.kind == "mediation_failed")
                #expect(failed.timeline.last?.attributes["routes"] == "可向银川市兴庆区人民法院提起诉讼")
                // No agreement, so no Art. 33 reminder.
                #expect(failed.deadlines.isEmpty)
                await expectStatus(.failedPrecondition) {
                    _ = try await mediation.recordJudicialConfirmation(.with {
                        $0.trackingNumber = number
                        $0.decision = .applied
                        $0.court = "兴庆区人民法院"
                        $0.jointly = true
                        $0.context = MediationSamples.staff()
                    })
                }
            }
        }
    }

    @Test("人民调解法第十七条：人民调解委员会主动调解，由本辖区工作人员登记")
    func committeeInitiative() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            var request = MediationSamples.dispute(region: "640105")
            request.context = MediationSamples.staff("staff-640104-mediation")
            try await platform.withInProcessClient { anonymous in
                await expectStatus(.unauthenticated) { _ = try await Mediation(wrapping: anonymous).startOnInitiative(request) }
            }
            // Xingqing district staff cannot record one in Xixia district…
            try await platform.withInProcessClient(as: "mediation-640104") { xingqing in
                await expectStatus(.permissionDenied) { _ = try await Mediation(wrapping: xingqing).startOnInitiative(request) }
            }
            // …Yinchuan city staff can.
            try await platform.withInProcessClient(as: "mediation-640100") { yinchuan in
                request.context = MediationSamples.staff()
                let started = try await Mediation(wrapping: yinchuan).startOnInitiative(request)
                #expect(started.matter.timeline.map(\.kind) == ["initiated"])
                #expect(started.matter.timeline.first?.label == "人民调解委员会主动调解")
                #expect(started.matter.detailsJson.contains("\"initiation\":\"committee_initiative\""))
                // A retry with the same request id is the same matter.
                let again = try await Mediation(wrapping: yinchuan).startOnInitiative(request)
                #expect(again.replayed)
                #expect(again.matter.id == started.matter.id)
            }
        }
    }

    @Test("模块停用：已有人民调解事项仍可查询，但不能再办理")
    func switchedOffModuleLeavesMattersReadableButNotWritable() async throws {
        try await TestPlatform.with(plugins: Self.plugins, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                let mediation = Mediation(wrapping: client)
                let number = try await mediating(platform, mediation)
                try platform.rewriteConfig(extra: "modules:\n  mediation:\n    enabled: false\n")
                try await eventually("mediation is switched off") {
                    do {
                        _ = try await mediation.listCommittees(.with { $0.regionCode = "640104" })
                        return false
                    } catch let error as RPCError { return error.code == .unavailable }
                }
                // Readable through the platform's matter service…
                let matter = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                #expect(matter.status == "mediating")
                // …but no step of the line, staff's or the applicant's, changes it.
                await expectStatus(.unavailable) {
                    _ = try await mediation.recordFailure(.with {
                        $0.trackingNumber = number
                        $0.reasons = "双方分歧过大"
                        $0.otherRoutesTold = true
                        $0.context = MediationSamples.staff()
                    })
                }
                try await platform.withInProcessClient { anonymous in
                    await expectStatus(.unavailable) {
                        _ = try await Mediation(wrapping: anonymous).decline(.with {
                            $0.trackingNumber = number
                            $0.decliningParty = "马小花"
                            $0.phoneLast4 = "1234"
                            $0.context.channel = .web
                        })
                    }
                    await expectStatus(.unavailable) { _ = try await Mediation(wrapping: anonymous).apply(MediationSamples.dispute()) }
                }
                #expect(try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number }).timeline.count == matter.timeline.count)
            }
        }
    }

    @Test func committeesMediatorsAndStaffScopeHold() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            let number = try await platform.withInProcessClient { anonymous in
                try await Mediation(wrapping: anonymous).apply(MediationSamples.dispute()).matter.trackingNumber
            }
            // Another city's staff of another department; another district's mediation staff.
            try await platform.withInProcessClient(as: "staff-640200-reviewer") { shizuishan in
                await expectStatus(.permissionDenied) {
                    _ = try await Mediation(wrapping: shizuishan).assignCommittee(.with {
                        $0.trackingNumber = number
                        $0.committeeID = "mc-640104"
                        $0.context = MediationSamples.staff("staff-640200-reviewer")
                    })
                }
            }
            let xixia = try await platform.withInProcessClient { anonymous in
                try await Mediation(wrapping: anonymous).apply(MediationSamples.dispute(region: "640105")).matter.trackingNumber
            }
            try await platform.withInProcessClient(as: "mediation-640104") { xingqing in
                await expectStatus(.permissionDenied) {
                    _ = try await Mediation(wrapping: xingqing).assignCommittee(.with {
                        $0.trackingNumber = xixia
                        $0.committeeID = "mc-640105"
                        $0.context = MediationSamples.staff("staff-640104-mediation")
                    })
                }
            }
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                let mediation = Mediation(wrapping: client)
                func assign(_ committee: String) async throws -> Fawang_Matter_V1_Matter {
                    try await mediation.assignCommittee(.with {
                        $0.trackingNumber = number
                        $0.committeeID = committee
                        $0.context = MediationSamples.staff()
                    })
                }
                await expectStatus(.failedPrecondition) { _ = try await assign("mc-640202") }        // another city
                await expectStatus(.failedPrecondition) { _ = try await assign("mc-640104-closed") } // disbanded
                await expectStatus(.notFound) { _ = try await assign("mc-nowhere") }
                await expectStatus(.invalidArgument, field: "committee_id") { _ = try await assign("") }
                // The city's medical-dispute committee is in the same city.
                #expect(try await assign("mc-640100-medical").status == "committee_assigned")
                // Its mediators only (Art. 13).
                await expectStatus(.failedPrecondition) {
                    _ = try await mediation.assignMediators(.with {
                        $0.trackingNumber = number
                        $0.mediatorIds = ["mc-640104-m1"]
                        $0.chosenBy = .committeeDesignated
                        $0.context = MediationSamples.staff()
                    })
                }
                await expectStatus(.invalidArgument, field: "parties_consented_to_invitees") {
                    _ = try await mediation.assignMediators(.with {
                        $0.trackingNumber = number
                        $0.mediatorIds = ["mc-640100-medical-m1"]
                        $0.chosenBy = .committeeDesignated
                        $0.invitedParticipants = ["医学专家张某"]
                        $0.context = MediationSamples.staff()
                    })
                }
                let started = try await mediation.assignMediators(.with {
                    $0.trackingNumber = number
                    $0.mediatorIds = ["mc-640100-medical-m1"]
                    $0.chosenBy = .committeeDesignated
                    $0.context = MediationSamples.staff()
                })
                #expect(started.status == "mediating")
                // Written agreements must be signed and sealed to take effect (Art. 29 para. 2).
                await expectStatus(.invalidArgument, field: "committee_sealed") {
                    _ = try await mediation.recordAgreement(.with {
                        $0.trackingNumber = number
                        $0.form = .written
                        $0.terms = "赔偿800元"
                        $0.signedByAllParties = true
                        $0.context = MediationSamples.staff()
                    })
                }
            }
        }
    }

    @Test func invalidApplicationsNameEveryField() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            try await platform.withInProcessClient { client in
                let mediation = Mediation(wrapping: client)
                var request = MediationSamples.dispute()
                request.applicant.phone = ""
                request.respondents = []
                request.category = .unspecified
                await expectStatus(.invalidArgument, field: "applicant.phone") { _ = try await mediation.apply(request) }
                await expectStatus(.invalidArgument, field: "respondents") { _ = try await mediation.apply(request) }
                await expectStatus(.invalidArgument, field: "category") { _ = try await mediation.apply(request) }
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await mediation.apply(MediationSamples.dispute(region: "110101"))
                }
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await mediation.listCommittees(.with { $0.regionCode = "64" })
                }
            }
        }
    }

    @Test("转办：法律援助事项实为民间纠纷的，转入人民调解，从选定调解委员会开始")
    func transferFromLegalAid() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            let legalAid = try await platform.withInProcessClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter
            }
            let moved = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Matters(wrapping: client).transferMatter(.with {
                    $0.trackingNumber = legalAid.trackingNumber
                    $0.toMatterType = "mediation.dispute"
                    $0.reason = "双方为邻里，争议金额小，当事人同意先行调解"
                    $0.context = LegalAidSamples.staff()
                })
            }
            #expect(moved.businessLine == "mediation")
            #expect(moved.status == "submitted")
            #expect(moved.trackingNumber == legalAid.trackingNumber)
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                let mediation = Mediation(wrapping: client)
                let assigned = try await mediation.assignCommittee(.with {
                    $0.trackingNumber = moved.trackingNumber
                    $0.committeeID = "mc-640104"
                    $0.context = MediationSamples.staff()
                })
                #expect(assigned.status == "committee_assigned")
                #expect(assigned.detailsJson.contains("\"initiation\":\"transferred\""))
                #expect(assigned.detailsJson.contains("法律援助"))
                #expect(assigned.timeline.map(\.kind) == ["submitted", "transferred", "committee_assigned"])
                // The legal aid application's opposing party is a party to the mediation.
                _ = try await mediation.assignMediators(.with {
                    $0.trackingNumber = moved.trackingNumber
                    $0.mediatorIds = ["mc-640104-m2"]
                    $0.chosenBy = .committeeDesignated
                    $0.context = MediationSamples.staff()
                })
                let declined = try await mediation.decline(.with {
                    $0.trackingNumber = moved.trackingNumber
                    $0.decliningParty = "某建筑劳务公司"
                    $0.context = MediationSamples.staff()
                })
                #expect(declined.status == "declined")
            }
        }
    }
}
