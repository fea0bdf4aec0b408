import Foundation

/// Where a text stands among the sources of law, from the corpus's category folder.
public enum LawLevel: String, Sendable, CaseIterable, Codable {
    case constitution = "宪法"
    case law = "法律"
    case administrativeRegulation = "行政法规"
    case judicialInterpretation = "司法解释"
    case departmentalRule = "部门规章"
    case lawCase = "案例"
    case other = "其他"

    /// The corpus's top folders (`../shared/corpus/laws/<folder>/…`).
    public init(folder: String) {
        switch folder {
        case "宪法": self = .constitution
        case "宪法相关法", "民法典", "民法商法", "行政法", "经济法", "社会法", "刑法", "诉讼与非诉讼程序法": self = .law
        case "行政法规": self = .administrativeRegulation
        case "司法解释": self = .judicialInterpretation
        case "部门规章": self = .departmentalRule
        case "案例": self = .lawCase
        default: self = .other
        }
    }
}

/// One searchable unit of a law file: an article (第N条 with its paragraphs), or, in a text
/// without articles (a case, a guide), a section under its heading.
public struct LawArticle: Sendable, Equatable {
    /// Order within the file, from 1.
    public var ordinal: Int
    /// The article number (第四十三条 → 43); nil for a section.
    public var number: Int?
    /// `第四十三条`, or the section's heading (`裁判要点`).
    public var label: String
    /// The 编/章/节 the article stands under, joined: `第五章 法律援助程序`.
    public var heading: String
    public var text: String

    public init(ordinal: Int, number: Int?, label: String, heading: String, text: String) {
        self.ordinal = ordinal
        self.number = number
        self.label = label
        self.heading = heading
        self.text = text
    }
}

/// A Markdown law file in the corpus layout: `# title`, an optional `# subtitle` (a 编 of the
/// civil code), the history lines up to `<!-- INFO END -->`, then `##`/`###` headings and
/// articles that each begin a line with `第…条`. The version date is the file name's
/// `(YYYY-MM-DD)`.
public struct LawFile: Sendable, Equatable {
    /// Path below the corpus root, e.g. `行政法/律师法(2017-09-01).md`: the file's identity.
    public var path: String
    public var title: String
    public var subtitle: String
    public var category: String
    public var level: LawLevel
    /// `YYYY-MM-DD`, or empty when the file name carries none.
    public var versionDate: String
    public var articles: [LawArticle]
    /// Hex SHA-256 of the file's bytes: a re-import skips a file whose hash it already holds.
    public var contentHash: String

    /// Versions of one law share this: the title with its subtitle.
    public var lawKey: String { subtitle.isEmpty ? title : "\(title)·\(subtitle)" }

