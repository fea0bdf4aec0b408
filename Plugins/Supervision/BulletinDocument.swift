import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

/// The monthly bulletin (考核通报) of a division as one self-contained HTML document — inline CSS,
/// charts drawn here as SVG, no script, no external resource — that wkhtmltopdf prints as is:
/// the summary, the indicators and weights, the rankings by line and by division, each
/// indicator's table, a bar chart of the totals, the lowest-scoring units named, and when it was
/// generated.
struct BulletinDocument {
    var scores: Fawang_Supervision_V1_ScoresReport
    var monthLabel: String
    var generatedAt: Date

    typealias Row = Fawang_Supervision_V1_ScoreRow

    var bureau: String { scores.regionName + (DivisionCode.level(of: scores.regionCode) == 1 ? "司法厅" : "司法局") }
    var title: String { "《\(bureau)\(monthLabel)公共法律服务考核通报》" }

    /// The ranked units of a table (by line or by division) scoring lowest, ties included; none
    /// when fewer than two are ranked.
    static func lowest(_ rows: [Row]) -> [Row] {
        let ranked = rows.filter(\.measured)
        guard ranked.count >= 2, let bottom = ranked.map(\.total).min() else { return [] }
        return ranked.filter { $0.total == bottom }
    }

    static func points(_ value: Double) -> String { String(format: "%.2f", value) }

    var summary: String {
        let overall = scores.overall
        guard overall.measured else { return "\(monthLabel)，\(scores.regionName)没有收件，也没有收到评价，本月考核无数据。" }
        let indicators = zip(scores.indicators, overall.indicators).map { "\($0.name)\($1.display)" }.joined(separator: "，")
        var text = "\(monthLabel)，\(scores.regionName)共收件\(overall.received)件，综合得分\(Self.points(overall.total))分（\(indicators)）。"
        for (rows, kind) in [(scores.byLine, "业务条线"), (scores.byDivision, "地区")] {
            let ranked = rows.filter(\.measured)
            guard ranked.count >= 2, let best = ranked.first, let worst = ranked.last else { continue }
            text += "各\(kind)中，\(best.unitName)得分最高（\(Self.points(best.total))分），\(worst.unitName)得分最低（\(Self.points(worst.total))分）"
            let missing = rows.count - ranked.count
            text += missing > 0 ? "，另有\(missing)个\(kind)本月无数据。" : "。"
        }
        return text
    }

