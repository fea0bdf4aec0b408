import Foundation

/// Charts drawn on the server as SVG: no script, readable without one, printable, and the same
/// picture in every browser. Each chart carries its numbers as text (titles on the marks, a
/// table beside it in the page) so that nothing is only a colour.
enum Charts {
    /// Series colours, distinguishable in greyscale too (dark to light).
    static let palette = ["#b3261e", "#1f5fa8", "#2e7d32", "#8a5a00", "#6a3d9a", "#00796b", "#5d4037", "#c2185b"]

    struct Series {
        var name: String
        var values: [Double]
    }

    /// Lines over categories (months): one polyline per series, points titled with their values.
    static func lines(_ series: [Series], labels: [String], title: String, width: Int = 720, height: Int = 260) -> String {
        let (left, right, top, bottom) = (48.0, 44.0, 28.0, 40.0)
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let top_ = niceMaximum(series.flatMap(\.values).max() ?? 0)
        let step = labels.count > 1 ? plotWidth / Double(labels.count - 1) : 0
        func x(_ index: Int) -> Double { left + Double(index) * step }
        func y(_ value: Double) -> Double { top + plotHeight - (top_ == 0 ? 0 : value / top_ * plotHeight) }
        var svg = open(width, height, title)
        svg += axes(left: left, top: top, width: plotWidth, height: plotHeight, maximum: top_)
        for (index, label) in labels.enumerated() where labels.count <= 12 || index % 2 == 0 {
            svg += #"<text x="\#(fmt(x(index)))" y="\#(height - 22)" text-anchor="middle">\#(escape(label))</text>"#
        }
        for (number, line) in series.enumerated() {
            let colour = palette[number % palette.count]
            let points = line.values.enumerated().map { "\(fmt(x($0.offset))),\(fmt(y($0.element)))" }.joined(separator: " ")
            svg += #"<polyline fill="none" stroke="\#(colour)" stroke-width="2" points="\#(points)"/>"#
            for (index, value) in line.values.enumerated() {
                svg += #"<circle cx="\#(fmt(x(index)))" cy="\#(fmt(y(value)))" r="3" fill="\#(colour)"><title>\#(escape(line.name)) \#(escape(labels[safe: index] ?? ""))：\#(number_(value))</title></circle>"#
            }
        }
        svg += legend(series.map(\.name), y: height - 6)
        return svg + "</svg>"
    }

    /// Horizontal bars, one group per category, one bar per series.
    static func bars(_ series: [Series], categories: [String], title: String, width: Int = 720, unit: String = "") -> String {
        // Room for the longest category name (a questionnaire's options are longer than a county's).
        let left = max(120.0, min(320.0, Double(categories.map(\.count).max() ?? 0) * 14 + 12))
        let barHeight = 14.0, gap = 10.0, right = 60.0, top = 28.0
        let groupHeight = Double(series.count) * barHeight + gap
        let height = Int(top + Double(categories.count) * groupHeight + 30)
        let plotWidth = Double(width) - left - right
        let maximum = niceMaximum(series.flatMap(\.values).max() ?? 0)
        var svg = open(width, height, title)
        for (row, category) in categories.enumerated() {
            let groupTop = top + Double(row) * groupHeight
            svg += #"<text x="\#(fmt(left - 6))" y="\#(fmt(groupTop + Double(series.count) * barHeight / 2 + 4))" text-anchor="end">\#(escape(category))</text>"#
            for (number, line) in series.enumerated() {
                let value = line.values[safe: row] ?? 0
                let length = maximum == 0 ? 0 : value / maximum * plotWidth
                let barTop = groupTop + Double(number) * barHeight
                svg += #"<rect x="\#(fmt(left))" y="\#(fmt(barTop))" width="\#(fmt(length))" height="\#(fmt(barHeight - 2))" fill="\#(palette[number % palette.count])"><title>\#(escape(category)) \#(escape(line.name))：\#(number_(value))\#(unit)</title></rect>"#
                svg += #"<text x="\#(fmt(left + length + 4))" y="\#(fmt(barTop + barHeight - 4))">\#(number_(value))\#(unit)</text>"#
            }
        }
        if series.count > 1 { svg += legend(series.map(\.name), y: height - 6) }
        return svg + "</svg>"
    }

