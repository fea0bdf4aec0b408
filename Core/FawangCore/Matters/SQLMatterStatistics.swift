import Foundation

extension SQLMatterStore {
    /// Each figure is read by its own day. Whole months come from the monthly rollups (counts and
    /// sums per group, from the coarsest rollup that holds every column the question filters or
    /// groups by; the handling-day histogram per county and line), the days at either end of the
    /// span — and every span asked by day or week — from the facts' day indexes, which hold the
    /// columns a question groups by, overdue (which depends on the day asked) from two partial
    /// indexes of the matters it can concern. Each branch is summed in SQL by the columns of the
    /// groups before the groups are formed: the database returns a few rows per group, never matters.
    public func statistics(_ query: StatisticsQuery) async throws -> [StatisticsBucket] {
        var filter = ""
        var filterArguments: [SQLValue] = []
        // The columns the question filters or groups by: which rollups can answer it.
        var asked: Set<String> = []
        if let region = query.regionCode {
            filter += " AND region_code LIKE ?"
            filterArguments.append(.text(DivisionCode.scopePrefix(of: region) + "%"))
            asked.insert("region_code")
        }
        if let lines = query.businessLines {
            guard !lines.isEmpty else { return [] }
            filter += " AND business_line IN (\(lines.map { _ in "?" }.joined(separator: ", ")))"
            filterArguments += lines.map(SQLValue.text)
            asked.insert("business_line")
        }
        if let type = query.matterType {
            filter += " AND matter_type = ?"
            filterArguments.append(.text(type))
            asked.insert("matter_type")
        }
        if let channel = query.channel {
            filter += " AND channel = ?"
            filterArguments.append(.text(channel))
            asked.insert("channel")
        }
        let dimensions = query.groupBy.filter { $0 != .period }
        asked.formUnion(dimensions.map(MatterRollups.column))
        let byPeriod = query.groupBy.contains(.period)
        let byDay = byPeriod && [.day, .week].contains(query.periodUnit)
        // A question no rollup can answer (by office) reads the facts of the whole span.
        let fromFacts = byDay || !asked.isSubset(of: Set(MatterRollups.figuresByMonth.key))
        let span = fromFacts ? MatterRollups.Span(months: nil, edges: [(query.from, query.to)]) : MatterRollups.span(query.from, query.to)
        let months = span.months.map { [SQLValue.text(String($0.0.description.prefix(7))), .text(String($0.1.description.prefix(7)))] }
        let dialect = engine.dialect

        /// One branch: `values` of the rows of `source` that meet `condition` and the filter, summed
        /// by the dimensions' columns (`r0`, `r1`, …), the period of `day` (`p`) and `grouped`.
        func branch(_ day: String, _ values: [String], from source: String, where condition: String, groupedBy grouped: [String] = []) -> String {
            let period = byPeriod ? MatterRollups.period(query.periodUnit, of: day, dialect) : "''"
            let groups = dimensions.map(MatterRollups.column) + (byPeriod ? [period] : []) + grouped
            let columns = dimensions.enumerated().map { "\(MatterRollups.column($1)) AS r\($0)" } + ["\(period) AS p"] + values
            return "SELECT \(columns.joined(separator: ", ")) FROM \(source) WHERE \(condition)\(filter)"
                + (groups.isEmpty ? "" : " GROUP BY \(groups.joined(separator: ", "))")
        }
        /// The branches' rows summed by group, period and `grouped`, the groups' values formed from
        /// the branches' columns (`d0`, `d1`, …, as ``expression(_:_:of:)``).
        func groups(_ branches: [String], _ sums: [String], groupedBy grouped: String) -> String {
            let keys = dimensions.enumerated().map { "\(MatterRollups.expression($1, query.regionLevel, of: "r\($0)")) AS d\($0)" }
            return """
                SELECT \((keys + ["p", grouped] + sums.map { "SUM(\($0)) AS \($0)" }).joined(separator: ", "))
                FROM (\(branches.joined(separator: " UNION ALL "))) AS branches GROUP BY \((dimensions.indices.map { "d\($0)" } + ["p", grouped]).joined(separator: ", "))
                HAVING SUM(n) > 0
                """
        }

        // Counts and sums: (kind, n, total).
        var sql: [String] = []
        var arguments: [SQLValue] = []
        if let months {
            let rollup = MatterRollups.figureRollups.first { asked.isSubset(of: $0.key) } ?? MatterRollups.figuresByMonth
            sql.append(branch("month || '-01'", ["kind", "SUM(n) AS n", "SUM(total) AS total"], from: rollup.table, where: "month BETWEEN ? AND ?", groupedBy: ["kind"]))
            arguments += months + filterArguments
        }
        // (day column, figure: a constant or the column that names it, its value, condition)
        let branches: [(String, String, String, String)] = [
            ("submitted_day", "'received'", "0", ""), ("accepted_day", "'accepted'", "0", ""), ("ended_day", "outcome", "handling_days", ""),
            ("transferred_day", "'transferred'", "0", ""), ("rated_day", "'rated'", "rating", ""),
            ("rated_day", "'satisfied'", "0", " AND rating >= 4"),
        ]
        for (from, to) in span.edges {
            for (day, kind, value, condition) in branches {
                sql.append(branch(
                    day, ["\(kind) AS kind", "COUNT(*) AS n", "SUM(\(value)) AS total"], from: "matter_facts", where: "\(day) BETWEEN ? AND ?\(condition)",
                    groupedBy: kind.hasPrefix("'") ? [] : [kind]))
                arguments += [.text(from.description), .text(to.description)] + filterArguments
            }
        }
        // Named, not left to the planner: it took the day index and read every matter of the span.
        for (index, condition, extra) in [("matter_facts_met_late", "met_late = 1", false), ("matter_facts_open_due", "met_late = 0 AND open_due < ?", true)] {
            sql.append(branch(
                "submitted_day", ["'overdue' AS kind", "COUNT(*) AS n", "0 AS total"], from: dialect.table("matter_facts", indexedBy: index),
                where: "\(condition) AND submitted_day BETWEEN ? AND ?"))
            arguments += (extra ? [.text(query.today.description)] : []) + [.text(query.from.description), .text(query.to.description)]
                + filterArguments
        }
        let keys = dimensions.indices.map { "d\($0)" }
        let figures = groups(sql, ["n", "total"], groupedBy: "kind")

        // The handling-day histogram, for the percentile: by county and line from its rollup;
        // split or filtered by matter type or channel, from the facts.
        var histogram: String?
        var histogramArguments: [SQLValue] = []
        if query.percentiles {
            var parts: [String] = []
            let fromRollup = asked.isSubset(of: MatterRollups.handlingDays.key)
            let factSpans = fromRollup ? span.edges : [(query.from, query.to)]
            if fromRollup, let months {
                parts.append(branch("month || '-01'", ["days", "SUM(n) AS n"], from: MatterRollups.handlingDays.table, where: "month BETWEEN ? AND ?", groupedBy: ["days"]))
                histogramArguments += months + filterArguments
            }
            for (from, to) in factSpans {
                parts.append(branch(
                    "ended_day", ["handling_days AS days", "COUNT(*) AS n"], from: "matter_facts", where: "ended_day BETWEEN ? AND ? AND outcome IS NOT NULL",
                    groupedBy: ["handling_days"]))
                histogramArguments += [.text(from.description), .text(to.description)] + filterArguments
            }
            if !parts.isEmpty { histogram = groups(parts, ["n"], groupedBy: "days") }
        }

        let (figureArguments, daysArguments, daysQuery) = (arguments, histogramArguments, histogram)
        let (counted, days) = try await engine.read { db in
            let counted = try db.rows(figures, figureArguments).map { row in
                (keys: keys.map { row.string($0) ?? "" }, period: row.string("p") ?? "", kind: row.string("kind") ?? "",
                 n: row.int("n") ?? 0, total: row.int("total") ?? 0)
            }
            let days = try daysQuery.map { sql in
                try db.rows(sql, daysArguments).map { row in
                    (keys: keys.map { row.string($0) ?? "" }, period: row.string("p") ?? "", days: row.int("days") ?? 0, n: row.int("n") ?? 0)
                }
            } ?? []
            return (counted, days)
        }
        var buckets: [[String]: StatisticsBucket] = [:]
        func bucket(_ keys: [String], _ period: String, _ change: (inout StatisticsFigures) -> Void) {
            var key: [StatisticsQuery.Dimension: String] = [:]
            for (index, dimension) in dimensions.enumerated() { key[dimension] = keys[index] }
            if query.groupBy.contains(.period) { key[.period] = period }
            let id = query.groupBy.map { key[$0] ?? "" }
            var found = buckets[id] ?? StatisticsBucket(key: key, figures: StatisticsFigures())
            change(&found.figures)
            buckets[id] = found
        }
        for row in counted {
            bucket(row.keys, row.period) { figures in
                switch row.kind {
                case "received": figures.received += row.n
                case "accepted": figures.accepted += row.n
                case "transferred": figures.transferred += row.n
                case "overdue": figures.overdue += row.n
                case "rated":
                    figures.ratings += row.n
                    figures.ratingSum += row.total
                case "satisfied": figures.satisfied += row.n
                case MatterWorkflow.Milestone.concluded.rawValue: (figures.concluded, figures.handlingSum) = (figures.concluded + row.n, figures.handlingSum + row.total)
                case MatterWorkflow.Milestone.refused.rawValue: (figures.refused, figures.handlingSum) = (figures.refused + row.n, figures.handlingSum + row.total)
                case MatterWorkflow.Milestone.stopped.rawValue: (figures.stopped, figures.handlingSum) = (figures.stopped + row.n, figures.handlingSum + row.total)
                default: break
                }
            }
        }
        for row in days { bucket(row.keys, row.period) { $0.handlingDays[row.days, default: 0] += row.n } }
        return buckets.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }
}

