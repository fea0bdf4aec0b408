import Foundation

extension Fawang_Directory_V1_CreditRecord {
    /// The record's figures from the matters as a citizen reads them, label and value, in the
    /// order the portal's entry page and `fawang directory show` print them.
    public var figuresZH: [(label: String, value: String)] {
        [
            ("信用等级", "\(creditGradeName)（\(creditScore) 分）"),
            ("年度考核", annualAssessment.isEmpty ? "暂无记录" : annualAssessment),
        ] + (licenceValidUntil.isEmpty ? [] : [("许可有效期至", licenceValidUntil)])
        + (inspections.isEmpty ? [] : [("监督检查", inspections.joined(separator: "；"))])
        + [
            ("办理事项", handledMatters == 0 ? "暂无" : "\(handledMatters) 件"),
            ("群众满意度", ratedMatters == 0 ? "暂无评价" : String(format: "%.1f 分（满分5分，%d 件评价）", averageRating, ratedMatters)),
            ("逾期办理", handledMatters == 0 ? "暂无" : overdueMatters == 0 ? "无" : String(format: "%d 件，占 %.1f%%", overdueMatters, overdueRate * 100)),
            ("投诉查实", complaintsUpheld == 0 ? (complaintsDecided == 0 ? "无" : "无（已办结投诉 \(complaintsDecided) 件均不成立）") : "\(complaintsUpheld) 件（已办结投诉 \(complaintsDecided) 件）"),
        ]
    }
}
