import FawangCore
import Foundation

/// An SVG map of a province's counties drawn from the directory alone, so the map page works
/// offline (no tile server): each county is the part of the province nearer its seat than any
/// other seat (a Voronoi cell, clipped to the province's outline), and entries are points over
/// it. A schematic, not a surveyed map: the page says so.
struct DivisionMap {
    let width = 600.0
    /// Degrees: the box the outline and seats span, with a margin.
    let minLongitude: Double, maxLatitude: Double
    /// Pixels per degree of longitude and of latitude (longitude shrunk by cos(latitude)).
    let xScale: Double, yScale: Double
    let height: Double
    let outline: [GeoPoint]

    /// Ningxia's boundary, simplified to ~40 vertices (longitude/latitude, clockwise from the
    /// northern tip at Shizuishan): enough for a schematic.
    static let ningxiaOutline: [(Double, Double)] = [
        (106.78, 39.39), (106.98, 39.05), (106.86, 38.72), (106.97, 38.45), (107.15, 38.20), (107.45, 38.15), (107.65, 37.90),
        (107.62, 37.60), (107.28, 37.10), (106.90, 36.95), (106.95, 36.35), (106.98, 35.90), (106.80, 35.70), (106.50, 35.35),
        (106.35, 35.24), (106.05, 35.40), (105.75, 35.60), (105.30, 35.95), (105.40, 36.30), (105.15, 36.60), (105.00, 36.95),
        (104.60, 37.25), (104.30, 37.45), (104.45, 37.70), (104.90, 37.62), (105.30, 37.75), (105.70, 37.85), (105.85, 38.30),
        (105.90, 38.70), (106.20, 39.00), (106.50, 39.25),
    ]

    /// The map of `seats` (county seats, and the points to show): Ningxia's outline for 640000,
    /// else the seats' bounding box with a margin.
    init(provinceCode: String, seats: [GeoPoint]) {
        var outline = provinceCode == "640000" ? Self.ningxiaOutline.map { GeoPoint(latitude: $0.1, longitude: $0.0) } : []
        if outline.isEmpty {
            let lats = seats.map(\.latitude), lons = seats.map(\.longitude)
            let (south, north) = ((lats.min() ?? 0) - 0.2, (lats.max() ?? 1) + 0.2)
            let (west, east) = ((lons.min() ?? 0) - 0.2, (lons.max() ?? 1) + 0.2)
            outline = [(north, west), (north, east), (south, east), (south, west)].map { GeoPoint(latitude: $0.0, longitude: $0.1) }
        }
        self.outline = outline
        let lats = outline.map(\.latitude), lons = outline.map(\.longitude)
        let margin = 0.05
        minLongitude = lons.min()! - margin
        maxLatitude = lats.max()! + margin
        let spanLon = lons.max()! - lons.min()! + 2 * margin, spanLat = lats.max()! - lats.min()! + 2 * margin
        let midLatitude = (lats.max()! + lats.min()!) / 2
        xScale = width / spanLon
        yScale = xScale / cos(midLatitude * .pi / 180)
        height = (spanLat * yScale).rounded()
    }

    func x(_ point: GeoPoint) -> Double { ((point.longitude - minLongitude) * xScale * 10).rounded() / 10 }
    func y(_ point: GeoPoint) -> Double { ((maxLatitude - point.latitude) * yScale * 10).rounded() / 10 }

    /// The attributes the page's script turns a click back into a position with.
    var projection: [String: Any] {
        ["width": width, "height": height, "west": minLongitude, "north": maxLatitude, "xScale": xScale, "yScale": yScale]
    }

    func path(_ polygon: [GeoPoint]) -> String {
        guard let first = polygon.first else { return "" }
        return "M\(x(first)),\(y(first))" + polygon.dropFirst().map { "L\(x($0)),\(y($0))" }.joined() + "Z"
    }

    /// Each seat's cell: the outline cut by the perpendicular bisector towards every other seat.
    func cells(_ seats: [GeoPoint]) -> [[GeoPoint]] {
        // Cut in projected coordinates, where distances are the map's.
        let planar = seats.map { (x: x($0), y: y($0)) }
        return seats.indices.map { i in
            var cell = outline.map { (x: x($0), y: y($0)) }
            for j in seats.indices where j != i && planar[j] != planar[i] {
                // Keep points p with |p−a|² ≤ |p−b|²: 2p·(b−a) ≤ |b|²−|a|².
                let a = planar[i], b = planar[j]
                let nx = b.x - a.x, ny = b.y - a.y, limit = (b.x * b.x + b.y * b.y - a.x * a.x - a.y * a.y) / 2
                cell = Self.clip(cell) { $0.x * nx + $0.y * ny - limit }
            }
            return cell.map { GeoPoint(latitude: maxLatitude - $0.y / yScale, longitude: minLongitude + $0.x / xScale) }
        }
    }

    /// Sutherland–Hodgman against one half-plane (`side(p) ≤ 0` is kept).
    static func clip(_ polygon: [(x: Double, y: Double)], side: ((x: Double, y: Double)) -> Double) -> [(x: Double, y: Double)] {
        guard !polygon.isEmpty else { return [] }
        var result: [(x: Double, y: Double)] = []
        for (index, current) in polygon.enumerated() {
            let previous = polygon[(index + polygon.count - 1) % polygon.count]
            let sc = side(current), sp = side(previous)
            if (sc <= 0) != (sp <= 0) {
                let t = sp / (sp - sc)
                result.append((x: previous.x + (current.x - previous.x) * t, y: previous.y + (current.y - previous.y) * t))
            }
            if sc <= 0 { result.append(current) }
        }
        return result
    }
}
