import Foundation

// Oversight of legal service organisations and practitioners (加强法律服务机构监管): what the
// justice bureaus record about a directory entry beyond its line's register — the licence's
// term, the annual assessment (年度考核), inspections with their findings, disciplinary
// measures — and the credit score and alerts computed from these and from the matters it
// handled (``CreditSummary``). The rules are the platform's (the bureau's own grading, not a
// statute's); docs/business-lines.md ("机构监管") states them and `OversightRulesTests` tests
// each one.

/// The result of an annual assessment: 合格/基本合格/不合格 for an organisation (《律师事务所年度
/// 检查考核办法》), 称职/基本称职/不称职 for a person (律师执业年度考核).
public enum AnnualAssessmentResult: String, Sendable, CaseIterable {
    case pass, basic, fail

    public func label(isPerson: Bool) -> String {
        switch self {
        case .pass: isPerson ? "称职" : "合格"
        case .basic: isPerson ? "基本称职" : "基本合格"
        case .fail: isPerson ? "不称职" : "不合格"
        }
    }
}

public struct AnnualAssessment: Sendable, Equatable {
    /// The year assessed (the assessment of 2025 is made in the spring of 2026).
    public var year: Int
    public var result: AnnualAssessmentResult
    public var note: String
    public var recordedOn: CivilDate

    public init(year: Int, result: AnnualAssessmentResult, note: String = "", recordedOn: CivilDate) {
        self.year = year
        self.result = result
        self.note = note
        self.recordedOn = recordedOn
    }
}

public enum InspectionKind: String, Sendable, CaseIterable {
    case routine, special, random

    public var label: String {
        switch self {
        case .routine: "日常检查"
        case .special: "专项检查"
        case .random: "“双随机”抽查"
        }
    }
}

public enum InspectionResult: String, Sendable, CaseIterable {
    case passed, rectify, failed

    public var label: String {
        switch self {
        case .passed: "合格"
        case .rectify: "限期整改"
        case .failed: "不合格"
        }
    }
}

public struct Inspection: Sendable, Equatable {
    public var id: String
    public var day: CivilDate
    public var kind: InspectionKind
    public var result: InspectionResult
    public var findings: String
    /// The last day to put things right, for ``InspectionResult/rectify``.
    public var rectifyBy: CivilDate?

    public init(id: String, day: CivilDate, kind: InspectionKind, result: InspectionResult, findings: String, rectifyBy: CivilDate? = nil) {
        self.id = id
        self.day = day
        self.kind = kind
        self.result = result
        self.findings = findings
        self.rectifyBy = rectifyBy
    }

    /// "2026-05-10 专项检查：限期整改（至2026-06-30）".
    public var summary: String {
        "\(day) \(kind.label)：\(result.label)" + (rectifyBy.map { "（至\($0)）" } ?? "")
    }
}

/// 行政处罚、行业处分 and the lighter measures a bureau takes.
public enum MeasureKind: String, Sendable, CaseIterable {
    case warning, criticism, fine, suspension, revocation

    public var label: String {
        switch self {
        case .warning: "警告"
        case .criticism: "通报批评"
        case .fine: "罚款"
        case .suspension: "停止执业（停业整顿）"
        case .revocation: "吊销执业证书"
        }
    }
}

public struct DisciplinaryMeasure: Sendable, Equatable {
    public var id: String
    public var decidedOn: CivilDate
    public var kind: MeasureKind
    /// The article it rests on: "《中华人民共和国律师法》第四十八条".
    public var basis: String
    /// What it says, as the public directory prints it (a register's own wording, or the
    /// bureau's reason).
    public var description: String
    /// A suspension's last day.
    public var until: CivilDate?

    public init(id: String, decidedOn: CivilDate, kind: MeasureKind, basis: String, description: String, until: CivilDate? = nil) {
        self.id = id
        self.decidedOn = decidedOn
        self.kind = kind
        self.basis = basis
        self.description = description
        self.until = until
    }

    /// Whether it keeps the subject from serving on `day`: a revocation always, a suspension
    /// from its day to its last.
    public func barsPractice(on day: CivilDate) -> Bool {
        switch kind {
        case .revocation: decidedOn <= day
        case .suspension: decidedOn <= day && (until.map { day <= $0 } ?? true)
        default: false
        }
    }

    /// "2026-03-02 通报批评：…；依据…", the line the public directory lists.
    public var text: String {
        "\(decidedOn) \(kind.label)" + (until.map { "（至\($0)）" } ?? "") + (description.isEmpty ? "" : "：\(description)")
            + (basis.isEmpty ? "" : "；依据\(basis)")
    }
}

/// What the bureaus recorded about one entry; every list newest first.
public struct OversightRecord: Sendable, Equatable {
    /// The last day of the licence's term (司法鉴定许可证、公证机构执业证书 …); nil when the
    /// register has no term.
    public var licenceValidUntil: CivilDate?
    public var assessments: [AnnualAssessment]
    public var inspections: [Inspection]
    public var measures: [DisciplinaryMeasure]

