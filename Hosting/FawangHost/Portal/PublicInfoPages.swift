import FawangCore
import FawangProto
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftProtobuf

/// 法律服务指引 (`/guide`) and 法律服务机构查询 (`/directory`, `/directory/entry?id=…`), over
/// `GuidanceService` and `DirectoryService`. The directory's map is an inline SVG drawn from the
/// directory itself (``DivisionMap``): it needs no tile server and works offline; a click on it
/// searches nearest that point.
extension Portal {
    func addPublicInfoPages(to router: Router<GatewayRequestContext>) {
        router.get("/guide") { request, context in try await guidePage(request, context) }
        router.get("/directory") { request, context in try await directoryPage(request, context) }
        router.get("/directory/entry") { request, context in try await directoryEntryPage(request, context) }
        router.get("/publicity") { request, context in try await publicityPage(request, context) }
        router.get("/publicity/article") { request, context in try await publicityArticlePage(request, context) }
        router.get("/publicity/feed.atom") { request, context in try await publicityFeed(request, context) }
        router.get("/disclosure") { request, context in try await disclosurePage(request, context) }
        router.get("/disclosure/item") { request, context in try await disclosureItemPage(request, context) }
    }

    // MARK: 信息公开

    /// The proactive disclosure catalogue (主动公开目录), by category, with the way to apply for
    /// information on request (the line's online form).
    func disclosurePage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let category = Fawang_Disclosure_V1_CatalogueCategory(rawValue: Int(request.uri.queryParameters.get("category") ?? "") ?? 0) ?? .unspecified
        do {
            let list = try await call(
                Fawang_Disclosure_V1_DisclosureService.Method.ListCatalogue.descriptor,
                Fawang_Disclosure_V1_ListCatalogueRequest.with {
                    $0.category = category
                    $0.pageSize = 100
                    $0.pageToken = request.uri.queryParameters.get("page") ?? ""
                },
                Self.metadata(context), as: Fawang_Disclosure_V1_ListCatalogueResponse.self)
            return page("disclosure", title: "政府信息公开", [
                // The line's categories with their counts, as the service names them.
                "categories": list.categories.map {
                    ["value": $0.category.rawValue, "name": $0.label, "count": $0.count, "selected": $0.category == category] as [String: Any]
                },
                "total": list.totalSize,
                "items": list.items.map { item -> [String: Any] in
                    [
                        "id": item.id, "href": "/disclosure/item?id=" + Self.percentEncoded(item.id), "title": item.title, "category": item.categoryLabel,
                        "number": item.documentNumber, "generated": item.generatedOn, "publisher": item.publisher,
                    ]
                },
                "hasNext": !list.nextPageToken.isEmpty,
                "nextHref": "/disclosure?category=\(category.rawValue)&page=\(list.nextPageToken)",
                "applyHref": "/apply/disclosure/submit",
            ])
        } catch let error as RPCError {
            return errorPage("政府信息公开", error)
        }
    }

    func disclosureItemPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        do {
            let item = try await call(
                Fawang_Disclosure_V1_DisclosureService.Method.GetItem.descriptor,
                Fawang_Disclosure_V1_GetItemRequest.with { $0.id = request.uri.queryParameters.get("id") ?? "" },
                Self.metadata(context), as: Fawang_Disclosure_V1_CatalogueItem.self)
            return page("disclosure-item", title: item.title, [
                "id": item.id, "title": item.title, "category": item.categoryLabel, "number": item.documentNumber, "hasNumber": !item.documentNumber.isEmpty,
                "publisher": item.publisher, "generated": item.generatedOn, "published": item.publishedOn, "summary": item.summary,
                "paragraphs": item.body.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            ])
        } catch let error as RPCError {
            return errorPage("未找到该信息", title: "未找到", error)
        }
    }

    // MARK: 法治宣传

    func publicityPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let category = Self.query(request, "category"), tag = Self.query(request, "tag"), query = Self.query(request, "q")
        let metadata = Self.metadata(context)
        do {
            async let categories = call(
                Fawang_Publicity_V1_PublicityService.Method.ListCategories.descriptor, Fawang_Publicity_V1_ListCategoriesRequest(), metadata,
                as: Fawang_Publicity_V1_ListCategoriesResponse.self)
            let list = try await call(
                Fawang_Publicity_V1_PublicityService.Method.ListArticles.descriptor,
                Fawang_Publicity_V1_ListArticlesRequest.with {
                    $0.category = category
                    $0.tag = tag
                    $0.query = query
                    $0.pageToken = request.uri.queryParameters.get("page") ?? ""
                },
                metadata, as: Fawang_Publicity_V1_ListArticlesResponse.self)
            var next = URLComponents()
            next.path = "/publicity"
            next.queryItems = [("category", category), ("tag", tag), ("q", query), ("page", list.nextPageToken)].filter { !$0.1.isEmpty }.map {
                URLQueryItem(name: $0.0, value: $0.1)
            }
            return page("publicity", title: "法治宣传", [
                "query": query, "tag": tag, "hasTag": !tag.isEmpty, "total": list.total,
                "categories": try await categories.categories.map { ["id": $0.id, "name": $0.name, "count": $0.published, "selected": $0.id == category] },
                "articles": list.articles.map(Self.articleObject),
                "hasNext": !list.nextPageToken.isEmpty, "nextHref": next.url?.absoluteString ?? "/publicity",
            ])
        } catch let error as RPCError {
            return errorPage("法治宣传", error)
        }
    }

    static func articleObject(_ article: Fawang_Publicity_V1_Article) -> [String: Any] {
        [
            "id": article.id, "href": "/publicity/article?id=" + percentEncoded(article.id), "title": article.title, "summary": article.summary,
            "category": article.category, "categoryName": article.categoryName,
            "tags": article.tags.map { ["name": $0, "href": "/publicity?tag=" + percentEncoded($0)] },
            "date": String(article.publishedAt.prefix(10)), "reads": article.reads, "author": article.authorName,
            "paragraphs": article.body.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty },
        ]
    }

    func publicityArticlePage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        do {
            let article = try await call(
                Fawang_Publicity_V1_PublicityService.Method.GetArticle.descriptor,
                Fawang_Publicity_V1_GetArticleRequest.with { $0.id = request.uri.queryParameters.get("id") ?? "" },
                Self.metadata(context), as: Fawang_Publicity_V1_Article.self)
            return page("publicity-article", title: article.title, Self.articleObject(article))
        } catch let error as RPCError {
            return errorPage("未找到文章", error)
        }
    }

    /// The latest published articles as an Atom feed (RFC 4287), with absolute links to the
    /// portal's pages on the host the reader asked.
    func publicityFeed(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let list: Fawang_Publicity_V1_ListArticlesResponse
        do {
            list = try await call(
                Fawang_Publicity_V1_PublicityService.Method.ListArticles.descriptor, Fawang_Publicity_V1_ListArticlesRequest.with { $0.pageSize = 50 },
                Self.metadata(context), as: Fawang_Publicity_V1_ListArticlesResponse.self)
        } catch let error as RPCError {
            return Response(status: Self.status(error), headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Self.problem(error))))
        }
        let base = "http://" + (request.head.authority ?? "localhost")
        func xml(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        var lines = [
            #"<?xml version="1.0" encoding="utf-8"?>"#, #"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">"#,
            "<title>12348宁夏法网 · 法治宣传</title>", "<id>\(base)/publicity</id>",
            "<updated>\(list.articles.first?.publishedAt ?? "1970-01-01T00:00:00Z")</updated>",
            #"<link rel="self" type="application/atom+xml" href="\#(base)/publicity/feed.atom"/>"#, #"<link rel="alternate" type="text/html" href="\#(base)/publicity"/>"#,
            "<author><name>宁夏回族自治区司法厅</name></author>",
        ]
        for article in list.articles {
            let link = "\(base)/publicity/article?id=\(Self.percentEncoded(article.id))"
            lines += [
                "<entry>", "<title>\(xml(article.title))</title>", "<id>\(xml(link))</id>", #"<link rel="alternate" type="text/html" href="\#(xml(link))"/>"#,
                "<published>\(article.publishedAt)</published>", "<updated>\(article.publishedAt)</updated>",
                "<author><name>\(xml(article.authorName))</name></author>",
                #"<category term="\#(xml(article.category))" label="\#(xml(article.categoryName))"/>"#,
                "<summary>\(xml(article.summary))</summary>", "</entry>",
            ]
        }
        lines.append("</feed>")
        return Response(
            status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n"))))
    }

    /// A GET form's value: "+" is a space there.
    static func query(_ request: Request, _ name: String) -> String {
        (request.uri.queryParameters.get(name) ?? "").replacingOccurrences(of: "+", with: " ")
    }

    func guidePage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let problem = Self.query(request, "q"), category = Self.query(request, "category")
        let region = Self.region(request)
        let metadata = Self.metadata(context)
        let categories = try await call(
            Fawang_Guidance_V1_GuidanceService.Method.ListCategories.descriptor,
            Fawang_Guidance_V1_ListCategoriesRequest.with { $0.regionCode = region }, metadata, as: Fawang_Guidance_V1_ListCategoriesResponse.self)
        var object: [String: Any] = [
            "problem": problem, "hasResult": false, "hasMessage": false,
            "categories": categories.categories.map { ["id": $0.id, "name": $0.name, "selected": $0.id == category, "problems": $0.problems.joined(separator: "；")] },
        ]
        guard !problem.trimmingCharacters(in: .whitespaces).isEmpty || !category.isEmpty else { return page("guide", title: "法律服务指引", object) }
        // Answers come back as a.<question id>=yes|no.
        var answers: [String: Bool] = [:]
        // The browser percent-encodes the "/" in a question's id; Hummingbird leaves keys encoded.
        for (key, value) in request.uri.queryParameters where value == "yes" || value == "no" {
            let name = String(key).removingPercentEncoding ?? String(key)
            if name.hasPrefix("a.") { answers[String(name.dropFirst(2))] = value == "yes" }
        }
        do {
            let response = try await call(
                Fawang_Guidance_V1_GuidanceService.Method.FindServices.descriptor,
                Fawang_Guidance_V1_FindServicesRequest.with {
                    $0.problem = problem
                    $0.category = category
                    $0.regionCode = region
                    $0.answers = answers
                },
                metadata, as: Fawang_Guidance_V1_FindServicesResponse.self)
            object["hasResult"] = true
            object["hint"] = response.hint
            object["hasHint"] = !response.hint.isEmpty
            object["suggestions"] = response.suggestions.map { suggestion -> [String: Any] in
                [
                    "line": suggestion.lineName, "type": suggestion.matterTypeName, "problem": suggestion.problem, "module": suggestion.moduleID,
                    "matched": suggestion.matched.joined(separator: "、"), "hasMatched": !suggestion.matched.isEmpty,
                    "eligibility": suggestion.eligibility, "hasEligibility": !suggestion.eligibility.isEmpty,
                    "hasLimits": !suggestion.timeLimits.isEmpty, "hasQuestions": !suggestion.questions.isEmpty, "fees": suggestion.fees, "hasFees": !suggestion.fees.isEmpty,
                    "materials": suggestion.materials, "hasMaterials": !suggestion.materials.isEmpty,
                    "limits": suggestion.timeLimits.map {
                        ["label": $0.label, "period": $0.period, "article": $0.article, "href": LawPages.articleHref($0.article)]
                    },
                    "questions": suggestion.questions.map { question in
                        [
                            "id": question.id, "text": question.text, "name": "a." + question.id,
                            "yes": answers[question.id] == true, "no": answers[question.id] == false,
                        ] as [String: Any]
                    },
                    "advice": suggestion.advice, "hasOffice": suggestion.hasOffice,
                    "office": Self.entryObject(suggestion.office),
                    "applyURL": suggestion.applyURL, "hasApply": !suggestion.applyURL.isEmpty,
                    "visitURL": suggestion.visitURL, "hasVisit": !suggestion.visitURL.isEmpty, "hotline": suggestion.hotline,
                ]
            }
            return page("guide", title: "法律服务指引", object)
        } catch let error as RPCError {
            object["hasMessage"] = true
            object["message"] = Self.problem(error)
            return page("guide", title: "法律服务指引", object, status: Self.status(error))
        }
    }

    static func entryObject(_ entry: Fawang_Directory_V1_DirectoryEntry) -> [String: Any] {
        [
            "id": entry.id, "href": "/directory/entry?id=" + percentEncoded(entry.id), "name": entry.name, "kind": entry.kindName,
            "region": entry.regionName, "address": entry.address, "hasAddress": !entry.address.isEmpty, "phone": entry.phone,
            "hasPhone": !entry.phone.isEmpty, "line": entry.businessLineName, "organization": entry.organizationName,
            "hasOrganization": !entry.organizationName.isEmpty, "specialties": entry.specialties.joined(separator: "、"),
            "hasSpecialties": !entry.specialties.isEmpty, "distance": String(format: "%.1f", entry.distanceKm), "hasDistance": entry.distanceKm > 0,
            "status": entry.credit.licenceStatus, "good": entry.credit.inGoodStanding, "licence": entry.credit.licenceNumber,
            "hasLicence": !entry.credit.licenceNumber.isEmpty, "discipline": entry.credit.discipline, "hasDiscipline": !entry.credit.discipline.isEmpty,
            "approximate": entry.locationApproximate,
            "figures": entry.credit.figuresZH.map { ["label": $0.label, "value": $0.value] },
            "hasRating": entry.credit.ratedMatters > 0, "rating": String(format: "%.1f", entry.credit.averageRating),
        ]
    }

    func directoryPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let name = Self.query(request, "name"), kind = Self.query(request, "kind"), specialty = Self.query(request, "specialty")
        let regionParameter = request.uri.queryParameters.get("region")
        let region = regionParameter ?? Self.region(request)
        let near = Self.query(request, "near").split(separator: ",").compactMap { Double($0) }
        let metadata = Self.metadata(context)
        var object: [String: Any] = [
            "name": name, "specialty": specialty, "near": near.count == 2 ? "\(near[0]),\(near[1])" : "", "hasNear": near.count == 2,
            "kinds": DirectoryKind.all.map { ["id": $0.id, "name": $0.nameZH, "selected": $0.id == kind] },
            "hasMessage": false,
        ]
        do {
            async let map = call(
                Fawang_Directory_V1_DirectoryService.Method.GetMap.descriptor, Fawang_Directory_V1_GetMapRequest(), metadata,
                as: Fawang_Directory_V1_GetMapResponse.self)
            let found = try await call(
                Fawang_Directory_V1_DirectoryService.Method.SearchDirectory.descriptor,
                Fawang_Directory_V1_SearchDirectoryRequest.with {
                    $0.name = name
                    $0.kinds = kind.isEmpty ? [] : [kind]
                    $0.specialty = specialty
                    $0.regionCode = region
                    if near.count == 2 {
                        $0.near = .with {
                            $0.latitude = near[0]
                            $0.longitude = near[1]
                        }
                    }
                    $0.pageSize = 200
                },
                metadata, as: Fawang_Directory_V1_SearchDirectoryResponse.self)
            let divisions = try await map.divisions
            object["regions"] = divisions.map {
                ["code": $0.code, "name": $0.name, "selected": $0.code == region, "indent": $0.code.hasSuffix("00") ? "" : "　"]
            }
            object["total"] = found.total
            object["entries"] = found.entries.map(Self.entryObject)
            object["map"] = Self.mapObject(divisions: divisions, entries: found.entries, near: near.count == 2 ? GeoPoint(latitude: near[0], longitude: near[1]) : nil)
            return page("directory", title: "法律服务机构和人员查询", object)
        } catch let error as RPCError {
            object["hasMessage"] = true
            object["message"] = Self.problem(error)
            object["regions"] = [[String: Any]]()
            return page("directory", title: "法律服务机构和人员查询", object, status: Self.status(error))
        }
    }

    /// The SVG's parts: county cells with their names, the entries' points (organisations larger
    /// than people), the searched point.
    static func mapObject(divisions: [Fawang_Directory_V1_MapDivision], entries: [Fawang_Directory_V1_DirectoryEntry], near: GeoPoint?) -> [String: Any] {
        let province = divisions.first { $0.parentCode.isEmpty }?.code ?? ""
        let counties = divisions.filter { $0.hasSeat && !$0.code.hasSuffix("00") }
        let seats = counties.map { GeoPoint(latitude: $0.seat.latitude, longitude: $0.seat.longitude) }
        let map = DivisionMap(provinceCode: province, seats: seats)
        let cells = map.cells(seats)
        var object = map.projection
        object["cells"] = zip(counties, cells).map { county, cell in
            ["code": county.code, "name": county.name, "path": map.path(cell), "x": map.x(GeoPoint(latitude: county.seat.latitude, longitude: county.seat.longitude)),
             "y": map.y(GeoPoint(latitude: county.seat.latitude, longitude: county.seat.longitude)) - 6] as [String: Any]
        }
        object["outline"] = map.path(map.outline)
        object["points"] = entries.filter(\.hasLocation).map { entry -> [String: Any] in
            let point = GeoPoint(latitude: entry.location.latitude, longitude: entry.location.longitude)
            return ["x": map.x(point), "y": map.y(point), "r": entry.isPerson ? 3 : 5, "name": entry.name, "href": "/directory/entry?id=" + percentEncoded(entry.id),
                    "good": entry.credit.inGoodStanding]
        }
        if let near { object["near"] = ["x": map.x(near), "y": map.y(near)] }
        return object
    }

    func directoryEntryPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let id = request.uri.queryParameters.get("id") ?? ""
        do {
            let entry = try await call(
                Fawang_Directory_V1_DirectoryService.Method.GetEntry.descriptor, Fawang_Directory_V1_GetEntryRequest.with { $0.id = id },
                Self.metadata(context), as: Fawang_Directory_V1_DirectoryEntry.self)
            var object = Self.entryObject(entry)
            if entry.hasLocation {
                object["lat"] = String(format: "%.4f", entry.location.latitude)
                object["lon"] = String(format: "%.4f", entry.location.longitude)
                object["nearHref"] = "/directory?near=\(entry.location.latitude),\(entry.location.longitude)&region="
            }
            object["hasLocation"] = entry.hasLocation
            return page("directory-entry", title: entry.name, object)
        } catch let error as RPCError {
            return errorPage("未找到该机构或人员", title: "未找到", error)
        }
    }
}
