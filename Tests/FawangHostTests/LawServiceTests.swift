import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// `fawang.laws.v1.LawService` on a fresh host: the seed set (the laws the lines cite) is there
/// without an import; search, snippets and citation lookup over loopback HTTP/2.
@Suite struct LawServiceTests {
    typealias Laws = Fawang_Laws_V1_LawService.Client<HTTP2ClientTransport.Posix>

    @Test func aFreshHostSearchesTheLawsItsLinesCite() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let laws = Laws(wrapping: client)
                let page = try await laws.searchLaws(.with {
                    $0.query = "法律援助 经济困难"
                    $0.pageSize = 2
                })
                #expect(page.total >= 5 && page.hits.count == 2 && page.nextPageToken == "2")
                let hit = try #require(page.hits.first)
                #expect(hit.article.lawTitle == "中华人民共和国法律援助法" && hit.article.level == "法律" && hit.article.text.isEmpty)
                let marked = hit.highlights.map { range in String(Array(hit.snippet)[Int(range.start)..<Int(range.start + range.length)]) }
                #expect(!marked.isEmpty && marked.allSatisfy { $0 == "法律援助" || $0 == "经济困难" }, "\(marked) in \(hit.snippet)")
                let next = try await laws.searchLaws(.with {
                    $0.query = "法律援助 经济困难"
                    $0.pageSize = 2
                    $0.pageToken = page.nextPageToken
                })
                #expect(Set(next.hits.map(\.article.id)).isDisjoint(with: page.hits.map(\.article.id)))

                let article = try await laws.getArticle(.with { $0.citation = "法律援助法第四十三条" })
                #expect(article.citation == "《中华人民共和国法律援助法》第四十三条" && article.text.contains("七日内进行审查"))
                #expect(try await laws.getArticle(.with { $0.id = article.id }).text == article.text)

                await expectStatus(.invalidArgument, field: "query") { _ = try await laws.searchLaws(.with { $0.query = "  " }) }
                await expectStatus(.invalidArgument, field: "levels[0]") {
                    _ = try await laws.searchLaws(.with {
                        $0.query = "律师"
                        $0.levels = ["国际条约"]
                    })
                }
                await expectStatus(.invalidArgument, field: "citation") { _ = try await laws.getArticle(.with { $0.citation = "第四十三条" }) }
                await expectStatus(.notFound, containing: ["fawang laws import"]) {
                    _ = try await laws.getArticle(.with { $0.citation = "民法典第一千一百六十五条" })
                }
            }
        }
    }

    /// Every article a deadline rule of the nine lines cites (and is confirmed against the
    /// statute) resolves to its text in the seed set, so progress pages can link to it.
    @Test func everyArticleTheLinesCiteResolves() async throws {
        let cited = PluginCatalog.all.flatMap(\.manifest.matterTypes).flatMap(\.deadlines).filter(\.articleConfirmed)
            .flatMap { [$0.article] + [$0.extensions?.article].compactMap { $0 } }
        #expect(cited.count >= 10)
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let laws = Laws(wrapping: client)
                for text in Set(cited) {
                    let citation = try #require(LawCitation(text), "\(text) reads as a citation")
                    let article = try await laws.getArticle(.with { $0.citation = text })
                    #expect(article.number == Int32(citation.article) && article.lawTitle.hasSuffix(citation.lawName), "\(text) → \(article.citation)")
                }
            }
        }
    }
}
