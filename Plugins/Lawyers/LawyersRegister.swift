import FawangCore
import Foundation

/// The register of lawyers and law firms in the module's own tables (`lawyers_*`). It holds only
/// what the public register shows: no identity numbers, no personal phones.
struct LawyersRegister: Sendable {
    let storage: any ModuleStorage

    static let migrations = [
        StorageMigration(id: "v1-register", statements: [
            """
            CREATE TABLE lawyers_firms (
                licence_number TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                region_code TEXT NOT NULL,
                address TEXT NOT NULL,
                phone TEXT NOT NULL,
                status TEXT NOT NULL,
                suspended_until TEXT,
                established_on TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE lawyers_lawyers (
                licence_number TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                firm_licence_number TEXT NOT NULL,
                region_code TEXT NOT NULL,
                specialties TEXT NOT NULL,
                practising_since TEXT NOT NULL,
                status TEXT NOT NULL,
                suspended_until TEXT
            )
            """,
            """
            CREATE TABLE lawyers_discipline (
                id TEXT PRIMARY KEY,
                subject_kind TEXT NOT NULL,
                subject_licence_number TEXT NOT NULL,
                complaint_tracking_number TEXT NOT NULL,
                article TEXT NOT NULL,
                kind TEXT NOT NULL,
                penalty TEXT NOT NULL,
                decided_on TEXT NOT NULL
            )
            """,
            "CREATE INDEX lawyers_lawyers_by_firm ON lawyers_lawyers (firm_licence_number)",
            "CREATE INDEX lawyers_lawyers_by_region ON lawyers_lawyers (region_code)",
            "CREATE INDEX lawyers_discipline_by_subject ON lawyers_discipline (subject_licence_number)",
        ])
    ]

    struct DisciplineRow: Equatable, Sendable {
        var article: String
        var kind: String
        var penalty: String
        var decidedOn: String
    }

    // MARK: Reading

    func lawyer(_ licence: String) async throws -> RegisteredLawyer? {
        try await lawyers(where: "l.licence_number = ?", [.text(licence)], limit: 1).first?.lawyer
    }

    func firm(_ licence: String) async throws -> RegisteredFirm? {
        try await firms(where: "licence_number = ?", [.text(licence)], limit: 1).first?.firm
    }

    /// Lawyers with their firm's name.
    func lawyers(where condition: String, _ arguments: [SQLValue], limit: Int) async throws -> [(lawyer: RegisteredLawyer, firmName: String)] {
        let rows = try await storage.query(SQLStatement(
            """
            SELECT l.*, COALESCE(f.name, '') AS firm_name FROM lawyers_lawyers l
            LEFT JOIN lawyers_firms f ON f.licence_number = l.firm_licence_number
            WHERE \(condition) ORDER BY l.licence_number LIMIT \(limit)
            """, arguments))
        var result: [(RegisteredLawyer, String)] = []
        for row in rows {
            let licence = row.string("licence_number") ?? ""
            result.append((Self.lawyer(row, discipline: try await discipline(of: licence)), row.string("firm_name") ?? ""))
        }
        return result
    }

    /// A `lawyers_lawyers` row, with the days of its suspension penalties from `discipline`.
    static func lawyer(_ row: SQLRow, discipline: [DisciplineRow]) -> RegisteredLawyer {
        RegisteredLawyer(
            licenceNumber: row.string("licence_number") ?? "", name: row.string("name") ?? "", firmLicenceNumber: row.string("firm_licence_number") ?? "",
            regionCode: row.string("region_code") ?? "",
            specialties: (row.string("specialties") ?? "").split(separator: "|").map(String.init),
            practisingSince: CivilDate(iso: row.string("practising_since") ?? "") ?? CivilDate(dayNumber: 0),
            status: RegisterStatus(rawValue: row.string("status") ?? "") ?? .practising,
            suspendedUntil: row.string("suspended_until").flatMap { CivilDate(iso: $0) },
            suspensionsOn: discipline.filter { $0.kind == PenaltyKind.suspension.rawValue }.compactMap { CivilDate(iso: $0.decidedOn) })
    }

