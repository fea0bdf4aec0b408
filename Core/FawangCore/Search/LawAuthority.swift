/// How the law library orders what it finds, on either engine.
///
/// An article's id says how authoritative it is: ids are allotted in bands, current versions
/// before superseded ones and, within each, 宪法 and 法律 before 行政法规, 司法解释, 部门规章, 案例
/// and the rest. Matches come in id order, so the first matches of a term are its most
/// authoritative ones, and a term matching thousands of articles is ranked over its first
/// ``rankedCandidates`` alone. A law that a newer version supersedes moves its articles to the
/// superseded band in the same transaction.
public enum LawAuthority {
    public static let bandWidth: Int64 = 1 << 32

    /// How many of a term's matches, in authority order, are ranked.
    public static let rankedCandidates = 1000

    public static func band(_ level: LawLevel, superseded: Bool) -> Int64 {
        let rank: Int64 = switch level {
        case .constitution, .law: 1
        case .administrativeRegulation: 2
        case .judicialInterpretation: 3
        case .departmentalRule: 4
        case .lawCase: 5
        case .other: 6
        }
        return superseded ? rank + 8 : rank
    }

    /// What an article is found by: its label and heading too (第四十三条, 第五章 法律援助程序).
    public static func indexed(label: String, heading: String, text: String) -> String {
        "\(label)\n\(heading)\n\(text)"
    }

    /// How densely `text` holds `terms` (the query's characters run together): occurrences of each
    /// term's characters per hundred characters of text. PostgreSQL's ranking of candidates, where
    /// SQLite has FTS5's BM25.
    public static func density(of terms: String, in text: String) -> Double {
        guard !text.isEmpty else { return 0 }
        let wanted = Set(terms.filter { !$0.isWhitespace })
        guard !wanted.isEmpty else { return 0 }
        let hits = text.reduce(0) { $0 + (wanted.contains($1) ? 1 : 0) }
        return Double(hits) * 100 / Double(text.count)
    }
}
