import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PublicityPlugin
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Legal publicity over a real host: draft → review → published with four eyes, stale edits
/// refused, subscribers told at once, readings counted for the public only, the Atom feed.
@Suite struct PublicityTests {
    typealias Publicity = Fawang_Publicity_V1_PublicityService.Client<HTTP2ClientTransport.Posix>

    static func draft(_ title: String, category: String = "civil-code", summary: String = "居住权是民法典新设立的用益物权。") -> Fawang_Publicity_V1_CreateArticleRequest {
        .with {
            $0.title = title
            $0.summary = summary
            $0.body = "《中华人民共和国民法典》第三百六十六条规定了居住权。\n\n设立居住权，当事人应当采用书面形式订立居住权合同。"
            $0.category = category
            $0.tags = ["民法典", "居住权", "民法典"]
        }
    }

    @Test func anArticleIsWrittenReviewedByAnotherAndPublishedToSubscribers() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            // Subscribers first, on a client of their own held open: one for everything, one for labour only.
            let id = try await platform.withClient { watcher in
            let subscriptions = Publicity(wrapping: watcher)
            // Both streams say when they are open: nothing published after that is missed.
            let (openings, opened) = AsyncStream<Void>.makeStream()
            let everything = Task {
                try await subscriptions.subscribe(.init()) { response in
                    var titles: [String] = []
                    for try await event in response.messages {
                        if case .subscribed = event.event { opened.yield() }
                        if case .published(let article) = event.event { titles.append(article.title) }
                        if titles.count == 2 { break }
                    }
                    return titles
                }
            }
            let labourOnly = Task {
                try await subscriptions.subscribe(.with { $0.categories = ["labour"] }) { response in
                    for try await event in response.messages {
                        if case .subscribed = event.event { opened.yield() }
                        if case .published(let article) = event.event { return article.title }
                    }
                    return ""
                }
            }
            await expectStatus(.invalidArgument, field: "categories[0]") {
                try await subscriptions.subscribe(.with { $0.categories = ["sports"] }) { response in for try await _ in response.messages {} }
            }
            var open = 0
            for await _ in openings {
                open += 1
                if open == 2 { break }
            }

            let id = try await platform.withClient(as: "publicity-640100") { client in
                let publicity = Publicity(wrapping: client)
                await expectStatus(.invalidArgument, field: "category") {
                    _ = try await publicity.createArticle(.with {
                        $0.title = "x"
                        $0.summary = "x"
                        $0.body = "x"
                        $0.category = "sports"
                    })
                }
                let draft = try await publicity.createArticle(Self.draft("民法典里的居住权"))
                #expect(draft.status == .draft && draft.revision == 1 && draft.tags == ["民法典", "居住权"] && draft.regionCode == "640100")
                // An edit names the revision it changes: a stale one loses nothing and is refused.
                var edit = Fawang_Publicity_V1_UpdateArticleRequest.with {
                    $0.id = draft.id
                    $0.revision = 1
                    $0.title = "民法典里的居住权：老人住房有保障"
                    $0.summary = draft.summary
                    $0.body = draft.body
                    $0.category = draft.category
                }
                let edited = try await publicity.updateArticle(edit)
                #expect(edited.revision == 2 && edited.title.hasSuffix("老人住房有保障"))
                edit.title = "过期的修改"
                await expectStatus(.aborted, containing: ["第2版"]) { _ = try await publicity.updateArticle(edit) }
                #expect(try await publicity.getArticle(.with { $0.id = draft.id }).title == edited.title)
                let submitted = try await publicity.submitArticle(.with { $0.id = draft.id })
                #expect(submitted.status == .inReview)
                await expectStatus(.failedPrecondition, containing: ["待审核"]) { _ = try await publicity.submitArticle(.with { $0.id = draft.id }) }
                // Staff do not review.
                await expectStatus(.permissionDenied) {
                    _ = try await publicity.reviewArticle(.with {
                        $0.id = draft.id
                        $0.approve = true
                    })
                }
                // Nobody outside the line writes.
                return draft.id
            }
            try await platform.withClient(as: "legal-aid-admin") { client in
                await expectStatus(.permissionDenied, containing: ["法治宣传"]) { _ = try await Publicity(wrapping: client).createArticle(Self.draft("越权")) }
            }
            // The public cannot read it before it is published.
            try await platform.withClient { client in
                await expectStatus(.notFound) { _ = try await Publicity(wrapping: client).getArticle(.with { $0.id = id }) }
                await expectStatus(.permissionDenied) { _ = try await Publicity(wrapping: client).listArticles(.with { $0.status = .inReview }) }
            }

            try await platform.withClient(as: "publicity-admin") { client in
                let publicity = Publicity(wrapping: client)
                #expect(try await publicity.listArticles(.with { $0.status = .inReview }).articles.map(\.id) == [id])
                await expectStatus(.invalidArgument, field: "comment") { _ = try await publicity.reviewArticle(.with { $0.id = id }) }
                let returned = try await publicity.reviewArticle(.with {
                    $0.id = id
                    $0.comment = "请补充居住权登记的规定（第三百六十八条）"
                })
                #expect(returned.status == .draft && returned.comment.contains("第三百六十八条"))
            }
            try await platform.withClient(as: "publicity-640100") { client in
                _ = try await Publicity(wrapping: client).submitArticle(.with { $0.id = id })
            }
            try await platform.withClient(as: "publicity-admin") { client in
                let publicity = Publicity(wrapping: client)
                let published = try await publicity.reviewArticle(.with {
                    $0.id = id
                    $0.approve = true
                })
                #expect(published.status == .published && !published.publishedAt.isEmpty)
                // The admin's own article: another admin must review it.
                let own = try await publicity.createArticle(Self.draft("欠薪怎么办", category: "labour", summary: "用人单位应当及时足额支付劳动报酬。"))
                _ = try await publicity.submitArticle(.with { $0.id = own.id })
                await expectStatus(.permissionDenied, containing: ["自己撰写"]) {
                    _ = try await publicity.reviewArticle(.with {
                        $0.id = own.id
                        $0.approve = true
                    })
                }
            }
            try await platform.withClient(as: "admin") { client in
                let labour = try await Publicity(wrapping: client).listArticles(.with { $0.status = .inReview }).articles.first
                _ = try await Publicity(wrapping: client).reviewArticle(.with {
                    $0.id = labour?.id ?? ""
                    $0.approve = true
                })
            }
            #expect(try await everything.value == ["民法典里的居住权：老人住房有保障", "欠薪怎么办"])
            #expect(try await labourOnly.value == "欠薪怎么办")
            return id
            }