/// The monthly statistics rollups: what a matter adds to them, and how a change moves them.
public enum MatterRollups {
    /// The finest monthly statistics rollup and the handling-day histogram from the facts index
    /// (SQLite's migration v18, and a rebuild).
    public static let fillStatisticsRollup = """
            INSERT INTO matter_stats_monthly (month, region_code, business_line, matter_type, channel, kind, n, total)
            SELECT substr(day, 1, 7), region_code, business_line, matter_type, channel, kind, COUNT(*), SUM(value) FROM (
                SELECT submitted_day AS day, region_code, business_line, matter_type, channel, 'received' AS kind, 0 AS value FROM matter_facts
                UNION ALL SELECT accepted_day, region_code, business_line, matter_type, channel, 'accepted', 0 FROM matter_facts WHERE accepted_day IS NOT NULL
                UNION ALL SELECT ended_day, region_code, business_line, matter_type, channel, outcome, COALESCE(handling_days, 0) FROM matter_facts
                    WHERE ended_day IS NOT NULL AND outcome IS NOT NULL
                UNION ALL SELECT transferred_day, region_code, business_line, matter_type, channel, 'transferred', 0 FROM matter_facts
                    WHERE transferred_day IS NOT NULL
                UNION ALL SELECT rated_day, region_code, business_line, matter_type, channel, 'rated', COALESCE(rating, 0) FROM matter_facts
                    WHERE rated_day IS NOT NULL
                UNION ALL SELECT rated_day, region_code, business_line, matter_type, channel, 'satisfied', 0 FROM matter_facts
                    WHERE rated_day IS NOT NULL AND rating >= 4
            ) AS figures GROUP BY 1, 2, 3, 4, 5, 6;
            INSERT INTO matter_stats_days (month, region_code, business_line, days, n)
            SELECT substr(ended_day, 1, 7), region_code, business_line, handling_days, COUNT(*) FROM matter_facts
            WHERE ended_day IS NOT NULL AND outcome IS NOT NULL AND handling_days IS NOT NULL GROUP BY 1, 2, 3, 4
            """

