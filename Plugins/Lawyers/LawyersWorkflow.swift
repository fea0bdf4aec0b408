import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The two-stage licensing of 律师法 第六条 (practice) and 第十八条 (law firms), and complaints
/// ending in penalties under 第四十七条至第五十条, as pure state machines: one workflow for the
/// line's three matter types, dispatching by type (a licence command on a complaint is refused).
enum LawyersWorkflow: LineWorkflow {
    static let practiceType = "lawyers.practice-licence"
    static let firmType = "lawyers.firm-establishment"
    static let complaintType = "lawyers.complaint"
    static let businessLine = "lawyers"
    static let lineName = "律师管理"
    static let matterTypes: Set<String> = [practiceType, firmType, complaintType]

    enum Status {
        static let submitted = "submitted"
        static let cityReview = "city_review"
        static let provinceReview = "province_review"
        static let granted = "granted"
        static let refused = "refused"

        static let registered = "registered"
        static let investigating = "investigating"
        static let noViolation = "no_violation"
        static let disciplined = "disciplined"
    }

    static let licenceMachine = MatterWorkflow(
        initialStatus: Status.submitted,
        statuses: [
            Status.submitted: "已提交，待市级司法行政部门受理",
            Status.cityReview: "市级司法行政部门审查中",
            Status.provinceReview: "已报送自治区司法厅审核",
            Status.granted: "准予，已颁发执业证书",
            Status.refused: "不准予（已书面说明理由）",
        ],
        transitions: [
            .init(command: "accept", from: [Status.submitted], to: Status.cityReview, event: "accepted"),
            .init(command: "forward", from: [Status.cityReview], to: Status.provinceReview, event: "forwarded"),
            .init(command: "grant", from: [Status.provinceReview], to: Status.granted, event: "granted"),
            .init(command: "refuse", from: [Status.provinceReview], to: Status.refused, event: "refused"),
        ],
        eventLabels: [
            "submitted": "提交申请",
            "accepted": "市级司法行政部门受理",
            "forwarded": "审查完毕，将审查意见和全部申请材料报送自治区司法厅",
            "granted": "准予，颁发执业证书",
            "refused": "不准予，书面说明理由",
        ],
        milestones: ["accepted": .accepted, "refused": .refused])

    static let complaintMachine = MatterWorkflow(
        initialStatus: Status.registered,
        statuses: [
            Status.registered: "已登记投诉",
            Status.investigating: "调查中",
            Status.noViolation: "经调查未发现违法行为",
            Status.disciplined: "已作出行政处罚",
        ],
        transitions: [
            .init(command: "investigate", from: [Status.registered], to: Status.investigating, event: "investigation_started"),
            .init(command: "find_no_violation", from: [Status.investigating], to: Status.noViolation, event: "no_violation_found"),
            .init(command: "discipline", from: [Status.investigating], to: Status.disciplined, event: "disciplined"),
        ],
        eventLabels: [
            "submitted": "登记投诉",
            "investigation_started": "立案调查",
            "no_violation_found": "调查结论：未发现违法行为",
            "disciplined": "作出行政处罚决定",
        ],
        // 立案调查 accepts the complaint; either finding concludes it.
        milestones: ["investigation_started": .accepted])

    /// Arts. 6 / 18: the accepting city bureau reviews within 20 days of acceptance and forwards.
    static func cityReview(article: String, firm: Bool) -> DeadlineRule {
        DeadlineRule(
            id: firm ? "lawyers.firm.city-review" : "lawyers.practice.city-review",
            label: "市级司法行政部门审查并报送审查意见和全部申请材料", article: lawyersLaw + article, days: 20,
            startsOn: ["accepted"], metBy: ["forwarded"])
    }

    /// Arts. 6 / 18: the province decides within 10 days of receiving the file.
    static func provinceDecision(article: String, firm: Bool) -> DeadlineRule {
        DeadlineRule(
            id: firm ? "lawyers.firm.province-decision" : "lawyers.practice.province-decision",
            label: firm ? "作出是否准予设立的决定" : "作出是否准予执业的决定", article: lawyersLaw + article, days: 10,
            startsOn: ["forwarded"], metBy: ["granted", "refused"])
    }

    static let practiceDeadlines = [cityReview(article: "第六条", firm: false), provinceDecision(article: "第六条", firm: false)]
    static let firmDeadlines = [cityReview(article: "第十八条", firm: true), provinceDecision(article: "第十八条", firm: true)]

    enum Command: Sendable, Equatable {
        case accept(note: String)
        case forward(opinion: String, recommendGrant: Bool)
        case grant(note: String)
        case refuse(RefusalGround, reasons: String)
        case investigate(note: String)
        case findNoViolation(findings: String)
        case discipline(findings: String, Penalty)
    }

