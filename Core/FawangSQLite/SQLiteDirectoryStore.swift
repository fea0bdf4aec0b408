import FawangCore
import GRDB
import Synchronization

/// The divisions read so far (a class: the store is a value, its cache is shared).
final class DivisionCache: Sendable {
    let byCode = Mutex<[String: Division]>([:])
}

struct SQLiteDirectoryStore: DirectoryStore {
    let pool: GroupCommitPool
    let writes: WriteGate
    /// Divisions by code, as read: every matter's presentation names its division, and divisions
    /// change only through ``save(divisions:organizations:staff:)``, which empties this.
    private let divisionCache = DivisionCache()

    init(pool: GroupCommitPool, writes: WriteGate) {
        self.pool = pool
        self.writes = writes
    }

    func division(code: String) async throws -> Division? {
        if let known = divisionCache.byCode.withLock({ $0[code] }) { return known }
        let division = try pool.pointRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM divisions WHERE code = ?"), arguments: [code]).map(Self.division)
        }
        if let division { divisionCache.byCode.withLock { $0[code] = division } }
        return division
    }

    func divisions(parentCode: String?) async throws -> [Division] {
        try await pool.read { db in
            let rows = if let parentCode {
                try Row.fetchAll(db, sql: "SELECT * FROM divisions WHERE parent_code = ? ORDER BY code", arguments: [parentCode])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM divisions WHERE parent_code IS NULL ORDER BY code")
            }
            return rows.map(Self.division)
        }
    }

    func allDivisions() async throws -> [Division] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM divisions ORDER BY code").map(Self.division) }
    }

    func organizations(businessLine: String?, within regionCode: String?) async throws -> [Organization] {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: [DatabaseValue] = []
            if let businessLine {
                clauses.append("business_line = ?")
                arguments.append(businessLine.databaseValue)
            }
            if let regionCode {
                clauses.append("region_code LIKE ?")
                arguments.append((DivisionCode.scopePrefix(of: regionCode) + "%").databaseValue)
            }
            let sql = "SELECT * FROM organizations" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY region_code, id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.organization)
        }
    }

    func organization(id: String) async throws -> Organization? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM organizations WHERE id = ?", arguments: [id]).map(Self.organization)
        }
    }

    func staffMember(id: String) async throws -> StaffMember? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM staff WHERE id = ?", arguments: [id]).map { row in
                StaffMember(id: row["id"], name: row["name"], organizationID: row["organization_id"], role: row["role"], regionCode: row["region_code"])
            }
        }
    }

    func isEmpty() async throws -> Bool {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM divisions") == 0 }
    }

    func save(divisions: [Division], organizations: [Organization], staff: [StaffMember]) async throws {
        try writes.check()
        // Emptied before and after: a read that began before the commit cannot leave an old name.
        divisionCache.byCode.withLock { $0.removeAll() }
        defer { divisionCache.byCode.withLock { $0.removeAll() } }
        try await pool.write { db in
            for division in divisions {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO divisions (code, name, parent_code, latitude, longitude) VALUES (?, ?, ?, ?, ?)",
                    arguments: [division.code, division.name, division.parentCode, division.seat?.latitude, division.seat?.longitude])
            }
            for organization in organizations {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO organizations (id, kind, name, region_code, business_line, phone, address, latitude, longitude)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        organization.id, organization.kind, organization.name, organization.regionCode, organization.businessLine,
                        organization.phone, organization.address, organization.location?.latitude, organization.location?.longitude,
                    ])
            }
            for member in staff {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO staff (id, name, organization_id, role, region_code) VALUES (?, ?, ?, ?, ?)",
                    arguments: [member.id, member.name, member.organizationID, member.role, member.regionCode])
            }
        }
    }

    private static func division(_ row: Row) -> Division {
        Division(code: row["code"], name: row["name"], parentCode: row["parent_code"], seat: point(row))
    }

    private static func organization(_ row: Row) -> Organization {
        Organization(
            id: row["id"], kind: row["kind"], name: row["name"], regionCode: row["region_code"], businessLine: row["business_line"],
            phone: row["phone"], address: row["address"], location: point(row))
    }

    private static func point(_ row: Row) -> GeoPoint? {
        guard let latitude = row["latitude"] as Double?, let longitude = row["longitude"] as Double? else { return nil }
        return GeoPoint(latitude: latitude, longitude: longitude)
    }
}
