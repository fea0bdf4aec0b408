import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.guidance.v1.GuidanceService`: which service fits a citizen's problem (法律服务指引).
///
/// Composed on every request from the modules switched on in the citizen's division (a module
/// switched off there offers nothing at once), each line's declared topics (``GuidanceTopic``)
/// and its matter types' ``ServiceGuide``, materials and statutory time limits, with the nearest
/// office of the directory that handles it and the portal's links.
struct GuidanceService: Fawang_Guidance_V1_GuidanceService.SimpleServiceProtocol {
    let directory: PublicDirectory
    /// Each module's public intake verbs (`apply`, `submit`): what an online-application link may name.
    let intakeVerbs: [String: Set<String>]

    static let hotline = "12348"
    /// Suggestions one answer lists at most.
    static let maxSuggestions = 5

    /// The modules that serve `region` (every switched-on module when it is empty).
    func modules(in region: String) -> [ModuleRegistry.Module] {
        directory.registry.modules.filter { region.isEmpty ? $0.enabled : directory.registry.isEnabled($0.manifest.id, in: region) }
    }

    func listCategories(request: Fawang_Guidance_V1_ListCategoriesRequest, context: ServerContext) async throws -> Fawang_Guidance_V1_ListCategoriesResponse {
        var check = FieldValidator()
        if !request.regionCode.isEmpty { check.regionCode(request.regionCode) }
        try check.check()
        try PublicDirectory.requireDivision(request.regionCode, in: try await directory.divisions())
        let topics = modules(in: request.regionCode).flatMap(\.manifest.guidance)
        return .with {
            $0.categories = GuidanceCategory.all.compactMap { category in
                let problems = topics.filter { $0.category == category }.map(\.problemZH)
                guard !problems.isEmpty else { return nil }
                return .with {
                    $0.id = category.id
                    $0.name = category.nameZH
                    $0.problems = problems
                }
            }
        }
    }

    func findServices(request: Fawang_Guidance_V1_FindServicesRequest, context: ServerContext) async throws -> Fawang_Guidance_V1_FindServicesResponse {
        var check = FieldValidator()
        let problem = request.problem.trimmingCharacters(in: .whitespacesAndNewlines)
        check.require(!problem.isEmpty || !request.category.isEmpty, "problem", "请简要描述您遇到的问题，或选择一个问题分类")
        check.require(problem.count <= 500, "problem", "问题描述不能超过500字")
        let category = request.category.isEmpty ? nil : GuidanceCategory.named(request.category)
        check.require(request.category.isEmpty || category != nil, "category", "问题分类应为：\(GuidanceCategory.all.map(\.id).joined(separator: "、"))")
        let near = request.hasNear ? GeoPoint(latitude: request.near.latitude, longitude: request.near.longitude) : nil
        check.require(near?.isValid ?? true, "near", "坐标应为纬度 −90～90、经度 −180～180")
        if !request.regionCode.isEmpty { check.regionCode(request.regionCode) }
        try check.check()
        let region = request.regionCode
        let divisions = try await directory.divisions()
        try PublicDirectory.requireDivision(region, in: divisions)

        let modules = modules(in: region)
        let questionIDs = Set(modules.flatMap(\.manifest.matterTypes).flatMap { type in type.guide.questions.map { "\(type.id)/\($0.id)" } })
        if let unknown = request.answers.keys.sorted().first(where: { !questionIDs.contains($0) }) {
            throw FawangError.invalidArgument(field: "answers", "没有编号为 \(unknown) 的问题；问题编号见指引结果中的 questions")
        }
        // One suggestion per matter type, from its best-matching topic.
        var seen = Set<String>()
        let matches = GuidanceMatcher.match(problem, category: category, topics: modules.flatMap(\.manifest.guidance)).filter {
            seen.insert($0.topic.matterTypeID).inserted
        }.prefix(Self.maxSuggestions)
        guard !matches.isEmpty else {
            return .with { $0.hint = "没有找到与您的描述相符的服务。请换个说法、选择一个问题分类，或拨打\(Self.hotline)公共法律服务热线咨询。" }
        }
        let offices = try await directory.entries(in: divisions)
        let suggested = matches.compactMap { match -> (GuidanceMatcher.Match, ModuleRegistry.Module, MatterTypeSpec, (PublicDirectory.Placed, Double?)?)? in
            guard let module = modules.first(where: { $0.manifest.matterType(match.topic.matterTypeID) != nil }),
                let type = module.manifest.matterType(match.topic.matterTypeID)
            else { return nil }
            let handling = offices.filter { type.guide.officeKinds.contains($0.entry.kind) && $0.entry.inGoodStanding }
            // The nearest office whose practice fits the problem; failing one, the nearest of the kind.
            let fitting = handling.filter { match.topic.fits($0.entry.specialties) }
            return (match, module, type, PublicDirectory.nearest(fitting.isEmpty ? handling : fitting, to: near, region: region, divisions: divisions).first)
        }
        let credit = try await directory.credit(of: suggested.compactMap { $0.3?.0 })
        var response = Fawang_Guidance_V1_FindServicesResponse()
        for (match, module, type, office) in suggested {
            let guide = type.guide
            response.suggestions.append(.with {
                $0.moduleID = module.manifest.id
                $0.lineName = module.manifest.nameZH
                $0.matterType = type.id
                $0.matterTypeName = type.nameZH
                $0.problem = match.topic.problemZH
                $0.matched = match.matched
                $0.eligibility = guide.eligibility
                $0.materials = type.requiredMaterials
                $0.fees = guide.fees
                $0.timeLimits = type.deadlines.map { rule in
                    .with {
                        $0.label = rule.label
                        $0.period = rule.dayType.describe(rule.days)
                        $0.article = rule.article
                    }
                }
                $0.questions = guide.questions.map { question in
                    .with {
                        $0.id = "\(type.id)/\(question.id)"
                        $0.text = question.textZH
                    }
                }
                $0.advice = guide.questions.compactMap { question in
                    let advice = request.answers["\(type.id)/\(question.id)"].map { $0 ? question.ifYesZH : question.ifNoZH } ?? ""
                    return advice.isEmpty ? nil : advice
                }
                if let office { $0.office = DirectoryService.proto(office.0, distance: office.1, credit: credit[office.0.entry.id], today: CivilDate(directory.now())) }
                if let verb = guide.applyVerb, intakeVerbs[module.manifest.id]?.contains(verb) == true {
                    $0.applyURL = "/apply/\(module.manifest.id)/\(verb)"
                }
                if let office { $0.visitURL = "/directory/entry?id=\(office.0.entry.id)" }
                $0.hotline = Self.hotline
            })
        }
        return response
    }
}
