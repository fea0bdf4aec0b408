import FawangCore
import FawangPluginKit
import FawangProto
import GRPCCore
import Foundation
import SwiftProtobuf

/// `fawang.publicity.v1.PublicityService`: legal publicity articles (法治宣传), written by the
/// line's staff within their division, published only after review by a department or platform
/// admin who did not write them, read by everyone.
struct PublicityService: Sendable {
    let context: PluginContext
    let feed: ArticleFeed

    typealias Method = Fawang_Publicity_V1_PublicityService.Method
    static let reviewers = AccessPolicy.roles([.departmentAdmin, .platformAdmin])

    static let rpcs = RPCTable<PublicityService>([
        RPC(Method.CreateArticle.descriptor, .handlers, verb: "create", help: "撰写宣传稿件（草稿）", argument: "title", PublicityService.createArticle),
        RPC(Method.UpdateArticle.descriptor, .handlers, verb: "update", help: "修改草稿（须写明所改的版本号 --revision）", argument: "id",
            PublicityService.updateArticle),
        RPC(Method.SubmitArticle.descriptor, .handlers, verb: "submit", help: "提交审核", argument: "id", PublicityService.submitArticle),
        RPC(Method.ReviewArticle.descriptor, reviewers, verb: "review", help: "审核：--approve 发布，否则写明意见退回作者", argument: "id",
            PublicityService.reviewArticle),
        RPC(Method.WithdrawArticle.descriptor, reviewers, verb: "withdraw", help: "撤回已发布的稿件（写明原因）", argument: "id",
            PublicityService.withdrawArticle),
        RPC(Method.ListArticles.descriptor, .anyone, verb: "list", help: "宣传文章列表（工作人员可按状态查看本地区稿件）", argument: "query",
            rateLimited: false, PublicityService.listArticles),
        RPC(Method.GetArticle.descriptor, .anyone, verb: "show", help: "阅读一篇文章", argument: "id", PublicityService.getArticle),
        RPC(Method.ListCategories.descriptor, .anyone, verb: "categories", help: "栏目及已发布文章数", argument: "", rateLimited: false,
            PublicityService.listCategories),
        RPC(Method.Subscribe.descriptor, .anyone, help: "订阅新发布的文章", stream: PublicityService.subscribe),
    ])

    var storage: any ModuleStorage { context.storage }
    var module: String { PublicityPlugin.moduleID }

    // MARK: Writing

