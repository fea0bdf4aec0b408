import FawangCore
import FawangPluginKit
import Foundation

/// The public directory as it stands now: the platform's own register (legal aid centres,
/// public legal service centres, stations, rooms and village advisers) and every line's register
/// (``DepartmentPlugin/directoryEntries(context:)``), for the lines switched on where each entry
/// is, with what the bureaus recorded about each (``DepartmentPlugin/oversightRecords(context:)``:
/// licence terms, assessments, inspections, measures). Composed on every request, so a licence
/// decision or a module switch shows at once; the province's registers hold a few thousand
/// entries at most.
struct PublicDirectory: Sendable {
    let registry: ModuleRegistry
    let store: any DirectoryStore
    let plugins: [(any DepartmentPlugin, PluginContext)]
    /// The credit index: handled, rated, overdue and complained-about matters per entry.
    let matters: any MatterStore
    let now: @Sendable () -> Date

    /// An entry placed on the map.
    struct Placed: Sendable {
        var entry: DirectoryEntry
        /// Its own point, or its division's seat (`approximate`).
        var location: GeoPoint?
        var approximate: Bool
        /// 银川市兴庆区
        var regionName: String
        var lineName: String
    }

    /// The credit figures of `entries` (absent: no matter names it), overdue as of today.
    func credit(of entries: [Placed]) async throws -> [String: CreditSummary] {
        try await matters.creditSummaries(entryIDs: entries.map(\.entry.id), today: CivilDate(now()))
    }

    /// Every division by code, each with its seat.
    func divisions() async throws -> [String: Division] {
        Dictionary(try await store.allDivisions().map { ($0.code, $0) }) { first, _ in first }
    }

    /// A division code a request named, against `divisions`: empty stays empty (the whole
    /// province); a well-formed code (the caller's `FieldValidator.regionCode`) that is no
    /// division is `NOT_FOUND`.
    static func requireDivision(_ code: String, in divisions: [String: Division]) throws(FawangError) {
        if !code.isEmpty, divisions[code] == nil { throw FawangError.notFound("没有代码为 \(code) 的行政区划") }
    }

    /// Every entry, placed and named with `divisions` (``divisions()``, read once per request).
    func entries(in divisions: [String: Division]) async throws -> [Placed] {
        var entries = try await store.organizations(businessLine: nil, within: nil).compactMap { organization -> DirectoryEntry? in
            guard let kind = DirectoryKind.named(organization.kind) else { return nil }
            return DirectoryEntry(
                localID: organization.id, kind: kind, name: organization.name, regionCode: organization.regionCode,
                businessLine: organization.businessLine, address: organization.address, phone: organization.phone,
                location: organization.location)
        }
        var records: [String: OversightRecord] = [:]
        for (plugin, context) in plugins where registry.isEnabled(plugin.manifest.id) {
            entries += try await plugin.directoryEntries(context: context)
            records.merge(try await plugin.oversightRecords(context: context)) { first, _ in first }
        }
        let today = CivilDate(now())
        return entries.compactMap { entry in
            var entry = entry
            if let record = records[entry.id] { entry.apply(record, today: today) }
            // A line switched off in a division takes its entries there off the directory.
            if !entry.businessLine.isEmpty, !registry.isEnabled(entry.businessLine, in: entry.regionCode) { return nil }
            let seat = divisions[entry.regionCode]?.seat ?? DivisionCode.city(of: entry.regionCode).flatMap { divisions[$0]?.seat }
            return Placed(
                entry: entry, location: entry.location ?? seat, approximate: entry.location == nil && seat != nil,
                regionName: Self.regionName(entry.regionCode, divisions),
                lineName: registry.module(id: entry.businessLine)?.manifest.nameZH ?? "")
        }
    }

    /// "银川市兴庆区" for a county, "银川市" for a city, the province's name for the province.
    static func regionName(_ code: String, _ divisions: [String: Division]) -> String { DivisionCode.fullName(of: code, in: divisions) }

    /// Nearest first from `point`; without one, the citizen's own county, then its city, then the
    /// rest, each by distance from the division's seat (the province's seat when no division is
    /// given).
    static func nearest(_ entries: [Placed], to point: GeoPoint?, region: String, divisions: [String: Division]) -> [(Placed, Double?)] {
        let origin = point ?? divisions[region]?.seat ?? divisions.values.first { $0.parentCode == nil }?.seat
        func closeness(_ placed: Placed) -> Int {
            if point != nil || region.isEmpty { return 0 }
            if placed.entry.regionCode == region { return 0 }
            if let city = DivisionCode.city(of: region), DivisionCode.contains(city, placed.entry.regionCode) { return 1 }
            return 2
        }
        let measured = entries.map { placed in
            (placed, closeness(placed), origin.flatMap { origin in placed.location.map { origin.distance(to: $0) } })
        }
        return measured.sorted { a, b in
            if a.1 != b.1 { return a.1 < b.1 }
            switch (a.2, b.2) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.0.entry.id < b.0.entry.id
            }
        }.map { ($0.0, point == nil ? nil : $0.2) }
    }
}
