import FawangCore
import GRDB

extension SQLiteMatterStore {
    /// Each figure is read by its own day. Whole months come from the monthly rollups (counts and
    /// sums per group, from the coarsest rollup that holds every column the question filters or
    /// groups by; the handling-day histogram per county and line), the days at either end of the
    /// span — and every span asked by day or week — from the facts' day indexes, which hold the
    /// columns a question groups by, overdue (which depends on the day asked) from two partial
    /// indexes of the matters it can concern. Each branch is summed in SQL by the columns of the
    /// groups before the groups are formed: the database returns a few rows per group, never matters.
    func statistics(_ query: StatisticsQuery) async throws -> [StatisticsBucket] {
        var filter = ""
        var filterArguments: [DatabaseValue] = []
        // The columns the question filters or groups by: which rollups can answer it.
        var asked: Set<String> = []
        if let region = query.regionCode {
            filter += " AND region_code LIKE ?"
            filterArguments.append((DivisionCode.scopePrefix(of: region) + "%").databaseValue)
            asked.insert("region_code")
        }
        if let lines = query.businessLines {
            guard !lines.isEmpty else { return [] }
            filter += " AND business_line IN (\(lines.map { _ in "?" }.joined(separator: ", ")))"
            filterArguments += lines.map(\.databaseValue)
            asked.insert("business_line")
        }
        if let type = query.matterType {
            filter += " AND matter_type = ?"
            filterArguments.append(type.databaseValue)
            asked.insert("matter_type")
        }
        if let channel = query.channel {
            filter += " AND channel = ?"
            filterArguments.append(channel.databaseValue)
            asked.insert("channel")
        }
        let dimensions = query.groupBy.filter { $0 != .period }
        asked.formUnion(dimensions.map(Self.column))
        let byPeriod = query.groupBy.contains(.period)
        let byDay = byPeriod && [.day, .week].contains(query.periodUnit)
        // A question no rollup can answer (by office) reads the facts of the whole span.
        let fromFacts = byDay || !asked.isSubset(of: Set(Self.figuresByMonth.key))
        let span = fromFacts ? Self.Span(months: nil, edges: [(query.from, query.to)]) : Self.span(query.from, query.to)
        let months = span.months.map { [String($0.0.description.prefix(7)).databaseValue, String($0.1.description.prefix(7)).databaseValue] }

        /// One branch: `values` of the rows of `source` that meet `condition` and the filter, summed
        /// by the dimensions' columns (`r0`, `r1`, …), the period of `day` (`p`) and `grouped`.
        func branch(_ day: String, _ values: [String], from source: String, where condition: String, groupedBy grouped: [String] = []) -> String {
            let period = byPeriod ? Self.period(query.periodUnit, of: day) : "''"
            let groups = dimensions.map(Self.column) + (byPeriod ? [period] : []) + grouped
            let columns = dimensions.enumerated().map { "\(Self.column($1)) AS r\($0)" } + ["\(period) AS p"] + values
            return "SELECT \(columns.joined(separator: ", ")) FROM \(source) WHERE \(condition)\(filter)"
                + (groups.isEmpty ? "" : " GROUP BY \(groups.joined(separator: ", "))")
        }
        /// The branches' rows summed by group, period and `grouped`, the groups' values formed from
        /// the branches' columns (`d0`, `d1`, …, as ``expression(_:_:of:)``).
        func groups(_ branches: [String], _ sums: [String], groupedBy grouped: String) -> String {
            let keys = dimensions.enumerated().map { "\(Self.expression($1, query.regionLevel, of: "r\($0)")) AS d\($0)" }
            return """
                SELECT \((keys + ["p", grouped] + sums.map { "SUM(\($0)) AS \($0)" }).joined(separator: ", "))
                FROM (\(branches.joined(separator: " UNION ALL "))) GROUP BY \((dimensions.indices.map { "d\($0)" } + ["p", grouped]).joined(separator: ", "))
                HAVING SUM(n) > 0
                """
        }

        // Counts and sums: (kind, n, total).
        var sql: [String] = []
        var arguments: [DatabaseValue] = []
        if let months {
            let rollup = Self.figureRollups.first { asked.isSubset(of: $0.key) } ?? Self.figuresByMonth
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
                arguments += [from.description.databaseValue, to.description.databaseValue] + filterArguments
            }
        }
        // Named, not left to the planner: it took the day index and read every matter of the span.
        for (index, condition, extra) in [("matter_facts_met_late", "met_late = 1", false), ("matter_facts_open_due", "met_late = 0 AND open_due < ?", true)] {
            sql.append(branch(
                "submitted_day", ["'overdue' AS kind", "COUNT(*) AS n", "0 AS total"], from: "matter_facts INDEXED BY \(index)",
                where: "\(condition) AND submitted_day BETWEEN ? AND ?"))
            arguments += (extra ? [query.today.description.databaseValue] : []) + [query.from.description.databaseValue, query.to.description.databaseValue]
                + filterArguments
        }
        let keys = dimensions.indices.map { "d\($0)" }
        let figures = groups(sql, ["n", "total"], groupedBy: "kind")

