import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.directory.v1.DirectoryService`: the public directory of legal service organisations
/// and personnel (``PublicDirectory``), for everyone.
struct DirectoryService: Fawang_Directory_V1_DirectoryService.SimpleServiceProtocol {
    let directory: PublicDirectory

    func searchDirectory(
        request: Fawang_Directory_V1_SearchDirectoryRequest, context: ServerContext
    ) async throws -> Fawang_Directory_V1_SearchDirectoryResponse {
        var check = FieldValidator()
        let kinds = check.distinct(request.kinds, field: "kinds", "类别应为：\(DirectoryKind.all.map(\.id).joined(separator: "、"))") {
            DirectoryKind.named($0)
        }
        if !request.regionCode.isEmpty { check.regionCode(request.regionCode) }
        let name = request.name.trimmingCharacters(in: .whitespaces), specialty = request.specialty.trimmingCharacters(in: .whitespaces)
        check.require(name.count <= 50, "name", "名称不能超过50字")
        check.require(specialty.count <= 20, "specialty", "专业领域不能超过20字")
        let near = request.hasNear ? GeoPoint(latitude: request.near.latitude, longitude: request.near.longitude) : nil
        check.require(near?.isValid ?? true, "near", "坐标应为纬度 −90～90、经度 −180～180")
        check.require((0...200).contains(request.pageSize), "page_size", "每页条数应在1至200之间")
        let offset = request.pageToken.isEmpty ? 0 : Int(request.pageToken) ?? -1
        check.require(offset >= 0, "page_token", "翻页标记无效，请从第一页重新查找")
        try check.check()
        let divisions = try await directory.divisions()
        try PublicDirectory.requireDivision(request.regionCode, in: divisions)
        let found = try await directory.entries(in: divisions).filter { placed in
            let entry = placed.entry
            return (request.regionCode.isEmpty || DivisionCode.contains(request.regionCode, entry.regionCode))
                && (kinds.isEmpty || kinds.contains(entry.kind))
                && (name.isEmpty || entry.name.contains(name) || entry.organizationName.contains(name))
                && (specialty.isEmpty || entry.specialties.contains { $0.contains(specialty) })
                && (!request.inGoodStandingOnly || entry.inGoodStanding)
        }
        let ordered: [(PublicDirectory.Placed, Double?)] = if near != nil {
            PublicDirectory.nearest(found, to: near, region: request.regionCode, divisions: divisions)
        } else {
            // Organisations before people, by kind as the directory lists them, then by place and name.
            found.sorted {
                let a = DirectoryKind.all.firstIndex(of: $0.entry.kind) ?? 99, b = DirectoryKind.all.firstIndex(of: $1.entry.kind) ?? 99
                return (a, $0.entry.regionCode, $0.entry.id) < (b, $1.entry.regionCode, $1.entry.id)
            }.map { ($0, nil) }
        }
        let size = request.pageSize == 0 ? 50 : Int(request.pageSize)
        var response = Fawang_Directory_V1_SearchDirectoryResponse()
        response.total = Int32(ordered.count)
        let page = Array(ordered.dropFirst(offset).prefix(size))
        let credit = try await directory.credit(of: page.map(\.0))
        let today = CivilDate(directory.now())
        response.entries = page.map { Self.proto($0.0, distance: $0.1, credit: credit[$0.0.entry.id], today: today) }
        if offset + size < ordered.count { response.nextPageToken = String(offset + size) }
        return response
    }

    func getEntry(request: Fawang_Directory_V1_GetEntryRequest, context: ServerContext) async throws -> Fawang_Directory_V1_DirectoryEntry {
        guard !request.id.isEmpty else { throw FawangError.invalidArgument(field: "id", "请填写目录编号，如 notary_office/np-640100-1") }
        guard let placed = try await directory.entries(in: directory.divisions()).first(where: { $0.entry.id == request.id }) else {
            throw FawangError.notFound("目录中没有编号为 \(request.id) 的机构或人员（可能已注销，或所属业务在当地未开通）")
        }
        let credit = try await directory.credit(of: [placed])
        return Self.proto(placed, distance: nil, credit: credit[placed.entry.id], today: CivilDate(directory.now()))
    }

    func listKinds(request: Fawang_Directory_V1_ListKindsRequest, context: ServerContext) async throws -> Fawang_Directory_V1_ListKindsResponse {
        .with {
            $0.kinds = DirectoryKind.all.map { kind in
                .with {
                    $0.id = kind.id
                    $0.name = kind.nameZH
                    $0.isPerson = kind.isPerson
                }
            }
        }
    }

    func getMap(request: Fawang_Directory_V1_GetMapRequest, context: ServerContext) async throws -> Fawang_Directory_V1_GetMapResponse {
        var check = FieldValidator()
        if !request.regionCode.isEmpty { check.regionCode(request.regionCode) }
        try check.check()
        let all = try await directory.divisions()
        try PublicDirectory.requireDivision(request.regionCode, in: all)
        let divisions = all.values.filter { request.regionCode.isEmpty || DivisionCode.contains(request.regionCode, $0.code) }
        return .with {
            $0.divisions = divisions.sorted { $0.code < $1.code }.map { division in
                .with {
                    $0.code = division.code
                    $0.name = division.name
                    $0.parentCode = division.parentCode ?? ""
                    if let seat = division.seat { $0.seat = Self.proto(seat) }
                }
            }
        }
    }

    static func proto(_ point: GeoPoint) -> Fawang_Directory_V1_GeoPoint {
        .with {
            $0.latitude = point.latitude
            $0.longitude = point.longitude
        }
    }

    static func proto(_ placed: PublicDirectory.Placed, distance: Double?, credit: CreditSummary?, today: CivilDate) -> Fawang_Directory_V1_DirectoryEntry {
        var proto = Fawang_Directory_V1_DirectoryEntry(
            placed.entry, regionName: placed.regionName, lineName: placed.lineName, credit: credit ?? CreditSummary(), today: today)
        if let location = placed.location { proto.location = Self.proto(location) }
        proto.locationApproximate = placed.approximate
        // Metres are noise at this scale: one decimal of a kilometre.
        if let distance { proto.distanceKm = (distance * 10).rounded() / 10 }
        return proto
    }
}
