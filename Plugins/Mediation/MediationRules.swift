import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of 中华人民共和国人民调解法 (2010) that the mediation module enforces. Each cites its
// article; docs/business-lines.md lists them with the tests that pin them down.

/// What the dispute is about (民间纠纷).
enum DisputeCategory: String, Codable, CaseIterable, Sendable {
    case neighbourhood
    case marriageFamily = "marriage_family"
    case property
    case contractDebt = "contract_debt"
    case damage
    case labour
    case other

    init?(_ proto: Fawang_Mediation_V1_DisputeCategory) {
        switch proto {
        case .neighbourhood: self = .neighbourhood
        case .marriageFamily: self = .marriageFamily
        case .property: self = .property
        case .contractDebt: self = .contractDebt
        case .damage: self = .damage
        case .labour: self = .labour
        case .other: self = .other
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .neighbourhood: "邻里纠纷"
        case .marriageFamily: "婚姻家庭纠纷"
        case .property: "房屋、宅基地、物业纠纷"
        case .contractDebt: "合同、债务纠纷"
        case .damage: "损害赔偿纠纷"
        case .labour: "劳动（劳务）纠纷"
        case .other: "其他民间纠纷"
        }
    }
}

/// How the mediation started (Art. 17), or that another line sent it over.
enum Initiation: String, Codable, Sendable {
    /// 当事人申请调解.
    case application
    /// 人民调解委员会主动调解.
    case committeeInitiative = "committee_initiative"
    /// Transferred from another business line (e.g. a petition that is a civil dispute).
    case transferred
}

/// Who chose the mediators (Art. 19).
enum MediatorChoice: String, Codable, Sendable {
    case committeeDesignated = "committee_designated"
    case partiesChose = "parties_chose"

    init?(_ proto: Fawang_Mediation_V1_MediatorChoice) {
        switch proto {
        case .committeeDesignated: self = .committeeDesignated
        case .partiesChose: self = .partiesChose
        default: return nil
        }
    }
}

/// Art. 28: a written agreement (调解协议书) or an oral one the mediator records.
enum AgreementForm: String, Codable, Sendable {
    case written
    case oral

    init?(_ proto: Fawang_Mediation_V1_AgreementForm) {
        switch proto {
        case .written: self = .written
        case .oral: self = .oral
        default: return nil
        }
    }
}

struct CommitteeRef: Codable, Equatable, Sendable {
    var id: String
    var name: String
    var regionCode: String
}

struct MediatorRef: Codable, Equatable, Sendable {
    var id: String
    var name: String
    var committeeID: String
}

/// A session, scheduled or held.
struct Session: Codable, Equatable, Sendable {
    var date: String
    var place: String
    var held: Bool
    var notes: String
    var isPublic: Bool
}

/// Arts. 28–29: what the parties agreed.
struct Agreement: Codable, Equatable, Sendable {
    var form: AgreementForm
    var factsAndIssues: String
    var terms: String
    var performance: String
}

/// Art. 33: what the parties did about judicial confirmation.
struct JudicialConfirmation: Codable, Equatable, Sendable {
    var applied: Bool
    var court: String
    var note: String
}

/// The mediation content of a matter (`Matter.details`). The parties themselves are the matter's
/// applicant and its parties with role `respondent` (or `opposing_party` after a transfer).
struct MediationDetails: Codable, Equatable, Sendable {
    var initiation: Initiation
    var category: DisputeCategory
    var summary: String
    /// The sending line's name and reason, for a transferred matter.
    var transferredFrom: String?
    var committee: CommitteeRef?
    var mediators: [MediatorRef] = []
    var mediatorsChosenBy: MediatorChoice?
    var invitedParticipants: [String] = []
    var sessions: [Session] = []
    /// The party who refused or ended the mediation (Arts. 3, 17, 23(2)), and why.
    var declinedBy: String?
    var declineReason: String?
    var agreement: Agreement?
    /// Art. 26: why mediation failed, and the routes the parties were told of.
    var failureReasons: String?
    var routesTold: String?
    var judicialConfirmation: JudicialConfirmation?

    func encoded() -> Data { DetailsCoding.encode(self) }
}

/// Validation of a submitted dispute: every problem reported at once, each with its field.
enum MediationApplication {
    /// The validated content of `request`, or `INVALID_ARGUMENT` listing every bad field. The
    /// channel context comes back as read; the intake records it under the signed-in caller.
    static func validate(_ request: Fawang_Mediation_V1_SubmitDisputeRequest, initiation: Initiation) throws(FawangError) -> (Handling, Person, [Party], MediationDetails) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        // The applying party must be reachable (sessions, the outcome); the identity number is
        // optional for a neighbourhood quarrel but checked when given.
        let applicant = check.person(request.applicant, field: "applicant", label: "当事人", idRequired: false)
        // Art. 17: a mediation is between parties; at least one other party is named.
        check.require(!request.respondents.isEmpty, "respondents", "请填写纠纷的另一方当事人（至少一人）")
        check.require(request.respondents.count <= 20, "respondents", "另一方当事人不能超过20人")
        let respondents = request.respondents.enumerated().map { index, person in
            Party(role: "respondent", person: check.person(person, field: "respondents[\(index)]", label: "另一方当事人", idRequired: false, phoneRequired: false))
        }
        check.divisionCode(request.regionCode)
        let category = DisputeCategory(request.category)
        check.require(category != nil, "category", "请选择纠纷类别")
        check.requireText(request.summary, "summary", label: "纠纷的主要事实和争议事项", maxLength: 2000)
        // Art. 17: the committee's own initiative is recorded by its staff, not by a citizen.
        if initiation == .committeeInitiative, let handling, MatterSteps.actor(handling) == "applicant" {
            check.fail("context.operator_id", "人民调解委员会主动调解（第十七条）须由工作人员登记")
        }
        try check.check()
        let details = MediationDetails(initiation: initiation, category: category!, summary: request.summary.trimmingCharacters(in: .whitespacesAndNewlines))
        return (try check.checked(handling, "the channel context"), applicant, respondents, details)
    }
}

