import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCProtobuf
@testable import JudicialAppraisalPlugin
import SwiftProtobuf
import Testing

/// The judicial appraisal line over a real server on loopback HTTP/2 with a real SQLite file.
@Suite struct AppraisalEndToEndTests {
    typealias Appraisal = Fawang_Appraisal_V1_AppraisalService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<InProcessTransport.Client>


    static func accept(_ number: String, _ appraisers: [String] = ["jap-01", "jap-02"]) -> Fawang_Appraisal_V1_AcceptRequest {
        .with {
            $0.trackingNumber = number
            $0.appraiserIds = appraisers
            $0.note = "已签订司法鉴定委托书"
            $0.context = AppraisalSamples.staff()
        }
    }

    @Test("《司法鉴定程序通则》第十三条、第二十八条（待确认）：委托、七个工作日内受理、三十个工作日内完成，补充材料不计、延长一次")
    func wholePathFromEntrustmentToOpinion() async throws {
        let clock = TestClock()
        try await TestPlatform.with(plugins: [JudicialAppraisalPlugin()], clock: clock) { platform in
            clock.set(beijing(2026, 6, 1, hour: 9))
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                let appraisal = Appraisal(wrapping: client)

                // The register: forensic medicine in Yinchuan.
                let register = try await appraisal.listInstitutions(.with {
                    $0.regionCode = "640100"
                    $0.category = .forensicMedicine
                }).institutions
                #expect(register.map(\.id) == ["ja-640100-1", "ja-640104-1"])
                #expect(register.first?.appraisers.count == 5)
                #expect(register.first?.categories == [.forensicMedicine, .physicalEvidence])

                // The court's system entrusts (keyed through the API channel).
                let submitted = try await appraisal.submitEntrustment(AppraisalSamples.entrustment())
                let number = submitted.matter.trackingNumber
                #expect(submitted.matter.status == "entrusted")
                #expect(submitted.matter.regionCode == "640100")
                let acceptance = try #require(submitted.matter.deadlines.first)
                #expect(acceptance.ruleID == "judicial-appraisal.acceptance")
                #expect(acceptance.dueDate == "2026-06-10")
                #expect(acceptance.period == "7个工作日")
                #expect(!acceptance.articleConfirmed)
                #expect(acceptance.article == "《司法鉴定程序通则》第十三条（待确认）")

                clock.set(beijing(2026, 6, 1))
                let accepted = try await appraisal.accept(Self.accept(number))
                #expect(accepted.status == "accepted")
                #expect(accepted.deadlines.map(\.ruleID) == ["judicial-appraisal.acceptance", "judicial-appraisal.completion"])
                #expect(accepted.deadlines.map(\.state) == [.met, .running])
                #expect(accepted.deadlines.last?.dueDate == "2026-07-14")
                #expect(accepted.deadlines.last?.period == "30个工作日")
                #expect(accepted.timeline.last?.attributes["appraiser_ids"] == "jap-01,jap-02")

                // Re-extraction of material from 6/10 to 6/17: not counted.
                clock.set(beijing(2026, 6, 10))
                let waiting = try await appraisal.requestMaterials(.with {
                    $0.trackingNumber = number
                    $0.kind = .reExtract
                    $0.missingMaterials = ["复查影像片"]
                    $0.context = AppraisalSamples.staff()
                })
                #expect(waiting.status == "awaiting_materials")
                #expect(waiting.deadlines.last?.state == .paused)
                clock.set(beijing(2026, 6, 17))
                let resumed = try await platform.withInProcessClient { anonymous in
                    try await Appraisal(wrapping: anonymous).supplyMaterials(.with {
                        $0.trackingNumber = number
                        $0.materials = ["复查影像片"]
                        $0.phoneLast4 = "1234"
                        $0.context.channel = .web
                    })
                }
                #expect(resumed.status == "accepted")
                #expect(resumed.deadlines.last?.dueDate == "2026-07-21")

                // One extension of at most 30 working days, approved by the department admin.
                try await platform.withInProcessClient(as: "judicial-appraisal-admin") { admin in
                    let deadlines = Deadlines(wrapping: admin)
                    await expectStatus(.invalidArgument, field: "days") {
                        _ = try await deadlines.extendDeadline(.with {
                            $0.trackingNumber = number
                            $0.ruleID = "judicial-appraisal.completion"
                            $0.days = 31
                            $0.reason = "疑难"
                            $0.context = AppraisalSamples.staff("staff-640000-judicial-appraisal-admin")
                        })
                    }
                    let extended = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "judicial-appraisal.completion"
                        $0.days = 30
                        $0.reason = "涉及复杂技术问题，经机构负责人批准延长"
                        $0.context = AppraisalSamples.staff("staff-640000-judicial-appraisal-admin")
                    })
                    #expect(extended.deadlines.last?.period == "60个工作日")
                    #expect(extended.deadlines.last?.dueDate == "2026-09-01")
                    await expectStatus(.failedPrecondition) {
                        _ = try await deadlines.extendDeadline(.with {
                            $0.trackingNumber = number
                            $0.ruleID = "judicial-appraisal.completion"
                            $0.days = 5
                            $0.reason = "再次延长"
                            $0.context = AppraisalSamples.staff("staff-640000-judicial-appraisal-admin")
                        })
                    }
                }
                // Ordinary staff cannot extend.
                await expectStatus(.permissionDenied) {
                    _ = try await Deadlines(wrapping: client).extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "judicial-appraisal.completion"
                        $0.days = 5
                        $0.reason = "x"
                        $0.context = AppraisalSamples.staff()
                    })
                }

                await expectStatus(.invalidArgument, field: "opinion_number") {
                    _ = try await appraisal.issueOpinion(.with {
                        $0.trackingNumber = number
                        $0.opinionSummary = "构成十级伤残"
                        $0.context = AppraisalSamples.staff()
                    })
                }
                let completed = try await appraisal.issueOpinion(.with {
                    $0.trackingNumber = number
                    $0.opinionNumber = "银法物司鉴[2026]临鉴字第12号"
                    $0.opinionSummary = "被鉴定人构成十级伤残"
                    $0.context = AppraisalSamples.staff()
                })
                #expect(completed.status == "completed")
                #expect(completed.deadlines.map(\.state) == [.met, .met])
                #expect(completed.timeline.map(\.kind) == [
                    "entrusted", "accepted", "materials_requested", "materials_supplied", "deadline_extended", "opinion_issued",
                ])
            }
        }
    }

    @Test("《司法鉴定程序通则》第十五条（待确认）：不予受理须列明情形和理由，受理期限随之届止")
    func refusalToAccept() async throws {
        try await TestPlatform.with(plugins: [JudicialAppraisalPlugin()]) { platform in
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                let appraisal = Appraisal(wrapping: client)
                let number = try await appraisal.submitEntrustment(AppraisalSamples.entrustment()).matter.trackingNumber
                await expectStatus(.invalidArgument, field: "grounds") {
                    _ = try await appraisal.refuseAcceptance(.with {
                        $0.trackingNumber = number
                        $0.reasons = "超出能力"
                        $0.context = AppraisalSamples.staff()
                    })
                }
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await appraisal.refuseAcceptance(.with {
                        $0.trackingNumber = number
                        $0.grounds = [.beyondCapability]
                        $0.context = AppraisalSamples.staff()
                    })
                }
                let refused = try await appraisal.refuseAcceptance(.with {
                    $0.trackingNumber = number
                    $0.grounds = [.beyondCapability, .defectiveMaterials]
                    $0.reasons = "本机构不具备该项检验条件，且病历资料不完整"
                    $0.context = AppraisalSamples.staff()
                })
                #expect(refused.status == "not_accepted")
                #expect(refused.statusLabel == "不予受理")
                #expect(refused.timeline.last?.attributes["grounds"] == "beyond_capability,defective_materials")
                #expect(refused.deadlines.map(\.state) == [.met])
                await expectStatus(.failedPrecondition) { _ = try await appraisal.accept(Self.accept(number)) }
            }
        }
    }

    @Test("执业类别不符：机构未获准的类别和不具备该类别资格的鉴定人均被拒绝，错误指明字段")
    func categoryMismatchIsRefusedPrecisely() async throws {
        try await TestPlatform.with(plugins: [JudicialAppraisalPlugin()]) { platform in
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                let appraisal = Appraisal(wrapping: client)
                // Environmental damage is not among the forensic centre's categories.
                do {
                    _ = try await appraisal.submitEntrustment(AppraisalSamples.entrustment(category: .environmentalDamage))
                    Issue.record("expected INVALID_ARGUMENT")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("category"))
                    #expect(error.message.contains("未获准从事环境损害类司法鉴定业务（其执业类别为：法医类、物证类）"))
                }
                await expectStatus(.invalidArgument, field: "institution_id") {
                    _ = try await appraisal.submitEntrustment(AppraisalSamples.entrustment(institution: "ja-640104-1"))
                }
                await expectStatus(.invalidArgument, field: "institution_id") {
                    _ = try await appraisal.submitEntrustment(AppraisalSamples.entrustment(institution: "ja-nowhere"))
                }
                // The same institution's environmental office is elsewhere: fine.
                let wuzhong = try await appraisal.submitEntrustment(AppraisalSamples.entrustment(category: .environmentalDamage, institution: "ja-640300-1"))
                #expect(wuzhong.matter.regionCode == "640300")

                let number = try await appraisal.submitEntrustment(AppraisalSamples.entrustment()).matter.trackingNumber
                // 王强 holds physical evidence only.
                do {
                    _ = try await appraisal.accept(Self.accept(number, ["jap-01", "jap-03"]))
                    Issue.record("expected INVALID_ARGUMENT")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    let fields = try #require(try error.unpackGoogleRPCStatus()).details.compactMap(\.badRequest).flatMap(\.violations)
                    #expect(fields.map(\.field) == ["appraiser_ids[1]"])
                    #expect(fields.first?.description.contains("未取得法医类鉴定执业资格") == true)
                }
                await expectStatus(.invalidArgument, field: "appraiser_ids") { _ = try await appraisal.accept(Self.accept(number, ["jap-01"])) }
                await expectStatus(.invalidArgument, field: "appraiser_ids[1]") { _ = try await appraisal.accept(Self.accept(number, ["jap-01", "jap-08"])) }
                await expectStatus(.invalidArgument, field: "appraiser_ids[0]") { _ = try await appraisal.accept(Self.accept(number, ["jap-05", "jap-02"])) }
                let accepted = try await appraisal.accept(Self.accept(number, ["jap-01", "jap-04"]))
                #expect(accepted.status == "accepted")
            }
        }
    }

    @Test func complaintAgainstAnAppraiser() async throws {
        try await TestPlatform.with(plugins: [JudicialAppraisalPlugin()]) { platform in
            // A citizen complains on the web portal.
            let (number, other) = try await platform.withInProcessClient { anonymous in
                let appraisal = Appraisal(wrapping: anonymous)
                await expectStatus(.invalidArgument, field: "appraiser_id") {
                    _ = try await appraisal.submitComplaint(AppraisalSamples.complaint(appraiser: "jap-99"))
                }
                await expectStatus(.invalidArgument, field: "facts") {
                    var complaint = AppraisalSamples.complaint()
                    complaint.facts = ""
                    _ = try await appraisal.submitComplaint(complaint)
                }
                let received = try await appraisal.submitComplaint(AppraisalSamples.complaint()).matter
                #expect(received.status == "received")
                #expect(received.matterType == "judicial-appraisal.complaint")
                #expect(received.regionCode == "640100")
                #expect(received.deadlines.isEmpty)
                let other = try await appraisal.submitComplaint(AppraisalSamples.complaint(appraiser: "jap-06")).matter
                return (received.trackingNumber, other.trackingNumber)
            }
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                let appraisal = Appraisal(wrapping: client)
                // A complaint is not an entrustment.
                await expectStatus(.failedPrecondition) { _ = try await appraisal.accept(Self.accept(number)) }
                let investigating = try await appraisal.acceptComplaint(.with {
                    $0.trackingNumber = number
                    $0.note = "受理，调取鉴定档案"
                    $0.context = AppraisalSamples.staff()
                })
                #expect(investigating.status == "investigating")
                await expectStatus(.invalidArgument, field: "outcome") {
                    _ = try await appraisal.concludeComplaint(.with {
                        $0.trackingNumber = number
                        $0.findings = "x"
                        $0.context = AppraisalSamples.staff()
                    })
                }
                let concluded = try await appraisal.concludeComplaint(.with {
                    $0.trackingNumber = number
                    $0.outcome = .admonished
                    $0.findings = "鉴定人检查程序不规范，予以批评教育"
                    $0.context = AppraisalSamples.staff()
                })
                #expect(concluded.status == "concluded")
                #expect(concluded.timeline.last { $0.kind == "complaint_concluded" }?.attributes["outcome"] == "admonished")
                #expect(concluded.detailsJson.contains("admonished"))
                #expect(concluded.timeline.map(\.kind) == ["complaint_received", "complaint_accepted", "complaint_concluded", "callback_required"])
                // Any complaint that ends is followed by a callback to the complainant (platform.callback).
                #expect(concluded.deadlines.first { $0.ruleID == "platform.callback" }?.state == .running)

                let rejected = try await appraisal.rejectComplaint(.with {
                    $0.trackingNumber = other
                    $0.reasons = "投诉事项不属于司法鉴定执业活动"
                    $0.context = AppraisalSamples.staff()
                })
                #expect(rejected.status == "rejected")
            }
            // The complainant follows it with the phone digits.
            try await platform.withInProcessClient { anonymous in
                let report = try await Matters(wrapping: anonymous).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.statusLabel == "已作出处理决定")
            }
        }
    }

    /// The directory's credit record from the matters: an institution and its appraisers are
    /// credited with the entrustments they handle, faulted for one running past its 30 working
    /// days and for upheld complaints, and rated by the entruster.
    @Test func creditRecordFromEntrustmentsComplaintsAndRatings() async throws {
        let clock = TestClock(at: beijing(2026, 6, 1))
        // Many public directory reads in a moment: no rate limit here.
        let unlimited = TestPlatform.unlimitedRates
        try await TestPlatform.with(extraConfig: unlimited, plugins: [JudicialAppraisalPlugin()], clock: clock) { platform in
            func credit(_ id: String) async throws -> Fawang_Directory_V1_CreditRecord {
                try await platform.withInProcessClient { anonymous in
                    try await Fawang_Directory_V1_DirectoryService.Client(wrapping: anonymous).getEntry(.with { $0.id = id }).credit
                }
            }
            let institution = "appraisal_institution/ja-640100-1"
            let (late, onTime) = try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                let appraisal = Appraisal(wrapping: client)
                let late = try await appraisal.submitEntrustment(AppraisalSamples.entrustment()).matter.trackingNumber
                _ = try await appraisal.accept(Self.accept(late, ["jap-01", "jap-02"]))
                let onTime = try await appraisal.submitEntrustment(AppraisalSamples.entrustment()).matter.trackingNumber
                _ = try await appraisal.accept(Self.accept(onTime, ["jap-01", "jap-04"]))
                return (late, onTime)
            }
            var record = try await credit(institution)
            #expect(record.handledMatters == 2 && record.overdueMatters == 0 && record.overdueRate == 0 && record.ratedMatters == 0)
            #expect(try await credit("appraiser/jap-02").handledMatters == 1)
            #expect(try await credit("appraiser/jap-03").handledMatters == 0)

            // 7/14 was the last of the 30 working days: on 7/20 one opinion is out, one is overdue.
            clock.set(beijing(2026, 7, 10))
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                _ = try await Appraisal(wrapping: client).issueOpinion(.with {
                    $0.trackingNumber = onTime
                    $0.opinionNumber = "银法物司鉴[2026]临鉴字第13号"
                    $0.opinionSummary = "被鉴定人构成九级伤残"
                    $0.context = AppraisalSamples.staff()
                })
            }
            clock.set(beijing(2026, 7, 20))
            record = try await credit(institution)
            #expect(record.handledMatters == 2 && record.overdueMatters == 1 && record.overdueRate == 0.5)
            #expect(try await credit("appraiser/jap-02").overdueMatters == 1)
            #expect(try await credit("appraiser/jap-04").overdueMatters == 0)
            // Issued late, it stays overdue: met late.
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                _ = try await Appraisal(wrapping: client).issueOpinion(.with {
                    $0.trackingNumber = late
                    $0.opinionNumber = "银法物司鉴[2026]临鉴字第14号"
                    $0.opinionSummary = "被鉴定人构成十级伤残"
                    $0.context = AppraisalSamples.staff()
                })
            }
            #expect(try await credit(institution).overdueMatters == 1)

            // The entruster rates both (the court's contact phone ends in 1234); once each.
            try await platform.withInProcessClient { anonymous in
                let matters = Matters(wrapping: anonymous)
                for (number, score) in [(late, Int32(2)), (onTime, Int32(5))] {
                    let report = try await matters.rateMatter(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "1234"
                        $0.score = score
                        $0.context.channel = .web
                    })
                    let rated = try #require(report.timeline.last { $0.kind == "rated" })
                    #expect(rated.label == "申请人评价")
                    // A 2 asks the institution's office to call back (platform.callback).
                    #expect((report.timeline.last?.kind == "callback_required") == (score <= 2))
                }
                await expectStatus(.failedPrecondition) {
                    _ = try await matters.rateMatter(.with {
                        $0.trackingNumber = late
                        $0.phoneLast4 = "1234"
                        $0.score = 5
                        $0.context.channel = .web
                    })
                }
            }
            record = try await credit(institution)
            #expect(record.ratedMatters == 2 && record.averageRating == 3.5)
            #expect(try await credit("appraiser/jap-04").averageRating == 5)

            // Complaints: one upheld (correction ordered), one unfounded, one rejected (not decided).
            let numbers = try await platform.withInProcessClient { anonymous in
                let appraisal = Appraisal(wrapping: anonymous)
                var numbers: [String] = []
                for appraiser in ["jap-01", "jap-01", "jap-02"] {
                    numbers.append(try await appraisal.submitComplaint(AppraisalSamples.complaint(appraiser: appraiser)).matter.trackingNumber)
                }
                return numbers
            }
            try await platform.withInProcessClient(as: "judicial-appraisal-640100") { client in
                let appraisal = Appraisal(wrapping: client)
                for (number, outcome) in [(numbers[0], Fawang_Appraisal_V1_ComplaintOutcome.correctionOrdered), (numbers[1], .unfounded)] {
                    _ = try await appraisal.acceptComplaint(.with {
                        $0.trackingNumber = number
                        $0.context = AppraisalSamples.staff()
                    })
                    #expect(try await credit("appraiser/jap-01").complaintsDecided < 2)
                    _ = try await appraisal.concludeComplaint(.with {
                        $0.trackingNumber = number
                        $0.outcome = outcome
                        $0.findings = "经调查核实"
                        $0.context = AppraisalSamples.staff()
                    })
                }
                _ = try await appraisal.rejectComplaint(.with {
                    $0.trackingNumber = numbers[2]
                    $0.reasons = "投诉事项不属于司法鉴定执业活动"
                    $0.context = AppraisalSamples.staff()
                })
            }
            let appraiser = try await credit("appraiser/jap-01")
            #expect(appraiser.complaintsDecided == 2 && appraiser.complaintsUpheld == 1)
            #expect(try await credit(institution).complaintsUpheld == 1)
            #expect(try await credit("appraiser/jap-02").complaintsDecided == 0)
            // A complaint handles nothing: the institution's handled count is unchanged.
            #expect(try await credit(institution).handledMatters == 2)
        }
    }

    @Test func otherDistrictsDepartmentsAndAnonymousCallersAreDenied() async throws {
        try await TestPlatform.with(plugins: [JudicialAppraisalPlugin()]) { platform in
            // An authority's entrustment does not come from an anonymous caller, whatever channel
            // and operator id it claims.
            let number = try await platform.withInProcessClient { anonymous in
                let appraisal = Appraisal(wrapping: anonymous)
                var fromWeb = AppraisalSamples.entrustment()
                fromWeb.context = .with { $0.channel = .web }
                await expectStatus(.permissionDenied) { _ = try await appraisal.submitEntrustment(fromWeb) }
                // Claiming the connected system's channel and operator id changes nothing.
                await expectStatus(.permissionDenied) { _ = try await appraisal.submitEntrustment(AppraisalSamples.entrustment()) }
                var asPolice = AppraisalSamples.entrustment()
                asPolice.entruster.type = .publicSecurity
                asPolice.entruster.organization = "银川市公安局兴庆区分局"
                asPolice.context = .with { $0.channel = .web; $0.operatorID = "staff-640100-judicial-appraisal" }
                await expectStatus(.permissionDenied) { _ = try await appraisal.submitEntrustment(asPolice) }
                // A party may entrust directly.
                let party = try await appraisal.submitEntrustment(AppraisalSamples.partyEntrustment())
                #expect(party.matter.status == "entrusted")
                await expectStatus(.unauthenticated) { _ = try await appraisal.accept(Self.accept(party.matter.trackingNumber)) }
                return party.matter.trackingNumber
            }
            // Nor from a signed-in citizen, nor from another department's staff.
            for login in ["13951001234", "notarization-640100"] {
                try await platform.withInProcessClient(as: login) { client in
                    await expectStatus(.permissionDenied) { _ = try await Appraisal(wrapping: client).submitEntrustment(AppraisalSamples.entrustment()) }
                }
            }
            // A connected system (service account) may.
            try await platform.withInProcessClient(as: "hotline-frontend") { client in
                let entrusted = try await Appraisal(wrapping: client).submitEntrustment(AppraisalSamples.entrustment())
                #expect(entrusted.matter.status == "entrusted")
            }
            // The institution is in Yinchuan (640100): Xingqing district's staff do not handle it.
            try await platform.withInProcessClient(as: "judicial-appraisal-640104") { client in
                await expectStatus(.permissionDenied) { _ = try await Appraisal(wrapping: client).accept(Self.accept(number)) }
            }
            // Nor does another department's staff.
            try await platform.withInProcessClient(as: "notarization-640100") { client in
                await expectStatus(.permissionDenied) { _ = try await Appraisal(wrapping: client).accept(Self.accept(number)) }
            }
            try await platform.withInProcessClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Appraisal(wrapping: client).accept(Self.accept(number)) }
            }
            // The provincial department admin does.
            try await platform.withInProcessClient(as: "judicial-appraisal-admin") { client in
                let accepted = try await Appraisal(wrapping: client).accept(Self.accept(number))
                #expect(accepted.timeline.last?.actor == "staff-640000-judicial-appraisal-admin")
            }
        }
    }
}
