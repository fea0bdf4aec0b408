import Foundation

/// A kind of problem a citizen may pick instead of describing it (法律服务指引的问题分类). The
/// platform owns the list so that every line's topics fall into the same few boxes.
public struct GuidanceCategory: Sendable, Hashable {
    public var id: String
    public var nameZH: String

    public init(id: String, nameZH: String) {
        self.id = id
        self.nameZH = nameZH
    }

    public static let wages = GuidanceCategory(id: "wages", nameZH: "工资、劳动与工伤")
    public static let family = GuidanceCategory(id: "family", nameZH: "婚姻家庭与继承")
    public static let neighbours = GuidanceCategory(id: "neighbours", nameZH: "邻里与民间纠纷")
    public static let injury = GuidanceCategory(id: "injury", nameZH: "交通事故与人身损害")
    public static let debts = GuidanceCategory(id: "debts", nameZH: "借款、合同与消费")
    public static let criminal = GuidanceCategory(id: "criminal", nameZH: "刑事案件")
    public static let certificates = GuidanceCategory(id: "certificates", nameZH: "公证与证明")
    public static let appraisal = GuidanceCategory(id: "appraisal", nameZH: "鉴定")
    public static let profession = GuidanceCategory(id: "profession", nameZH: "法律职业、考试与执业许可")
    public static let complaints = GuidanceCategory(id: "complaints", nameZH: "投诉、意见与信访")
    public static let other = GuidanceCategory(id: "other", nameZH: "其他法律问题")

    /// In the order a page lists them.
    public static let all: [GuidanceCategory] = [
        .wages, .family, .neighbours, .injury, .debts, .criminal, .certificates, .appraisal, .profession, .complaints, .other,
    ]

    public static func named(_ id: String) -> GuidanceCategory? { all.first { $0.id == id } }
}

/// A yes/no question that narrows a service down ("您的家庭是否经济困难？"), with what to tell the
/// citizen for the answer that changes the advice.
public struct GuidanceQuestion: Sendable, Equatable {
    /// Stable within the matter type, e.g. `hardship`.
    public var id: String
    public var textZH: String
    /// Shown when the answer is yes / no; empty when that answer changes nothing.
    public var ifYesZH: String
    public var ifNoZH: String

    public init(id: String, textZH: String, ifYesZH: String = "", ifNoZH: String = "") {
        self.id = id
        self.textZH = textZH
        self.ifYesZH = ifYesZH
        self.ifNoZH = ifNoZH
    }
}

/// What a citizen needs to know before asking for a matter type, declared by its line: who may
/// apply (each hint with its article), what it costs, how to apply online, which offices handle
/// it and the questions that narrow it down. The materials and time limits come from the
/// ``MatterTypeSpec`` itself, so guidance and the workflow can never disagree.
public struct ServiceGuide: Sendable, Equatable {
    /// Who may apply, e.g. "经济困难的公民（《中华人民共和国法律援助法》第三十一条）".
    public var eligibility: [String]
    /// What it costs, e.g. "免费" or "按自治区公证收费标准收取".
    public var fees: String
    /// The command-line verb of the line's public intake RPC that applies online (the portal's
    /// `/apply/<module>/<verb>`); nil where the matter cannot be applied for online.
    public var applyVerb: String?
    /// Directory kinds of the offices that handle it (``DirectoryKind``): the nearest is offered.
    public var officeKinds: [DirectoryKind]
    public var questions: [GuidanceQuestion]

    public init(eligibility: [String] = [], fees: String = "", applyVerb: String? = nil, officeKinds: [DirectoryKind] = [], questions: [GuidanceQuestion] = []) {
        self.eligibility = eligibility
        self.fees = fees
        self.applyVerb = applyVerb
        self.officeKinds = officeKinds
        self.questions = questions
    }
}

/// Which of a set of guidance topics fit a citizen's words. A keyword the text contains counts by
/// its length (a longer keyword says more); only when no topic's keyword is found do two-character
/// words shared with a topic's own description count, one each, leaving out words that say
/// nothing of the problem (需要, 怎么, 申请 …). Pure and deterministic, so the service and its tests
/// agree.
public enum GuidanceMatcher {
    public struct Match: Sendable, Equatable {
        public var topic: GuidanceTopic
        public var score: Int
        /// The keywords (or the description's words) the text contained, in the topic's order.
        public var matched: [String]
    }

    /// Topics that fit `text`, best first; with an empty text, every topic of `category`. A
    /// non-nil `category` keeps only its topics.
    public static func match(_ text: String, category: GuidanceCategory?, topics: [GuidanceTopic]) -> [Match] {
        let words = String(text.filter { !$0.isWhitespace && !$0.isPunctuation && !$0.isSymbol })
        let candidates = topics.enumerated().filter { category == nil || $0.element.category == category }
        if words.isEmpty { return candidates.map { Match(topic: $0.element, score: 0, matched: []) } }
        // The topic's place breaks ties: the line's first topic is its main one.
        var byKeyword: [Match] = []
        for (index, topic) in candidates {
            let matched = topic.keywords.filter { words.contains($0) }
            if !matched.isEmpty {
                byKeyword.append(Match(topic: topic, score: matched.reduce(0) { $0 + $1.count * 2 } * 1000 - index, matched: matched))
            }
        }
        if !byKeyword.isEmpty { return byKeyword.sorted { $0.score > $1.score } }
        let asked = Set(bigrams(words)).subtracting(emptyWords)
        var byWords: [Match] = []
        for (index, topic) in candidates {
            let shared = bigrams(topic.problemZH).filter { asked.contains($0) }
            let matched = shared.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            if !matched.isEmpty { byWords.append(Match(topic: topic, score: matched.count * 1000 - index, matched: matched)) }
        }
        return byWords.sorted { $0.score > $1.score }
    }

    /// Two-character words too common in a description of any problem to point to one.
    static let emptyWords: Set<String> = ["需要", "想要", "怎么", "什么", "如何", "办理", "申请", "我的", "一个", "可以", "问题", "法律", "请人", "想请"]

    static func bigrams(_ text: String) -> [String] {
        let characters = Array(text.filter { !$0.isWhitespace && !$0.isPunctuation && !$0.isSymbol })
        guard characters.count >= 2 else { return [] }
        return (0..<(characters.count - 1)).map { String(characters[$0...($0 + 1)]) }
    }
}
