import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import Logging
import SwiftProtobuf

/// Kinds of proactively disclosed information (Arts. 20, 49–50), as stored.
enum CatalogueCategory: String, CaseIterable, Sendable {
    case notice, serviceGuide = "service_guide", fees, statistics, annualReport = "annual_report"
    case normativeDocument = "normative_document", agencyInfo = "agency_info"

    init?(_ proto: Fawang_Disclosure_V1_CatalogueCategory) {
        guard let category = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = category
    }

    var proto: Fawang_Disclosure_V1_CatalogueCategory {
        switch self {
        case .notice: .notice
        case .serviceGuide: .serviceGuide
        case .fees: .fees
        case .statistics: .statistics
        case .annualReport: .annualReport
        case .normativeDocument: .normativeDocument
        case .agencyInfo: .agencyInfo
        }
    }

    var label: String {
        switch self {
        case .notice: "通知公告"
        case .serviceGuide: "办事指南"
        case .fees: "收费项目及标准"
        case .statistics: "统计信息"
        case .annualReport: "政府信息公开工作年度报告"
        case .normativeDocument: "规范性文件"
        case .agencyInfo: "机关职能、机构设置及联系方式"
        }
    }
}

/// One row of `disclosure_catalogue`: a bureau's item, numbered per bureau and year.
struct CatalogueRow: Sendable, Equatable {
    var regionCode: String
    var year: Int
    var sequence: Int
    var publisher: String
    var category: CatalogueCategory
    var title, documentNumber, summary, body, generatedOn, publishedOn: String
    var requestDigest: String
    /// Empty while the item is in the catalogue.
    var withdrawnOn = "", withdrawalReason = ""

    /// The index number (索引号, Art. 12 para. 3): `640000-2026-00003`.
    var id: String { Self.id(regionCode: regionCode, year: year, sequence: sequence) }

    static func id(regionCode: String, year: Int, sequence: Int) -> String {
        let digits = String(sequence)
        return "\(regionCode)-\(year)-\(String(repeating: "0", count: max(0, 5 - digits.count)))\(digits)"
    }

    /// The parts of an index number, or nil if it is not one.
    static func parse(_ id: String) -> (regionCode: String, year: Int, sequence: Int)? {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, DivisionCode.isWellFormed(parts[0]), parts[1].count == 4, let year = Int(parts[1]),
            parts[2].count >= 5, parts[2].count <= 9, parts[2].allSatisfy(\.isASCII), let sequence = Int(parts[2]), sequence > 0
        else { return nil }
        return (parts[0], year, sequence)
    }

    init(
        regionCode: String, year: Int, sequence: Int, publisher: String, category: CatalogueCategory, title: String, documentNumber: String,
        summary: String, body: String, generatedOn: String, publishedOn: String, requestDigest: String = ""
    ) {
        self.regionCode = regionCode
        self.year = year
        self.sequence = sequence
        self.publisher = publisher
        self.category = category
        self.title = title
        self.documentNumber = documentNumber
        self.summary = summary
        self.body = body
        self.generatedOn = generatedOn
        self.publishedOn = publishedOn
        self.requestDigest = requestDigest
    }

    init?(_ row: SQLRow) {
        guard let region = row.string("region_code"), let year = row.int("year"), let sequence = row.int("seq"),
            let category = row.string("category").flatMap(CatalogueCategory.init(rawValue:))
        else { return nil }
        self.init(
            regionCode: region, year: year, sequence: sequence, publisher: row.string("publisher") ?? "", category: category,
            title: row.string("title") ?? "", documentNumber: row.string("document_number") ?? "", summary: row.string("summary") ?? "",
            body: row.string("body") ?? "", generatedOn: row.string("generated_on") ?? "", publishedOn: row.string("published_on") ?? "",
            requestDigest: row.string("request_digest") ?? "")
        withdrawnOn = row.string("withdrawn_on") ?? ""
        withdrawalReason = row.string("withdrawal_reason") ?? ""
    }

