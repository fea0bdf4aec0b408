import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of 信访工作条例 (2022) that the petitions module enforces. Each cites its article;
// docs/business-lines.md lists them with the tests that pin them down.

/// How a registered petition was disposed of (Arts. 22, 23).
enum ReferralKind: String, Codable, Sendable {
    /// 转送 to the organ with power to handle it.
    case transfer
    /// 交办, with a date by which results are reported (Art. 22(3)).
    case assign

    init?(_ proto: Fawang_Petitions_V1_ReferralKind) {
        switch proto {
        case .transfer: self = .transfer
        case .assign: self = .assign
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .transfer: "转送"
        case .assign: "交办"
        }
    }
}

struct Referral: Codable, Equatable, Sendable {
    var kind: ReferralKind
    var unit: String
    /// 交办: the date results are due (YYYY-MM-DD).
    var reportBy: String?
}

/// A review (复查, Art. 35) or re-review (复核, Art. 36).
struct ReviewRecord: Codable, Equatable, Sendable {
    var requestReasons: String
    var unit: String?
    var opinion: String?
}

/// The petition content of a matter (`Matter.details`).
struct PetitionDetails: Codable, Equatable, Sendable {
    /// No petitioner named: no written notice, no progress query, no review (see `PetitionsSubmission`).
    var anonymous: Bool
    /// Art. 19: request, facts and reasons.
    var subject: String
    var factsAndReasons: String
    /// Art. 20 para. 3: representatives of a collective visit (0 for an individual).
    var representatives: Int = 0
    var transferredFrom: String?
    /// Tracking number of the petition this one repeats; it is not counted again.
    var duplicateOf: String?
    /// Tracking numbers of later petitions that repeat this one.
    var duplicates: [String] = []
    var notAcceptedReasons: String?
    var referral: Referral?
    /// Whether the petitioner was told in writing (false for anonymous petitions, Art. 23 para. 2).
    var writtenNotice: Bool?
    /// Arts. 31(6), 34: the handling opinion (信访处理意见).
    var answer: String?
    var review: ReviewRecord?
    var rereview: ReviewRecord?

    func encoded() -> Data { DetailsCoding.encode(self) }
}

/// Validation of a submitted petition: every problem reported at once, each with its field.
enum PetitionsSubmission {
    /// How an anonymous petitioner is stored: this name, no identity number, phone or address.
    static let anonymousName = "匿名"

    /// The validated content of `request`, or `INVALID_ARGUMENT` listing every bad field. The
    /// channel context is returned as read: the intake records it under the signed-in caller.
    static func validate(_ request: Fawang_Petitions_V1_SubmitPetitionRequest) throws(FawangError) -> (Handling, Person, PetitionDetails, TrackingNumber?) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let petitioner: Person
        if request.anonymous {
            // Nothing about the petitioner is kept: a stray name or number would make it not anonymous.
            let given = request.petitioner
            check.require(given.name.isEmpty && given.idNumber.isEmpty && given.phone.isEmpty && given.address.isEmpty,
                          "petitioner", "匿名信访不填写信访人信息；如愿意留下姓名或联系方式，请不要选择匿名")
            petitioner = Person(name: anonymousName, idNumber: "", phone: "")
        } else {
            petitioner = check.person(request.petitioner, field: "petitioner", label: "信访人", idRequired: false, phoneRequired: false)
            // Art. 19: name and address, so the petitioner can be told and answered.
            check.require(!request.petitioner.phone.isEmpty || !request.petitioner.address.trimmingCharacters(in: .whitespaces).isEmpty,
                          "petitioner.address", "请填写信访人住址或联系电话（第十九条）；不愿留下的，请选择匿名")
            check.require(petitioner.name != anonymousName, "petitioner.name", "不留姓名的，请选择匿名信访")
        }
        check.divisionCode(request.regionCode)
        check.requireText(request.subject, "subject", label: "信访请求（第十九条）", maxLength: 500)
        check.requireText(request.factsAndReasons, "facts_and_reasons", label: "事实和理由（第十九条）", maxLength: 5000)
        check.require(request.representatives >= 0, "representatives", "代表人数不能为负数")
        check.require(request.representatives <= 5, "representatives", "多人走访提出共同的信访事项的，应当推选代表，代表人数不得超过5人（第二十条第三款）")
        var related: TrackingNumber?
        if !request.relatedTrackingNumber.isEmpty {
            related = TrackingNumber(request.relatedTrackingNumber)
            check.require(related != nil, "related_tracking_number", "原信访事项的受理编号应为16位数字且校验位正确")
        }
        try check.check()
        guard let handling else { throw FawangError(.internalError, "channel context passed validation unread") }
        let details = PetitionDetails(
            anonymous: request.anonymous, subject: request.subject.trimmingCharacters(in: .whitespacesAndNewlines),
            factsAndReasons: request.factsAndReasons, representatives: Int(request.representatives))
        return (handling, petitioner, details, related)
    }
}

/// Field checks of the staff steps, pure so the articles are unit-tested.
enum PetitionsChecks {
    /// Art. 22: transferred or assigned to a named unit; an assignment sets a date for results.
    static func referral(_ request: Fawang_Petitions_V1_ReferRequest, today: CivilDate, into check: inout FieldValidator) -> Referral? {
        let kind = ReferralKind(request.kind)
        check.require(kind != nil, "kind", "请选择转送或交办（第二十二条）")
        check.requireText(request.unit, "unit", label: "有权处理的机关、单位", maxLength: 100)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        var reportBy: String?
        if kind == .assign {
            if let date = CivilDate(strictISO: request.reportBy) {
                check.require(date > today, "report_by", "交办的反馈日期应晚于今天（第二十二条第三项：在指定办理期限内反馈结果）")
                reportBy = date.description
            } else {
                check.fail("report_by", "交办的，请按YYYY-MM-DD填写反馈结果的期限（第二十二条第三项）")
            }
        } else if !request.reportBy.isEmpty {
            check.fail("report_by", "只有交办的事项需要指定反馈期限")
        }
        guard let kind else { return nil }
        return Referral(kind: kind, unit: request.unit.trimmingCharacters(in: .whitespaces), reportBy: reportBy)
    }

    static func level(_ proto: Fawang_Petitions_V1_ReviewLevel, into check: inout FieldValidator) -> PetitionsWorkflow.ReviewLevel? {
        switch proto {
        case .review: return .review
        case .rereview: return .rereview
        default:
            check.fail("level", "请选择复查（第三十五条）或复核（第三十六条）")
            return nil
        }
    }
}