    /// Cells coloured by share (overdue rate by county), `columns` to a row, each with its name and
    /// figure.
    static func heatGrid(_ cells: [(name: String, share: Double)], title: String, columns: Int = 4, width: Int = 720) -> String {
        let maximum = cells.map(\.share).max() ?? 0
        let cellWidth = Double(width) / Double(columns), cellHeight = 44.0
        let rows = (cells.count + columns - 1) / columns
        var svg = open(width, Int(Double(rows) * cellHeight + 4), title)
        for (index, cell) in cells.enumerated() {
            let x = Double(index % columns) * cellWidth, y = Double(index / columns) * cellHeight
            let text = String(format: "%.1f%%", cell.share * 100)
            let ink = maximum > 0 && cell.share / maximum > 0.6 ? "#fff" : "#222"
            svg += #"<rect x="\#(fmt(x + 2))" y="\#(fmt(y + 2))" width="\#(fmt(cellWidth - 4))" height="\#(fmt(cellHeight - 4))" rx="4" fill="\#(heat(cell.share, maximum: maximum))" stroke="\#("#ccc")"><title>\#(escape(cell.name))：\#(text)</title></rect>"#
            svg += #"<text x="\#(fmt(x + cellWidth / 2))" y="\#(fmt(y + 20))" text-anchor="middle" fill="\#(ink)">\#(escape(cell.name))</text>"#
            svg += #"<text x="\#(fmt(x + cellWidth / 2))" y="\#(fmt(y + 36))" text-anchor="middle" fill="\#(ink)">\#(text)</text>"#
        }
        return svg + "</svg>"
    }

    /// A background for a heat cell: white to deep red as `share` goes from 0 to `maximum`.
    static func heat(_ share: Double, maximum: Double) -> String {
        let level = maximum <= 0 ? 0 : min(1, share / maximum)
        let (r, g, b) = (255 - Int(level * 76), 255 - Int(level * 217), 255 - Int(level * 225))
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    // MARK: Pieces

    private static func open(_ width: Int, _ height: Int, _ title: String) -> String {
        // Presentation attributes, not CSS: the portal's CSP refuses inline styles.
        #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" width="100%" role="img" aria-label="\#(escape(title))" class="chart" font-family="sans-serif" font-size="12" fill="\#("#333")"><title>\#(escape(title))</title>"#
    }

    private static func axes(left: Double, top: Double, width: Double, height: Double, maximum: Double) -> String {
        var svg = ""
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let y = top + height - height * Double(step) / 4
            svg += #"<line x1="\#(fmt(left))" x2="\#(fmt(left + width))" y1="\#(fmt(y))" y2="\#(fmt(y))" stroke="\#("#ddd")"/>"#
            svg += #"<text x="\#(fmt(left - 6))" y="\#(fmt(y + 4))" text-anchor="end">\#(number_(value))</text>"#
        }
        return svg
    }

    private static func legend(_ names: [String], y: Int) -> String {
        var svg = "", x = 48.0
        for (number, name) in names.enumerated() {
            svg += #"<rect x="\#(fmt(x))" y="\#(y - 10)" width="10" height="10" fill="\#(palette[number % palette.count])"/>"#
            svg += #"<text x="\#(fmt(x + 14))" y="\#(y)">\#(escape(name))</text>"#
            x += 28 + Double(name.count) * 13
        }
        return svg
    }

    /// A round top for an axis of four steps, at least `value`: each step 1, 2 or 5 times a power
    /// of ten (whole numbers for counts from 1 up).
    static func niceMaximum(_ value: Double) -> Double {
        guard value > 0 else { return 0 }
        let step = value / 4
        let power = pow(10, floor(log10(step)))
        for factor in [1.0, 2, 5, 10] where factor * power >= step { return max(4, 4 * factor * power) }
        return 40 * power
    }

    static func number_(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
