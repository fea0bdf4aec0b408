import FawangCore
import Testing

/// Each rule of the credit score and of the oversight alerts (docs/business-lines.md, "机构监管"),
/// one finding at a time against a clean entry, and at its edges.
@Suite struct OversightRulesTests {
    static let today = CivilDate(year: 2026, month: 12, day: 6)

    static func firm(_ record: OversightRecord = OversightRecord(), measures: [DisciplinaryMeasure] = []) -> DirectoryEntry {
        var entry = DirectoryEntry(localID: "f1", kind: .lawFirm, name: "某律师事务所", regionCode: "640104", businessLine: "lawyers", measures: measures)
        entry.oversight = record
        return entry
    }

    static func lawyer(_ record: OversightRecord) -> DirectoryEntry {
        var entry = DirectoryEntry(localID: "l1", kind: .lawyer, name: "某律师", regionCode: "640104", businessLine: "lawyers")
        entry.oversight = record
        return entry
    }

    static func score(_ entry: DirectoryEntry, _ credit: CreditSummary = CreditSummary()) -> CreditAssessment {
        CreditRules.assess(entry, credit: credit, today: today)
    }

    static func alerts(_ entry: DirectoryEntry, _ credit: CreditSummary = CreditSummary()) -> [OversightAlert.Kind] {
        OversightAlertRules.alerts(entry, credit: credit, assessment: score(entry, credit), today: today).map(\.kind)
    }

    static func day(_ offset: Int) -> CivilDate { today.adding(days: offset) }

    @Test("信用评分：无任何记录为100分A级；等级分界90/75/60")
    func aCleanEntryScoresAHundred() {
        let clean = Self.score(Self.firm())
        #expect(clean.score == 100 && clean.grade == .a && clean.deductions.isEmpty)
        #expect(CreditRules.grade(of: 90) == .a && CreditRules.grade(of: 89) == .b)
        #expect(CreditRules.grade(of: 75) == .b && CreditRules.grade(of: 74) == .c)
        #expect(CreditRules.grade(of: 60) == .c && CreditRules.grade(of: 59) == .d)
    }

    @Test("年度考核：最近一次（近两年内）基本合格扣10分、不合格扣30分；更早的不计；个人用“称职”")
    func annualAssessment() {
        func with(_ year: Int, _ result: AnnualAssessmentResult) -> DirectoryEntry {
            Self.firm(OversightRecord(assessments: [AnnualAssessment(year: year, result: result, recordedOn: Self.day(-200))]))
        }
        #expect(Self.score(with(2025, .basic)).score == 90)
        #expect(Self.score(with(2025, .fail)).score == 70)
        #expect(Self.score(with(2024, .fail)).score == 70, "two years back still counts")
        #expect(Self.score(with(2023, .fail)).score == 100, "three years back no longer counts")
        #expect(Self.score(with(2025, .pass)).score == 100)
        // Only the latest counts: a failed 2024 put right in 2025.
        let mended = Self.firm(OversightRecord(assessments: [
            AnnualAssessment(year: 2025, result: .pass, recordedOn: Self.day(-100)), AnnualAssessment(year: 2024, result: .fail, recordedOn: Self.day(-400)),
        ]))
        #expect(Self.score(mended).score == 100)
        let person = Self.score(Self.lawyer(OversightRecord(assessments: [AnnualAssessment(year: 2025, result: .basic, recordedOn: Self.day(-10))])))
        #expect(person.deductions.map(\.reason) == ["2025年度考核基本称职"])
        #expect(Self.alerts(with(2025, .fail)) == [.assessmentFailed])
        #expect(Self.alerts(with(2025, .basic)).isEmpty)
    }

    @Test("监督检查：730天内每次限期整改扣5分、不合格扣15分；整改期限已过而无复查即预警")
    func inspections() {
        let record = OversightRecord(inspections: [
            Inspection(id: "a", day: Self.day(-30), kind: .special, result: .rectify, findings: "收费未公示", rectifyBy: Self.day(-1)),
            Inspection(id: "b", day: Self.day(-400), kind: .random, result: .failed, findings: "档案缺失"),
            Inspection(id: "c", day: Self.day(-731), kind: .routine, result: .failed, findings: "太久以前"),
            Inspection(id: "d", day: Self.day(-60), kind: .routine, result: .passed, findings: ""),
        ])
        let assessed = Self.score(Self.firm(record))
        #expect(assessed.score == 80, "\(assessed.deductions)")
        #expect(Self.alerts(Self.firm(record)) == [.rectificationDue])
        // Still within the day to rectify: no alert yet.
        var waiting = record
        waiting.inspections[0].rectifyBy = Self.today
        #expect(Self.alerts(Self.firm(waiting)).isEmpty)
        // A later inspection that found it put right clears it.
        var rechecked = record
        rechecked.inspections.append(Inspection(id: "e", day: Self.today, kind: .routine, result: .passed, findings: ""))
        #expect(Self.alerts(Self.firm(rechecked)).isEmpty)
    }

