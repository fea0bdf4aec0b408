import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import Synchronization
import SwiftProtobuf

/// A publicity category (法治宣传的栏目).
struct PublicityCategory: Sendable {
    let id: String
    let name: String

    static let all: [PublicityCategory] = [
        PublicityCategory(id: "constitution", name: "宪法宣传"),
        PublicityCategory(id: "civil-code", name: "民法典"),
        PublicityCategory(id: "legal-aid", name: "法律援助"),
        PublicityCategory(id: "mediation", name: "人民调解"),
        PublicityCategory(id: "anti-fraud", name: "反诈防骗"),
        PublicityCategory(id: "labour", name: "劳动维权"),
        PublicityCategory(id: "minors", name: "未成年人保护"),
        PublicityCategory(id: "cases", name: "以案释法"),
    ]

    static func named(_ id: String) -> PublicityCategory? { all.first { $0.id == id } }
}

/// An article's state. Staff write drafts; a department or platform admin who did not write it
/// publishes or sends it back; an admin may withdraw a published one.
enum ArticleState: String, Sendable, CaseIterable {
    case draft, inReview = "in_review", published, withdrawn

    var label: String {
        switch self {
        case .draft: "草稿"
        case .inReview: "待审核"
        case .published: "已发布"
        case .withdrawn: "已撤回"
        }
    }

    var proto: Fawang_Publicity_V1_ArticleStatus {
        switch self {
        case .draft: .draft
        case .inReview: .inReview
        case .published: .published
        case .withdrawn: .withdrawn
        }
    }

    init?(_ status: Fawang_Publicity_V1_ArticleStatus) {
        switch status {
        case .draft: self = .draft
        case .inReview: self = .inReview
        case .published: self = .published
        case .withdrawn: self = .withdrawn
        default: return nil
        }
    }
}

/// Newly published articles, to every open `Subscribe` stream of this host.
final class ArticleFeed: Sendable {
    /// Open streams at most: each holds a connection.
    static let maxSubscribers = 1_000
    private let subscribers = Mutex<[UUID: AsyncStream<Fawang_Publicity_V1_Article>.Continuation]>([:])

    func subscribe() throws(FawangError) -> (UUID, AsyncStream<Fawang_Publicity_V1_Article>) {
        let (stream, continuation) = AsyncStream<Fawang_Publicity_V1_Article>.makeStream(bufferingPolicy: .bufferingNewest(100))
        let id = UUID()
        let added = subscribers.withLock { subscribers -> Bool in
            guard subscribers.count < Self.maxSubscribers else { return false }
            subscribers[id] = continuation
            return true
        }
        guard added else { throw FawangError(.resourceExhausted, "订阅人数已满，请稍后再试，或订阅 Atom 源 /publicity/feed.atom") }
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        subscribers.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    func publish(_ article: Fawang_Publicity_V1_Article) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(article) }
    }

    var count: Int { subscribers.withLock { $0.count } }
}

/// The `publicity_articles` table.
enum ArticleRows {
    static let table = "publicity_articles"

    static let migration = StorageMigration(id: "v1-articles", statements: [
        """
        CREATE TABLE publicity_articles (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            body TEXT NOT NULL,
            category TEXT NOT NULL,
            tags TEXT NOT NULL,
            status TEXT NOT NULL,
            region_code TEXT NOT NULL,
            author_account_id TEXT NOT NULL,
            author_name TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            published_at TEXT NOT NULL DEFAULT '',
            reads INTEGER NOT NULL DEFAULT 0,
            revision INTEGER NOT NULL DEFAULT 1,
            last_write TEXT NOT NULL
        )
        """,
        "CREATE INDEX publicity_articles_by_status ON publicity_articles (status, published_at)",
    ])

    /// Tags are kept as one text, each between separators, so `LIKE '%|tag|%'` finds one.
    static func tags(_ tags: [String]) -> String { tags.isEmpty ? "" : "|" + tags.joined(separator: "|") + "|" }

    static func proto(_ row: SQLRow, withBody: Bool) -> Fawang_Publicity_V1_Article {
        let state = ArticleState(rawValue: row.string("status") ?? "") ?? .draft
        let category = row.string("category") ?? ""
        return .with {
            $0.id = row.string("id") ?? ""
            $0.title = row.string("title") ?? ""
            $0.summary = row.string("summary") ?? ""
            if withBody { $0.body = row.string("body") ?? "" }
            $0.category = category
            $0.categoryName = PublicityCategory.named(category)?.name ?? category
            $0.tags = (row.string("tags") ?? "").split(separator: "|").map(String.init)
            $0.status = state.proto
            $0.statusLabel = state.label
            $0.regionCode = row.string("region_code") ?? ""
            $0.authorName = row.string("author_name") ?? ""
            $0.comment = row.string("comment") ?? ""
            $0.createdAt = row.string("created_at") ?? ""
            $0.updatedAt = row.string("updated_at") ?? ""
            $0.publishedAt = row.string("published_at") ?? ""
            $0.reads = Int64(row.int("reads") ?? 0)
            $0.revision = Int32(row.int("revision") ?? 1)
        }
    }
}