            // Readings: the public's count, staff's do not.
            try await platform.withClient { client in
                let publicity = Publicity(wrapping: client)
                _ = try await publicity.getArticle(.with { $0.id = id })
                #expect(try await publicity.getArticle(.with { $0.id = id }).reads == 2)
                let list = try await publicity.listArticles(.with { $0.category = "civil-code" })
                #expect(list.articles.map(\.id) == [id] && list.articles[0].body.isEmpty)
                #expect(try await publicity.listArticles(.with { $0.tag = "居住权" }).total == 1)
                #expect(try await publicity.listArticles(.with { $0.query = "居住权" }).total == 1)
                let categories = try await publicity.listCategories(.init()).categories
                #expect(categories.first { $0.id == "civil-code" }?.published == 1 && categories.first { $0.id == "legal-aid" }?.published == 1)
            }
            try await platform.withClient(as: "publicity-640100") { client in
                let read = try await Publicity(wrapping: client).getArticle(.with { $0.id = id })
                #expect(read.reads == 2, "staff reading does not count")
            }

            // The Atom feed: the newest first, absolute links.
            let http = try #require(platform.ports.http)
            let (data, response) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(http)/publicity/feed.atom")!)
            #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("application/atom+xml") == true)
            let feed = String(decoding: data, as: UTF8.self)
            let entries = try XMLDocument(data: data).nodes(forXPath: "//*[local-name()='entry']/*[local-name()='title']").compactMap(\.stringValue)
            #expect(entries.prefix(2) == ["欠薪怎么办", "民法典里的居住权：老人住房有保障"] && entries.count == 6, "\(entries)")
            #expect(feed.contains("http://127.0.0.1:\(http)/publicity/article?id=\(id)"))

            // Withdrawn: gone from the public.
            try await platform.withClient(as: "publicity-admin") { client in
                await expectStatus(.invalidArgument, field: "reason") { _ = try await Publicity(wrapping: client).withdrawArticle(.with { $0.id = id }) }
                let withdrawn = try await Publicity(wrapping: client).withdrawArticle(.with {
                    $0.id = id
                    $0.reason = "内容需更新"
                })
                #expect(withdrawn.status == .withdrawn)
            }
            try await platform.withClient { client in
                await expectStatus(.notFound) { _ = try await Publicity(wrapping: client).getArticle(.with { $0.id = id }) }
            }
        }
    }

    /// Subscriptions count against `limits.watchers.*` like the platform's watch streams: a third
    /// from one address is refused, and a closed one frees its place at once.
    @Test func subscriptionsAreCappedPerClient() async throws {
        let limits = "limits:\n  watchers:\n    per_client: 2\n    total: 10\n"
        try await TestPlatform.with(extraConfig: limits, plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let publicity = Publicity(wrapping: client)
                /// A subscription held open until cancelled, returned once the host confirmed it
                /// (or with the error that refused it).
                func open() async throws -> Task<Void, any Error> {
                    let (confirmed, signal) = AsyncStream<Result<Void, any Error>>.makeStream()
                    let task = Task {
                        do {
                            try await publicity.subscribe(.init()) { response in
                                for try await event in response.messages {
                                    if case .subscribed = event.event { signal.yield(.success(())) }
                                }
                            }
                        } catch {
                            signal.yield(.failure(error))
                            throw error
                        }
                    }
                    var iterator = confirmed.makeAsyncIterator()
                    try await iterator.next()?.get()
                    return task
                }
                let first = try await open()
                let second = try await open()
                await expectStatus(.resourceExhausted, containing: ["监听", "2"]) { try await open().cancel() }
                first.cancel()
                _ = await first.result
                var third: Task<Void, any Error>?
                try await eventually(timeout: .seconds(5), "a freed place is taken") {
                    do {
                        third = try await open()
                        return true
                    } catch let error as RPCError where error.code == .resourceExhausted {
                        return false
                    }
                }
                second.cancel()
                third?.cancel()
            }
        }
    }

    /// A subscription has no end of its own: it outlives the unary call time limit, and the
    /// host's shutdown ends it, normally, instead of waiting out the grace period.
    @Test func anOpenSubscriptionOutlivesTheCallLimitAndEndsAtShutdown() async throws {
        let platform = try await TestPlatform.start(extraConfig: "grpc.max_call_seconds: 1\n", plugins: PluginCatalog.all)
        let ended = Task {
            try await platform.withClient { client in
                try await Publicity(wrapping: client).subscribe(.init()) { response in
                    var count = 0
                    for try await event in response.messages where event.published.id != "" { count += 1 }
                    return count
                }
            }
        }
        try await Task.sleep(for: .seconds(2.5))
        try await platform.stop()
        #expect(try await ended.value == 0, "ended by the shutdown, not by DEADLINE_EXCEEDED")
    }
}