    @Test("处罚处分：三年内警告、通报批评各扣10分，罚款15分，停止执业25分；吊销执业证书即0分D级")
    func measures() {
        func measure(_ kind: MeasureKind, _ offset: Int) -> DisciplinaryMeasure {
            DisciplinaryMeasure(id: "\(kind)\(offset)", decidedOn: Self.day(offset), kind: kind, basis: "《中华人民共和国律师法》第四十八条", description: "")
        }
        #expect(Self.score(Self.firm(measures: [measure(.warning, -10)])).score == 90)
        #expect(Self.score(Self.firm(measures: [measure(.criticism, -10)])).score == 90)
        #expect(Self.score(Self.firm(measures: [measure(.fine, -10)])).score == 85)
        #expect(Self.score(Self.firm(measures: [measure(.suspension, -1095)])).score == 75)
        #expect(Self.score(Self.firm(measures: [measure(.suspension, -1096)])).score == 100, "older than three years")
        let revoked = Self.score(Self.firm(measures: [measure(.revocation, -2000), measure(.warning, -5)]))
        #expect(revoked.score == 0 && revoked.grade == .d)
        #expect(Self.alerts(Self.firm(measures: [measure(.revocation, -2000)])) == [.lowCredit])
        // Four suspensions in three years: never below zero.
        #expect(Self.score(Self.firm(measures: (1...5).map { measure(.suspension, -$0 * 100) })).score == 0)
    }

    @Test("投诉查实每件扣5分、至多扣20分；近90天投诉3件及以上即预警（不论是否办结）")
    func complaints() {
        #expect(Self.score(Self.firm(), CreditSummary(complaintsDecided: 2, complaintsUpheld: 2)).score == 90)
        #expect(Self.score(Self.firm(), CreditSummary(complaintsDecided: 6, complaintsUpheld: 6)).score == 80)
        #expect(Self.alerts(Self.firm(), CreditSummary(recentComplaints: 2)).isEmpty)
        #expect(Self.alerts(Self.firm(), CreditSummary(recentComplaints: 3)) == [.complaintsPiling])
    }

    @Test("逾期：办理满10件时逾期率20%以上扣15分、10%以上扣8分；逾期3件且占10%以上即预警")
    func overdue() {
        #expect(Self.score(Self.firm(), CreditSummary(handled: 10, overdue: 2)).score == 85)
        #expect(Self.score(Self.firm(), CreditSummary(handled: 10, overdue: 1)).score == 92)
        #expect(Self.score(Self.firm(), CreditSummary(handled: 11, overdue: 1)).score == 100, "1 of 11 is under 10%")
        #expect(Self.score(Self.firm(), CreditSummary(handled: 9, overdue: 9)).score == 100, "too few to judge")
        #expect(Self.alerts(Self.firm(), CreditSummary(handled: 3, overdue: 3)) == [.repeatedOverdue])
        #expect(Self.alerts(Self.firm(), CreditSummary(handled: 40, overdue: 3)).isEmpty, "3 of 40 is under 10%")
        #expect(Self.alerts(Self.firm(), CreditSummary(handled: 2, overdue: 2)).isEmpty, "fewer than 3")
    }

    @Test("满意度：评价满10件时平均低于3.0分扣10分、低于3.5分扣5分")
    func ratings() {
        #expect(Self.score(Self.firm(), CreditSummary(handled: 10, rated: 10, ratingTotal: 29)).score == 90)
        #expect(Self.score(Self.firm(), CreditSummary(handled: 10, rated: 10, ratingTotal: 34)).score == 95)
        #expect(Self.score(Self.firm(), CreditSummary(handled: 10, rated: 10, ratingTotal: 35)).score == 100)
        #expect(Self.score(Self.firm(), CreditSummary(handled: 9, rated: 9, ratingTotal: 9)).score == 100, "too few to judge")
    }

    @Test("执业许可：到期前60天内预警，过期扣20分、不在正常执业状态；停止执业期间不在正常执业状态")
    func licenceTerm() {
        func term(_ offset: Int) -> DirectoryEntry { Self.firm(OversightRecord(licenceValidUntil: Self.day(offset))) }
        #expect(Self.alerts(term(61)).isEmpty)
        #expect(Self.alerts(term(60)) == [.licenceExpiring])
        #expect(Self.alerts(term(0)) == [.licenceExpiring])
        #expect(Self.alerts(term(-1)) == [.licenceExpired])
        #expect(Self.score(term(-1)).score == 80 && Self.score(term(0)).score == 100)

        var lapsed = DirectoryEntry(localID: "n1", kind: .notaryOffice, name: "某公证处", regionCode: "640100", businessLine: "notarization", licenceStatus: "正常执业")
        lapsed.apply(OversightRecord(licenceValidUntil: Self.day(-1)), today: Self.today)
        #expect(!lapsed.inGoodStanding && lapsed.licenceStatus.contains("到期"))

        var suspended = DirectoryEntry(localID: "n2", kind: .notaryOffice, name: "某公证处", regionCode: "640100", businessLine: "notarization", discipline: ["2024-01-01 警告：旧事"])
        let suspension = DisciplinaryMeasure(
            id: "s", decidedOn: Self.day(-10), kind: .suspension, basis: "《中华人民共和国公证法》第四十一条", description: "违规出具公证书", until: Self.day(20))
        suspended.apply(OversightRecord(measures: [suspension]), today: Self.today)
        #expect(!suspended.inGoodStanding && suspended.licenceStatus == "停止执业（至\(Self.day(20))）")
        #expect(suspended.discipline.first?.hasPrefix(Self.day(-10).description) == true && suspended.discipline.count == 2, "newest first: \(suspended.discipline)")
        var served = DirectoryEntry(localID: "n3", kind: .notaryOffice, name: "某公证处", regionCode: "640100", businessLine: "notarization")
        served.apply(OversightRecord(measures: [suspension]), today: Self.day(21))
        #expect(served.inGoodStanding, "the suspension is over")
    }
}