    /// What `command` does to `matter`, taken by `step.actor` through `step.channel`; the line
    /// and type are checked before (``LineSteps/decide(_:on:_:)``).
    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        switch matter.matterType {
        case complaintType: try decideComplaint(command, matter, step)
        default: try decideLicence(command, matter, step)
        }
    }

    /// The deciding stage is the province's (Arts. 6, 18): the caller's division must be a province.
    static func requireProvince(_ step: StepContext, what: String, article: String) throws(FawangError) {
        guard let region = step.callerRegion, DivisionCode.level(of: region) == 1 else {
            throw FawangError(.permissionDenied, "\(what)由省、自治区、直辖市人民政府司法行政部门作出（\(lawyersLaw)\(article)），市级司法行政部门无权决定")
        }
    }

    /// The first stage is the accepting city bureau's (Arts. 6, 18): the province, which decides on
    /// the city's opinion, may not accept and review in its place and so forward the file to itself.
    static func requireCityStage(_ step: StepContext, article: String) throws(FawangError) {
        if let region = step.callerRegion, DivisionCode.isWellFormed(region), DivisionCode.level(of: region) == 1 {
            throw FawangError(.permissionDenied, "受理、审查并报送审查意见由设区的市级司法行政部门办理（\(lawyersLaw)\(article)），自治区司法厅收到报送材料后作出决定，不能代为受理、审查；请由申请所在市的司法局办理")
        }
    }

    private static func decideLicence(_ command: Command, _ matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(LicenceDetails.self, from: matter)
        let firm = matter.matterType == firmType
        let article = firm ? "第十八条" : "第六条"
        let name: String
        var note = ""
        var attributes: [String: String] = [:]
        switch command {
        case .accept(let acceptNote):
            name = "accept"
            try requireCityStage(step, article: article)
            note = acceptNote
        case .forward(let opinion, let recommend):
            name = "forward"
            try requireCityStage(step, article: article)
            details.cityOpinion = opinion
            details.cityRecommendsGrant = recommend
            note = opinion
            attributes["recommendation"] = recommend ? "grant" : "refuse"
        case .grant(let grantNote):
            name = "grant"
            try requireProvince(step, what: firm ? "是否准予设立律师事务所的决定" : "是否准予律师执业的决定", article: article)
            let number = LawyersApplications.licenceNumber(
                firm: firm, regionCode: matter.regionCode, year: step.today.components.year, trackingNumber: matter.trackingNumber)
            details.licenceNumber = number
            note = grantNote
            attributes["licence_number"] = number
        case .refuse(let ground, let reasons):
            name = "refuse"
            try requireProvince(step, what: firm ? "是否准予设立律师事务所的决定" : "是否准予律师执业的决定", article: article)
            if ground.appliesToFirms != firm {
                throw FawangError.invalidArgument(field: "ground", firm
                    ? "不准予设立律师事务所的理由应为不符合第十四条至第十六条规定的条件"
                    : "不准予律师执业的理由应为第七条所列情形或不符合第五条规定的条件")
            }
            details.refusalGround = ground
            details.refusalReasons = reasons
            note = reasons
            attributes["ground"] = ground.rawValue
        default:
            throw FawangError.failedPrecondition("执业许可事项不能办理投诉处理操作")
        }
        return try licenceMachine.change(name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }

    private static func decideComplaint(_ command: Command, _ matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        var details = try DetailsCoding.decode(ComplaintDetails.self, from: matter)
        let name: String
        var note = ""
        var attributes: [String: String] = [:]
        switch command {
        case .investigate(let investigateNote):
            name = "investigate"
            note = investigateNote
        case .findNoViolation(let findings):
            name = "find_no_violation"
            details.findings = findings
            note = findings
        case .discipline(let findings, let penalty):
            name = "discipline"
            // Arts. 49, 50: revocation is the province's.
            if penalty.kind == .revocation {
                try requireProvince(step, what: "吊销执业证书", article: penalty.article == .art50 ? "第五十条" : "第四十九条")
            }
            details.findings = findings
            details.penalty = penalty
            note = findings
            attributes["article"] = penalty.article.citation
            attributes["penalty"] = penalty.describe(subject: details.subjectKind)
            attributes["subject_licence_number"] = details.subjectLicenceNumber
        default:
            throw FawangError.failedPrecondition("投诉事项不能办理执业许可操作")
        }
        return try complaintMachine.change(name, from: matter.status, actor: step.actor, channel: step.channel, note: note, attributes: attributes, details: DetailsCoding.encode(details))
    }
}
