import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
@testable import PetitionsPlugin
import SwiftProtobuf
import Testing

/// Validation against 信访工作条例 (2022); each test names its article.
@Suite struct PetitionsRulesTests {
    func violations(_ request: Fawang_Petitions_V1_SubmitPetitionRequest) -> [String] {
        do {
            _ = try PetitionsSubmission.validate(request)
            return []
        } catch {
            return error.violations.map(\.field)
        }
    }

    func fields(_ body: (inout FieldValidator) -> Void) -> [String] {
        var check = FieldValidator()
        body(&check)
        return check.violations.map(\.field)
    }

    @Test func theSamplesAreValid() {
        #expect(violations(PetitionsSamples.petition()) == [])
        #expect(violations(PetitionsSamples.anonymous()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Petitions_V1_SubmitPetitionRequest()) == [
            "request_id", "context.channel", "petitioner.name", "petitioner.address", "region_code", "subject", "facts_and_reasons",
        ])
    }

    @Test("信访工作条例第十九条：信访人载明姓名（名称）、住址和请求、事实、理由")
    func art19NameAddressRequestFactsReasons() throws {
        var request = PetitionsSamples.petition()
        request.petitioner.phone = ""
        request.petitioner.address = ""
        #expect(violations(request) == ["petitioner.address"])
        request.petitioner.address = "兴庆区某小区"
        #expect(violations(request) == [])
        request.petitioner.phone = "12345"
        request.petitioner.idNumber = "110105194912310021"
        #expect(violations(request) == ["petitioner.id_number", "petitioner.phone"])
    }

    @Test("信访工作条例第二十三条第二款：匿名信访不留信访人信息，登记为“匿名”")
    func anonymousPetitionsKeepNoPersonalData() throws {
        let (_, petitioner, details, _) = try PetitionsSubmission.validate(PetitionsSamples.anonymous())
        #expect(petitioner == Person(name: "匿名", idNumber: "", phone: ""))
        #expect(details.anonymous)
        var leaky = PetitionsSamples.anonymous()
        leaky.petitioner.phone = "13951001234"
        #expect(violations(leaky) == ["petitioner"])
        // A named petition may not use the anonymous name.
        var named = PetitionsSamples.petition()
        named.petitioner.name = "匿名"
        #expect(violations(named) == ["petitioner.name"])
    }

    @Test("信访工作条例第二十条第三款：多人走访推选代表，代表人数不得超过5人")
    func art20AtMostFiveRepresentatives() {
        var request = PetitionsSamples.petition()
        request.representatives = 5
        #expect(violations(request) == [])
        request.representatives = 6
        #expect(violations(request) == ["representatives"])
    }

    @Test func relatedTrackingNumbersAreChecked() throws {
        var request = PetitionsSamples.petition()
        request.relatedTrackingNumber = "1234"
        #expect(violations(request) == ["related_tracking_number"])
        let number = TrackingNumber.random()
        request.relatedTrackingNumber = number.formatted
        #expect(try PetitionsSubmission.validate(request).3 == number)
    }

    @Test("信访工作条例第二十二条：转送或交办有权处理的机关，交办须指定反馈期限")
    func art22ReferralNamesTheUnit() {
        let today = CivilDate(year: 2026, month: 6, day: 1)
        #expect(fields { _ = PetitionsChecks.referral(.init(), today: today, into: &$0) } == ["kind", "unit"])
        var request = Fawang_Petitions_V1_ReferRequest.with {
            $0.kind = .transfer
            $0.unit = "银川市公证协会"
        }
        #expect(fields { _ = PetitionsChecks.referral(request, today: today, into: &$0) } == [])
        request.kind = .assign
        #expect(fields { _ = PetitionsChecks.referral(request, today: today, into: &$0) } == ["report_by"])
        request.reportBy = "2026-06-01"
        #expect(fields { _ = PetitionsChecks.referral(request, today: today, into: &$0) } == ["report_by"])
        request.reportBy = "2026-06-20"
        var referral: Referral?
        #expect(fields { referral = PetitionsChecks.referral(request, today: today, into: &$0) } == [])
        #expect(referral == Referral(kind: .assign, unit: "银川市公证协会", reportBy: "2026-06-20"))
    }

    @Test func reviewLevelIsRequired() {
        #expect(fields { _ = PetitionsChecks.level(.unspecified, into: &$0) } == ["level"])
        var level: PetitionsWorkflow.ReviewLevel?
        #expect(fields { level = PetitionsChecks.level(.rereview, into: &$0) } == [])
        #expect(level == .rereview)
    }
}