    public init(licenceValidUntil: CivilDate? = nil, assessments: [AnnualAssessment] = [], inspections: [Inspection] = [], measures: [DisciplinaryMeasure] = []) {
        self.licenceValidUntil = licenceValidUntil
        self.assessments = assessments
        self.inspections = inspections
        self.measures = measures
    }

    public var isEmpty: Bool { licenceValidUntil == nil && assessments.isEmpty && inspections.isEmpty && measures.isEmpty }
}

extension DirectoryEntry {
    /// `record` laid over the register's entry: its measures join the register's (the directory
    /// lists both, newest first), and a measure in force or a lapsed licence takes the entry out
    /// of good standing on `today`, whatever the register says.
    public mutating func apply(_ record: OversightRecord, today: CivilDate) {
        oversight = record
        measures = (measures + record.measures).sorted { ($0.decidedOn, $0.id) > ($1.decidedOn, $1.id) }
        discipline = (discipline + record.measures.map(\.text)).sorted(by: >)
        if let barring = record.measures.first(where: { $0.barsPractice(on: today) }) {
            inGoodStanding = false
            licenceStatus = barring.kind == .revocation ? "执业证书已吊销" : "停止执业" + (barring.until.map { "（至\($0)）" } ?? "")
        } else if let until = record.licenceValidUntil, until < today {
            inGoodStanding = false
            licenceStatus = "执业许可已于\(until)到期"
        }
    }
}

/// A credit grade: what the public directory shows beside the name.
public enum CreditGrade: String, Sendable, CaseIterable {
    case a = "A", b = "B", c = "C", d = "D"

    public var nameZH: String {
        switch self {
        case .a: "A级（守信）"
        case .b: "B级（基本守信）"
        case .c: "C级（警示）"
        case .d: "D级（失信）"
        }
    }
}

/// An entry's credit score and every reason behind it.
public struct CreditAssessment: Sendable, Equatable {
    public struct Deduction: Sendable, Equatable {
        /// Negative: points taken off.
        public var points: Int
        public var reason: String
    }

    public var score: Int
    public var grade: CreditGrade
    public var deductions: [Deduction]
}

/// The credit score (信用评分): 100 less a deduction for each finding against the entry, never
/// below 0; a revoked licence scores 0. Each rule below is one deduction; the thresholds are
/// the platform's, documented in docs/business-lines.md.
public enum CreditRules {
    /// The latest annual assessment of the last two years: 基本合格/基本称职 −10, 不合格/不称职 −30.
    public static let assessmentPoints: [AnnualAssessmentResult: Int] = [.pass: 0, .basic: -10, .fail: -30]
    public static let assessmentYears = 2
    /// Each inspection of the last 730 days: 限期整改 −5, 不合格 −15.
    public static let inspectionPoints: [InspectionResult: Int] = [.passed: 0, .rectify: -5, .failed: -15]
    public static let inspectionDays = 730
    /// Each measure of the last 1,095 days (three years): 警告 −10, 通报批评 −10, 罚款 −15,
    /// 停止执业 −25. A revocation, whenever, makes the score 0.
    public static let measurePoints: [MeasureKind: Int] = [.warning: -10, .criticism: -10, .fine: -15, .suspension: -25]
    public static let measureDays = 1095
    /// Each upheld complaint −5, at most −20 in all.
    public static let upheldComplaintPoints = -5
    public static let upheldComplaintCap = -20
    /// With at least 10 matters handled: an overdue rate of 20 % or more −15, of 10 % or more −8.
    public static let overdueMinimumHandled = 10
    public static let overdueSteps: [(rate: Double, points: Int)] = [(0.20, -15), (0.10, -8)]
    /// With at least 10 matters rated: a mean below 3.0 −10, below 3.5 −5.
    public static let ratingMinimumRated = 10
    public static let ratingSteps: [(below: Double, points: Int)] = [(3.0, -10), (3.5, -5)]
    /// A licence past its term −20 (until renewed).
    public static let lapsedLicencePoints = -20

    public static func grade(of score: Int) -> CreditGrade {
        switch score {
        case 90...: .a
        case 75..<90: .b
        case 60..<75: .c
        default: .d
        }
    }

