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

/// Service guidance and the public directory on a demo host over loopback HTTP/2: what fits a
/// problem, how a regional module switch changes it at once, nearest-office ordering, the
/// directory's filters and its credit records.
@Suite struct PublicInfoServiceTests {
    typealias Guidance = Fawang_Guidance_V1_GuidanceService.Client<HTTP2ClientTransport.Posix>
    typealias Directory = Fawang_Directory_V1_DirectoryService.Client<HTTP2ClientTransport.Posix>

    static let unpaidWages = "老板拖欠我三个月工资，请不起律师"

    @Test func guidanceFollowsTheProblemAndTheModulesOfTheRegion() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let guidance = Guidance(wrapping: client)
                let found = try await guidance.findServices(.with {
                    $0.problem = Self.unpaidWages
                    $0.regionCode = "640104"
                })
                let aid = try #require(found.suggestions.first)
                #expect(aid.moduleID == "legal-aid" && aid.matterType == "legal-aid.application" && aid.matched.contains("工资"))
                #expect(aid.timeLimits.contains { $0.period == "7日" && $0.article == "《中华人民共和国法律援助法》第四十三条" })
                #expect(!aid.eligibility.isEmpty && !aid.materials.isEmpty && aid.fees.hasPrefix("免费"))
                #expect(aid.applyURL == "/apply/legal-aid/submit" && aid.hotline == "12348")
                // Xingqing (640104) is in Yinchuan: Yinchuan's legal aid centre handles it.
                #expect(aid.office.id == "legal_aid_centre/la-640100" && aid.visitURL == "/directory/entry?id=legal_aid_centre/la-640100")
                let hardship = try #require(aid.questions.first { $0.id == "legal-aid.application/hardship" })
                #expect(aid.advice.isEmpty)

                // An answer that changes the advice.
                let answered = try await guidance.findServices(.with {
                    $0.problem = Self.unpaidWages
                    $0.regionCode = "640104"
                    $0.answers = [hardship.id: false]
                })
                #expect(answered.suggestions.first?.advice.count == 1)

                // Guyuan's county: Guyuan's centre.
                let xiji = try await guidance.findServices(.with {
                    $0.problem = Self.unpaidWages
                    $0.regionCode = "640422"
                })
                #expect(xiji.suggestions.first?.office.id == "legal_aid_centre/la-640400")

                // A category alone lists its topics, and only its topics.
                let family = try await guidance.findServices(.with { $0.category = "family" })
                let familyProblems = Set(PluginCatalog.all.flatMap(\.manifest.guidance).filter { $0.category == .family }.map(\.problemZH))
                #expect(!family.suggestions.isEmpty && family.suggestions.allSatisfy { familyProblems.contains($0.problem) })

                // Nothing fits: a hint, no suggestions.
                let nothing = try await guidance.findServices(.with { $0.problem = "今天天气很好" })
                #expect(nothing.suggestions.isEmpty && nothing.hint.contains("12348"))