    func createArticle(_ request: Fawang_Publicity_V1_CreateArticleRequest) async throws -> Fawang_Publicity_V1_Article {
        let author = try writer()
        var check = FieldValidator()
        Self.checkContent(&check, title: request.title, summary: request.summary, body: request.body, category: request.category, tags: request.tags)
        try check.check()
        let id = "xc-" + UUID().uuidString.prefix(8).lowercased()
        let now = Self.timestamp(context.now())
        try await storage.execute(
            [SQLStatement(
                """
                INSERT INTO publicity_articles (id, title, summary, body, category, tags, status, region_code, author_account_id,
                    author_name, created_at, updated_at, last_write)
                VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(id), .text(Self.trimmed(request.title)), .text(Self.trimmed(request.summary)), .text(request.body), .text(request.category),
                    .text(ArticleRows.tags(Self.cleanTags(request.tags))), .text(author.regionCode), .text(author.accountID), .text(author.displayName),
                    .text(now), .text(now), .text(UUID().uuidString),
                ])],
            audit: audit(author, id, "撰写宣传稿件《\(Self.trimmed(request.title))》"))
        return try await article(id, withBody: true)
    }

    func updateArticle(_ request: Fawang_Publicity_V1_UpdateArticleRequest) async throws -> Fawang_Publicity_V1_Article {
        let author = try writer()
        var check = FieldValidator()
        check.require(!request.id.isEmpty, "id", "请填写稿件编号")
        check.require(request.revision > 0, "revision", "请填写所修改的版本号（查看稿件时显示的 revision）")
        Self.checkContent(&check, title: request.title, summary: request.summary, body: request.body, category: request.category, tags: request.tags)
        try check.check()
        return try await transition(
            request.id, by: author, from: [.draft], revision: request.revision,
            set: "title = ?, summary = ?, body = ?, category = ?, tags = ?, revision = revision + 1",
            [.text(Self.trimmed(request.title)), .text(Self.trimmed(request.summary)), .text(request.body), .text(request.category),
             .text(ArticleRows.tags(Self.cleanTags(request.tags)))],
            audit: "修改宣传稿件")
    }

    func submitArticle(_ request: Fawang_Publicity_V1_SubmitArticleRequest) async throws -> Fawang_Publicity_V1_Article {
        let author = try writer()
        return try await transition(try required(request.id), by: author, from: [.draft], set: "status = 'in_review', comment = ''", [], audit: "提交审核")
    }

    func reviewArticle(_ request: Fawang_Publicity_V1_ReviewArticleRequest) async throws -> Fawang_Publicity_V1_Article {
        let reviewer = try writer()
        let id = try required(request.id)
        var check = FieldValidator()
        check.require(request.approve || !request.comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "comment", "退回稿件须写明修改意见")
        check.require(request.comment.count <= 1000, "comment", "意见不能超过1000字")
        try check.check()
        // Four eyes: nobody publishes what they wrote.
        if let row = try await find(id), row.string("author_account_id") == reviewer.accountID {
            throw FawangError(.permissionDenied, "不能审核自己撰写的稿件，请由本部门其他管理员审核")
        }
        let published = request.approve
        let article = try await transition(
            id, by: reviewer, from: [.inReview],
            set: published ? "status = 'published', published_at = ?, comment = ''" : "status = 'draft', comment = ?",
            [.text(published ? Self.timestamp(context.now()) : request.comment)],
            audit: published ? "审核通过并发布" : "审核退回：\(request.comment)")
        if published { feed.publish(article) }
        return article
    }

    func withdrawArticle(_ request: Fawang_Publicity_V1_WithdrawArticleRequest) async throws -> Fawang_Publicity_V1_Article {
        let admin = try writer()
        let id = try required(request.id)
        var check = FieldValidator()
        check.requireText(request.reason, "reason", label: "撤回原因", maxLength: 500)
        try check.check()
        return try await transition(id, by: admin, from: [.published], set: "status = 'withdrawn', comment = ?", [.text(request.reason)], audit: "撤回：\(request.reason)")
    }

    // MARK: Reading

    func listArticles(_ request: Fawang_Publicity_V1_ListArticlesRequest) async throws -> Fawang_Publicity_V1_ListArticlesResponse {
        var check = FieldValidator()
        check.require(request.category.isEmpty || PublicityCategory.named(request.category) != nil, "category", Self.categoryHint)
        check.require(request.query.count <= 50, "query", "查找内容不能超过50字")
        check.require((0...100).contains(request.pageSize), "page_size", "每页条数应在1至100之间")
        let offset = request.pageToken.isEmpty ? 0 : Int(request.pageToken) ?? -1
        check.require(offset >= 0, "page_token", "翻页标记无效，请从第一页重新查找")
        let state = request.status == .unspecified ? ArticleState.published : ArticleState(request.status)
        check.require(state != nil, "status", "状态应为 draft、in_review、published 或 withdrawn")
        try check.check()
        var conditions = ["status = ?"]
        var arguments: [SQLValue] = [.text(state!.rawValue)]
        if state != .published {
            // Unpublished work is the bureau's: staff of the line see their division's.
            guard let principal = Principal.current, principal.mayHandle(businessLine: module, regionCode: principal.regionCode) else {
                throw FawangError(.permissionDenied, "只有法治宣传工作人员可以查看未发布的稿件")
            }
            conditions.append("region_code LIKE ?")
            arguments.append(.text(principal.role == .platformAdmin ? "%" : DivisionCode.scopePrefix(of: principal.regionCode) + "%"))
        }
        if !request.category.isEmpty {
            conditions.append("category = ?")
            arguments.append(.text(request.category))
        }
        if !request.tag.isEmpty {
            conditions.append("tags LIKE ?")
            arguments.append(.text("%|" + request.tag + "|%"))
        }
        let query = request.query.trimmingCharacters(in: .whitespaces)
        if !query.isEmpty {
            conditions.append("(title LIKE ? OR summary LIKE ?)")
            arguments += [.text("%\(query)%"), .text("%\(query)%")]
        }
        let filter = " FROM publicity_articles WHERE " + conditions.joined(separator: " AND ")
        let size = request.pageSize == 0 ? 20 : Int(request.pageSize)
        let total = try await storage.query(SQLStatement("SELECT COUNT(*) AS n" + filter, arguments)).first?.int("n") ?? 0
        let rows = try await storage.query(SQLStatement(
            "SELECT *" + filter + " ORDER BY published_at DESC, updated_at DESC, id LIMIT ? OFFSET ?", arguments + [.integer(Int64(size)), .integer(Int64(offset))]))
        return .with {
            $0.articles = rows.map { ArticleRows.proto($0, withBody: false) }
            $0.total = Int32(total)
            if offset + rows.count < total { $0.nextPageToken = String(offset + rows.count) }
        }
    }

    func getArticle(_ request: Fawang_Publicity_V1_GetArticleRequest) async throws -> Fawang_Publicity_V1_Article {
        let id = try required(request.id)
        guard let row = try await find(id) else { throw Self.notFound(id) }
        let principal = Principal.current
        let staff = principal.map { $0.mayHandle(businessLine: module, regionCode: row.string("region_code") ?? "") } ?? false
        guard row.string("status") == ArticleState.published.rawValue || staff else { throw Self.notFound(id) }
        var article = ArticleRows.proto(row, withBody: true)
        // A reading is the public's: staff at work do not count.
        if article.status == .published, ![.staff, .departmentAdmin, .platformAdmin].contains(principal?.role) {
            try await storage.execute([SQLStatement("UPDATE publicity_articles SET reads = reads + 1 WHERE id = ?", [.text(id)])])
            article.reads += 1
        }
        return article
    }

    func listCategories(_ request: Fawang_Publicity_V1_ListCategoriesRequest) async throws -> Fawang_Publicity_V1_ListCategoriesResponse {
        let rows = try await storage.query(SQLStatement(
            "SELECT category, COUNT(*) AS n FROM publicity_articles WHERE status = 'published' GROUP BY category"))
        let counts = Dictionary(rows.map { ($0.string("category") ?? "", $0.int("n") ?? 0) }) { a, _ in a }
        return .with {
            $0.categories = PublicityCategory.all.map { category in
                .with {
                    $0.id = category.id
                    $0.name = category.name
                    $0.published = Int32(counts[category.id] ?? 0)
                }
            }
        }
    }

    func subscribe(_ request: Fawang_Publicity_V1_SubscribeRequest, _ writer: RPCWriter<Fawang_Publicity_V1_FeedEvent>) async throws {
        var check = FieldValidator()
        for (index, category) in request.categories.enumerated() where PublicityCategory.named(category) == nil {
            check.fail("categories[\(index)]", Self.categoryHint)
        }
        try check.check()
        let (id, stream) = try feed.subscribe()
        defer { feed.unsubscribe(id) }
        // Subscribed before this is sent: a client that waits for it misses nothing after.
        try await writer.write(.with { $0.subscribed = true })
        let wanted = Set(request.categories)
        for await article in stream where wanted.isEmpty || wanted.contains(article.category) {
            try await writer.write(.with { $0.published = article })
        }
    }

    // MARK: Pieces

    /// The signed-in writer or reviewer, who must belong to the line (or to no department).
    func writer() throws(FawangError) -> Principal {
        guard let principal = Principal.current, principal.mayHandle(businessLine: module, regionCode: principal.regionCode) else {
            throw FawangError(.permissionDenied, "只有法治宣传工作人员可以撰写、审核稿件")
        }
        return principal
    }

    func required(_ id: String) throws(FawangError) -> String {
        guard !id.isEmpty else { throw FawangError.invalidArgument(field: "id", "请填写稿件编号") }
        return id
    }

    func find(_ id: String) async throws -> SQLRow? {
        try await storage.query(SQLStatement("SELECT * FROM publicity_articles WHERE id = ?", [.text(id)])).first
    }

    func article(_ id: String, withBody: Bool) async throws -> Fawang_Publicity_V1_Article {
        guard let row = try await find(id) else { throw Self.notFound(id) }
        return ArticleRows.proto(row, withBody: withBody)
    }

    /// One guarded write: the row changes only if it is still in one of `from` (and at
    /// `revision`, when given) and in the caller's division, all in one statement, so two
    /// reviewers or two editors cannot both win. The write is recognised by its token; if it did
    /// not happen, the current row says why.
    func transition(
        _ id: String, by principal: Principal, from states: [ArticleState], revision: Int32? = nil, set: String, _ values: [SQLValue], audit what: String
    ) async throws -> Fawang_Publicity_V1_Article {
        let token = UUID().uuidString
        var conditions = "id = ? AND status IN (\(states.map { "'\($0.rawValue)'" }.joined(separator: ",")))"
        var arguments: [SQLValue] = [.text(id)]
        if let revision {
            conditions += " AND revision = ?"
            arguments.append(.integer(Int64(revision)))
        }
        if principal.role != .platformAdmin {
            conditions += " AND region_code LIKE ?"
            arguments.append(.text(DivisionCode.scopePrefix(of: principal.regionCode) + "%"))
        }
        try await storage.execute(
            [SQLStatement(
                "UPDATE publicity_articles SET \(set), updated_at = ?, last_write = ? WHERE \(conditions)",
                values + [.text(Self.timestamp(context.now())), .text(token)] + arguments)],
            audit: audit(principal, id, what))
        guard let row = try await find(id) else { throw Self.notFound(id) }
        if row.string("last_write") == token { return ArticleRows.proto(row, withBody: true) }
        if principal.role != .platformAdmin, !DivisionCode.contains(principal.regionCode, row.string("region_code") ?? "") {
            throw Self.notFound(id)
        }
        let state = ArticleState(rawValue: row.string("status") ?? "") ?? .draft
        if !states.contains(state) {
            throw FawangError.failedPrecondition("稿件当前为“\(state.label)”，此操作只适用于“\(states.map(\.label).joined(separator: "、"))”的稿件")
        }
        throw FawangError(.aborted, "稿件已被修改（当前为第\(row.int("revision") ?? 0)版），请重新打开后再修改")
    }

    func audit(_ principal: Principal, _ id: String, _ what: String) -> AuditDraft {
        AuditDraft(actor: principal.accountID, role: principal.role.rawValue, channel: Channel.web.rawValue, target: "publicity/\(id)", detail: what)
    }

    static func notFound(_ id: String) -> FawangError { .notFound("没有编号为 \(id) 的宣传文章") }

    static let categoryHint = "栏目应为：" + PublicityCategory.all.map { "\($0.id)（\($0.name)）" }.joined(separator: "、")

    static func checkContent(_ check: inout FieldValidator, title: String, summary: String, body: String, category: String, tags: [String]) {
        check.requireText(title, "title", label: "标题", maxLength: 100)
        check.requireText(summary, "summary", label: "摘要", maxLength: 300)
        check.requireText(body, "body", label: "正文", maxLength: 20_000)
        check.require(PublicityCategory.named(category) != nil, "category", categoryHint)
        check.require(tags.count <= 10, "tags", "标签最多10个")
        for (index, tag) in tags.enumerated() where tag.trimmingCharacters(in: .whitespaces).isEmpty || tag.count > 20 || tag.contains("|") {
            check.fail("tags[\(index)]", "标签应为1至20个字，不含“|”")
        }
    }

    static func cleanTags(_ tags: [String]) -> [String] {
        tags.map { $0.trimmingCharacters(in: .whitespaces) }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }
}
