public import FawangProto

extension Fawang_Supervision_V1_Figures {
    /// One figure of a statistics table: its Chinese heading, its field name, its value.
    public struct Column: Sendable {
        public let name: String
        public let field: String
        public let value: @Sendable (Fawang_Supervision_V1_Figures) -> Double
    }

    /// The figures in the order every statistics table shows them: the service's CSV and XLSX
    /// export and the command line's text.
    public static let columns: [Column] = [
        Column(name: "收件", field: "received") { Double($0.received) },
        Column(name: "受理", field: "accepted") { Double($0.accepted) },
        Column(name: "办结", field: "concluded") { Double($0.concluded) },
        Column(name: "不予受理或驳回", field: "refused") { Double($0.refused) },
        Column(name: "终止或撤回", field: "stopped") { Double($0.stopped) },
        Column(name: "转办", field: "transferred") { Double($0.transferred) },
        Column(name: "逾期", field: "overdue") { Double($0.overdue) },
        Column(name: "平均办理工作日", field: "average_handling_days") { $0.averageHandlingDays },
        Column(name: "90%办理工作日", field: "p90_handling_days") { Double($0.p90HandlingDays) },
        Column(name: "评价数", field: "ratings") { Double($0.ratings) },
        Column(name: "平均评分", field: "average_rating") { $0.averageRating },
        Column(name: "满意率", field: "satisfied_share") { $0.satisfiedShare },
    ]
}

extension Fawang_Supervision_V1_ImportReport {
    /// One line for a clerk: 导入完成：台账.csv 共 3 行，新建 2 件，此前已导入 0 件，未通过 1 行.
    public var summary: String {
        (dryRun ? "试导入（未写入）" : "导入完成") + "：\(fileName) 共 \(total) 行，"
            + "\(dryRun ? "可新建" : "新建") \(created) 件，此前已导入 \(alreadyImported) 件，未通过 \(refused.count) 行"
    }
}