    func firms(where condition: String, _ arguments: [SQLValue], limit: Int) async throws -> [(firm: RegisteredFirm, address: String, phone: String, establishedOn: String, lawyerCount: Int)] {
        let rows = try await storage.query(SQLStatement(
            """
            SELECT f.*, (SELECT COUNT(*) FROM lawyers_lawyers l WHERE l.firm_licence_number = f.licence_number) AS lawyer_count
            FROM lawyers_firms f WHERE \(condition) ORDER BY f.licence_number LIMIT \(limit)
            """, arguments))
        return rows.map { row in
            (Self.firm(row), row.string("address") ?? "", row.string("phone") ?? "", row.string("established_on") ?? "", row.int("lawyer_count") ?? 0)
        }
    }

    /// A `lawyers_firms` row.
    static func firm(_ row: SQLRow) -> RegisteredFirm {
        RegisteredFirm(
            licenceNumber: row.string("licence_number") ?? "", name: row.string("name") ?? "",
            kind: FirmKind(rawValue: row.string("kind") ?? "") ?? .partnership, regionCode: row.string("region_code") ?? "",
            status: RegisterStatus(rawValue: row.string("status") ?? "") ?? .practising,
            suspendedUntil: row.string("suspended_until").flatMap { CivilDate(iso: $0) })
    }

    func discipline(of licence: String) async throws -> [DisciplineRow] {
        try await storage.query(SQLStatement(
            "SELECT * FROM lawyers_discipline WHERE subject_licence_number = ? ORDER BY decided_on, id", [.text(licence)])
        ).map(Self.disciplineRow)
    }

    static func disciplineRow(_ row: SQLRow) -> DisciplineRow {
        DisciplineRow(article: row.string("article") ?? "", kind: row.string("kind") ?? "", penalty: row.string("penalty") ?? "", decidedOn: row.string("decided_on") ?? "")
    }

    // MARK: The public directory

