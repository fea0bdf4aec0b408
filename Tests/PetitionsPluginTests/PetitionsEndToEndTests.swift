import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import PetitionsPlugin
import SwiftProtobuf
import Testing

/// The petitions line over a real server on loopback HTTP/2 with a real SQLite file.
@Suite struct PetitionsEndToEndTests {
    typealias Petitions = Fawang_Petitions_V1_PetitionService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<InProcessTransport.Client>

    /// Legal aid (to transfer from) and petitions; whatever the catalog holds otherwise.
    static var plugins: [any DepartmentPlugin] {
        PluginCatalog.all.filter { $0.manifest.id == "legal-aid" } + [PetitionsPlugin()]
    }

    func submit(_ platform: TestPlatform, _ request: Fawang_Petitions_V1_SubmitPetitionRequest = PetitionsSamples.petition()) async throws -> Fawang_Matter_V1_Matter {
        try await platform.withInProcessClient { anonymous in try await Petitions(wrapping: anonymous).submit(request).matter }
    }

    func deadline(_ matter: Fawang_Matter_V1_Matter, _ rule: String) -> Fawang_Matter_V1_Deadline? {
        matter.deadlines.first { $0.ruleID == rule }
    }

    @Test("信访工作条例第二十二条至第三十六条：登记、受理、延期、处理意见、复查、复核，复核后不再受理")
    func wholePathFromRegistrationToReReview() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        try await TestPlatform.with(plugins: Self.plugins, clock: clock) { platform in
            let registered = try await submit(platform)
            let number = registered.trackingNumber
            #expect(registered.status == "registered")
            #expect(registered.businessLineName == "信访")
            #expect(registered.timeline.map(\.kind) == ["registered"])
            #expect(deadline(registered, "petitions.acceptance")?.dueDate == "2026-06-16")
            #expect(deadline(registered, "petitions.acceptance")?.article == "《信访工作条例》第二十二条、第二十三条")

            try await platform.withInProcessClient(as: "petitions-640100") { client in
                let petitions = Petitions(wrapping: client)
                clock.advance(days: 3)
                let accepted = try await petitions.accept(.with {
                    $0.trackingNumber = number
                    $0.note = "按司法行政投诉处理程序办理，60日内答复"
                    $0.context = PetitionsSamples.staff()
                })
                #expect(accepted.status == "accepted")
                #expect(accepted.timeline.last?.attributes["notice"] == "已书面告知信访人")
                #expect(deadline(accepted, "petitions.acceptance")?.state == .met)
                // Art. 34: 60 days from acceptance on 2026-06-04.
                let handling = try #require(deadline(accepted, "petitions.handling"))
                #expect(handling.dueDate == "2026-08-03")
                #expect(handling.article == "《信访工作条例》第三十四条")

                // Art. 34: the extension is the head's (department admin), not a clerk's…
                let extend = Fawang_Deadline_V1_ExtendDeadlineRequest.with {
                    $0.trackingNumber = number
                    $0.ruleID = "petitions.handling"
                    $0.days = 30
                    $0.reason = "涉及多家公证机构，情况复杂，需调取收费记录"
                    $0.context = PetitionsSamples.staff("staff-640000-petitions-admin")
                }
                await expectStatus(.permissionDenied) { _ = try await Deadlines(wrapping: client).extendDeadline(extend) }
            }
            try await platform.withInProcessClient(as: "petitions-admin") { admin in
                let deadlines = Deadlines(wrapping: admin)
                // …by at most 30 days…
                await expectStatus(.invalidArgument, field: "days") {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "petitions.handling"
                        $0.days = 31
                        $0.reason = "情况复杂"
                        $0.context = PetitionsSamples.staff("staff-640000-petitions-admin")
                    })
                }
                let extended = try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = number
                    $0.ruleID = "petitions.handling"
                    $0.days = 30
                    $0.reason = "涉及多家公证机构，情况复杂，需调取收费记录"
                    $0.context = PetitionsSamples.staff("staff-640000-petitions-admin")
                })
                // 2026-09-02, extensions counted; the reason is on the timeline for the petitioner.
                #expect(deadline(extended, "petitions.handling")?.dueDate == "2026-09-02")
                #expect(deadline(extended, "petitions.handling")?.period == "90日")
                #expect(extended.timeline.last?.note == "涉及多家公证机构，情况复杂，需调取收费记录")
                // …and once.
                await expectStatus(.failedPrecondition) {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "petitions.handling"
                        $0.days = 5
                        $0.reason = "仍需调查"
                        $0.context = PetitionsSamples.staff("staff-640000-petitions-admin")
                    })
                }
            }

            // The Xingqing district bureau handles and answers it.
            try await platform.withInProcessClient(as: "petitions-640104") { client in
                let petitions = Petitions(wrapping: client)
                clock.advance(days: 20)
                await expectStatus(.invalidArgument, field: "opinion") {
                    _ = try await petitions.answer(.with {
                        $0.trackingNumber = number
                        $0.context = PetitionsSamples.staff()
                    })
                }
                let answered = try await petitions.answer(.with {
                    $0.trackingNumber = number
                    $0.opinion = "经核查，公证处多收费用300元，已责令退还。"
                    $0.context = PetitionsSamples.staff()
                })
                #expect(answered.status == "answered")
                #expect(deadline(answered, "petitions.handling")?.state == .met)
            }

            // Art. 35: the petitioner asks for a review on the web, with the phone digits.
            clock.advance(days: 10)
            let reviewRequested = try await platform.withInProcessClient { anonymous in
                try await Petitions(wrapping: anonymous).requestReview(.with {
                    $0.trackingNumber = number
                    $0.level = .review
                    $0.reasons = "应退还的费用不止300元"
                    $0.phoneLast4 = "1234"
                    $0.context.channel = .web
                })
            }
            #expect(reviewRequested.status == "review_requested")
            #expect(deadline(reviewRequested, "petitions.review")?.state == .running)

            // Art. 35: the review is the level above's (Yinchuan), not the district's own.
            try await platform.withInProcessClient(as: "petitions-640104") { district in
                await expectStatus(.permissionDenied) {
                    _ = try await Petitions(wrapping: district).recordReviewOpinion(.with {
                        $0.trackingNumber = number
                        $0.level = .review
                        $0.unit = "兴庆区司法局"
                        $0.opinion = "维持原处理意见"
                        $0.context = PetitionsSamples.staff("staff-640104-petitions")
                    })
                }
            }
            try await platform.withInProcessClient(as: "petitions-640100") { city in
                let petitions = Petitions(wrapping: city)
                let reviewed = try await petitions.recordReviewOpinion(.with {
                    $0.trackingNumber = number
                    $0.level = .review
                    $0.unit = "银川市司法局"
                    $0.opinion = "维持原处理意见"
                    $0.context = PetitionsSamples.staff()
                })
                #expect(reviewed.status == "reviewed")
                #expect(deadline(reviewed, "petitions.review")?.state == .met)
            }
            try await platform.withInProcessClient(as: "petitions-admin") { province in
                let petitions = Petitions(wrapping: province)
                let rereview = try await petitions.requestReview(.with {
                    $0.trackingNumber = number
                    $0.level = .rereview
                    $0.reasons = "仍然不服"
                    $0.context = PetitionsSamples.staff("staff-640000-petitions-admin")
                })
                #expect(deadline(rereview, "petitions.rereview")?.article == "《信访工作条例》第三十六条")
                let concluded = try await petitions.recordReviewOpinion(.with {
                    $0.trackingNumber = number
                    $0.level = .rereview
                    $0.unit = "宁夏回族自治区司法厅"
                    $0.opinion = "维持复查意见"
                    $0.context = PetitionsSamples.staff("staff-640000-petitions-admin")
                })
                #expect(concluded.status == "concluded")
                // Each written opinion asks the office to call the petitioner back (回访).
                #expect(concluded.timeline.map(\.kind) == [
                    "registered", "accepted", "deadline_extended", "answered", "callback_required", "review_requested", "reviewed",
                    "callback_required", "rereview_requested", "rereviewed", "callback_required",
                ])
                let called = try await Matters(wrapping: province).closeCallback(.with {
                    $0.trackingNumber = number
                    $0.outcome = "信访人表示收到复核意见"
                    $0.reached = true
                })
                #expect(called.status == "concluded" && called.deadlines.last?.ruleID == "platform.callback" && called.deadlines.last?.state == .met)
            }

            // The public progress query shows the whole course with its articles.
            let report = try await platform.withInProcessClient { anonymous in
                try await Matters(wrapping: anonymous).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
            }
            #expect(report.statusLabel == "已出具复核意见，信访终结")
            #expect(report.deadlines.map(\.ruleID) == ["petitions.acceptance", "petitions.handling", "petitions.review", "petitions.rereview", "platform.callback"])

            // Art. 36 para. 3: the same facts and reasons are not accepted again.
            var again = PetitionsSamples.petition()
            again.relatedTrackingNumber = number
            await expectStatus(.failedPrecondition) { _ = try await submit(platform, again) }
        }
    }

    @Test("信访工作条例第三十五条：逾期请求复查的，不予受理")
    func lateReviewRequestIsRefused() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        try await TestPlatform.with(plugins: Self.plugins, clock: clock) { platform in
            let number = try await submit(platform).trackingNumber
            try await platform.withInProcessClient(as: "petitions-640104") { client in
                let petitions = Petitions(wrapping: client)
                _ = try await petitions.accept(.with { $0.trackingNumber = number; $0.context = PetitionsSamples.staff("staff-640104-petitions") })
                _ = try await petitions.answer(.with { $0.trackingNumber = number; $0.opinion = "不予支持"; $0.context = PetitionsSamples.staff("staff-640104-petitions") })
            }
            clock.advance(days: 31)   // answered 2026-06-01, last day 2026-07-01
            try await platform.withInProcessClient { anonymous in
                await expectStatus(.failedPrecondition) {
                    _ = try await Petitions(wrapping: anonymous).requestReview(.with {
                        $0.trackingNumber = number
                        $0.level = .review
                        $0.reasons = "不服"
                        $0.phoneLast4 = "1234"
                        $0.context.channel = .web
                    })
                }
            }
        }
    }

    @Test("信访工作条例第二十三条第二款：匿名信访登记为“匿名”，不能书面告知、查询进度或请求复查")
    func anonymousComplaint() async throws {
        try await TestPlatform.with(plugins: Self.plugins, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            var leaky = PetitionsSamples.anonymous()
            leaky.petitioner.phone = "13951001234"
            await expectStatus(.invalidArgument, field: "petitioner") { _ = try await submit(platform, leaky) }

            let matter = try await submit(platform, PetitionsSamples.anonymous())
            #expect(matter.applicant.name == "匿名")
            #expect(matter.applicant.phone.isEmpty && matter.applicant.idNumber.isEmpty)
            #expect(matter.timeline.first?.attributes["anonymous"] == "true")
            // The decision clock still runs (Art. 22: every petition is registered and disposed of).
            #expect(deadline(matter, "petitions.acceptance")?.state == .running)
            // No phone, so no second factor: the progress query cannot open it.
            try await platform.withInProcessClient { anonymous in
                for digits in ["0000", "1234"] {
                    await expectStatus(.notFound) {
                        _ = try await Matters(wrapping: anonymous).queryProgress(.with {
                            $0.trackingNumber = matter.trackingNumber
                            $0.phoneLast4 = digits
                        })
                    }
                }
            }
            try await platform.withInProcessClient(as: "petitions-640100") { client in
                let petitions = Petitions(wrapping: client)
                let accepted = try await petitions.accept(.with { $0.trackingNumber = matter.trackingNumber; $0.context = PetitionsSamples.staff() })
                #expect(accepted.timeline.last?.attributes["notice"] == "匿名信访，无法书面告知（第二十三条第二款）")
                #expect(accepted.detailsJson.contains("\"writtenNotice\":false"))
                _ = try await petitions.answer(.with { $0.trackingNumber = matter.trackingNumber; $0.opinion = "经查属实，已责令整改"; $0.context = PetitionsSamples.staff() })
                // Nobody received the written answer, so no review can run from it.
                await expectStatus(.failedPrecondition) {
                    _ = try await petitions.requestReview(.with {
                        $0.trackingNumber = matter.trackingNumber
                        $0.level = .review
                        $0.reasons = "不服"
                        $0.context = PetitionsSamples.staff()
                    })
                }
                let stats = try await petitions.getStats(.init())
                #expect(stats.anonymous == 1)
            }
        }
    }

    @Test("信访工作条例第二十二条、第二十三条：不予受理须说明理由；转送、交办须记明有权处理的机关")
    func notAcceptedAndReferred() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        try await TestPlatform.with(plugins: Self.plugins, clock: clock) { platform in
            let first = try await submit(platform).trackingNumber
            let second = try await submit(platform).trackingNumber
            let late = try await submit(platform).trackingNumber
            try await platform.withInProcessClient(as: "petitions-640100") { client in
                let petitions = Petitions(wrapping: client)
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await petitions.notAccept(.with { $0.trackingNumber = first; $0.context = PetitionsSamples.staff() })
                }
                let refused = try await petitions.notAccept(.with {
                    $0.trackingNumber = first
                    $0.reasons = "属于民事纠纷，应向人民法院提起诉讼"
                    $0.context = PetitionsSamples.staff()
                })
                #expect(refused.status == "not_accepted")
                #expect(refused.timeline.last?.note == "属于民事纠纷，应向人民法院提起诉讼")
                await expectStatus(.failedPrecondition) {
                    _ = try await petitions.accept(.with { $0.trackingNumber = first; $0.context = PetitionsSamples.staff() })
                }

                await expectStatus(.invalidArgument, field: "unit") {
                    _ = try await petitions.refer(.with { $0.trackingNumber = second; $0.kind = .transfer; $0.context = PetitionsSamples.staff() })
                }
                await expectStatus(.invalidArgument, field: "report_by") {
                    _ = try await petitions.refer(.with { $0.trackingNumber = second; $0.kind = .assign; $0.unit = "兴庆区司法局"; $0.context = PetitionsSamples.staff() })
                }
                let referred = try await petitions.refer(.with {
                    $0.trackingNumber = second
                    $0.kind = .assign
                    $0.unit = "兴庆区司法局"
                    $0.reportBy = "2026-06-30"
                    $0.context = PetitionsSamples.staff()
                })
                #expect(referred.status == "referred")
                #expect(referred.timeline.last?.attributes["unit"] == "兴庆区司法局")
                #expect(referred.timeline.last?.attributes["report_by"] == "2026-06-30")
                #expect(deadline(referred, "petitions.acceptance")?.state == .met)

                // Not decided within 15 days: overdue.
                clock.advance(days: 16)
                let overdue = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = late })
                #expect(deadline(overdue, "petitions.acceptance")?.state == .overdue)
            }
        }
    }

    @Test("信访工作条例第十九条第三款：重复信访登记并关联原事项，统计只计一次")
    func repeatedPetitionsAreLinkedAndCountedOnce() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            let original = try await submit(platform)
            var repeatRequest = PetitionsSamples.petition()
            repeatRequest.context.channel = .hotline
            repeatRequest.relatedTrackingNumber = original.trackingNumber
            let repeated = try await submit(platform, repeatRequest)
            #expect(repeated.status == "duplicate")
            #expect(repeated.statusLabel == "重复信访，已并入原信访事项")
            #expect(repeated.timeline.first?.attributes["duplicate_of"] == original.trackingNumber)
            #expect(repeated.deadlines.isEmpty)
            // A repeat of the repeat links to the first petition.
            var third = PetitionsSamples.petition()
            third.relatedTrackingNumber = repeated.trackingNumber
            let thirdMatter = try await submit(platform, third)
            #expect(thirdMatter.detailsJson.contains(original.trackingNumber))

            var unknown = PetitionsSamples.petition()
            unknown.relatedTrackingNumber = TrackingNumber.random().formatted
            await expectStatus(.notFound) { _ = try await submit(platform, unknown) }
            var malformed = PetitionsSamples.petition()
            malformed.relatedTrackingNumber = "1234"
            await expectStatus(.invalidArgument, field: "related_tracking_number") { _ = try await submit(platform, malformed) }
            // Someone else (another phone, or anonymous) cannot link to it — nor learn it exists.
            var stranger = PetitionsSamples.petition(phone: "13800002222")
            stranger.relatedTrackingNumber = original.trackingNumber
            await expectStatus(.notFound) { _ = try await submit(platform, stranger) }
            var anonymous = PetitionsSamples.anonymous()
            anonymous.relatedTrackingNumber = original.trackingNumber
            await expectStatus(.notFound) { _ = try await submit(platform, anonymous) }

            try await platform.withInProcessClient(as: "petitions-640100") { client in
                let seen = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = original.trackingNumber })
                #expect(seen.timeline.map(\.kind) == ["registered", "duplicate_received", "duplicate_received"])
                #expect(seen.timeline.map { $0.attributes["duplicate"] ?? "" }.dropFirst() == [repeated.trackingNumber, thirdMatter.trackingNumber])
                #expect(seen.detailsJson.contains(repeated.trackingNumber))
                let stats = try await Petitions(wrapping: client).getStats(.with { $0.regionCode = "640104" })
                #expect(stats.petitions == 1)
                #expect(stats.duplicates == 2)
                #expect(stats.byStatus == ["registered": 1])
            }
        }
    }

    @Test("模块停用：已有信访事项仍可查询，但不能再办理")
    func switchedOffModuleLeavesMattersReadableButNotWritable() async throws {
        try await TestPlatform.with(plugins: Self.plugins, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            let number = try await submit(platform).trackingNumber
            try await platform.withInProcessClient(as: "petitions-640100") { client in
                let petitions = Petitions(wrapping: client)
                try platform.rewriteConfig(extra: "modules:\n  petitions:\n    enabled: false\n")
                try await eventually("petitions is switched off") {
                    do {
                        _ = try await petitions.getStats(.init())
                        return false
                    } catch let error as RPCError { return error.code == .unavailable }
                }
                let matter = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                #expect(matter.status == "registered")
                await expectStatus(.unavailable) {
                    _ = try await petitions.accept(.with {
                        $0.trackingNumber = number
                        $0.context = PetitionsSamples.staff()
                    })
                }
                // A repeat naming it is not registered either (it would write to the original).
                var repeatRequest = PetitionsSamples.petition()
                repeatRequest.relatedTrackingNumber = number
                try await platform.withInProcessClient { anonymous in
                    await expectStatus(.unavailable) { _ = try await Petitions(wrapping: anonymous).submit(repeatRequest) }
                }
                #expect(try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number }).timeline.count == matter.timeline.count)
            }
        }
    }

    @Test func staffScopeHolds() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            let xingqing = try await submit(platform).trackingNumber
            let xixia = try await submit(platform, PetitionsSamples.petition(region: "640105")).trackingNumber
            try await platform.withInProcessClient { anonymous in
                await expectStatus(.unauthenticated) {
                    _ = try await Petitions(wrapping: anonymous).accept(.with { $0.trackingNumber = xingqing; $0.context = PetitionsSamples.staff() })
                }
                await expectStatus(.unauthenticated) { _ = try await Petitions(wrapping: anonymous).getStats(.init()) }
            }
            // Another city's legal aid staff: neither region nor department.
            try await platform.withInProcessClient(as: "staff-640200-reviewer") { other in
                await expectStatus(.permissionDenied) {
                    _ = try await Petitions(wrapping: other).accept(.with { $0.trackingNumber = xingqing; $0.context = PetitionsSamples.staff("staff-640200-reviewer") })
                }
                await expectStatus(.permissionDenied) { _ = try await Petitions(wrapping: other).getStats(.init()) }
            }
            // Xingqing district staff: not Xixia district's petitions, nor the city's statistics.
            try await platform.withInProcessClient(as: "petitions-640104") { district in
                let petitions = Petitions(wrapping: district)
                await expectStatus(.permissionDenied) {
                    _ = try await petitions.accept(.with { $0.trackingNumber = xixia; $0.context = PetitionsSamples.staff("staff-640104-petitions") })
                }
                await expectStatus(.permissionDenied) { _ = try await petitions.getStats(.with { $0.regionCode = "640100" }) }
                let own = try await petitions.getStats(.init())
                #expect(own.regionCode == "640104")
                #expect(own.petitions == 1)
                #expect(try await petitions.accept(.with { $0.trackingNumber = xingqing; $0.context = PetitionsSamples.staff("staff-640104-petitions") }).status == "accepted")
            }
            // The petitioner's review request needs the right phone digits.
            try await platform.withInProcessClient { anonymous in
                await expectStatus(.notFound) {
                    _ = try await Petitions(wrapping: anonymous).requestReview(.with {
                        $0.trackingNumber = xingqing
                        $0.level = .review
                        $0.reasons = "不服"
                        $0.phoneLast4 = "9999"
                        $0.context.channel = .web
                    })
                }
            }
        }
    }

    @Test func invalidSubmissionsNameEveryField() async throws {
        try await TestPlatform.with(plugins: Self.plugins) { platform in
            var request = PetitionsSamples.petition()
            request.petitioner.phone = ""
            request.petitioner.address = ""
            request.subject = ""
            request.representatives = 6
            for field in ["petitioner.address", "subject", "representatives"] {
                await expectStatus(.invalidArgument, field: field) { _ = try await submit(platform, request) }
            }
            await expectStatus(.invalidArgument, field: "region_code") { _ = try await submit(platform, PetitionsSamples.petition(region: "110101")) }
            // A retry with the same request id returns the same petition.
            let once = PetitionsSamples.petition()
            let first = try await platform.withInProcessClient { try await Petitions(wrapping: $0).submit(once) }
            let second = try await platform.withInProcessClient { try await Petitions(wrapping: $0).submit(once) }
            #expect(!first.replayed && second.replayed)
            #expect(first.matter.id == second.matter.id)
        }
    }

    @Test("转办：其他业务条线转来的信访事项，自收到之日起15日内决定是否受理")
    func transferFromLegalAid() async throws {
        try await TestPlatform.with(plugins: Self.plugins, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            let legalAid = try await platform.withInProcessClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter
            }
            let moved = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Matters(wrapping: client).transferMatter(.with {
                    $0.trackingNumber = legalAid.trackingNumber
                    $0.toMatterType = "petitions.petition"
                    $0.reason = "申请人实为投诉法律援助人员服务态度，转信访处理"
                    $0.context = LegalAidSamples.staff()
                })
            }
            #expect(moved.businessLine == "petitions")
            #expect(moved.status == "registered")
            #expect(moved.deadlines.map(\.ruleID) == ["petitions.acceptance"])
            #expect(moved.deadlines.first?.dueDate == "2026-06-16")
            try await platform.withInProcessClient(as: "petitions-640100") { client in
                let accepted = try await Petitions(wrapping: client).accept(.with { $0.trackingNumber = moved.trackingNumber; $0.context = PetitionsSamples.staff() })
                #expect(accepted.status == "accepted")
                #expect(accepted.detailsJson.contains("法律援助"))
                #expect(accepted.timeline.last?.attributes["notice"] == "已书面告知信访人")
            }
        }
    }
}