    /// Fills a coarser figure rollup (``figureRollups``) from the finest one,
    /// `matter_stats_monthly`, summed over the columns it leaves out.
    static func fillFromFinest(_ rollup: Rollup) -> String {
        let key = rollup.key.joined(separator: ", ")
        return "INSERT INTO \(rollup.table) (\(key), n, total) SELECT \(key), SUM(n), SUM(total) FROM matter_stats_monthly GROUP BY \(key)"
    }

    /// Rebuilds every rollup from the facts index, in one transaction.
    public static func rebuild(_ engine: any SQLEngine) async throws {
        try await engine.write { db in
            for rollup in figureRollups + [handlingDays] { try db.execute("DELETE FROM \(rollup.table)", []) }
            for statement in fillStatisticsRollup.components(separatedBy: ";\n") { try db.execute(statement, []) }
            for rollup in figureRollups where rollup.table != figuresByMonth.table { try db.execute(fillFromFinest(rollup), []) }
        }
    }

    /// A span as whole months (first day of the first, some day of the last) and the days outside them.
    struct Span {
        var months: (CivilDate, CivilDate)?
        var edges: [(CivilDate, CivilDate)]
    }

    static func span(_ from: CivilDate, _ to: CivilDate) -> Span {
        let firstFull = from.components.day == 1 ? from : from.monthStart(movedBy: 1)
        let lastFullStart = to.monthStart(movedBy: to.endsMonth ? 0 : -1)
        guard firstFull <= lastFullStart else { return Span(months: nil, edges: [(from, to)]) }
        let lastFullEnd = to.endsMonth ? to : to.monthStart().adding(days: -1)
        var edges: [(CivilDate, CivilDate)] = []
        if from < firstFull { edges.append((from, firstFull.adding(days: -1))) }
        if lastFullEnd < to { edges.append((lastFullEnd.adding(days: 1), to)) }
        return Span(months: (firstFull, lastFullStart), edges: edges)
    }

