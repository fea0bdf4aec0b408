import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import SwiftProtobuf

/// 法律法规（案例）查询: the search page (`/laws?q=…`) and an article's page
/// (`/laws/article?c=法律援助法第四十三条`), over `LawService`. Every confirmed deadline article on
/// the progress and workbench pages links here.
enum LawPages {
    static func articleHref(_ citation: String) -> String {
        "/laws/article?c=" + Portal.percentEncoded(citation)
    }

    /// A snippet cut at its highlights, for the template's `<mark>`s.
    static func parts(_ snippet: String, _ highlights: [Fawang_Laws_V1_Highlight]) -> [[String: Any]] {
        let characters = Array(snippet)
        var parts: [[String: Any]] = []
        var at = 0
        for highlight in highlights.sorted(by: { $0.start < $1.start }) {
            let start = Int(highlight.start), end = Int(highlight.start + highlight.length)
            guard start >= at, end <= characters.count, start < end else { continue }
            if start > at { parts.append(["text": String(characters[at..<start]), "mark": false]) }
            parts.append(["text": String(characters[start..<end]), "mark": true])
            at = end
        }
        if at < characters.count { parts.append(["text": String(characters[at...]), "mark": false]) }
        return parts
    }
}

extension Portal {
    func addLawPages(to router: Router<GatewayRequestContext>) {
        router.get("/laws") { request, context in try await lawSearch(request, context) }
        router.get("/laws/article") { request, context in try await lawArticle(request, context) }
    }

    func lawSearch(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        // A browser's GET form sends spaces as "+" (application/x-www-form-urlencoded).
        let query = (request.uri.queryParameters.get("q") ?? "").replacingOccurrences(of: "+", with: " ")
        let level = request.uri.queryParameters.get("level") ?? ""
        let current = request.uri.queryParameters.get("current") == "on"
        let pageToken = request.uri.queryParameters.get("page") ?? ""
        var object: [String: Any] = [
            "query": query, "current": current, "hasQuery": false, "hasMessage": false,
            "levels": LawLevel.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == level] },
        ]
        guard !query.trimmingCharacters(in: .whitespaces).isEmpty else { return page("laws", title: "法律法规查询", object) }
        do {
            let response = try await call(
                Fawang_Laws_V1_LawService.Method.SearchLaws.descriptor,
                Fawang_Laws_V1_SearchLawsRequest.with {
                    $0.query = query
                    $0.levels = level.isEmpty ? [] : [level]
                    $0.currentOnly = current
                    $0.pageToken = pageToken
                },
                Self.metadata(context), as: Fawang_Laws_V1_SearchLawsResponse.self)
            object["hasQuery"] = true
            object["total"] = response.total
            object["hits"] = response.hits.map { hit -> [String: Any] in
                [
                    "citation": hit.article.citation, "href": LawPages.articleHref(hit.article.citation) + "&id=\(hit.article.id)",
                    "version": hit.article.versionDate.isEmpty ? "" : "\(hit.article.versionDate)版", "hasVersion": !hit.article.versionDate.isEmpty,
                    "superseded": hit.article.superseded, "level": hit.article.level, "parts": LawPages.parts(hit.snippet, hit.highlights),
                ]
            }
            if !response.nextPageToken.isEmpty {
                var next = URLComponents()
                next.path = "/laws"
                next.queryItems = [
                    URLQueryItem(name: "q", value: query), URLQueryItem(name: "level", value: level),
                    URLQueryItem(name: "current", value: current ? "on" : nil), URLQueryItem(name: "page", value: response.nextPageToken),
                ].filter { $0.value != nil }
                object["hasNext"] = true
                object["nextHref"] = next.url?.absoluteString ?? "/laws"
            }
            return page("laws", title: "法律法规查询", object)
        } catch let error as RPCError {
            object["hasMessage"] = true
            object["message"] = Self.problem(error)
            return page("laws", title: "法律法规查询", object, status: Self.status(error))
        }
    }

    func lawArticle(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let citation = request.uri.queryParameters.get("c") ?? ""
        let id = request.uri.queryParameters.get("id").flatMap { Int64($0) }
        do {
            let article = try await call(
                Fawang_Laws_V1_LawService.Method.GetArticle.descriptor,
                Fawang_Laws_V1_GetArticleRequest.with { request in
                    // A search result names its exact version; a citation finds the current one.
                    if let id { request.id = id } else { request.citation = citation }
                },
                Self.metadata(context), as: Fawang_Laws_V1_LawArticle.self)
            return page("law-article", title: article.citation, [
                "citation": article.citation, "level": article.level, "version": "\(article.versionDate)版", "hasVersion": !article.versionDate.isEmpty,
                "superseded": article.superseded, "heading": article.heading, "hasHeading": !article.heading.isEmpty,
                "paragraphs": article.text.split(separator: "\n").map(String.init),
            ])
        } catch let error as RPCError {
            return errorPage("未找到条文", error)
        }
    }
}
