import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.supervision.v1.StatisticsService`: the figures of every line's matters for the bureaus.
struct StatisticsService: Sendable {
    let context: PluginContext

    typealias Method = Fawang_Supervision_V1_StatisticsService.Method
    typealias Dimension = StatisticsQuery.Dimension

    static let rpcs = RPCTable<StatisticsService>([
        RPC(Method.GetStatistics.descriptor, .handlers, verb: "stats", help: "数据统计：收件、受理、办结、逾期、办理时长、满意度（按地区、条线、渠道、期间）",
            argument: "region_code", aliases: ["from": "from_day", "to": "to_day", "region": "region_code", "line": "business_line", "by": "group_by"],
            rateLimited: false, StatisticsService.getStatistics),
        RPC(Method.ExportStatistics.descriptor, .handlers, verb: "export", help: "导出统计表（CSV 或 XLSX）", argument: "query.region_code",
            aliases: [
                "from": "query.from_day", "to": "query.to_day", "region": "query.region_code", "line": "query.business_line", "by": "query.group_by",
                "compare": "query.compare_previous",
            ],
            StatisticsService.exportStatistics),
        RPC(Method.WatchTodayIntake.descriptor, .handlers, help: "今日收件（按渠道），有新事项即推送", stream: StatisticsService.watchTodayIntake),
    ])

    // MARK: RPCs

    func getStatistics(_ request: Fawang_Supervision_V1_StatisticsRequest) async throws -> Fawang_Supervision_V1_StatisticsReport {
        let asked = try await question(request)
        return try await report(asked, compare: request.comparePrevious)
    }

    func exportStatistics(_ request: Fawang_Supervision_V1_ExportStatisticsRequest) async throws -> Fawang_Supervision_V1_ExportedFile {
        let asked = try await question(request.query, field: "query.")
        let report = try await report(asked, compare: request.query.comparePrevious)
        let table = Self.table(report, groupBy: asked.query.groupBy, compare: request.query.comparePrevious)
        let xlsx = request.format == .xlsx
        return .with {
            $0.fileName = "统计_\(report.regionCode)_\(report.fromDay)_\(report.toDay).\(xlsx ? "xlsx" : "csv")"
            $0.contentType = xlsx ? Spreadsheet.xlsxType : Spreadsheet.csvType
            $0.content = xlsx ? table.xlsx(sheetName: "数据统计") : table.csv()
        }
    }

    /// Today's intake by channel now, then again after every write to a matter (at most once a
    /// second), until the caller goes.
    func watchTodayIntake(
        _ request: Fawang_Supervision_V1_TodayIntakeRequest, _ writer: RPCWriter<Fawang_Supervision_V1_TodayIntake>
    ) async throws {
        let scope = try await self.scope(region: request.regionCode, line: "", type: "", field: "")
        let changes = context.deadlines.changeSignal.changes()
        var last: Fawang_Supervision_V1_TodayIntake?
        while true {
            let today = CivilDate(context.now())
            let buckets = try await context.matters.statistics(StatisticsQuery(
                from: today, to: today, today: today, regionCode: scope.region, businessLines: scope.lines, groupBy: [.channel]))
            let counts = Dictionary(buckets.map { ($0.key[.channel] ?? "", $0.figures.received) }) { first, _ in first }
            let intake = Fawang_Supervision_V1_TodayIntake.with {
                $0.day = today.description
                $0.channels = Channel.allCases.map { channel in
                    .with {
                        $0.channel = Fawang_Matter_V1_Channel(channel)
                        $0.label = channel.label
                        $0.received = Int64(counts[channel.rawValue] ?? 0)
                    }
                }
                $0.total = $0.channels.reduce(0) { $0 + $1.received }
            }
            if intake != last { try await writer.write(intake) }
            last = intake
            var iterator = changes.makeAsyncIterator()
            guard await iterator.next() != nil else { return }
            try await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: The question

    /// A request made into a store query within what the caller may see.
    struct Asked {
        var query: StatisticsQuery
        var regionName: String
    }

    /// The caller's scope: a division within their own, the lines they may see.
    struct Scope {
        var region: String
        var lines: [String]
    }

    func scope(region requested: String, line: String, type: String, field: String) async throws -> Scope {
        guard let principal = Principal.current, [.staff, .departmentAdmin, .platformAdmin].contains(principal.role) else {
            throw FawangError(.permissionDenied, "数据统计仅供司法行政机关工作人员查看")
        }
        let region = requested.isEmpty ? principal.regionCode : requested
        guard DivisionCode.isWellFormed(region), try await context.directory.division(code: region) != nil else {
            throw FawangError.invalidArgument(field: "\(field)region_code", "行政区划代码 \(region) 不在本平台服务范围内")
        }
        guard principal.role == .platformAdmin || DivisionCode.contains(principal.regionCode, region) else {
            throw FawangError(.permissionDenied, "本账号只能查看本辖区（\(principal.regionCode)）及下级的统计，不能查看 \(region)")
        }
        let all = context.modules.matterLines
        let everyLine = principal.role == .platformAdmin || principal.department.isEmpty || principal.department == SupervisionPlugin.moduleID
        var lines = everyLine ? all : all.filter { $0 == principal.department }
        if !line.isEmpty {
            guard all.contains(line) else {
                throw FawangError.invalidArgument(field: "\(field)business_line", "没有业务条线 \(line)；可选：\(all.joined(separator: "、"))")
            }
            guard lines.contains(line) else { throw FawangError(.permissionDenied, "本账号不能查看「\(lineName(line))」条线的统计") }
            lines = [line]
        }
        if !type.isEmpty {
            guard let owner = context.modules.module(forMatterType: type)?.module.manifest.id else {
                throw FawangError.invalidArgument(field: "\(field)matter_type", "没有事项类型 \(type)")
            }
            guard lines.contains(owner) else { throw FawangError(.permissionDenied, "本账号不能查看「\(lineName(owner))」条线的统计") }
            lines = [owner]
        }
        return Scope(region: region, lines: lines)
    }

    func question(_ request: Fawang_Supervision_V1_StatisticsRequest, field: String = "") async throws -> Asked {
        let today = CivilDate(context.now())
        var check = FieldValidator()
        let from = request.fromDay.isEmpty ? today.monthStart() : CivilDate(strictISO: request.fromDay)
        let to = request.toDay.isEmpty ? today : CivilDate(strictISO: request.toDay)
        check.require(from != nil, "\(field)from_day", "开始日期应写作YYYY-MM-DD")
        check.require(to != nil, "\(field)to_day", "结束日期应写作YYYY-MM-DD")
        if let from, let to {
            check.require(from <= to, "\(field)to_day", "结束日期不能早于开始日期")
            check.require(from.days(until: to) <= 3 * 366, "\(field)to_day", "统计期间不能超过3年")
        }
        var dimensions: [Dimension] = []
        for (index, dimension) in request.groupBy.enumerated() {
            guard let mapped = Self.dimension(dimension) else {
                check.fail("\(field)group_by[\(index)]", "请选择统计维度：地区、条线、事项类型、渠道、办理机构或期间")
                continue
            }
            check.require(!dimensions.contains(mapped), "\(field)group_by[\(index)]", "统计维度不能重复")
            dimensions.append(mapped)
        }
        if request.channel != .unspecified, !Channel.allCases.contains(where: { Fawang_Matter_V1_Channel($0) == request.channel }) {
            check.fail("\(field)channel", "未知的渠道")
        }
        try check.check()
        let scope = try await self.scope(region: request.regionCode, line: request.businessLine, type: request.matterType, field: field)
        let level: StatisticsQuery.RegionLevel = switch request.regionLevel {
        case .province: .province
        case .city: .city
        case .county: .county
        default: scope.region.hasSuffix("0000") ? .city : .county
        }
        let unit: StatisticsQuery.PeriodUnit = switch request.periodUnit {
        case .day: .day
        case .week: .week
        case .quarter: .quarter
        case .year: .year
        default: .month
        }
        let region = try await context.directory.division(code: scope.region)
        return Asked(
            query: StatisticsQuery(
                from: from!, to: to!, today: today, regionCode: scope.region, businessLines: scope.lines,
                matterType: request.matterType.isEmpty ? nil : request.matterType, channel: Channel.allCases.first { Fawang_Matter_V1_Channel($0) == request.channel }?.rawValue,
                groupBy: dimensions, regionLevel: level, periodUnit: unit, percentiles: !request.withoutPercentiles),
            regionName: region?.name ?? scope.region)
    }

    // MARK: The report

    func report(_ asked: Asked, compare: Bool) async throws -> Fawang_Supervision_V1_StatisticsReport {
        let query = asked.query
        let buckets = try await context.matters.statistics(query)
        var earlier: [StatisticsBucket] = []
        var previousQuery = query
        if compare {
            (previousQuery.from, previousQuery.to) = Self.previousSpan(query.from, query.to)
            earlier = try await context.matters.statistics(previousQuery)
        }
        // The previous figures of a group: the same group in the span before; a period group's
        // is the period before it, in either span.
        let byKey = Dictionary((buckets + earlier).map { (Self.id($0.key, query.groupBy), $0.figures) }) { first, _ in first }
        let earlierByKey = Dictionary(earlier.map { (Self.id($0.key, query.groupBy), $0.figures) }) { first, _ in first }
        var labels = Labels(service: self)
        var groups: [Fawang_Supervision_V1_Group] = []
        for bucket in buckets {
            var previousKey = bucket.key
            if let period = bucket.key[.period] { previousKey[.period] = Self.period(before: period, query.periodUnit) }
            let previous = query.groupBy.contains(.period) ? byKey[Self.id(previousKey, query.groupBy)] : earlierByKey[Self.id(bucket.key, query.groupBy)]
            var keys: [Fawang_Supervision_V1_GroupKey] = []
            for dimension in query.groupBy {
                let value = bucket.key[dimension] ?? ""
                let label = try await labels.label(dimension, value)
                keys.append(.with {
                    $0.dimension = Self.proto(dimension)
                    $0.value = value
                    $0.label = label
                })
            }
            groups.append(.with {
                $0.key = keys
                $0.figures = Self.proto(bucket.figures)
                if compare || query.groupBy.contains(.period) { $0.previous = Self.proto(previous ?? StatisticsFigures()) }
            })
        }
        let total = buckets.reduce(into: StatisticsFigures()) { $0.add($1.figures) }
        let previousTotal = earlier.reduce(into: StatisticsFigures()) { $0.add($1.figures) }
        return .with {
            $0.fromDay = query.from.description
            $0.toDay = query.to.description
            if compare {
                $0.previousFromDay = previousQuery.from.description
                $0.previousToDay = previousQuery.to.description
                $0.previousTotal = Self.proto(previousTotal)
            }
            $0.regionCode = query.regionCode ?? ""
            $0.regionName = asked.regionName
            $0.businessLines = query.businessLines ?? []
            $0.total = Self.proto(total)
            $0.groups = groups
        }
    }

    /// Chinese names of the groups' values, each looked up once per report.
    struct Labels {
        let service: StatisticsService
        var regions: [String: String] = [:]
        /// Directory names by id, read once when a report is split by office.
        var offices: [String: String]?

        mutating func label(_ dimension: Dimension, _ value: String) async throws -> String {
            switch dimension {
            case .region:
                if let name = regions[value] { return name }
                let name = try await service.context.directory.division(code: value)?.name ?? value
                regions[value] = name
                return name
            case .line: return service.lineName(value)
            case .matterType: return service.context.modules.module(forMatterType: value)?.type.nameZH ?? value
            case .channel: return Channel(rawValue: value)?.label ?? value
            case .period: return StatisticsService.periodLabel(value)
            case .office:
                if value.isEmpty { return "司法行政机关直接办理" }
                if offices == nil {
                    offices = Dictionary(try await service.context.registers?.entries().map { ($0.id, $0.name) } ?? []) { first, _ in first }
                }
                return offices?[value] ?? value
            }
        }
    }

    func lineName(_ id: String) -> String { context.modules.module(id: id)?.manifest.nameZH ?? id }

    // MARK: Periods

    /// The span before `from…to`: a span from the first of a month moves back by as many months
    /// as it touches (December 1–7 → November 1–7; January to November → the year before, to the
    /// same day); any other span by its own length in days.
    static func previousSpan(_ from: CivilDate, _ to: CivilDate) -> (CivilDate, CivilDate) {
        let (fy, fm, fd) = from.components
        let (ty, tm, td) = to.components
        guard fd == 1 else {
            let length = from.days(until: to) + 1
            return (from.adding(days: -length), from.adding(days: -1))
        }
        let months = (ty - fy) * 12 + (tm - fm) + 1
        // The same day of the month as `to`, or that month's last day.
        let endMonth = to.monthStart(movedBy: -months)
        let nextMonth = to.monthStart(movedBy: 1 - months)
        let end = to.endsMonth ? nextMonth.adding(days: -1) : min(endMonth.adding(days: td - 1), nextMonth.adding(days: -1))
        return (from.monthStart(movedBy: -months), min(end, from.adding(days: -1)))
    }

    /// The period before `period` in `unit` (the text of ``StatisticsQuery/period(of:_:)``).
    static func period(before period: String, _ unit: StatisticsQuery.PeriodUnit) -> String {
        switch unit {
        case .day: return CivilDate(strictISO: period).map { $0.adding(days: -1).description } ?? period
        case .week: return CivilDate(strictISO: period).map { $0.adding(days: -7).description } ?? period
        case .month:
            guard let day = CivilDate(strictISO: period + "-01") else { return period }
            return StatisticsQuery.period(of: day.adding(days: -1), .month)
        case .quarter:
            let parts = period.split(separator: "-Q").compactMap { Int($0) }
            guard parts.count == 2 else { return period }
            return parts[1] == 1 ? "\(parts[0] - 1)-Q4" : "\(parts[0])-Q\(parts[1] - 1)"
        case .year: return Int(period).map { String($0 - 1) } ?? period
        }
    }

    /// 2026年12月, 2026年第4季度, 2026年, 2026-12-07起一周, 2026-12-07.
    static func periodLabel(_ period: String) -> String {
        if period.contains("-Q") {
            let parts = period.split(separator: "-Q")
            return "\(parts[0])年第\(parts.last ?? "")季度"
        }
        if period.count == 4 { return period + "年" }
        if period.count == 7 { return "\(period.prefix(4))年\(Int(period.suffix(2)) ?? 0)月" }
        return period
    }

    // MARK: Conversions

    static func id(_ key: [Dimension: String], _ dimensions: [Dimension]) -> [String] { dimensions.map { key[$0] ?? "" } }

    static func dimension(_ proto: Fawang_Supervision_V1_Dimension) -> Dimension? {
        switch proto {
        case .region: .region
        case .line: .line
        case .matterType: .matterType
        case .channel: .channel
        case .period: .period
        case .office: .office
        default: nil
        }
    }

    static func proto(_ dimension: Dimension) -> Fawang_Supervision_V1_Dimension {
        switch dimension {
        case .region: .region
        case .line: .line
        case .matterType: .matterType
        case .channel: .channel
        case .period: .period
        case .office: .office
        }
    }

    static func proto(_ figures: StatisticsFigures) -> Fawang_Supervision_V1_Figures {
        .with {
            $0.received = Int64(figures.received)
            $0.accepted = Int64(figures.accepted)
            $0.concluded = Int64(figures.concluded)
            $0.refused = Int64(figures.refused)
            $0.stopped = Int64(figures.stopped)
            $0.transferred = Int64(figures.transferred)
            $0.overdue = Int64(figures.overdue)
            $0.ended = Int64(figures.ended)
            $0.averageHandlingDays = figures.averageHandlingDays.map { ($0 * 10).rounded() / 10 } ?? 0
            $0.p90HandlingDays = Int32(figures.p90HandlingDays ?? 0)
            $0.ratings = Int64(figures.ratings)
            $0.averageRating = figures.averageRating.map { ($0 * 100).rounded() / 100 } ?? 0
            $0.satisfiedShare = figures.ratings == 0 ? 0 : (Double(figures.satisfied) / Double(figures.ratings) * 1000).rounded() / 1000
        }
    }

    /// The report as a table: the groups' names, their figures, the previous span's beside them,
    /// and a total row.
    static func table(_ report: Fawang_Supervision_V1_StatisticsReport, groupBy: [Dimension], compare: Bool) -> Spreadsheet {
        let names: [Dimension: String] = [.region: "地区", .line: "业务条线", .matterType: "事项类型", .channel: "渠道", .period: "期间", .office: "办理机构"]
        let withPrevious = compare || groupBy.contains(.period)
        let columns = Fawang_Supervision_V1_Figures.columns
        let header = groupBy.map { names[$0] ?? $0.rawValue } + columns.map(\.name) + (withPrevious ? columns.map { "上期" + $0.name } : [])
        func cells(_ figures: Fawang_Supervision_V1_Figures) -> [Spreadsheet.Cell] { columns.map { .number($0.value(figures)) } }
        let previousTotal = withPrevious ? (compare ? cells(report.previousTotal) : columns.map { _ in .empty }) : []
        // Totals only: one row.
        guard !groupBy.isEmpty else { return Spreadsheet(header: header, rows: [cells(report.total) + previousTotal]) }
        var rows = report.groups.map { group in
            group.key.map { Spreadsheet.Cell.text($0.label) } + cells(group.figures) + (withPrevious ? cells(group.previous) : [])
        }
        rows.append([.text("合计")] + Array(repeating: Spreadsheet.Cell.empty, count: groupBy.count - 1) + cells(report.total) + previousTotal)
        return Spreadsheet(header: header, rows: rows)
    }
}
