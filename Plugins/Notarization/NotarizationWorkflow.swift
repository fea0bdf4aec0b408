import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The notarization application's workflow (公证法 第二十五条至第三十一条、第三十九条) as a pure
/// state machine: given the matter as stored and a command, it returns the change to write, or
/// why the command cannot be carried out now. No I/O, no clock.
enum NotarizationWorkflow: LineWorkflow {
    static let matterType = "notarization.application"
    static let businessLine = "notarization"
    static let lineName = "公证"
    static let matterTypes: Set<String> = [matterType]

    enum Status {
        static let submitted = "submitted"
        static let accepted = "accepted"
        static let awaitingMaterials = "awaiting_materials"
        static let issued = "issued"
        static let refused = "refused"
        static let underReview = "under_review"
        static let revoked = "revoked"
    }

    static let machine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "待受理",
            Status.accepted: "已受理，审查中",
            Status.awaitingMaterials: "待补充证明材料",
            Status.issued: "已出具公证书",
            Status.refused: "不予办理公证",
            Status.underReview: "公证书复查中",
            Status.revoked: "公证书已撤销",
        ],
        transitions: [
            .init(command: "accept", from: [Status.submitted], to: Status.accepted, event: "accepted"),
            .init(command: "request_materials", from: [Status.accepted], to: Status.awaitingMaterials, event: "materials_requested"),
            .init(command: "supply_materials", from: [Status.awaitingMaterials], to: Status.accepted, event: "materials_supplied"),
            .init(command: "issue", from: [Status.accepted], to: Status.issued, event: "issued"),
            .init(command: "refuse", from: [Status.submitted, Status.accepted, Status.awaitingMaterials], to: Status.refused, event: "refused"),
            .init(command: "request_review", from: [Status.issued], to: Status.underReview, event: "review_requested"),
            .init(command: "uphold", from: [Status.underReview], to: Status.issued, event: "review_upheld"),
            .init(command: "correct", from: [Status.underReview], to: Status.issued, event: "certificate_corrected"),
            .init(command: "revoke", from: [Status.underReview], to: Status.revoked, event: "certificate_revoked"),
        ],
        eventLabels: [
            "submitted": "提交公证申请",
            "accepted": "公证机构受理，告知法律意义和后果",
            "materials_requested": "要求补充证明材料",
            "materials_supplied": "补充证明材料",
            "issued": "出具公证书",
            "refused": "决定不予办理公证",
            "review_requested": "申请复查公证书",
            "review_upheld": "复查：维持公证书",
            "certificate_corrected": "复查：更正公证书",
            "certificate_revoked": "复查：撤销公证书并公告",
        ],
        // Art. 31: 不予办理公证 refuses. Issuing concludes though a review (Art. 39) may reopen it;
        // the review's decision concludes it again (a revocation as an end status).
        milestones: [
            "accepted": .accepted, "refused": .refused,
            "issued": .concluded, "review_upheld": .concluded, "certificate_corrected": .concluded,
        ])

    /// Art. 30: the certificate is issued within 15 working days of accepting the application;
    /// time for force majeure, supplementing proof or verifying the circumstances is not counted.
    /// Supplementing is the line's own request/supply events; verification (Art. 29) and force
    /// majeure are the platform's PauseClock with reason `verification` / `force_majeure`. The
    /// Act provides no extension. Met by issuing, or by a refusal under Art. 31.
    static let certificateDeadline = DeadlineRule(
        id: "notarization.certificate", label: "出具公证书", article: NotarizationLaw.article("第三十条"), days: 15,
        dayType: .working, startsOn: ["accepted"], pausesOn: ["materials_requested"], resumesOn: ["materials_supplied"],
        metBy: ["issued", "refused"], pauseReasons: [.forceMajeure, .verification])

    enum Command: Sendable, Equatable {
        case accept(office: OfficeAssignment, notaryName: String, legalNotice: String, feeYuan: Int64, waiveFee: Bool)
        case requestMaterials(missing: [String], note: String)
        case supplyMaterials([String])
        /// Issues the certificate with the office's `serial` of `year`; the number is made from
        /// the accepting office's prefix, and the register entry is written in the same step.
        case issue(year: Int, serial: Int, note: String)
        case refuse(grounds: [RefusalGround], reasons: String)
        case requestReview(reasons: String)
        case decideReview(ReviewOutcome, explanation: String)

        var name: String {
            switch self {
            case .accept: "accept"
            case .requestMaterials: "request_materials"
            case .supplyMaterials: "supply_materials"
            case .issue: "issue"
            case .refuse: "refuse"
            case .requestReview: "request_review"
            case .decideReview(.upheld, _): "uphold"
            case .decideReview(.corrected, _): "correct"
            case .decideReview(.revoked, _): "revoke"
            }
        }
    }

    /// What `command` does to `matter`, taken by `step.actor` through `step.channel`.
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(NotarizationDetails.self, from: matter)
        var note = ""
        var attributes: [String: String] = [:]
        var registerEntries: [SQLStatement] = []

        switch command {
        case .accept(let office, let notaryName, let legalNotice, let feeYuan, let waiveFee):
            // Art. 25: the office must serve the place of application (checked against the
            // directory by the service; re-checked here on the stored matter).
            guard DivisionCode.city(of: office.regionCode) == DivisionCode.city(of: matter.regionCode) else {
                throw FawangError.failedPrecondition(
                    "\(office.name)不在申请地（\(details.placeBasis.label)）所在市，不能受理本申请；请由申请地的公证机构受理（\(NotarizationLaw.article("第二十五条"))）")
            }
            // Art. 34 para. 2: fees are reduced or waived for those meeting legal aid conditions.
            if waiveFee, !details.legalAidEligible {
                throw FawangError.failedPrecondition("申请人未申报符合法律援助条件，不能减免公证费（\(NotarizationLaw.article("第三十四条第二款"))）")
            }
            details.office = office
            details.notaryName = notaryName
            details.legalNotice = legalNotice
            details.feeWaived = waiveFee
            details.feeYuan = waiveFee ? 0 : feeYuan
            note = legalNotice
            attributes["office_id"] = office.officeID
            attributes["office_name"] = office.name
            attributes["notary"] = notaryName
            attributes["fee_yuan"] = String(details.feeYuan!)
            if waiveFee { attributes["fee_waived"] = "第三十四条第二款" }
        case .requestMaterials(let missing, let requestNote):
            // Art. 30: the clock stops for supplementing from this event on; if it is already stopped
            // for verification or force majeure, the stops overlap and the clock stays stopped
            // until both end.
            details.missingMaterials = missing
            note = requestNote
            attributes["missing_materials"] = missing.joined(separator: "；")
        case .supplyMaterials(let supplied):
            details.materials += supplied
            details.missingMaterials = []
            attributes["materials"] = supplied.joined(separator: "；")
        case .issue(let year, let serial, let issueNote):
            guard let office = details.office else {
                throw FawangError.failedPrecondition("该申请尚未由公证机构受理，不能出具公证书")
            }
            let number = certificateNumber(prefix: office.certificatePrefix, year: year, serial: serial)
            details.certificateNumber = number
            note = issueNote
            attributes["certificate_number"] = number
            // The register entry commits with the step or not at all: no number is taken by a
            // step that fails, and the register holds only issued certificates. The unique keys
            // (number; matter; office, year, serial) refuse a serial taken concurrently.
            registerEntries = [SQLStatement(
                "INSERT INTO notarization_certificates (number, matter_id, office_id, year, serial) VALUES (?, ?, ?, ?, ?)",
                [.text(number), .text(matter.id), .text(office.officeID), .integer(Int64(year)), .integer(Int64(serial))])]
        case .refuse(let grounds, let reasons):
            // Art. 31: a refusal names its grounds; the reasons are given to the applicant.
            guard !grounds.isEmpty else {
                throw FawangError.invalidArgument(field: "grounds", "请选择不予办理公证的法定情形（第三十一条）")
            }
            details.refusalGrounds = grounds
            details.refusalReasons = reasons
            note = reasons
            attributes["grounds"] = grounds.map(\.rawValue).joined(separator: ",")
            attributes["articles"] = grounds.map { "第三十一条第\($0.item)项" }.joined(separator: "、")
        case .requestReview(let reasons):
            details.reviews.append(ReviewRecord(reasons: reasons))
            note = reasons
            if let number = details.certificateNumber { attributes["certificate_number"] = number }
        case .decideReview(let outcome, let explanation):
            guard !details.reviews.isEmpty else {
                throw FawangError.failedPrecondition("没有待处理的复查申请")
            }
            details.reviews[details.reviews.count - 1].outcome = outcome
            details.reviews[details.reviews.count - 1].explanation = explanation
            note = explanation
            attributes["outcome"] = outcome.rawValue
            // Art. 39: a revoked certificate is announced and void from the start.
            if outcome == .revoked { attributes["effect"] = "公证书自始无效，已予公告（第三十九条）" }
        }

        var change = try machine.change(command.name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
        change.moduleStatements = registerEntries
        return change
    }

    /// "（2026）宁银证字第12号": the office's prefix, the year and its serial for that year.
    static func certificateNumber(prefix: String, year: Int, serial: Int) -> String {
        "（\(year)）\(prefix)证字第\(serial)号"
    }
}
