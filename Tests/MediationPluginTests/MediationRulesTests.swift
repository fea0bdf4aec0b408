import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf
@testable import MediationPlugin
import Testing

/// Validation against 人民调解法 (2010); each test names its article.
@Suite struct MediationRulesTests {
    func violations(_ request: Fawang_Mediation_V1_SubmitDisputeRequest, _ initiation: Initiation = .application) -> [String] {
        do {
            _ = try MediationApplication.validate(request, initiation: initiation)
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

    @Test func theSampleIsValid() {
        #expect(violations(MediationSamples.dispute()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Mediation_V1_SubmitDisputeRequest()) == [
            "request_id", "context.channel", "applicant.name", "applicant.phone", "respondents", "region_code", "category", "summary",
        ])
    }

    @Test func malformedFieldsAreNamed() {
        var request = MediationSamples.dispute()
        request.applicant.idNumber = "110105194912310021"
        request.respondents[0].phone = "12345"
        request.respondents.append(.with { $0.name = "" })
        request.regionCode = "6401"
        #expect(violations(request) == ["applicant.id_number", "respondents[0].phone", "respondents[1].name", "region_code"])
    }

    @Test("人民调解法第十七条：当事人申请调解须写明另一方当事人")
    func art17OtherPartyRequired() {
        var request = MediationSamples.dispute()
        request.respondents = []
        #expect(violations(request) == ["respondents"])
    }

    @Test("人民调解法第十七条：人民调解委员会主动调解由工作人员登记")
    func art17InitiativeIsStaffs() {
        #expect(violations(MediationSamples.dispute(), .committeeInitiative) == ["context.operator_id"])
        // Signed in as the committee's staff, the step is recorded under their account.
        let staff = Principal(accountID: "staff-640100-mediation", displayName: "银川市人民调解工作人员", role: .staff, regionCode: "640100", department: "mediation")
        Principal.$current.withValue(staff) {
            #expect(violations(MediationSamples.dispute(), .committeeInitiative) == [])
        }
    }

    @Test("人民调解法第十九条：指定或由当事人选择一名或者数名调解员")
    func art19OneOrMoreMediators() {
        #expect(fields { _ = MediationChecks.mediators(.init(), into: &$0) } == ["mediator_ids", "chosen_by"])
        let ok = Fawang_Mediation_V1_AssignMediatorsRequest.with {
            $0.mediatorIds = ["a", "b"]
            $0.chosenBy = .partiesChose
        }
        #expect(fields { _ = MediationChecks.mediators(ok, into: &$0) } == [])
        var duplicate = ok
        duplicate.mediatorIds = ["a", "a"]
        #expect(fields { _ = MediationChecks.mediators(duplicate, into: &$0) } == ["mediator_ids"])
    }

    @Test("人民调解法第二十条：邀请他人参与调解须征得当事人同意")
    func art20InviteesNeedConsent() {
        var request = Fawang_Mediation_V1_AssignMediatorsRequest.with {
            $0.mediatorIds = ["a"]
            $0.chosenBy = .committeeDesignated
            $0.invitedParticipants = ["社区网格员王某"]
        }
        #expect(fields { _ = MediationChecks.mediators(request, into: &$0) } == ["parties_consented_to_invitees"])
        request.partiesConsentedToInvitees = true
        #expect(fields { _ = MediationChecks.mediators(request, into: &$0) } == [])
    }

    @Test("人民调解法第二十三条第三项：调解记录注明是否公开；已举行的调解须有记录")
    func sessionsAreDatedAndRecorded() {
        let today = CivilDate(year: 2026, month: 6, day: 10)
        var held = Fawang_Mediation_V1_RecordSessionRequest.with {
            $0.sessionDate = "2026-06-10"
            $0.place = "社区调解室"
            $0.held = true
        }
        #expect(fields { _ = MediationChecks.session(held, today: today, into: &$0) } == ["notes"])
        held.notes = "双方陈述意见"
        held.public = false
        var session: Session?
        #expect(fields { session = MediationChecks.session(held, today: today, into: &$0) } == [])
        #expect(session?.isPublic == false)
        held.sessionDate = "2026-06-11"
        #expect(fields { _ = MediationChecks.session(held, today: today, into: &$0) } == ["session_date"])
        let scheduled = Fawang_Mediation_V1_RecordSessionRequest.with {
            $0.sessionDate = "2026-06-09"
            $0.place = "社区调解室"
        }
        #expect(fields { _ = MediationChecks.session(scheduled, today: today, into: &$0) } == ["session_date"])
        #expect(fields { _ = MediationChecks.session(.init(), today: today, into: &$0) } == ["session_date", "place"])
    }

    @Test("人民调解法第二十八条：口头协议由调解员记录协议内容")
    func art28OralAgreementNeedsTerms() {
        var request = Fawang_Mediation_V1_RecordAgreementRequest.with { $0.form = .oral }
        #expect(fields { _ = MediationChecks.agreement(request, into: &$0) } == ["terms"])
        request.terms = "李大山于三日内维修管道并赔偿800元"
        #expect(fields { _ = MediationChecks.agreement(request, into: &$0) } == [])
        #expect(fields { _ = MediationChecks.agreement(.init(), into: &$0) } == ["form", "terms"])
    }

    @Test("人民调解法第二十九条第二款：调解协议书经各方签名并加盖调解委员会印章后生效")
    func art29WrittenAgreementSignedAndSealed() {
        var request = Fawang_Mediation_V1_RecordAgreementRequest.with {
            $0.form = .written
            $0.terms = "李大山于三日内维修管道并赔偿800元"
        }
        #expect(fields { _ = MediationChecks.agreement(request, into: &$0) } == ["signed_by_all_parties", "committee_sealed"])
        request.signedByAllParties = true
        request.committeeSealed = true
        #expect(fields { _ = MediationChecks.agreement(request, into: &$0) } == [])
    }

    @Test("人民调解法第二十六条：调解不成的应当终止调解并告知其他救济途径")
    func art26FailureTellsOtherRoutes() {
        #expect(fields { MediationChecks.failure(.init(), into: &$0) } == ["reasons", "other_routes_told"])
        let ok = Fawang_Mediation_V1_RecordFailureRequest.with {
            $0.reasons = "双方对赔偿数额分歧过大"
            $0.otherRoutesTold = true
        }
        #expect(fields { MediationChecks.failure(ok, into: &$0) } == [])
    }

    @Test("人民调解法第三十三条：司法确认由双方当事人共同向人民法院申请")
    func art33ConfirmationIsJoint() {
        #expect(fields { _ = MediationChecks.confirmation(.init(), into: &$0) } == ["decision"])
        var request = Fawang_Mediation_V1_RecordJudicialConfirmationRequest.with { $0.decision = .applied }
        #expect(fields { _ = MediationChecks.confirmation(request, into: &$0) } == ["court", "jointly"])
        request.court = "银川市兴庆区人民法院"
        request.jointly = true
        #expect(fields { _ = MediationChecks.confirmation(request, into: &$0) } == [])
        #expect(fields { _ = MediationChecks.confirmation(.with { $0.decision = .notNeeded }, into: &$0) } == [])
    }
}