    public init(path: String, markdown: String) {
        self.path = path
        let folders = path.split(separator: "/").dropLast().map(String.init)
        category = folders.joined(separator: "/")
        level = LawLevel(folder: folders.first ?? "")
        let name = String(path.split(separator: "/").last ?? "")
        versionDate = Self.versionDate(inFileName: name)
        contentHash = MaterialFile.digest(Data(markdown.utf8))

        var titles: [String] = []
        var headings: [Int: String] = [:]
        var articles: [LawArticle] = []
        var current: LawArticle?
        var pastInfo = !markdown.contains("<!-- INFO END -->")
        func close() {
            if var article = current {
                article.text = article.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !article.text.isEmpty {
                    article.ordinal = articles.count + 1
                    articles.append(article)
                }
            }
            current = nil
        }
        for raw in markdown.components(separatedBy: .newlines) {
            let line = Self.stripComments(raw).trimmingCharacters(in: .whitespaces)
            if raw.contains("<!-- INFO END -->") {
                pastInfo = true
                continue
            }
            if line.hasPrefix("#") {
                let depth = line.prefix { $0 == "#" }.count
                let text = line.dropFirst(depth).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "  ", with: " ")
                if depth == 1 {
                    if titles.count < 2 { titles.append(text) }
                    continue
                }
                close()
                headings = headings.filter { $0.key < depth }
                headings[depth] = text
                if !Self.isPartHeading(text) {
                    // A text without articles: each section is a unit under its heading.
                    current = LawArticle(ordinal: 0, number: nil, label: text, heading: Self.join(headings, below: depth), text: "")
                }
                continue
            }
            guard pastInfo, !line.isEmpty else { continue }
            if let (label, number, rest) = Self.articleStart(line) {
                close()
                current = LawArticle(ordinal: 0, number: number, label: label, heading: Self.join(headings, below: Int.max), text: rest)
            } else if current != nil {
                current!.text += "\n" + line
            } else if titles.count > 0 {
                // Text before any heading or article (a case's summary): a unit of its own.
                current = LawArticle(ordinal: 0, number: nil, label: titles[0], heading: "", text: line)
            }
        }
        close()
        title = titles.first ?? String(name.prefix { $0 != "(" && $0 != "." })
        subtitle = titles.count > 1 ? titles[1] : ""
        self.articles = articles
    }

    /// `律师法(2017-09-01).md` → `2017-09-01`.
    static func versionDate(inFileName name: String) -> String {
        guard let open = name.lastIndex(of: "("), let close = name.lastIndex(of: ")"), open < close else { return "" }
        let date = String(name[name.index(after: open)..<close])
        let parts = date.split(separator: "-")
        return parts.count == 3 && parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) ? date : ""
    }

    static func stripComments(_ line: String) -> String {
        var text = line
        while let start = text.range(of: "<!--"), let end = text.range(of: "-->", range: start.upperBound..<text.endIndex) {
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        return text
    }

    /// 编/章/节 headings group articles; they are not units of their own.
    static func isPartHeading(_ text: String) -> Bool {
        guard text.hasPrefix("第") else { return false }
        let body = text.dropFirst().prefix { $0 != " " && $0 != "　" }
        return ["编", "分编", "章", "节"].contains { body.hasSuffix($0) }
    }

    static func join(_ headings: [Int: String], below depth: Int) -> String {
        headings.filter { $0.key < depth }.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
    }

    /// `第四十三条 法律援助机构…` → (`第四十三条`, 43, the rest).
    static func articleStart(_ line: String) -> (String, Int, String)? {
        guard line.hasPrefix("第"), let end = line.firstIndex(of: "条") else { return nil }
        let numeral = String(line[line.index(after: line.startIndex)..<end])
        guard !numeral.isEmpty, numeral.count <= 10, let number = ChineseNumber.parse(numeral) else { return nil }
        let after = line[line.index(after: end)...]
        // "第三条规定的…" inside a paragraph is not an article: an article's number stands alone.
        guard after.isEmpty || after.first == " " || after.first == "　" else { return nil }
        return ("第\(numeral)条", number, after.trimmingCharacters(in: .whitespaces))
    }
}

/// Chinese (and Arabic) numerals as articles are numbered: 一千一百六十五 → 1165, 30 → 30.
public enum ChineseNumber {
    static let digits: [Character: Int] = ["零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9]
    static let units: [Character: Int] = ["十": 10, "百": 100, "千": 1000]

    public static func parse(_ text: String) -> Int? {
        if let arabic = Int(text), arabic > 0 { return arabic }
        guard !text.isEmpty, text.allSatisfy({ digits[$0] != nil || units[$0] != nil || $0 == "万" }) else { return nil }
        var total = 0, section = 0, digit = 0
        for character in text {
            if let value = digits[character] {
                digit = value
            } else if let unit = units[character] {
                section += (digit == 0 ? 1 : digit) * unit   // 十三 = 13: a leading 十 means 一十
                digit = 0
            } else if character == "万" {
                total += (section + digit) * 10_000
                section = 0
                digit = 0
            }
        }
        let value = total + section + digit
        return value > 0 ? value : nil
    }
}

/// A citation as a clerk types it: `法律援助法第四十三条`, `公证法 第30条`, `民法典第一千一百六十五条`.
public struct LawCitation: Sendable, Equatable {
    /// The law's name as given, without 《》 and the 中华人民共和国 prefix.
    public var lawName: String
    public var article: Int