/// Field checks of the staff steps, pure so the articles are unit-tested.
enum MediationChecks {
    /// Art. 19: one or more mediators, designated by the committee or chosen by the parties.
    /// Art. 20: others take part only with the parties' consent.
    static func mediators(_ request: Fawang_Mediation_V1_AssignMediatorsRequest, into check: inout FieldValidator) -> MediatorChoice? {
        check.require(!request.mediatorIds.isEmpty, "mediator_ids", "请指定或由当事人选择一名或者数名人民调解员（第十九条）")
        check.require(request.mediatorIds.count <= 10, "mediator_ids", "调解员不能超过10名")
        check.require(Set(request.mediatorIds).count == request.mediatorIds.count, "mediator_ids", "调解员不能重复")
        let choice = MediatorChoice(request.chosenBy)
        check.require(choice != nil, "chosen_by", "请注明调解员由人民调解委员会指定还是由当事人选择（第十九条）")
        check.require(request.invitedParticipants.count <= 20, "invited_participants", "邀请参与调解的人员不能超过20名")
        for (index, name) in request.invitedParticipants.enumerated() where name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 {
            check.fail("invited_participants[\(index)]", "参与调解人员不能为空且不能超过100字")
        }
        if !request.invitedParticipants.isEmpty {
            check.require(request.partiesConsentedToInvitees, "parties_consented_to_invitees", "邀请他人参与调解须征得当事人的同意（第二十条）")
        }
        return choice
    }

    /// A session's date: YYYY-MM-DD; scheduled ones not in the past, held ones not in the future.
    static func session(_ request: Fawang_Mediation_V1_RecordSessionRequest, today: CivilDate, into check: inout FieldValidator) -> Session? {
        let date = CivilDate(strictISO: request.sessionDate)
        if date == nil {
            check.fail("session_date", "请按YYYY-MM-DD填写调解日期")
        } else if request.held, date! > today {
            check.fail("session_date", "已举行的调解日期不能晚于今天（\(today)）；尚未举行的请按预约登记")
        } else if !request.held, date! < today {
            check.fail("session_date", "预约的调解日期不能早于今天（\(today)）；已举行的请登记为已举行")
        }
        check.requireText(request.place, "place", label: "调解地点", maxLength: 200)
        if request.held {
            check.requireText(request.notes, "notes", label: "调解情况记录", maxLength: 5000)
        } else {
            check.require(request.notes.count <= 5000, "notes", "调解情况记录不能超过5000字")
        }
        guard let date else { return nil }
        return Session(date: date.description, place: request.place, held: request.held, notes: request.notes, isPublic: request.public)
    }

    /// Arts. 28–29: the agreement's content; a written one is in effect only once signed and sealed.
    static func agreement(_ request: Fawang_Mediation_V1_RecordAgreementRequest, into check: inout FieldValidator) -> Agreement? {
        let form = AgreementForm(request.form)
        check.require(form != nil, "form", "请选择调解协议书或口头协议（第二十八条）")
        check.require(request.factsAndIssues.count <= 5000, "facts_and_issues", "纠纷事实和争议事项不能超过5000字")
        check.requireText(request.terms, "terms", label: "当事人达成调解协议的内容（第二十八条、第二十九条）", maxLength: 5000)
        check.require(request.performance.count <= 2000, "performance", "履行方式、期限不能超过2000字")
        if form == .written {
            // Art. 29 para. 2: effective from the parties' signatures (seals, fingerprints), the
            // mediator's signature and the committee's seal.
            check.require(request.signedByAllParties, "signed_by_all_parties", "调解协议书须经各方当事人签名、盖章或者按指印并由人民调解员签名后方生效（第二十九条第二款）")
            check.require(request.committeeSealed, "committee_sealed", "调解协议书须加盖人民调解委员会印章后方生效（第二十九条第二款）")
        }
        guard let form else { return nil }
        return Agreement(form: form, factsAndIssues: request.factsAndIssues, terms: request.terms, performance: request.performance)
    }

    /// Art. 26: a failed mediation ends with the parties told of the other routes.
    static func failure(_ request: Fawang_Mediation_V1_RecordFailureRequest, into check: inout FieldValidator) {
        check.requireText(request.reasons, "reasons", label: "调解不成的原因", maxLength: 2000)
        check.require(request.otherRoutesTold, "other_routes_told", "调解不成的，应当告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利（第二十六条）")
        check.require(request.routes.count <= 1000, "routes", "告知的途径不能超过1000字")
    }

    /// Art. 33: judicial confirmation is applied for by both parties jointly, to a court.
    static func confirmation(_ request: Fawang_Mediation_V1_RecordJudicialConfirmationRequest, into check: inout FieldValidator) -> JudicialConfirmation? {
        check.require(request.note.count <= 1000, "note", "说明不能超过1000字")
        switch request.decision {
        case .applied:
            check.requireText(request.court, "court", label: "受理司法确认申请的人民法院", maxLength: 100)
            check.require(request.jointly, "jointly", "司法确认须由双方当事人共同向人民法院申请（第三十三条）")
            return JudicialConfirmation(applied: true, court: request.court, note: request.note)
        case .notNeeded:
            return JudicialConfirmation(applied: false, court: "", note: request.note)
        default:
            check.fail("decision", "请注明当事人已共同申请司法确认，或认为无需申请（第三十三条）")
            return nil
        }
    }
}
