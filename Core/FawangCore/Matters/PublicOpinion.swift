import Foundation

/// 舆情分析: what the public writes in its own words — a consultation's question, a petition's or
/// complaint's facts, a rating's comment — read for topics. Each matter type names its free text
/// (``MatterTypeSpec/publicText``); ratings' comments are read on every line. The store keeps one
/// row per matter, text and topic found (the opinion index), in the matter's own transaction.
///
/// Segmentation is dictionary-based: forward maximum matching over the topics' keywords, longest
/// first, so that 拖欠工资 is one word and not also 工资. The lexicon is the platform's; a topic is
/// named by its Chinese name in alerts and charts.
public enum PublicOpinion {
    public struct Topic: Sendable, Equatable {
        public let name: String
        public let keywords: [String]
    }

    /// The topics, each with the words that speak of it (two characters or more).
    public static let topics: [Topic] = [
        Topic(name: "拖欠工资", keywords: ["拖欠工资", "欠薪", "讨薪", "工资", "工钱", "劳务费", "血汗钱"]),
        Topic(name: "劳动合同", keywords: ["劳动合同", "辞退", "开除", "解除合同", "经济补偿", "加班费", "社保"]),
        Topic(name: "工伤", keywords: ["工伤", "职业病", "工作时受伤"]),
        Topic(name: "婚姻家庭", keywords: ["离婚", "抚养费", "抚养权", "赡养", "彩礼", "家暴", "家庭暴力", "继承", "遗产"]),
        Topic(name: "物业纠纷", keywords: ["物业费", "物业公司", "物业", "业主", "小区"]),
        Topic(name: "邻里纠纷", keywords: ["邻居", "邻里", "噪音", "漏水", "宅基地", "通行"]),
        Topic(name: "征地拆迁", keywords: ["征收", "征地", "拆迁", "补偿款", "承包地"]),
        Topic(name: "借贷债务", keywords: ["民间借贷", "高利贷", "借款", "欠款", "借钱", "还钱", "欠条", "债务"]),
        Topic(name: "交通事故", keywords: ["交通事故", "车祸", "肇事"]),
        Topic(name: "医疗纠纷", keywords: ["医疗事故", "医疗纠纷", "医院", "手术"]),
        Topic(name: "消费维权", keywords: ["退款", "假货", "网购", "商家", "消费者", "预付卡"]),
        Topic(name: "电信诈骗", keywords: ["诈骗", "骗子", "刷单", "转账被骗"]),
        Topic(name: "房屋买卖租赁", keywords: ["房东", "租房", "押金", "购房", "房产证", "开发商", "烂尾"]),
        Topic(name: "服务态度", keywords: ["态度差", "态度", "推诿", "刁难", "不理睬", "踢皮球", "效率低"]),
        Topic(name: "收费问题", keywords: ["乱收费", "收费", "收取费用", "代理费"]),
    ]

    /// Keyword → its topic.
    static let topicOfKeyword: [String: String] = {
        var map: [String: String] = [:]
        for topic in topics { for keyword in topic.keywords where map[keyword] == nil { map[keyword] = topic.name } }
        return map
    }()

    /// Longest keyword first.
    static let lengths: [Int] = Array(Set(topics.flatMap(\.keywords).map(\.count))).sorted(by: >)

    /// The lexicon's words in `text`, in order, by forward maximum matching.
    public static func words(in text: String) -> [String] {
        let characters = Array(text)
        var found: [String] = []
        var index = 0
        while index < characters.count {
            var matched = 0
            for length in lengths where index + length <= characters.count {
                let candidate = String(characters[index..<index + length])
                if topicOfKeyword[candidate] != nil {
                    found.append(candidate)
                    matched = length
                    break
                }
            }
            index += max(matched, 1)
        }
        return found
    }

    /// Each topic `text` speaks of with each of its words found there, in order of appearance.
    public static func topics(in text: String) -> [(topic: String, keyword: String)] {
        var seen: Set<String> = []
        return words(in: text).compactMap { word in
            guard let topic = topicOfKeyword[word], seen.insert(word).inserted else { return nil }
            return (topic, word)
        }
    }

    /// Where a text came from: the matter's own words, or a rating's comment.
    public enum Source: String, Sendable, CaseIterable {
        case text, comment
    }

    /// One row of the opinion index: a topic a matter's text speaks of by one of its words, and
    /// its day (the submission's for its text, the rating's for a comment).
    public struct Row: Sendable, Equatable {
        public var source: Source
        public var topic: String
        public var keyword: String
        public var day: CivilDate
    }

    /// The rows of `matter` whose type declares its free text with `publicText`.
    public static func rows(of matter: Matter, publicText: (@Sendable (Matter) -> [String])?) -> [Row] {
        var rows: [Row] = []
        let submitted = CivilDate(matter.submittedAt)
        for text in publicText?(matter) ?? [] {
            for found in topics(in: text) where !rows.contains(where: { $0.source == .text && $0.keyword == found.keyword }) {
                rows.append(Row(source: .text, topic: found.topic, keyword: found.keyword, day: submitted))
            }
        }
        if let rated = matter.timeline.last(where: { $0.kind == MatterRating.event }), !rated.note.isEmpty {
            for found in topics(in: rated.note) {
                rows.append(Row(source: .comment, topic: found.topic, keyword: found.keyword, day: CivilDate(rated.at)))
            }
        }
        return rows
    }

    /// A count of the opinion index: matters of a day (or month), county, line and source that
    /// speak of a topic — or use one of its keywords (`keyword` empty when counted by topic).
    public struct Count: Sendable, Equatable {
        public var period: String
        public var regionCode: String
        public var businessLine: String
        public var source: Source
        public var topic: String
        public var keyword: String
        public var matters: Int

        public init(period: String, regionCode: String, businessLine: String, source: Source, topic: String, keyword: String, matters: Int) {
            self.period = period
            self.regionCode = regionCode
            self.businessLine = businessLine
            self.source = source
            self.topic = topic
            self.keyword = keyword
            self.matters = matters
        }
    }
}

extension DeadlineEngine {
    /// The opinion index's rows of `matter` (``PublicOpinion/rows(of:publicText:)``).
    public func opinionRows(of matter: Matter) -> [PublicOpinion.Row] {
        PublicOpinion.rows(of: matter, publicText: matterType(of: matter)?.publicText)
    }
}