    public static func assess(_ entry: DirectoryEntry, credit: CreditSummary, today: CivilDate) -> CreditAssessment {
        var deductions: [CreditAssessment.Deduction] = []
        func take(_ points: Int, _ reason: String) {
            if points != 0 { deductions.append(.init(points: points, reason: reason)) }
        }
        let record = entry.oversight
        if let latest = record.assessments.max(by: { $0.year < $1.year }), latest.year >= today.components.year - assessmentYears {
            take(assessmentPoints[latest.result] ?? 0, "\(latest.year)年度考核\(latest.result.label(isPerson: entry.kind.isPerson))")
        }
        for inspection in record.inspections where inspection.day.days(until: today) <= inspectionDays {
            take(inspectionPoints[inspection.result] ?? 0, inspection.summary)
        }
        for measure in entry.measures where measure.kind != .revocation && measure.decidedOn.days(until: today) <= measureDays {
            take(measurePoints[measure.kind] ?? 0, "\(measure.decidedOn) \(measure.kind.label)")
        }
        if credit.complaintsUpheld > 0 {
            take(max(upheldComplaintCap, upheldComplaintPoints * credit.complaintsUpheld), "投诉查实 \(credit.complaintsUpheld) 件")
        }
        if credit.handled >= overdueMinimumHandled, let rate = credit.overdueRate, let step = overdueSteps.first(where: { rate >= $0.rate }) {
            take(step.points, String(format: "逾期办理 %d 件，占 %.1f%%", credit.overdue, rate * 100))
        }
        if credit.rated >= ratingMinimumRated, let mean = credit.averageRating, let step = ratingSteps.first(where: { mean < $0.below }) {
            take(step.points, String(format: "群众满意度 %.1f 分（%d 件评价）", mean, credit.rated))
        }
        if let until = record.licenceValidUntil, until < today {
            take(lapsedLicencePoints, "执业许可已于\(until)到期")
        }
        if let revoked = entry.measures.first(where: { $0.kind == .revocation && $0.decidedOn <= today }) {
            return CreditAssessment(score: 0, grade: .d, deductions: [.init(points: -100, reason: "\(revoked.decidedOn) 吊销执业证书")])
        }
        let score = max(0, 100 + deductions.map(\.points).reduce(0, +))
        return CreditAssessment(score: score, grade: grade(of: score), deductions: deductions)
    }
}

/// Something a bureau should look at now.
public struct OversightAlert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case licenceExpiring = "licence_expiring", licenceExpired = "licence_expired", complaintsPiling = "complaints_piling"
        case repeatedOverdue = "repeated_overdue", assessmentFailed = "assessment_failed", rectificationDue = "rectification_due"
        case lowCredit = "low_credit"

        public var label: String {
            switch self {
            case .licenceExpiring: "执业许可即将到期"
            case .licenceExpired: "执业许可已到期"
            case .complaintsPiling: "投诉集中"
            case .repeatedOverdue: "多次逾期"
            case .assessmentFailed: "年度考核不合格"
            case .rectificationDue: "整改期限已到"
            case .lowCredit: "信用等级D"
            }
        }
    }

    public var kind: Kind
    public var message: String
}

/// When an entry raises an alert (the platform's rules; docs/business-lines.md):
/// - its licence ends within 60 days, or has ended;
/// - 3 or more complaints about it were received in the last 90 days (decided or not);
/// - 3 or more of its matters went overdue, and they are 10 % or more of what it handled;
/// - its latest annual assessment (of the last two years) failed;
/// - its latest inspection asked for rectification and the day to rectify has passed;
/// - its credit grade is D.
public enum OversightAlertRules {
    public static let licenceWarningDays = 60
    public static let complaintsMinimum = 3
    public static let overdueMinimum = 3
    public static let overdueRate = 0.10

    public static func alerts(_ entry: DirectoryEntry, credit: CreditSummary, assessment: CreditAssessment, today: CivilDate) -> [OversightAlert] {
        var alerts: [OversightAlert] = []
        let record = entry.oversight
        if let until = record.licenceValidUntil {
            let left = today.days(until: until)
            if left < 0 {
                alerts.append(.init(kind: .licenceExpired, message: "执业许可已于\(until)到期，请督促办理延续或注销"))
            } else if left <= licenceWarningDays {
                alerts.append(.init(kind: .licenceExpiring, message: "执业许可将于\(until)到期（还有\(left)天）"))
            }
        }
        if credit.recentComplaints >= complaintsMinimum {
            alerts.append(.init(kind: .complaintsPiling, message: "近\(CreditSummary.recentComplaintDays)天收到投诉 \(credit.recentComplaints) 件"))
        }
        if credit.overdue >= overdueMinimum, let rate = credit.overdueRate, rate >= overdueRate {
            alerts.append(.init(kind: .repeatedOverdue, message: String(format: "逾期办理 %d 件，占所办事项 %.1f%%", credit.overdue, rate * 100)))
        }
        if let latest = record.assessments.max(by: { $0.year < $1.year }), latest.year >= today.components.year - CreditRules.assessmentYears, latest.result == .fail {
            alerts.append(.init(kind: .assessmentFailed, message: "\(latest.year)年度考核\(latest.result.label(isPerson: entry.kind.isPerson))"))
        }
        if let latest = record.inspections.max(by: { ($0.day, $0.id) < ($1.day, $1.id) }), latest.result == .rectify, let due = latest.rectifyBy, due < today {
            alerts.append(.init(kind: .rectificationDue, message: "\(latest.day)\(latest.kind.label)要求于\(due)前整改，请复查"))
        }
        if assessment.grade == .d {
            alerts.append(.init(kind: .lowCredit, message: "信用评分 \(assessment.score) 分"))
        }
        return alerts
    }
}
