import FawangCore
import GRDB

extension SQLiteMatterStore {
    /// Each figure is read by its own day's index (received by `submitted_day`, concluded by
    /// `ended_day`, …) in one UNION ALL, grouped in SQL by the dimensions, the period, the figure
    /// and its value (handling days, a rating): the database returns a histogram, not matters.
    func statistics(_ query: StatisticsQuery) async throws -> [StatisticsBucket] {
        var filter = ""
        var filterArguments: [DatabaseValue] = []
        if let region = query.regionCode {
            filter += " AND region_code LIKE ?"
            filterArguments.append((DivisionCode.scopePrefix(of: region) + "%").databaseValue)
        }
        if let lines = query.businessLines {
            guard !lines.isEmpty else { return [] }
            filter += " AND business_line IN (\(lines.map { _ in "?" }.joined(separator: ", ")))"
            filterArguments += lines.map(\.databaseValue)
        }
        if let type = query.matterType {
            filter += " AND matter_type = ?"
            filterArguments.append(type.databaseValue)
        }
        if let channel = query.channel {
            filter += " AND channel = ?"
            filterArguments.append(channel.databaseValue)
        }
        let dimensions = query.groupBy.filter { $0 != .period }
        let columns = dimensions.enumerated().map { index, dimension in "\(Self.expression(dimension, query.regionLevel)) AS d\(index)" }
        func selected(_ day: String, _ kind: String, _ value: String) -> String {
            (columns + ["\(day) AS day", "\(kind) AS kind", "\(value) AS value"]).joined(separator: ", ")
        }
        // (day column, figure, value, extra condition)
        let branches: [(String, String, String, String)] = [
            ("submitted_day", "'received'", "NULL", ""),
            ("accepted_day", "'accepted'", "NULL", ""),
            ("ended_day", "outcome", "handling_days", ""),
            ("transferred_day", "'transferred'", "NULL", ""),
            ("rated_day", "'rated'", "rating", ""),
            ("submitted_day", "'overdue'", "NULL", " AND (met_late = 1 OR open_due < ?)"),
        ]
        var sql: [String] = []
        var arguments: [DatabaseValue] = []
        for (day, kind, value, extra) in branches {
            let head = selected(day, kind, value)
            sql.append("SELECT \(head) FROM matter_facts WHERE \(day) BETWEEN ? AND ?\(extra)\(filter)")
            arguments += [query.from.description.databaseValue, query.to.description.databaseValue]
            if !extra.isEmpty { arguments.append(query.today.description.databaseValue) }
            arguments += filterArguments
        }
        let keys = dimensions.indices.map { "d\($0)" }
        let period = query.groupBy.contains(.period) ? Self.period(query.periodUnit) : "''"
        let outer = """
            SELECT \((keys + ["\(period) AS p", "kind", "value", "COUNT(*) AS n"]).joined(separator: ", "))
            FROM (\(sql.joined(separator: " UNION ALL "))) GROUP BY \((keys + ["p", "kind", "value"]).joined(separator: ", "))
            """
        let statementArguments = StatementArguments(arguments)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: outer, arguments: statementArguments).map { row in
                (keys: keys.map { row[$0] as String? ?? "" }, period: row["p"] as String? ?? "", kind: row["kind"] as String?,
                 value: row["value"] as Int?, count: row["n"] as Int)
            }
        }
        var buckets: [[String]: StatisticsBucket] = [:]
        for row in rows {
            var key: [StatisticsQuery.Dimension: String] = [:]
            for (index, dimension) in dimensions.enumerated() { key[dimension] = row.keys[index] }
            if query.groupBy.contains(.period) { key[.period] = row.period }
            let id = query.groupBy.map { key[$0] ?? "" }
            var bucket = buckets[id] ?? StatisticsBucket(key: key, figures: StatisticsFigures())
            let (count, value) = (row.count, row.value)
            switch row.kind {
            case "received": bucket.figures.received += count
            case "accepted": bucket.figures.accepted += count
            case "transferred": bucket.figures.transferred += count
            case "overdue": bucket.figures.overdue += count
            case "rated":
                bucket.figures.ratings += count
                bucket.figures.ratingSum += (value ?? 0) * count
                if (value ?? 0) >= 4 { bucket.figures.satisfied += count }
            case let outcome?:
                switch MatterWorkflow.Milestone(rawValue: outcome) {
                case .concluded: bucket.figures.concluded += count
                case .refused: bucket.figures.refused += count
                case .stopped: bucket.figures.stopped += count
                default: continue
                }
                bucket.figures.handlingDays[value ?? 0, default: 0] += count
            case nil: continue
            }
            buckets[id] = bucket
        }
        return buckets.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    private static func expression(_ dimension: StatisticsQuery.Dimension, _ level: StatisticsQuery.RegionLevel) -> String {
        switch dimension {
        case .region:
            switch level {
            case .province: "substr(region_code, 1, 2) || '0000'"
            case .city: "substr(region_code, 1, 4) || '00'"
            case .county: "region_code"
            }
        case .line: "business_line"
        case .matterType: "matter_type"
        case .channel: "channel"
        case .period: "''"
        }
    }

    /// `day` (YYYY-MM-DD) as its period, the same text as ``StatisticsQuery/period(of:_:)``.
    private static func period(_ unit: StatisticsQuery.PeriodUnit) -> String {
        switch unit {
        case .day: "day"
        case .week: "date(day, '-6 days', 'weekday 1')"
        case .month: "substr(day, 1, 7)"
        case .quarter: "substr(day, 1, 4) || '-Q' || ((CAST(substr(day, 6, 2) AS INTEGER) + 2) / 3)"
        case .year: "substr(day, 1, 4)"
        }
    }
}