    /// A table summed from the matters' facts, by the columns of its key: a count `n` and, for the
    /// figure rollups, a `total`.
    public struct Rollup: Sendable {
        public let table: String
        public let key: [String]
        let sums: [String]
        /// Adds a change to its row, creating it (arguments: the key, then one number per sum).
        let upsert: String
        /// Removes the row of a key whose count fell to nothing (arguments: the key).
        let deleteEmpty: String

        init(table: String, key: [String], sums: [String]) {
            (self.table, self.key, self.sums) = (table, key, sums)
            let columns = (key + sums).joined(separator: ", ")
            let placeholders = Array(repeating: "?", count: key.count + sums.count).joined(separator: ", ")
            let added = sums.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", ")
            upsert = "INSERT INTO \(table) (\(columns)) VALUES (\(placeholders)) ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE SET \(added)"
            deleteEmpty = "DELETE FROM \(table) WHERE \(key.map { "\($0) = ?" }.joined(separator: " AND ")) AND n <= 0"
        }
    }

    /// The key of a figure (``Contributions/figures``), in this order.
    public static let figureKey = ["month", "region_code", "business_line", "matter_type", "channel", "kind"]
    /// The finest figure rollup: every column of the key.
    public static let figuresByMonth = Rollup(table: "matter_stats_monthly", key: figureKey, sums: ["n", "total"])
    /// The figure rollups, coarsest first (a question reads the first that holds every column it
    /// filters or groups by); each coarser one is the finest summed over the columns it leaves out.
    public static let figureRollups = [
        Rollup(table: "matter_stats_monthly_lines", key: ["month", "region_code", "business_line", "kind"], sums: ["n", "total"]),
        Rollup(table: "matter_stats_monthly_channels", key: ["month", "region_code", "channel", "kind"], sums: ["n", "total"]),
        figuresByMonth,
    ]
    /// The handling-day histogram (month of the end, county, line, days).
    public static let handlingDays = Rollup(table: "matter_stats_days", key: ["month", "region_code", "business_line", "days"], sums: ["n"])

    /// What a matter's facts add to the monthly rollups: figures (a key of ``figureKey``: month,
    /// region, line, type, channel, figure) with the value they add to its total, and entries of
    /// `matter_stats_days` (month, region, line, handling days) for an ended matter.
    struct Contributions: Equatable {
        var figures: [(key: [SQLValue], total: Int)] = []
        var days: [[SQLValue]] = []

        static func == (lhs: Contributions, rhs: Contributions) -> Bool {
            lhs.figures.map(\.key) == rhs.figures.map(\.key) && lhs.figures.map(\.total) == rhs.figures.map(\.total) && lhs.days == rhs.days
        }
    }

    static func contributions(
        line: String, type: String, region: String, channel: String, submitted: String?, accepted: String?, outcome: String?, ended: String?,
        handling: Int?, transferred: String?, rating: Int?, rated: String?
    ) -> Contributions {
        var result = Contributions()
        func add(_ day: String?, _ kind: String?, _ total: Int = 0) {
            guard let day, let kind else { return }
            result.figures.append(([String(day.prefix(7)), region, line, type, channel, kind].map(SQLValue.text), total))
        }
        add(submitted, "received")
        add(accepted, "accepted")
        add(ended, outcome, handling ?? 0)
        add(transferred, "transferred")
        add(rated, "rated", rating ?? 0)
        if let rating, rating >= 4 { add(rated, "satisfied") }
        if let ended, outcome != nil, let handling {
            result.days.append([String(ended.prefix(7)), region, line].map(SQLValue.text) + [.of(handling)])
        }
        return result
    }

    /// Moves every monthly rollup from what `old` counted for to what `new` counts for (a matter
    /// rewritten with the same facts changes nothing): each figure rollup by the figures' change
    /// summed over the columns it leaves out, so the coarser ones stay the finest one summed.
    static func rollUp(_ db: any SQLConnection, from old: Contributions, to new: Contributions) throws {
        guard old != new else { return }
        var figures: [[SQLValue]: [Int]] = [:]
        var days: [[SQLValue]: [Int]] = [:]
        for (contributions, sign) in [(old, -1), (new, 1)] {
            for entry in contributions.figures { figures.accumulate([sign, sign * entry.total], at: entry.key) }
            for key in contributions.days { days.accumulate([sign], at: key) }
        }
        for rollup in figureRollups {
            let positions = rollup.key.map { figureKey.firstIndex(of: $0)! }
            var changes: [[SQLValue]: [Int]] = [:]
            for (key, change) in figures { changes.accumulate(change, at: positions.map { key[$0] }) }
            try add(changes, to: rollup, db)
        }
        try add(days, to: handlingDays, db)
    }

    /// Adds each change (one number per sum column, the count first) to its row of `rollup`,
    /// creating the row, and removes a row whose count falls to nothing.
    private static func add(_ changes: [[SQLValue]: [Int]], to rollup: Rollup, _ db: any SQLConnection) throws {
        for (values, change) in changes where change.contains(where: { $0 != 0 }) {
            try db.execute(rollup.upsert, values + change.map { .integer(Int64($0)) })
            if change[0] < 0 { try db.execute(rollup.deleteEmpty, values) }
        }
    }

    /// The facts' and rollups' column a dimension's value is read from.
    static func column(_ dimension: StatisticsQuery.Dimension) -> String {
        switch dimension {
        case .region: "region_code"
        case .line: "business_line"
        case .matterType: "matter_type"
        case .channel: "channel"
        case .period: "''"
        case .office: "office"
        }
    }

    /// A dimension's value from its `column` (``column(_:)``): a county rolled up to `level`.
    static func expression(_ dimension: StatisticsQuery.Dimension, _ level: StatisticsQuery.RegionLevel, of column: String) -> String {
        guard dimension == .region else { return column }
        return switch level {
        case .province: "substr(\(column), 1, 2) || '0000'"
        case .city: "substr(\(column), 1, 4) || '00'"
        case .county: column
        }
    }

    /// `day` (an expression giving YYYY-MM-DD) as its period, the same text as ``StatisticsQuery/period(of:_:)``.
    static func period(_ unit: StatisticsQuery.PeriodUnit, of day: String, _ dialect: SQLDialect) -> String {
        switch unit {
        case .day: day
        case .week: dialect.weekStart(day)
        case .month: "substr(\(day), 1, 7)"
        case .quarter: "substr(\(day), 1, 4) || '-Q' || ((CAST(substr(\(day), 6, 2) AS INTEGER) + 2) / 3)"
        case .year: "substr(\(day), 1, 4)"
        }
    }
}