                await expectStatus(.invalidArgument, field: "problem") { _ = try await guidance.findServices(.with { $0.problem = "  " }) }
                await expectStatus(.invalidArgument, field: "category") { _ = try await guidance.findServices(.with { $0.category = "tax" }) }
                await expectStatus(.invalidArgument, field: "answers") {
                    _ = try await guidance.findServices(.with {
                        $0.problem = Self.unpaidWages
                        $0.answers = ["legal-aid.application/nonsense": true]
                    })
                }
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await guidance.findServices(.with {
                        $0.problem = Self.unpaidWages
                        $0.regionCode = "64"
                    })
                }
                await expectStatus(.notFound, containing: ["649999"]) {
                    _ = try await guidance.findServices(.with {
                        $0.problem = Self.unpaidWages
                        $0.regionCode = "649999"
                    })
                }
            }

            // Legal aid switched off in Xingqing: its guidance goes there at once, stays next door.
            try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    regions:\n      640104:\n        enabled: false\n")
            try await platform.withClient { client in
                let guidance = Guidance(wrapping: client)
                try await eventually("the regional switch applies to guidance") {
                    let lines = try await guidance.findServices(.with {
                        $0.problem = Self.unpaidWages
                        $0.regionCode = "640104"
                    }).suggestions.map(\.moduleID)
                    return !lines.contains("legal-aid")
                }
                let xixia = try await guidance.findServices(.with {
                    $0.problem = Self.unpaidWages
                    $0.regionCode = "640105"
                })
                #expect(xixia.suggestions.first?.moduleID == "legal-aid")
                let categories = try await guidance.listCategories(.with { $0.regionCode = "640104" }).categories.flatMap(\.problems)
                #expect(!categories.contains("被拖欠工资、请不起律师") && categories.contains("邻里之间因噪音、漏水、通行发生矛盾"))
                #expect(try await guidance.listCategories(.with { $0.regionCode = "640105" }).categories.flatMap(\.problems).contains("被拖欠工资、请不起律师"))
            }
        }
    }

    /// The office a suggestion names must practise in the problem's field: a neighbours' quarrel
    /// goes to the county's general committee, not the nearer medical one; a hospital dispute to
    /// the medical committee; a disability grade to an institution licensed for 法医类.
    @Test func theSuggestedOfficePractisesInTheProblemsField() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let guidance = Guidance(wrapping: client)
                func office(_ problem: String, line: String, near: (Double, Double)? = nil) async throws -> Fawang_Directory_V1_DirectoryEntry {
                    let found = try await guidance.findServices(.with {
                        $0.problem = problem
                        $0.regionCode = "640104"
                        if let near { $0.near = .with { $0.latitude = near.0; $0.longitude = near.1 } }
                    })
                    return try #require(found.suggestions.first { $0.moduleID == line }, "\(problem): \(found.suggestions.map(\.moduleID))").office
                }
                // Yinchuan's seat, where the city's medical committee stands too.
                let seat = (38.4872, 106.2309)
                let neighbours = try await office("楼上邻居家漏水，和邻居闹矛盾", line: "mediation", near: seat)
                #expect(neighbours.id.hasPrefix("mediation_committee/") && neighbours.specialties.isEmpty, "\(neighbours.id)")
                let hospital = try await office("做手术后和医院发生医疗纠纷", line: "mediation", near: seat)
                #expect(hospital.id == "mediation_committee/mc-640100-medical" && hospital.specialties == ["医疗纠纷"])
                let disability = try await office("交通事故受伤，需要做伤残等级鉴定", line: "judicial-appraisal")
                #expect(disability.specialties.contains("法医类"), "\(disability.id) \(disability.specialties)")
                let handwriting = try await office("借条上的笔迹不是我的，需要鉴定", line: "judicial-appraisal")
                #expect(handwriting.specialties.contains("物证类"), "\(handwriting.id) \(handwriting.specialties)")
            }
        }
    }

    @Test func theDirectoryFindsByRegionKindNameAndDistance() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let directory = Directory(wrapping: client)
                // Nearest first from Guyuan's Yuanzhou district: Guyuan's legal aid centre, then ever farther.
                let near = try await directory.searchDirectory(.with {
                    $0.kinds = ["legal_aid_centre"]
                    $0.near = .with {
                        $0.latitude = 36.005
                        $0.longitude = 106.288
                    }
                })
                #expect(near.entries.map(\.id) == [
                    "legal_aid_centre/la-640400", "legal_aid_centre/la-640500", "legal_aid_centre/la-640300",
                    "legal_aid_centre/la-640100", "legal_aid_centre/la-640200",
                ])
                let distances = near.entries.map(\.distanceKm)
                #expect(distances == distances.sorted() && distances[0] < 10 && distances[4] > 300)

                // Every line's register in one directory.
                let all = try await directory.searchDirectory(.with { $0.pageSize = 200 })
                let kinds = Set(all.entries.map(\.kind))
                #expect(kinds.isSuperset(of: [
                    "legal_aid_centre", "legal_aid_provider", "law_firm", "lawyer", "notary_office", "appraisal_institution", "appraiser",
                    "mediation_committee", "mediator", "service_centre", "service_station", "service_room", "village_adviser",
                ]))
                #expect(Int(all.total) == all.entries.count || !all.nextPageToken.isEmpty)

                // A county and below: Xiji's centre, its township station, village room and adviser.
                let xiji = try await directory.searchDirectory(.with { $0.regionCode = "640422" })
                #expect(xiji.entries.allSatisfy { $0.regionCode == "640422" })
                #expect(Set(xiji.entries.map(\.kind)).isSuperset(of: ["service_centre", "service_station", "service_room", "village_adviser"]))

                // Part of a name.
                let named = try await directory.searchDirectory(.with { $0.name = "公证处" })
                #expect(!named.entries.isEmpty && named.entries.allSatisfy { $0.name.contains("公证处") })
                let specialty = try await directory.searchDirectory(.with { $0.specialty = "婚姻" })
                #expect(!specialty.entries.isEmpty && specialty.entries.allSatisfy { $0.specialties.contains { $0.contains("婚姻") } })

                // Credit: a suspended office is marked, and leaves a good-standing search.
                let notaries = try await directory.searchDirectory(.with { $0.kinds = ["notary_office"] })
                let suspended = try #require(notaries.entries.first { !$0.credit.inGoodStanding })
                #expect(suspended.credit.licenceStatus.contains("暂停"))
                let good = try await directory.searchDirectory(.with {
                    $0.kinds = ["notary_office"]
                    $0.inGoodStandingOnly = true
                })
                #expect(!good.entries.contains { $0.id == suspended.id } && good.entries.count == notaries.entries.count - 1)
                let entry = try await directory.getEntry(.with { $0.id = suspended.id })
                #expect(entry.name == suspended.name && entry.hasLocation && entry.regionName.hasPrefix("银川市"))

                // The map: every division with its seat.
                let map = try await directory.getMap(.init())
                #expect(map.divisions.count == 28 && map.divisions.allSatisfy(\.hasSeat))

                await expectStatus(.invalidArgument, field: "kinds[0]") { _ = try await directory.searchDirectory(.with { $0.kinds = ["judge"] }) }
                await expectStatus(.invalidArgument, field: "near") {
                    _ = try await directory.searchDirectory(.with { $0.near = .with { $0.latitude = 120 } })
                }
                await expectStatus(.notFound, containing: ["649999"]) { _ = try await directory.searchDirectory(.with { $0.regionCode = "649999" }) }
                await expectStatus(.notFound) { _ = try await directory.getEntry(.with { $0.id = "lawyer/0" }) }
            }

            // Notarization switched off in Xingqing: its office there leaves the directory, the city's stays.
            try platform.rewriteConfig(extra: "modules:\n  notarization:\n    regions:\n      640104:\n        enabled: false\n")
            try await platform.withClient { client in
                let directory = Directory(wrapping: client)
                try await eventually("the regional switch applies to the directory") {
                    let ids = try await directory.searchDirectory(.with { $0.kinds = ["notary_office"] }).entries.map(\.id)
                    return !ids.contains("notary_office/np-640104-1") && ids.contains("notary_office/np-640100-1")
                }
            }
        }
    }

    /// What guidance promises is declared correctly: every topic names a matter type of its own
    /// line, every online-application verb is a public intake of that line, every guide names
    /// the offices that handle it.
    @Test func everyLineDeclaresGuidanceItCanKeep() {
        for plugin in PluginCatalog.all {
            let intake = Set(plugin.rpcs.filter(\.isPublicIntake).compactMap(\.verb))
            for topic in plugin.manifest.guidance {
                #expect(plugin.manifest.matterType(topic.matterTypeID) != nil, "\(plugin.manifest.id): \(topic.problemZH)")
                #expect(!topic.keywords.isEmpty)
            }
            for type in plugin.manifest.matterTypes where plugin.manifest.guidance.contains(where: { $0.matterTypeID == type.id }) {
                #expect(!type.guide.officeKinds.isEmpty, "\(type.id) names no office")
                #expect(!type.guide.fees.isEmpty, "\(type.id) says nothing of fees")
                if let verb = type.guide.applyVerb { #expect(intake.contains(verb), "\(type.id): \(verb) is not a public intake of \(plugin.manifest.id)") }
                let ids = type.guide.questions.map(\.id)
                #expect(Set(ids).count == ids.count)
            }
        }
    }

    /// Every article the guides cite (《…》第N条, and the articles chained after it: 第三条、第十七条,
    /// 第四十七条至第五十条) exists in that law's current text in the corpus.
    @Test func everyArticleTheGuidesCiteIsInTheCorpus() throws {
        let root = try LawCorpusLocation.root
        let texts = PluginCatalog.all.flatMap(\.manifest.matterTypes).flatMap { type in
            type.guide.eligibility + [type.guide.fees] + type.guide.questions.flatMap { [$0.ifYesZH, $0.ifNoZH] }
        }
        let citation = /《([^》]+)》((?:第[一二三四五六七八九十百千零]+条(?:第[一二三四五六七八九十]+款)?[、和至]?)+)/
        var cited: [String: Set<Int>] = [:]
        for text in texts {
            for match in text.matches(of: citation) {
                for number in String(match.2).matches(of: /第([一二三四五六七八九十百千零]+)条/) {
                    cited[String(match.1), default: []].insert(try #require(ChineseNumber.parse(String(number.1))))
                }
            }
        }
        #expect(cited.count >= 5, "the guides cite their laws")
        let files = try LawCorpus.files(under: root)
        for (law, numbers) in cited {
            let short = law.replacingOccurrences(of: "中华人民共和国", with: "")
            let versions = try files.filter { $0.lastPathComponent.hasPrefix(short + "(") }.map { try LawCorpus.read($0, root: root) }
            let current = try #require(versions.max { $0.versionDate < $1.versionDate }, "\(law) is in the corpus")
            let present = Set(current.articles.compactMap(\.number))
            for number in numbers.sorted() { #expect(present.contains(number), "\(law) has no article \(number)") }
        }
    }
}
