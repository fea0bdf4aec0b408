public import FawangCore

/// A module's register in its own table (aid providers, notary offices, mediation committees):
/// a row by id, the rows of a city, and the refusals every line gives for them.
///
/// ```swift
/// let offices = RegisterTable(context.storage, table: "notarization_offices", noun: "公证机构") { row in
///     Office(id: row.string("id") ?? "", name: row.string("name") ?? "", …)
/// }
/// let office = try await offices.require(request.officeID, field: "office_id")
/// ```
public struct RegisterTable<Row: Sendable>: Sendable {
    public let storage: any ModuleStorage
    public let table: String
    /// What a row is, for messages: 法律援助人员, 公证机构.
    public let noun: String
    let decode: @Sendable (SQLRow) -> Row

    public init(_ storage: any ModuleStorage, table: String, noun: String, decode: @escaping @Sendable (SQLRow) -> Row) {
        self.storage = storage
        self.table = table
        self.noun = noun
        self.decode = decode
    }

    /// Rows matching `condition` (SQL over the table's columns), by id.
    public func rows(where condition: String, _ arguments: [SQLValue]) async throws -> [Row] {
        try await storage.query(SQLStatement("SELECT * FROM \(table) WHERE \(condition) ORDER BY id", arguments)).map(decode)
    }

    /// Every row, by id.
    public func all() async throws -> [Row] {
        try await rows(where: "1 = 1", [])
    }

    public func find(_ id: String) async throws -> Row? {
        try await rows(where: "id = ?", [.text(id)]).first
    }

    /// The row `id`, or `NOT_FOUND` naming it.
    public func require(_ id: String) async throws -> Row {
        guard let row = try await find(id) else { throw FawangError.notFound("未找到编号为 \(id) 的\(noun)") }
        return row
    }

    /// The rows of the city that `regionCode` lies in (a county's request lists its city's), or
    /// `INVALID_ARGUMENT` for a code that is not a division.
    public func inCity(of regionCode: String, field: String = "region_code") async throws -> [Row] {
        guard DivisionCode.isWellFormed(regionCode) else {
            throw FawangError.invalidArgument(field: field, "请填写6位行政区划代码，如银川市兴庆区为640104")
        }
        return try await rows(where: "region_code LIKE ?", [.text(DivisionCode.cityScopePrefix(of: regionCode) + "%")])
    }
}