extension SQLMatterStore {
    public func opinionCounts(from: CivilDate, to: CivilDate, regionCode: String?, byMonth: Bool, byKeyword: Bool) async throws -> [PublicOpinion.Count] {
        let period = byMonth ? "substr(day, 1, 7)" : "day"
        let keyword = byKeyword ? "keyword" : "''"
        var sql = """
            SELECT \(period) AS period, region_code, business_line, source, topic, \(keyword) AS keyword, COUNT(DISTINCT matter_id) AS n
            FROM matter_opinion WHERE day BETWEEN ? AND ?
            """
        var arguments: [SQLValue] = [.text(from.description), .text(to.description)]
        if let regionCode {
            sql += " AND region_code LIKE ?"
            arguments.append(.text(DivisionCode.scopePrefix(of: regionCode) + "%"))
        }
        sql += " GROUP BY period, region_code, business_line, source, topic" + (byKeyword ? ", keyword" : "")
        let (query, values) = (sql, arguments)
        return try await engine.read { db in
            try db.rows(query, values).map { row in
                PublicOpinion.Count(
                    period: row.string("period") ?? "", regionCode: row.string("region_code") ?? "", businessLine: row.string("business_line") ?? "",
                    source: PublicOpinion.Source(rawValue: row.string("source") ?? "") ?? .text, topic: row.string("topic") ?? "",
                    keyword: row.string("keyword") ?? "", matters: row.int("n") ?? 0)
            }
        }
    }

