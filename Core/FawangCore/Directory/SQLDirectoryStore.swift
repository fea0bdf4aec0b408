import Foundation
import Synchronization

/// The directory's divisions, organisations and staff, on either engine.
public struct SQLDirectoryStore: DirectoryStore {
    let engine: any SQLEngine
    let writes: WriteGate
    /// Divisions by code, as read: every matter's presentation names its division. A save on
    /// this host empties it; one made on another host of the same database shows here once the
    /// kept entry is a minute old.
    private let divisionCache = DivisionCache()

    public init(engine: any SQLEngine, writes: WriteGate) {
        self.engine = engine
        self.writes = writes
    }

    /// The divisions read so far (a class: the store is a value, its cache is shared).
    final class DivisionCache: Sendable {
        static let lifetime: TimeInterval = 60
        let byCode = Mutex<[String: (division: Division, readAt: Date)]>([:])
    }

    public func division(code: String) async throws -> Division? {
        let now = Date()
        if let kept = divisionCache.byCode.withLock({ $0[code] }), now.timeIntervalSince(kept.readAt) < DivisionCache.lifetime { return kept.division }
        let division = try await engine.pointRead { db in try db.row("SELECT * FROM divisions WHERE code = ?", [.text(code)]).map(Self.division) }
        if let division { divisionCache.byCode.withLock { $0[code] = (division, now) } }
        return division
    }

    public func divisions(parentCode: String?) async throws -> [Division] {
        try await engine.read { db in
            let rows = if let parentCode {
                try db.rows("SELECT * FROM divisions WHERE parent_code = ? ORDER BY code", [.text(parentCode)])
            } else {
                try db.rows("SELECT * FROM divisions WHERE parent_code IS NULL ORDER BY code", [])
            }
            return rows.map(Self.division)
        }
    }

    public func allDivisions() async throws -> [Division] {
        try await engine.read { db in try db.rows("SELECT * FROM divisions ORDER BY code", []).map(Self.division) }
    }

    public func organizations(businessLine: String?, within regionCode: String?) async throws -> [Organization] {
        try await engine.read { db in
            var clauses: [String] = []
            var arguments: [SQLValue] = []
            if let businessLine {
                clauses.append("business_line = ?")
                arguments.append(.text(businessLine))
            }
            if let regionCode {
                clauses.append("region_code LIKE ?")
                arguments.append(.text(DivisionCode.scopePrefix(of: regionCode) + "%"))
            }
            let sql = "SELECT * FROM organizations" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY region_code, id"
            return try db.rows(sql, arguments).map(Self.organization)
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await engine.read { db in try db.row("SELECT * FROM organizations WHERE id = ?", [.text(id)]).map(Self.organization) }
    }

    public func staffMember(id: String) async throws -> StaffMember? {
        try await engine.read { db in
            try db.row("SELECT * FROM staff WHERE id = ?", [.text(id)]).map { row in
                StaffMember(
                    id: row.string("id") ?? "", name: row.string("name") ?? "", organizationID: row.string("organization_id"), role: row.string("role") ?? "",
                    regionCode: row.string("region_code") ?? "")
            }
        }
    }

    public func isEmpty() async throws -> Bool {
        try await engine.read { db in try db.row("SELECT COUNT(*) AS n FROM divisions")?.int("n") == 0 }
    }

    public func save(divisions: [Division], organizations: [Organization], staff: [StaffMember]) async throws {
        try writes.check()
        // Emptied before and after: a read that began before the commit cannot leave an old name.
        divisionCache.byCode.withLock { $0.removeAll() }
        defer { divisionCache.byCode.withLock { $0.removeAll() } }
        try await engine.write { db in
            for division in divisions {
                try db.execute(
                    """
                    INSERT INTO divisions (code, name, parent_code, latitude, longitude) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_code = excluded.parent_code,
                        latitude = excluded.latitude, longitude = excluded.longitude
                    """,
                    [
                        .text(division.code), .text(division.name), SQLValue.of(division.parentCode),
                        SQLValue.of(division.seat?.latitude), SQLValue.of(division.seat?.longitude),
                    ])
            }
            for organization in organizations {
                try db.execute(
                    """
                    INSERT INTO organizations (id, kind, name, region_code, business_line, phone, address, latitude, longitude)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, region_code = excluded.region_code,
                        business_line = excluded.business_line, phone = excluded.phone, address = excluded.address,
                        latitude = excluded.latitude, longitude = excluded.longitude
                    """,
                    [
                        .text(organization.id), .text(organization.kind), .text(organization.name), .text(organization.regionCode),
                        .text(organization.businessLine), .text(organization.phone), .text(organization.address),
                        SQLValue.of(organization.location?.latitude), SQLValue.of(organization.location?.longitude),
                    ])
            }
            for member in staff {
                try db.execute(
                    """
                    INSERT INTO staff (id, name, organization_id, role, region_code) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, organization_id = excluded.organization_id, role = excluded.role,
                        region_code = excluded.region_code
                    """,
                    [.text(member.id), .text(member.name), SQLValue.of(member.organizationID), .text(member.role), .text(member.regionCode)])
            }
        }
    }

    private static func division(_ row: SQLRow) -> Division {
        Division(code: row.string("code") ?? "", name: row.string("name") ?? "", parentCode: row.string("parent_code"), seat: point(row))
    }

    private static func organization(_ row: SQLRow) -> Organization {
        Organization(
            id: row.string("id") ?? "", kind: row.string("kind") ?? "", name: row.string("name") ?? "", regionCode: row.string("region_code") ?? "",
            businessLine: row.string("business_line") ?? "", phone: row.string("phone") ?? "", address: row.string("address") ?? "",
            location: point(row))
    }

    private static func point(_ row: SQLRow) -> GeoPoint? {
        guard let latitude = row.real("latitude"), let longitude = row.real("longitude") else { return nil }
        return GeoPoint(latitude: latitude, longitude: longitude)
    }
}