    func html() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let at = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: generatedAt)
        let generated = String(format: "%d年%d月%d日 %02d:%02d", at.year ?? 0, at.month ?? 0, at.day ?? 0, at.hour ?? 0, at.minute ?? 0)
        var page = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 960px; padding: 0 16px; font-size: 14px; line-height: 1.6; }
            h1 { text-align: center; font-size: 22px; color: #b3261e; margin: 24px 0 4px; }
            .subtitle { text-align: center; color: #555; margin: 0 0 16px; }
            h2 { font-size: 17px; border-left: 4px solid #b3261e; padding-left: 8px; margin: 22px 0 8px; page-break-after: avoid; }
            table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; page-break-inside: avoid; }
            th, td { border: 1px solid #999; padding: 3px 6px; text-align: center; }
            th { background: #f3e9e8; }
            td.name { text-align: left; }
            td.none { color: #888; }
            .notice { border: 1px solid #b3261e; background: #fdf3f2; padding: 8px 12px; }
            .note { color: #555; font-size: 12px; }
            svg text { font-size: 12px; fill: #1b1b1b; }
            </style></head><body>
            <h1>\(escape(title))</h1>
            <p class="subtitle">\(escape(scores.regionName))　统计期间：\(escape(monthLabel))　截至\(escape(scores.asOfDay))</p>
            <h2>一、总体情况</h2>
            <p>\(escape(summary))</p>
            <h2>二、考核指标</h2>
            <table><tr><th>指标</th><th>分值</th><th>计算方法</th></tr>
            """
        for indicator in scores.indicators {
            page += "<tr><td>\(escape(indicator.name))</td><td>\(indicator.weight)</td><td class=\"name\">\(escape(indicator.definition))</td></tr>"
        }
        page += """
            </table>
            <p class="note">以上指标和分值为本机关的考核规则，不是法律法规规定的标准。某项指标当月没有可计的事项时记为“无数据”，不计分，总分按其余指标的分值折算为百分制；全部指标无数据的单位不参加排名。</p>
            """
        page += "<h2>三、按业务条线排名</h2>" + ranking(scores.byLine, unit: "业务条线")
        page += "<h2>四、按地区排名</h2>" + ranking(scores.byDivision, unit: "地区")
        page += "<h2>五、各项指标</h2>"
        for (index, indicator) in scores.indicators.enumerated() {
            page += "<h3>\(index + 1). \(escape(indicator.name))（\(indicator.weight)分）</h3>"
            page += "<table><tr><th>类别</th><th>单位</th><th>\(indicator.id == "satisfaction" ? "评分合计" : "达标件数")</th>"
                + "<th>\(indicator.id == "satisfaction" ? "评价件数" : "计数件数")</th><th>指标值</th><th>得分</th></tr>"
            for (kind, rows) in [("地区", scores.byDivision), ("条线", scores.byLine)] {
                for row in rows where index < row.indicators.count {
                    let score = row.indicators[index]
                    page += "<tr><td>\(kind)</td><td class=\"name\">\(escape(row.unitName))</td><td>\(score.numerator)</td><td>\(score.denominator)</td>"
                        + "<td\(score.measured ? "" : " class=\"none\"")>\(escape(score.display))</td><td>\(score.measured ? Self.points(score.points) : "—")</td></tr>"
                }
            }
            page += "</table>"
        }
        page += "<h2>六、综合得分图</h2>"
        page += Self.barChart(scores.byDivision.filter(\.measured), title: "各地区综合得分")
        page += Self.barChart(scores.byLine.filter(\.measured), title: "各业务条线综合得分")
        page += "<h2>七、通报</h2><div class=\"notice\">"
        let named = [("地区", Self.lowest(scores.byDivision)), ("业务条线", Self.lowest(scores.byLine))].filter { !$0.1.isEmpty }
        if named.isEmpty {
            page += "<p>本月参加排名的单位不足两个，不作通报。</p>"
        } else {
            for (kind, rows) in named {
                let names = rows.map { "\(escape($0.unitName))（\(Self.points($0.total))分）" }.joined(separator: "、")
                page += "<p>\(kind)综合得分末位：<strong>\(names)</strong>，予以通报。</p>"
            }
            page += "<p>请被通报单位对照各项指标分析原因，于下月10日前将整改措施报\(escape(bureau))。</p>"
        }
        page += "</div><p class=\"note\">本通报由法网平台根据各条线事项的办理记录自动计算生成，生成时间：\(escape(generated))（北京时间）。</p></body></html>"
        return page
    }

    /// Horizontal bars of the totals (0–100), each labelled with its unit and score.
    static func barChart(_ rows: [Row], title: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"note\">\(escape(title))：无数据。</p>" }
        let (labelWidth, barWidth, rowHeight, top) = (130.0, 480.0, 22.0, 26.0)
        let height = Int(top + rowHeight * Double(rows.count) + 10)
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="680" height="\#(height)" role="img" aria-label="\#(escape(title))">"#
        svg += #"<text x="0" y="16" font-weight="bold">\#(escape(title))（满分100分）</text>"#
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let width = max(0, min(100, row.total)) / 100 * barWidth
            let colour = row.rank == rows.map(\.rank).max() && rows.count > 1 ? "#b3261e" : "#1f5fa8"
            svg += #"<text x="\#(labelWidth - 6)" y="\#(y + 15)" text-anchor="end">\#(escape(row.unitName))</text>"#
            svg += #"<rect x="\#(labelWidth)" y="\#(y + 3)" width="\#(String(format: "%.1f", width))" height="\#(rowHeight - 6)" fill="\#(colour)"><title>\#(escape(row.unitName))：\#(points(row.total))分</title></rect>"#
            svg += #"<text x="\#(String(format: "%.1f", labelWidth + width + 4))" y="\#(y + 15)">\#(points(row.total))</text>"#
        }
        return svg + "</svg>"
    }

    func ranking(_ rows: [Row], unit: String) -> String {
        var table = "<table><tr><th>排名</th><th>\(unit)</th><th>收件</th>"
        for indicator in scores.indicators { table += "<th>\(escape(indicator.name))</th>" }
        table += "<th>综合得分</th></tr>"
        for row in rows {
            table += "<tr><td>\(row.measured ? String(row.rank) : "—")</td><td class=\"name\">\(escape(row.unitName))</td><td>\(row.received)</td>"
            for score in row.indicators { table += "<td\(score.measured ? "" : " class=\"none\"")>\(escape(score.display))</td>" }
            table += row.measured ? "<td><strong>\(Self.points(row.total))</strong></td></tr>" : "<td class=\"none\">无数据</td></tr>"
        }
        return table + "</table>"
    }
}

/// Text made safe inside HTML and its attributes (the plugin kit's XML escaping serves both).
fileprivate func escape(_ text: String) -> String { Spreadsheet.escaped(text) }