    public init(lawName: String, article: Int) {
        self.lawName = lawName
        self.article = article
    }

    /// The law's name and its first `第…条`; what follows (款, 项, 、第…条) is not part of the key.
    public init?(_ text: String) {
        let clean = text.replacingOccurrences(of: "《", with: "").replacingOccurrences(of: "》", with: "")
            .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "　", with: "")
        var from = clean.startIndex
        while let mark = clean.range(of: "第", range: from..<clean.endIndex) {
            from = mark.upperBound
            guard mark.lowerBound > clean.startIndex, let end = clean[mark.upperBound...].firstIndex(of: "条"),
                let number = ChineseNumber.parse(String(clean[mark.upperBound..<end]))
            else { continue }
            var name = String(clean[..<mark.lowerBound])
            if name.hasPrefix("中华人民共和国") { name.removeFirst("中华人民共和国".count) }
            guard !name.isEmpty else { return nil }
            lawName = name
            article = number
            return
        }
        return nil
    }
}

/// How law text becomes FTS5 tokens: every Han character alone (the `uni` column) and every
/// pair of neighbours (the `bi` column), with a run of ASCII letters or digits as one unit, so
/// a term of one character matches `uni` and a longer one a phrase of its overlapping pairs in
/// `bi` — exactly where the term occurs in the text (recall 1.0 against a substring scan). The
/// default tokenizer would take a whole run of Han characters as one token, the trigram one
/// cannot match two characters (docs/architecture.md "Law search").
public enum SearchTokens {
    /// Runs of units, broken at punctuation and spaces: 第30条，… → [[第, 30, 条], …].
    public static func segments(_ text: String) -> [[String]] {
        var segments: [[String]] = []
        var units: [String] = []
        var ascii = ""
        func flushASCII() {
            if !ascii.isEmpty { units.append(ascii.lowercased()) }
            ascii = ""
        }
        func flush() {
            flushASCII()
            if !units.isEmpty { segments.append(units) }
            units = []
        }
        for scalar in text.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                ascii.unicodeScalars.append(scalar)
            } else if isHan(scalar) {
                flushASCII()
                units.append(String(scalar))
            } else {
                flush()
            }
        }
        flush()
        return segments
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F, 0x3007: true
        default: false
        }
    }

    /// The `uni` and `bi` columns of a text.
    public static func columns(_ text: String) -> (uni: String, bi: String) {
        let segments = segments(text)
        let uni = segments.flatMap { $0 }.joined(separator: " ")
        // A segment's pairs; a lone unit stands as its own token. Between segments a token no
        // Chinese query produces, so a phrase never runs across punctuation (法，律 holds no 法律).
        let bi = segments.map { units in units.count == 1 ? units[0] : pairs(units) }
        return (uni, bi.joined(separator: " \(separator) "))
    }

    /// An FTS5 query matching texts that contain every term (a quoted term is one phrase).
    /// Nil when the query has no searchable character.
    public static func match(_ query: String) -> String? {
        var parts: [String] = []
        for term in terms(query) {
            for units in segments(term) {
                if units.count == 1 {
                    parts.append("uni : \(quote(units[0]))")
                } else {
                    parts.append("bi : \(quote(pairs(units)))")
                }
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " AND ")
    }

    /// Overlapping neighbours, space-separated: [法, 律, 援] → `法律 律援`.
    static func pairs(_ units: [String]) -> String {
        zip(units, units.dropFirst()).map { $0 + $1 }.joined(separator: " ")
    }

    /// Whitespace-separated terms; "quoted words" stay one term.
    public static func terms(_ query: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var quoted = false
        for character in query {
            if character == "\"" || character == "“" || character == "”" {
                quoted.toggle()
                continue
            }
            if !quoted, character.isWhitespace {
                if !current.isEmpty { terms.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { terms.append(current) }
        return terms
    }

    /// Stands between segments in the `bi` column (upper case: queries are lower-cased).
    static let separator = "ZZSEPZZ"

    static func quote(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