    /// Two branches summed by county and line: the matters received in the span (the facts by
    /// their day of submission, each joined to its applicant record), and the ratings given in it.
    public func assessmentCounts(
        from: CivilDate, to: CivilDate, today: CivilDate, regionCode: String, businessLines: [String], onlineChannels: [String]
    ) async throws -> [AssessmentCount] {
        guard !businessLines.isEmpty else { return [] }
        let lines = businessLines.map { _ in "?" }.joined(separator: ", ")
        let online = onlineChannels.isEmpty ? "1 = 0" : "f.channel IN (\(onlineChannels.map { _ in "?" }.joined(separator: ", ")))"
        let scope = "f.region_code LIKE ? AND f.business_line IN (\(lines))"
        let scopeArguments = [SQLValue.text(DivisionCode.scopePrefix(of: regionCode) + "%")] + businessLines.map(SQLValue.text)
        let dialect = engine.dialect
        let (name, phone, idNumber) = (
            dialect.jsonText("m.applicant_json", "name"), dialect.jsonText("m.applicant_json", "phone"), dialect.jsonText("m.applicant_json", "idNumber"))
        // An identity number is sealed when stored, an empty one stays empty: present reads as non-empty either way.
        let sql = """
            SELECT region_code, business_line, SUM(received) AS received, SUM(late) AS late, SUM(online) AS online,
                   SUM(complete) AS complete, SUM(ratings) AS ratings, SUM(rating_sum) AS rating_sum
            FROM (
                SELECT f.region_code, f.business_line, COUNT(*) AS received,
                       SUM(CASE WHEN f.met_late = 1 OR f.open_due < ? THEN 1 ELSE 0 END) AS late,
                       SUM(CASE WHEN \(online) THEN 1 ELSE 0 END) AS online,
                       SUM(CASE WHEN \(name) <> '' AND \(phone) <> '' AND \(idNumber) <> '' THEN 1 ELSE 0 END) AS complete,
                       0 AS ratings, 0 AS rating_sum
                FROM \(dialect.table("matter_facts", as: "f", indexedBy: "matter_facts_submitted_groups")) JOIN matters m ON m.id = f.matter_id
                WHERE f.submitted_day BETWEEN ? AND ? AND \(scope)
                GROUP BY f.region_code, f.business_line
                UNION ALL
                SELECT f.region_code, f.business_line, 0, 0, 0, 0, COUNT(*), SUM(f.rating)
                FROM \(dialect.table("matter_facts", as: "f", indexedBy: "matter_facts_rated_groups"))
                WHERE f.rated_day BETWEEN ? AND ? AND f.rating IS NOT NULL AND \(scope)
                GROUP BY f.region_code, f.business_line
            ) AS counts
            GROUP BY region_code, business_line ORDER BY region_code, business_line
            """
        let span: [SQLValue] = [.text(from.description), .text(to.description)]
        let arguments: [SQLValue] = [.text(today.description)] + onlineChannels.map(SQLValue.text) + span + scopeArguments + span + scopeArguments
        return try await engine.read { db in
            try db.rows(sql, arguments).map { row in
                var count = AssessmentCount(regionCode: row.string("region_code") ?? "", businessLine: row.string("business_line") ?? "")
                (count.received, count.late, count.online, count.complete) = (
                    row.int("received") ?? 0, row.int("late") ?? 0, row.int("online") ?? 0, row.int("complete") ?? 0)
                (count.ratings, count.ratingSum) = (row.int("ratings") ?? 0, row.int("rating_sum") ?? 0)
                return count
            }
        }
    }

    public func opinionMatters(topic: String, regionCode: String, from: CivilDate, to: CivilDate, limit: Int) async throws -> [String] {
        try await engine.read { db in
            try db.rows(
                """
                SELECT matter_id FROM matter_opinion WHERE topic = ? AND region_code LIKE ? AND day BETWEEN ? AND ?
                GROUP BY matter_id ORDER BY MAX(day) DESC, matter_id LIMIT ?
                """,
                [.text(topic), .text(DivisionCode.scopePrefix(of: regionCode) + "%"), .text(from.description), .text(to.description), .of(limit)]
            ).compactMap { $0.string("matter_id") }
        }
    }
}

extension Dictionary where Value == [Int] {
    /// Adds `change` to the numbers at `key`, element by element (from zeros if absent).
    fileprivate mutating func accumulate(_ change: [Int], at key: Key) {
        self[key] = zip(self[key] ?? Array(repeating: 0, count: change.count), change).map(+)
    }
}