        // The handling-day histogram, for the percentile: by county and line from its rollup;
        // split or filtered by matter type or channel, from the facts.
        var histogram: String?
        var histogramArguments: [DatabaseValue] = []
        if query.percentiles {
            var parts: [String] = []
            let fromRollup = asked.isSubset(of: Self.handlingDays.key)
            let factSpans = fromRollup ? span.edges : [(query.from, query.to)]
            if fromRollup, let months {
                parts.append(branch("month || '-01'", ["days", "SUM(n) AS n"], from: Self.handlingDays.table, where: "month BETWEEN ? AND ?", groupedBy: ["days"]))
                histogramArguments += months + filterArguments
            }
            for (from, to) in factSpans {
                parts.append(branch(
                    "ended_day", ["handling_days AS days", "COUNT(*) AS n"], from: "matter_facts", where: "ended_day BETWEEN ? AND ? AND outcome IS NOT NULL",
                    groupedBy: ["handling_days"]))
                histogramArguments += [from.description.databaseValue, to.description.databaseValue] + filterArguments
            }
            if !parts.isEmpty { histogram = groups(parts, ["n"], groupedBy: "days") }
        }

        let (figureArguments, daysArguments, daysQuery) = (StatementArguments(arguments), StatementArguments(histogramArguments), histogram)
        let (counted, days) = try await pool.read { db in
            let counted = try Row.fetchAll(db, sql: figures, arguments: figureArguments).map { row in
                (keys: keys.map { row[$0] as String? ?? "" }, period: row["p"] as String? ?? "", kind: row["kind"] as String? ?? "",
                 n: row["n"] as Int, total: row["total"] as Int? ?? 0)
            }
            let days = try daysQuery.map { sql in
                try Row.fetchAll(db, sql: sql, arguments: daysArguments).map { row in
                    (keys: keys.map { row[$0] as String? ?? "" }, period: row["p"] as String? ?? "", days: row["days"] as Int? ?? 0, n: row["n"] as Int)
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
    struct Rollup {
        let table: String
        let key: [String]
        let sums: [String]
        /// Adds a change to its row, creating it (arguments: the key, then one number per sum).
        let upsert: String
        /// Removes the row of a key whose count fell to nothing (arguments: the key).
        let deleteEmpty: String

        init(table: String, key: [String], sums: [String]) {
            (self.table, self.key, self.sums) = (table, key, sums)
            let columns = (key + sums).joined(separator: ", ")
            let placeholders = Array(repeating: "?", count: key.count + sums.count).joined(separator: ", ")
            let added = sums.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
            upsert = "INSERT INTO \(table) (\(columns)) VALUES (\(placeholders)) ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE SET \(added)"
            deleteEmpty = "DELETE FROM \(table) WHERE \(key.map { "\($0) = ?" }.joined(separator: " AND ")) AND n <= 0"
        }
    }

    /// The key of a figure (``Contributions/figures``), in this order.
    static let figureKey = ["month", "region_code", "business_line", "matter_type", "channel", "kind"]
    /// The finest figure rollup: every column of the key.
    static let figuresByMonth = Rollup(table: "matter_stats_monthly", key: figureKey, sums: ["n", "total"])
    /// The figure rollups, coarsest first (a question reads the first that holds every column it
    /// filters or groups by); each coarser one is the finest summed over the columns it leaves out.
    static let figureRollups = [
        Rollup(table: "matter_stats_monthly_lines", key: ["month", "region_code", "business_line", "kind"], sums: ["n", "total"]),
        Rollup(table: "matter_stats_monthly_channels", key: ["month", "region_code", "channel", "kind"], sums: ["n", "total"]),
        figuresByMonth,
    ]
    /// The handling-day histogram (month of the end, county, line, days).
    static let handlingDays = Rollup(table: "matter_stats_days", key: ["month", "region_code", "business_line", "days"], sums: ["n"])

    /// What a matter's facts add to the monthly rollups: figures (a key of ``figureKey``: month,
    /// region, line, type, channel, figure) with the value they add to its total, and entries of
    /// `matter_stats_days` (month, region, line, handling days) for an ended matter.
    struct Contributions: Equatable {
        var figures: [(key: [DatabaseValue], total: Int)] = []
        var days: [[DatabaseValue]] = []

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
            result.figures.append(([String(day.prefix(7)), region, line, type, channel, kind].map(\.databaseValue), total))
        }
        add(submitted, "received")
        add(accepted, "accepted")
        add(ended, outcome, handling ?? 0)
        add(transferred, "transferred")
        add(rated, "rated", rating ?? 0)
        if let rating, rating >= 4 { add(rated, "satisfied") }
        if let ended, outcome != nil, let handling {
            result.days.append([String(ended.prefix(7)), region, line].map(\.databaseValue) + [handling.databaseValue])
        }
        return result
    }

    /// Moves every monthly rollup from what `old` counted for to what `new` counts for (a matter
    /// rewritten with the same facts changes nothing): each figure rollup by the figures' change
    /// summed over the columns it leaves out, so the coarser ones stay the finest one summed.
    static func rollUp(_ db: Database, from old: Contributions, to new: Contributions) throws {
        guard old != new else { return }
        var figures: [[DatabaseValue]: [Int]] = [:]
        var days: [[DatabaseValue]: [Int]] = [:]
        for (contributions, sign) in [(old, -1), (new, 1)] {
            for entry in contributions.figures { figures.accumulate([sign, sign * entry.total], at: entry.key) }
            for key in contributions.days { days.accumulate([sign], at: key) }
        }
        for rollup in figureRollups {
            let positions = rollup.key.map { figureKey.firstIndex(of: $0)! }
            var changes: [[DatabaseValue]: [Int]] = [:]
            for (key, change) in figures { changes.accumulate(change, at: positions.map { key[$0] }) }
            try add(changes, to: rollup, db)
        }
        try add(days, to: handlingDays, db)
    }

    /// Adds each change (one number per sum column, the count first) to its row of `rollup`,
    /// creating the row, and removes a row whose count falls to nothing.
    private static func add(_ changes: [[DatabaseValue]: [Int]], to rollup: Rollup, _ db: Database) throws {
        for (values, change) in changes where change.contains(where: { $0 != 0 }) {
            try db.executeCached(sql: rollup.upsert, arguments: StatementArguments(values + change.map(\.databaseValue)))
            if change[0] < 0 { try db.executeCached(sql: rollup.deleteEmpty, arguments: StatementArguments(values)) }
        }
    }

    /// The facts' and rollups' column a dimension's value is read from.
    private static func column(_ dimension: StatisticsQuery.Dimension) -> String {
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
    private static func expression(_ dimension: StatisticsQuery.Dimension, _ level: StatisticsQuery.RegionLevel, of column: String) -> String {
        guard dimension == .region else { return column }
        return switch level {
        case .province: "substr(\(column), 1, 2) || '0000'"
        case .city: "substr(\(column), 1, 4) || '00'"
        case .county: column
        }
    }

    /// `day` (an expression giving YYYY-MM-DD) as its period, the same text as ``StatisticsQuery/period(of:_:)``.
    private static func period(_ unit: StatisticsQuery.PeriodUnit, of day: String) -> String {
        switch unit {
        case .day: day
        case .week: "date(\(day), '-6 days', 'weekday 1')"
        case .month: "substr(\(day), 1, 7)"
        case .quarter: "substr(\(day), 1, 4) || '-Q' || ((CAST(substr(\(day), 6, 2) AS INTEGER) + 2) / 3)"
        case .year: "substr(\(day), 1, 4)"
        }
    }
}

extension SQLiteMatterStore {
    func opinionCounts(from: CivilDate, to: CivilDate, regionCode: String?, byMonth: Bool, byKeyword: Bool) async throws -> [PublicOpinion.Count] {
        let period = byMonth ? "substr(day, 1, 7)" : "day"
        let keyword = byKeyword ? "keyword" : "''"
        var sql = """
            SELECT \(period) AS period, region_code, business_line, source, topic, \(keyword) AS keyword, COUNT(DISTINCT matter_id) AS n
            FROM matter_opinion WHERE day BETWEEN ? AND ?
            """
        var arguments: [DatabaseValue] = [from.description.databaseValue, to.description.databaseValue]
        if let regionCode {
            sql += " AND region_code LIKE ?"
            arguments.append((DivisionCode.scopePrefix(of: regionCode) + "%").databaseValue)
        }
        sql += " GROUP BY period, region_code, business_line, source, topic" + (byKeyword ? ", keyword" : "")
        let (query, values) = (sql, arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: query, arguments: StatementArguments(values)).map { row in
                PublicOpinion.Count(
                    period: row["period"], regionCode: row["region_code"], businessLine: row["business_line"],
                    source: PublicOpinion.Source(rawValue: row["source"]) ?? .text, topic: row["topic"], keyword: row["keyword"], matters: row["n"])
            }
        }
    }

    /// Two branches summed by county and line: the matters received in the span (the facts by
    /// their day of submission, each joined to its applicant record), and the ratings given in it.
    func assessmentCounts(
        from: CivilDate, to: CivilDate, today: CivilDate, regionCode: String, businessLines: [String], onlineChannels: [String]
    ) async throws -> [AssessmentCount] {
        guard !businessLines.isEmpty else { return [] }
        let lines = businessLines.map { _ in "?" }.joined(separator: ", ")
        let online = onlineChannels.isEmpty ? "0" : "f.channel IN (\(onlineChannels.map { _ in "?" }.joined(separator: ", ")))"
        let scope = "f.region_code LIKE ? AND f.business_line IN (\(lines))"
        let scopeArguments = [(DivisionCode.scopePrefix(of: regionCode) + "%").databaseValue] + businessLines.map(\.databaseValue)
        // An identity number is sealed when stored, an empty one stays empty: present reads as non-empty either way.
        let sql = """
            SELECT region_code, business_line, SUM(received) AS received, SUM(late) AS late, SUM(online) AS online,
                   SUM(complete) AS complete, SUM(ratings) AS ratings, SUM(rating_sum) AS rating_sum
            FROM (
                SELECT f.region_code, f.business_line, COUNT(*) AS received,
                       SUM(CASE WHEN f.met_late = 1 OR f.open_due < ? THEN 1 ELSE 0 END) AS late,
                       SUM(CASE WHEN \(online) THEN 1 ELSE 0 END) AS online,
                       SUM(CASE WHEN json_extract(m.applicant_json, '$.name') <> '' AND json_extract(m.applicant_json, '$.phone') <> ''
                                 AND json_extract(m.applicant_json, '$.idNumber') <> '' THEN 1 ELSE 0 END) AS complete,
                       0 AS ratings, 0 AS rating_sum
                FROM matter_facts f INDEXED BY matter_facts_submitted_groups JOIN matters m ON m.id = f.matter_id
                WHERE f.submitted_day BETWEEN ? AND ? AND \(scope)
                GROUP BY f.region_code, f.business_line
                UNION ALL
                SELECT f.region_code, f.business_line, 0, 0, 0, 0, COUNT(*), SUM(f.rating)
                FROM matter_facts f INDEXED BY matter_facts_rated_groups
                WHERE f.rated_day BETWEEN ? AND ? AND f.rating IS NOT NULL AND \(scope)
                GROUP BY f.region_code, f.business_line
            )
            GROUP BY region_code, business_line ORDER BY region_code, business_line
            """
        let span = [from.description.databaseValue, to.description.databaseValue]
        let arguments = StatementArguments(
            [today.description.databaseValue] + onlineChannels.map(\.databaseValue) + span + scopeArguments + span + scopeArguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                var count = AssessmentCount(regionCode: row["region_code"], businessLine: row["business_line"])
                (count.received, count.late, count.online, count.complete) = (row["received"], row["late"], row["online"], row["complete"])
                (count.ratings, count.ratingSum) = (row["ratings"], row["rating_sum"] as Int? ?? 0)
                return count
            }
        }
    }

    func opinionMatters(topic: String, regionCode: String, from: CivilDate, to: CivilDate, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT matter_id FROM matter_opinion WHERE topic = ? AND region_code LIKE ? AND day BETWEEN ? AND ?
                    GROUP BY matter_id ORDER BY MAX(day) DESC, matter_id LIMIT ?
                    """,
                arguments: [topic, DivisionCode.scopePrefix(of: regionCode) + "%", from.description, to.description, limit])
        }
    }
}

extension Dictionary where Value == [Int] {
    /// Adds `change` to the numbers at `key`, element by element (from zeros if absent).
    fileprivate mutating func accumulate(_ change: [Int], at key: Key) {
        self[key] = zip(self[key] ?? Array(repeating: 0, count: change.count), change).map(+)
    }
}
