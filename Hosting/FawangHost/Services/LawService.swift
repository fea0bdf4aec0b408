import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.laws.v1.LawService`: search of the law library and lookup by citation, for everyone.
struct LawService: Fawang_Laws_V1_LawService.SimpleServiceProtocol {
    let laws: any LawIndex

    func searchLaws(request: Fawang_Laws_V1_SearchLawsRequest, context: ServerContext) async throws -> Fawang_Laws_V1_SearchLawsResponse {
        var check = FieldValidator()
        let query = request.query.trimmingCharacters(in: .whitespacesAndNewlines)
        check.require(!query.isEmpty, "query", "请输入要查找的字词")
        check.require(query.count <= 100, "query", "查找内容不能超过100字")
        check.require(query.isEmpty || SearchTokens.match(query) != nil, "query", "请输入汉字、字母或数字")
        let levels = check.distinct(request.levels, field: "levels", "效力层级应为：\(LawLevel.allCases.map(\.rawValue).joined(separator: "、"))") {
            LawLevel(rawValue: $0)
        }
        for (field, date) in [("from_date", request.fromDate), ("to_date", request.toDate)] where !date.isEmpty {
            check.require(CivilDate(iso: date) != nil, field, "日期应写作 YYYY-MM-DD，如 2021-01-01")
        }
        check.require((0...100).contains(request.pageSize), "page_size", "每页条数应在1至100之间")
        let offset = request.pageToken.isEmpty ? 0 : Int(request.pageToken) ?? -1
        check.require(offset >= 0, "page_token", "翻页标记无效，请从第一页重新查找")
        try check.check()
        let size = request.pageSize == 0 ? 20 : Int(request.pageSize)
        let page = try await laws.search(
            query,
            filter: LawSearchFilter(
                levels: levels, category: request.category, currentOnly: request.currentOnly, from: request.fromDate, to: request.toDate),
            limit: size, offset: offset)
        var response = Fawang_Laws_V1_SearchLawsResponse()
        response.total = Int32(page.total)
        response.hits = page.hits.map { record in
            var hit = Fawang_Laws_V1_SearchHit()
            hit.article = Self.proto(record, withText: false)
            let (snippet, highlights) = LawSnippet.make(record.article.text, query: query)
            hit.snippet = snippet
            hit.highlights = highlights.map { range in .with { $0.start = Int32(range.start); $0.length = Int32(range.length) } }
            return hit
        }
        if offset + page.hits.count < page.total { response.nextPageToken = String(offset + page.hits.count) }
        return response
    }

    func getArticle(request: Fawang_Laws_V1_GetArticleRequest, context: ServerContext) async throws -> Fawang_Laws_V1_LawArticle {
        let record: LawArticleRecord?
        switch request.key {
        case .citation(let text):
            guard let citation = LawCitation(text) else {
                throw FawangError.invalidArgument(field: "citation", "请按“法律名称 + 第几条”书写，如 法律援助法第四十三条")
            }
            record = try await laws.article(citation)
        case .id(let id):
            record = try await laws.article(id: id)
        case nil:
            throw FawangError.invalidArgument(field: "key", "请填写条文出处（citation）或编号（id）")
        }
        guard let record else { throw FawangError.notFound("法规库中没有该条文；请核对法律名称和条号，或先导入该法律（fawang laws import）") }
        return Self.proto(record, withText: true)
    }

    static func proto(_ record: LawArticleRecord, withText: Bool) -> Fawang_Laws_V1_LawArticle {
        .with {
            $0.id = record.id
            $0.citation = record.citation
            $0.lawTitle = record.lawTitle
            $0.lawSubtitle = record.lawSubtitle
            $0.level = record.level.rawValue
            $0.category = record.category
            $0.versionDate = record.versionDate
            $0.superseded = record.superseded
            $0.label = record.article.label
            $0.number = Int32(record.article.number ?? 0)
            $0.heading = record.article.heading
            if withText { $0.text = record.article.text }
        }
    }
}