    var proto: Fawang_Disclosure_V1_CatalogueItem {
        .with {
            $0.id = id
            $0.regionCode = regionCode
            $0.publisher = publisher
            $0.category = category.proto
            $0.categoryLabel = category.label
            $0.title = title
            $0.documentNumber = documentNumber
            $0.summary = summary
            $0.body = body
            $0.generatedOn = generatedOn
            $0.publishedOn = publishedOn
            $0.withdrawnOn = withdrawnOn
            $0.withdrawalReason = withdrawalReason
        }
    }

    /// The statement that stores the row with the next number of its bureau and year (the number
    /// is taken inside the statement, so two publications never share one); nothing for a
    /// `requestID` already stored.
    func insert(requestID: String, publishedBy: String, publishedAt: String) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO disclosure_catalogue (region_code, year, seq, request_id, request_digest, publisher, category, title,
                document_number, summary, body, generated_on, published_on, published_by, published_at)
            SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
              FROM disclosure_catalogue WHERE region_code = ? AND year = ?
            ON CONFLICT (request_id) DO NOTHING
            """,
            [
                .text(regionCode), .integer(Int64(year)), .text(requestID), .text(requestDigest), .text(publisher), .text(category.rawValue),
                .text(title), .text(documentNumber), .text(summary), .text(body), .text(generatedOn), .text(publishedOn), .text(publishedBy),
                .text(publishedAt), .text(regionCode), .integer(Int64(year)),
            ])
    }
}

/// The bureau of a division as the catalogue names it: the region's 司法厅, a city's or county's 司法局.
enum Bureau {
    static func name(of division: Division) -> String {
        division.name + (DivisionCode.level(of: division.code) == 1 ? "司法厅" : "司法局")
    }
}

extension DisclosureService {
    /// Art. 12: a catalogue lists each item's index, name, summary and date generated; Art. 24:
    /// searchable and browsable. Staff of the disclosure line publish for the bureaus within their
    /// division — the disclosure office (Art. 4) answers for the catalogue; each publication is
    /// in the audit trail.
    func publishItem(_ request: Fawang_Disclosure_V1_PublishItemRequest) async throws -> Fawang_Disclosure_V1_PublishItemResponse {
        let today = CivilDate(context.now())
        var category: CatalogueCategory?
        let handling = try steps.validate(request.context) { check in
            check.requestID(request.requestID)
            check.divisionCode(request.regionCode)
            category = CatalogueCategory(request.category)
            check.require(category != nil, "category", "请选择信息类别：通知公告、办事指南、收费项目及标准、统计信息、年度报告、规范性文件或机关职能")
            check.requireText(request.title, "title", label: "信息名称", maxLength: 200)
            check.require(request.documentNumber.count <= 100, "document_number", "文号不能超过100字")
            check.requireText(request.summary, "summary", label: "内容概述（\(DisclosureLaw.article("第十二条"))第三款）", maxLength: 500)
            check.require(request.body.count <= 20_000, "body", "正文不能超过20000字")
            let generated = CivilDate(strictISO: request.generatedOn)
            if generated == nil {
                check.fail("generated_on", "请按YYYY-MM-DD填写信息的生成日期（\(DisclosureLaw.article("第十二条"))第三款）")
            } else if let generated, generated > today {
                check.fail("generated_on", "生成日期不能晚于今天")
            }
        }
        // Within the caller's division and of this line (a mediation clerk publishes nothing here).
        guard let principal = Principal.current, principal.mayHandle(businessLine: DisclosureWorkflow.businessLine, regionCode: request.regionCode) else {
            throw FawangError(.permissionDenied, "行政区划 \(request.regionCode) 的主动公开目录不在本账号的办理范围内（地区或业务条线）")
        }
        guard let division = try await context.directory.division(code: request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "行政区划代码 \(request.regionCode) 不在本平台服务范围内")
        }
        var canonical = request
        canonical.requestID = ""
        let digest = RequestDigest.sha256Hex(try canonical.serializedBytes())
        if let earlier = try await item(requestID: request.requestID) {
            return try replay(earlier, digest: digest)
        }
        let row = CatalogueRow(
            regionCode: division.code, year: today.components.year, sequence: 0, publisher: Bureau.name(of: division), category: category!,
            title: request.title.trimmingCharacters(in: .whitespacesAndNewlines), documentNumber: request.documentNumber.trimmingCharacters(in: .whitespaces),
            summary: request.summary.trimmingCharacters(in: .whitespacesAndNewlines), body: request.body, generatedOn: request.generatedOn,
            publishedOn: today.description, requestDigest: digest)
        try await context.storage.execute(
            [row.insert(requestID: request.requestID, publishedBy: handling.actor, publishedAt: ISO8601DateFormatter().string(from: context.now()))],
            audit: AuditDraft(
                actor: handling.actor, role: principal.role.rawValue, channel: handling.channel.rawValue,
                target: "disclosure:catalogue:\(division.code):\(request.requestID)", detail: "catalogue_item_published"))
        guard let stored = try await item(requestID: request.requestID) else {
            throw FawangError(.internalError, "catalogue item \(request.requestID) not found after publishing")
        }
        if stored.requestDigest != digest { return try replay(stored, digest: digest) }
        context.logger.info("catalogue item published", metadata: ["region": "\(division.code)", "category": "\(stored.category.rawValue)", "actor": "\(handling.actor)"])
        return .with { $0.item = stored.proto }
    }

    /// A retry answers what the first attempt published; the same id with other content is refused.
    private func replay(_ earlier: CatalogueRow, digest: String) throws -> Fawang_Disclosure_V1_PublishItemResponse {
        guard earlier.requestDigest == digest else {
            throw FawangError(.alreadyExists, "请求编号已用于发布另一条信息（索引号 \(earlier.id)），请使用新的请求编号")
        }
        return .with {
            $0.item = earlier.proto
            $0.replayed = true
        }
    }

    func listCatalogue(_ request: Fawang_Disclosure_V1_ListCatalogueRequest) async throws -> Fawang_Disclosure_V1_ListCatalogueResponse {
        var check = FieldValidator()
        if !request.regionCode.isEmpty { check.divisionCode(request.regionCode) }
        let category = CatalogueCategory(request.category)
        check.require(request.category == .unspecified || category != nil, "category", "信息类别无效")
        check.require((0...100).contains(request.pageSize), "page_size", "每页条数应在1至100之间（0为默认20条）")
        let offset = request.pageToken.isEmpty ? 0 : Int(request.pageToken)
        check.require(offset.map { $0 >= 0 } ?? false, "page_token", "分页标记无效，请使用上一页返回的 next_page_token")
        try check.check()
        var conditions = ["withdrawn_on = ''"]
        var arguments: [SQLValue] = []
        if !request.regionCode.isEmpty {
            conditions.append("region_code = ?")
            arguments.append(.text(request.regionCode))
        }
        // The bureau's count per category (the navigation), before the category filter.
        let bureau = " WHERE withdrawn_on = ''" + (request.regionCode.isEmpty ? "" : " AND region_code = ?")
        var counts: [String: Int] = [:]
        for row in try await context.storage.query(SQLStatement(
            "SELECT category, COUNT(*) AS n FROM disclosure_catalogue" + bureau + " GROUP BY category",
            request.regionCode.isEmpty ? [] : [.text(request.regionCode)]))
        {
            counts[row.string("category") ?? ""] = row.int("n") ?? 0
        }
        if let category {
            conditions.append("category = ?")
            arguments.append(.text(category.rawValue))
        }
        let filter = " WHERE " + conditions.joined(separator: " AND ")
        let size = request.pageSize == 0 ? 20 : Int(request.pageSize)
        let total = category.map { counts[$0.rawValue] ?? 0 } ?? counts.values.reduce(0, +)
        let rows = try await context.storage.query(SQLStatement(
            "SELECT * FROM disclosure_catalogue" + filter + " ORDER BY published_on DESC, year DESC, seq DESC, region_code LIMIT ? OFFSET ?",
            arguments + [.integer(Int64(size)), .integer(Int64(offset!))]))
        return .with {
            $0.items = rows.compactMap(CatalogueRow.init).map(\.proto)
            $0.totalSize = Int32(total)
            $0.categories = CatalogueCategory.allCases.map { category in
                .with {
                    $0.category = category.proto
                    $0.label = category.label
                    $0.count = Int32(counts[category.rawValue] ?? 0)
                }
            }
            if offset! + rows.count < total { $0.nextPageToken = String(offset! + rows.count) }
        }
    }

    func getItem(_ request: Fawang_Disclosure_V1_GetItemRequest) async throws -> Fawang_Disclosure_V1_CatalogueItem {
        guard !request.id.isEmpty else { throw FawangError.invalidArgument(field: "id", "请填写索引号") }
        guard let key = CatalogueRow.parse(request.id) else {
            throw FawangError.invalidArgument(field: "id", "索引号应形如 640000-2026-00001（行政区划代码-年度-序号）")
        }
        guard let row = try await item(key) else {
            throw FawangError.notFound("主动公开目录中没有索引号为 \(request.id) 的信息")
        }
        guard row.withdrawnOn.isEmpty else {
            throw FawangError.notFound("索引号为 \(request.id) 的信息已于 \(row.withdrawnOn) 撤回，不再公开")
        }
        return row.proto
    }

    /// Takes an item out of its bureau's catalogue, for the same staff who may publish there; one
    /// guarded UPDATE with its audit entry, the row kept.
    func withdrawItem(_ request: Fawang_Disclosure_V1_WithdrawItemRequest) async throws -> Fawang_Disclosure_V1_CatalogueItem {
        var key: (regionCode: String, year: Int, sequence: Int)?
        let handling = try steps.validate(request.context) { check in
            key = CatalogueRow.parse(request.id)
            check.require(key != nil, "id", "索引号应形如 640000-2026-00001（行政区划代码-年度-序号）")
            check.reasons(request.reason, field: "reason", label: "撤回原因")
        }
        guard let key, let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        guard principal.mayHandle(businessLine: DisclosureWorkflow.businessLine, regionCode: key.regionCode) else {
            throw FawangError(.permissionDenied, "行政区划 \(key.regionCode) 的主动公开目录不在本账号的办理范围内（地区或业务条线）")
        }
        guard let before = try await item(key) else { throw FawangError.notFound("主动公开目录中没有索引号为 \(request.id) 的信息") }
        guard before.withdrawnOn.isEmpty else { throw FawangError.failedPrecondition("该信息已于 \(before.withdrawnOn) 撤回，不能再次撤回") }
        let (today, token) = (CivilDate(context.now()).description, UUID().uuidString)
        try await context.storage.execute(
            [SQLStatement(
                """
                UPDATE disclosure_catalogue SET withdrawn_on = ?, withdrawal_reason = ?, withdrawn_by = ?, withdrawal_id = ?
                WHERE region_code = ? AND year = ? AND seq = ? AND withdrawn_on = ''
                """,
                [.text(today), .text(request.reason), .text(handling.actor), .text(token),
                 .text(key.regionCode), .integer(Int64(key.year)), .integer(Int64(key.sequence))])],
            audit: AuditDraft(
                actor: handling.actor, role: principal.role.rawValue, channel: handling.channel.rawValue,
                target: "disclosure:catalogue:\(request.id)", detail: "catalogue_item_withdrawn: \(request.reason)"))
        let rows = try await context.storage.query(SQLStatement(
            "SELECT * FROM disclosure_catalogue WHERE region_code = ? AND year = ? AND seq = ?",
            [.text(key.regionCode), .integer(Int64(key.year)), .integer(Int64(key.sequence))]))
        guard let stored = rows.first, let row = CatalogueRow(stored), stored.string("withdrawal_id") == token else {
            // Another withdrawal got there first.
            throw FawangError.failedPrecondition("该信息已被撤回，不能再次撤回")
        }
        context.logger.info("catalogue item withdrawn", metadata: ["id": "\(request.id)", "actor": "\(handling.actor)"])
        return row.proto
    }

    private func item(_ key: (regionCode: String, year: Int, sequence: Int)) async throws -> CatalogueRow? {
        try await context.storage.query(SQLStatement(
            "SELECT * FROM disclosure_catalogue WHERE region_code = ? AND year = ? AND seq = ?",
            [.text(key.regionCode), .integer(Int64(key.year)), .integer(Int64(key.sequence))])).first.flatMap(CatalogueRow.init)
    }

    private func item(requestID: String) async throws -> CatalogueRow? {
        try await context.storage.query(SQLStatement("SELECT * FROM disclosure_catalogue WHERE request_id = ?", [.text(requestID)]))
            .first.flatMap(CatalogueRow.init)
    }
}