    /// Every firm and lawyer of the register as the public directory shows them, each with its
    /// status today and its penalties, newest first. Three queries, whatever the register's size.
    func directoryEntries(businessLine: String, today: CivilDate) async throws -> [DirectoryEntry] {
        var penalties: [String: [DisciplineRow]] = [:]
        for row in try await storage.query(SQLStatement("SELECT * FROM lawyers_discipline ORDER BY decided_on, id")) {
            penalties["\(row.string("subject_kind") ?? "")/\(row.string("subject_licence_number") ?? "")", default: []].append(Self.disciplineRow(row))
        }
        func records(_ subject: SubjectKind, _ licence: String) -> [DisciplineRow] { penalties["\(subject.rawValue)/\(licence)"] ?? [] }
        func status(_ status: RegisterStatus, until: CivilDate?, firm: Bool) -> String {
            status == .suspended ? "\(status.label(firm: firm))（至\(until?.description ?? "")）" : status.label(firm: firm)
        }
        // "2025-06-10 停止执业4个月，罚款8000元：依据《中华人民共和国律师法》第四十八条".
        func history(_ rows: [DisciplineRow]) -> [String] { rows.reversed().map { "\($0.decidedOn) \($0.penalty)：依据\($0.article)" } }
        // The same, as records the credit score counts (docs/business-lines.md, "机构监管").
        func measures(_ rows: [DisciplineRow], _ subject: SubjectKind, _ licence: String) -> [DisciplinaryMeasure] {
            rows.reversed().compactMap { row in
                guard let day = CivilDate(iso: row.decidedOn), let kind = MeasureKind(rawValue: row.kind) else { return nil }
                return DisciplinaryMeasure(
                    id: "lawyers/\(subject.rawValue)/\(licence)/\(row.decidedOn)/\(row.kind)", decidedOn: day, kind: kind, basis: row.article,
                    description: row.penalty)
            }
        }

        let firmRows = try await storage.query(SQLStatement("SELECT * FROM lawyers_firms ORDER BY licence_number"))
        let firms = firmRows.map { row in
            let firm = Self.firm(row)
            let now = firm.status(on: today)
            return DirectoryEntry(
                localID: firm.licenceNumber, kind: .lawFirm, name: firm.name, regionCode: firm.regionCode, businessLine: businessLine,
                address: row.string("address") ?? "", phone: row.string("phone") ?? "", licenceNumber: firm.licenceNumber,
                licenceStatus: status(now, until: firm.suspendedUntil, firm: true), inGoodStanding: now == .practising,
                discipline: history(records(.firm, firm.licenceNumber)), measures: measures(records(.firm, firm.licenceNumber), .firm, firm.licenceNumber))
        }
        let lawyerRows = try await storage.query(SQLStatement(
            """
            SELECT l.*, COALESCE(f.name, '') AS firm_name FROM lawyers_lawyers l
            LEFT JOIN lawyers_firms f ON f.licence_number = l.firm_licence_number ORDER BY l.licence_number
            """))
        let lawyers = lawyerRows.map { row in
            let licence = row.string("licence_number") ?? ""
            let lawyer = Self.lawyer(row, discipline: records(.lawyer, licence))
            let now = lawyer.status(on: today)
            return DirectoryEntry(
                localID: licence, kind: .lawyer, name: lawyer.name, regionCode: lawyer.regionCode, businessLine: businessLine,
                organizationID: "\(DirectoryKind.lawFirm.id)/\(lawyer.firmLicenceNumber)", organizationName: row.string("firm_name") ?? "",
                specialties: lawyer.specialties, licenceNumber: licence,
                licenceStatus: status(now, until: lawyer.suspendedUntil, firm: false), inGoodStanding: now == .practising,
                discipline: history(records(.lawyer, licence)), measures: measures(records(.lawyer, licence), .lawyer, licence))
        }
        return firms + lawyers
    }

    /// `value` as a LIKE pattern matching it anywhere (with `!` as the escape character).
    static func contains(_ value: String) -> SQLValue {
        let escaped = value.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%").replacingOccurrences(of: "_", with: "!_")
        return .text("%\(escaped)%")
    }

    // MARK: Writing (idempotent: a retried step writes nothing twice)

    func addLawyer(_ lawyer: RegisteredLawyer) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO lawyers_lawyers (licence_number, name, firm_licence_number, region_code, specialties, practising_since, status, suspended_until)
            VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (licence_number) DO NOTHING
            """,
            [.text(lawyer.licenceNumber), .text(lawyer.name), .text(lawyer.firmLicenceNumber), .text(lawyer.regionCode),
             .text(lawyer.specialties.joined(separator: "|")), .text(lawyer.practisingSince.description), .text(lawyer.status.rawValue)])
    }

    func addFirm(_ firm: RegisteredFirm, address: String, phone: String, establishedOn: CivilDate) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO lawyers_firms (licence_number, name, kind, region_code, address, phone, status, suspended_until, established_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (licence_number) DO NOTHING
            """,
            [.text(firm.licenceNumber), .text(firm.name), .text(firm.kind.rawValue), .text(firm.regionCode), .text(address), .text(phone),
             .text(firm.status.rawValue), .text(establishedOn.description)])
    }

    /// The founders practise at the new firm once it is established.
    func moveLawyers(_ licences: [String], to firm: String, region: String) -> [SQLStatement] {
        licences.map { SQLStatement("UPDATE lawyers_lawyers SET firm_licence_number = ?, region_code = ? WHERE licence_number = ?", [.text(firm), .text(region), .text($0)]) }
    }

    /// A penalty's record and its effect on the subject's status.
    func discipline(complaintID: String, trackingNumber: String, subject: SubjectKind, licence: String, penalty: Penalty, on day: CivilDate) -> [SQLStatement] {
        var statements = [SQLStatement(
            """
            INSERT INTO lawyers_discipline (id, subject_kind, subject_licence_number, complaint_tracking_number, article, kind, penalty, decided_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
            """,
            [.text(complaintID), .text(subject.rawValue), .text(licence), .text(trackingNumber), .text(penalty.article.citation),
             .text(penalty.kind.rawValue), .text(penalty.describe(subject: subject)), .text(day.description)])]
        let table = subject == .firm ? "lawyers_firms" : "lawyers_lawyers"
        switch penalty.kind {
        case .warning:
            break
        case .suspension:
            let until = day.adding(months: penalty.suspensionMonths)
            statements.append(SQLStatement(
                "UPDATE \(table) SET status = 'suspended', suspended_until = ? WHERE licence_number = ? AND status <> 'revoked'",
                [.text(until.description), .text(licence)]))
        case .revocation:
            statements.append(SQLStatement("UPDATE \(table) SET status = 'revoked', suspended_until = NULL WHERE licence_number = ?", [.text(licence)]))
        }
        return statements
    }

    // MARK: Demo data

    static let demoFirms: [(RegisteredFirm, address: String, phone: String, established: String)] = [
        (RegisteredFirm(licenceNumber: "36401201510001", name: "宁夏贺兰山律师事务所", kind: .partnership, regionCode: "640104", status: .practising),
         "银川市兴庆区解放西街1号", "0951-5012345", "2015-03-01"),
        (RegisteredFirm(licenceNumber: "36401201810002", name: "宁夏塞上江南律师事务所", kind: .partnership, regionCode: "640106", status: .practising),
         "银川市金凤区北京中路88号", "0951-5098765", "2018-06-01"),
        (RegisteredFirm(licenceNumber: "36402201210003", name: "石嘴山星海律师事务所", kind: .partnership, regionCode: "640202", status: .practising),
         "石嘴山市大武口区朝阳西街6号", "0952-2012345", "2012-09-01"),
    ]

    static let demoLawyers: [RegisteredLawyer] = [
        .init(licenceNumber: "16401201010000001", name: "马明", firmLicenceNumber: "36401201510001", regionCode: "640104",
              specialties: ["婚姻家事", "合同纠纷"], practisingSince: CivilDate(year: 2010, month: 5, day: 1), status: .practising),
        .init(licenceNumber: "16401201210000002", name: "李静", firmLicenceNumber: "36401201510001", regionCode: "640104",
              specialties: ["刑事辩护"], practisingSince: CivilDate(year: 2012, month: 7, day: 1), status: .practising),
        .init(licenceNumber: "16401201510000003", name: "王强", firmLicenceNumber: "36401201510001", regionCode: "640104",
              specialties: ["劳动争议", "公司法务"], practisingSince: CivilDate(year: 2015, month: 9, day: 1), status: .practising),
        .init(licenceNumber: "16401201910000004", name: "张丽", firmLicenceNumber: "36401201810002", regionCode: "640106",
              specialties: ["知识产权"], practisingSince: CivilDate(year: 2019, month: 3, day: 1), status: .practising),
        .init(licenceNumber: "16401202410000005", name: "杨帆", firmLicenceNumber: "36401201810002", regionCode: "640106",
              specialties: ["刑事辩护", "行政诉讼"], practisingSince: CivilDate(year: 2024, month: 8, day: 1), status: .practising),
        .init(licenceNumber: "16402201110000006", name: "丁勇", firmLicenceNumber: "36402201210003", regionCode: "640202",
              specialties: ["建设工程", "合同纠纷"], practisingSince: CivilDate(year: 2011, month: 4, day: 1), status: .practising),
    ]

    func seedDemo() async throws {
        var statements = Self.demoFirms.map { addFirm($0.0, address: $0.address, phone: $0.phone, establishedOn: CivilDate(iso: $0.established)!) }
        statements += Self.demoLawyers.map(addLawyer)
        try await storage.execute(statements)
    }
}
