import ArgumentParser
import FawangCore
import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang guide`: which service fits a problem (GuidanceService.FindServices).
struct Guide: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which service fits a problem: the lines switched on in a division, their materials, fees, time limits and nearest office.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "The problem in the citizen's words, e.g. 老板拖欠我三个月工资.") var problem: [String] = []
    @Option(name: .long, help: "A category instead of (or with) the words: wages, family, neighbours, injury, debts, criminal, certificates, appraisal, profession, complaints, other.")
    var category: String = ""
    @Option(name: .long, help: "The citizen's division, e.g. 640104.") var region: String = ""
    @Option(name: .long, help: "An answer to a suggestion's question: ID=yes or ID=no (repeatable).") var answer: [String] = []
    @Option(name: .long, help: "The citizen's position as LAT,LON: the nearest office first.") var near: String?

    func run() async throws {
        var request = Fawang_Guidance_V1_FindServicesRequest.with {
            $0.problem = problem.joined(separator: " ")
            $0.category = category
            $0.regionCode = region
        }
        for item in answer {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["yes", "no", "是", "否"].contains(parts[1]) else {
                throw ValidationError("--answer takes ID=yes or ID=no, e.g. legal-aid.application/hardship=no")
            }
            request.answers[parts[0]] = parts[1] == "yes" || parts[1] == "是"
        }
        if let near { request.near = try GeoPointOption.parse(near) }
        let asked = request
        let response = try await client.withClient { client in
            try await Fawang_Guidance_V1_GuidanceService.Client(wrapping: client).findServices(asked)
        }
        try client.emit(response) {
            if response.suggestions.isEmpty { return response.hint }
            return response.suggestions.enumerated().map { index, suggestion in
                var lines = ["\(index + 1). \(suggestion.lineName) · \(suggestion.matterTypeName)（\(suggestion.problem)）"]
                if !suggestion.matched.isEmpty { lines.append("   匹配：\(suggestion.matched.joined(separator: "、"))") }
                lines += suggestion.eligibility.map { "   条件：\($0)" }
                if !suggestion.fees.isEmpty { lines.append("   费用：\(suggestion.fees)") }
                if !suggestion.materials.isEmpty { lines.append("   材料：\(suggestion.materials.joined(separator: "、"))") }
                lines += suggestion.timeLimits.map { "   时限：\($0.label) \($0.period)（\($0.article)）" }
                lines += suggestion.advice.map { "   提示：\($0)" }
                lines += suggestion.questions.map { "   问题：\($0.text)  --answer \($0.id)=yes|no" }
                if suggestion.hasOffice {
                    let office = suggestion.office
                    let details = [
                        office.address.isEmpty ? office.regionName : office.address, office.phone.isEmpty ? "" : "电话\(office.phone)",
                        office.distanceKm > 0 ? "约\(office.distanceKm)公里" : "",
                    ].filter { !$0.isEmpty }
                    lines.append("   办理地点：\(office.name)（\(details.joined(separator: "，"))）")
                }
                if !suggestion.applyURL.isEmpty { lines.append("   在线申请：\(suggestion.applyURL)") }
                lines.append("   电话咨询：\(suggestion.hotline)")
                return lines.joined(separator: "\n")
            }.joined(separator: "\n\n")
        }
    }
}

/// `--near LAT,LON`.
enum GeoPointOption {
    static func parse(_ text: String) throws -> Fawang_Directory_V1_GeoPoint {
        let parts = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2 else { throw ValidationError("--near takes LAT,LON in degrees, e.g. 38.47,106.28") }
        return .with {
            $0.latitude = parts[0]
            $0.longitude = parts[1]
        }
    }
}

/// `fawang directory`: legal service organisations and personnel.
struct Directory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The directory of legal service organisations and personnel, with their credit records.",
        subcommands: [Search.self, Show.self])

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find organisations and people by region, kind, name, specialty or distance.")
        @OptionGroup var client: ClientOptions
        @Option(name: .long, help: "A division: entries in it and below, e.g. 640104.") var region: String = ""
        @Option(name: .long, help: "A kind (repeatable): \(DirectoryKind.all.map(\.id).joined(separator: ", ")).") var kind: [String] = []
        @Option(name: .long, help: "Part of a name, e.g. 兴庆.") var name: String = ""
        @Option(name: .long, help: "A practice area, e.g. 婚姻家庭.") var specialty: String = ""
        @Option(name: .long, help: "LAT,LON: nearest first, with distances.") var near: String?
        @Flag(name: .long, help: "Only licences in good standing.") var goodStanding = false
        @Option(name: .long, help: "Results per page (1–200).") var pageSize: Int32 = 20
        @Option(name: .long, help: "The next_page_token a previous search printed.") var pageToken: String = ""

        func run() async throws {
            var request = Fawang_Directory_V1_SearchDirectoryRequest.with {
                $0.regionCode = region
                $0.kinds = kind
                $0.name = name
                $0.specialty = specialty
                $0.inGoodStandingOnly = goodStanding
                $0.pageSize = pageSize
                $0.pageToken = pageToken
            }
            if let near { request.near = try GeoPointOption.parse(near) }
            let asked = request
            let response = try await client.withClient { client in
                try await Fawang_Directory_V1_DirectoryService.Client(wrapping: client).searchDirectory(asked)
            }
            try client.emit(response) {
                var lines = ["共 \(response.total) 个"]
                lines += response.entries.map { entry in
                    let distance = asked.hasNear ? String(format: "%6.1f km  ", entry.distanceKm) : ""
                    let standing = entry.credit.inGoodStanding ? "" : "  [\(entry.credit.licenceStatus)]"
                    return "\(distance)\(entry.id)  \(entry.kindName)  \(entry.name)  \(entry.regionName)\(standing)"
                }
                if !response.nextPageToken.isEmpty { lines.append("下一页：--page-token \(response.nextPageToken)") }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One entry with its credit record, e.g. notary_office/np-640100-1.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The entry's id as search prints it.") var id: String

        func run() async throws {
            let entry = try await client.withClient { client in
                try await Fawang_Directory_V1_DirectoryService.Client(wrapping: client).getEntry(.with { $0.id = id })
            }
            try client.emit(entry) {
                var lines = ["\(entry.name)（\(entry.kindName)）", "地区：\(entry.regionName)"]
                if !entry.businessLineName.isEmpty { lines.append("业务：\(entry.businessLineName)") }
                if !entry.organizationName.isEmpty { lines.append("执业机构：\(entry.organizationName)") }
                if !entry.address.isEmpty { lines.append("地址：\(entry.address)") }
                if !entry.phone.isEmpty { lines.append("电话：\(entry.phone)") }
                if !entry.specialties.isEmpty { lines.append("专业领域：\(entry.specialties.joined(separator: "、"))") }
                if entry.hasLocation {
                    lines.append(String(format: "位置：%.4f, %.4f", entry.location.latitude, entry.location.longitude) + (entry.locationApproximate ? "（所在地区政府驻地）" : ""))
                }
                let credit = entry.credit
                lines.append("执业状态：\(credit.licenceStatus)" + (credit.licenceNumber.isEmpty ? "" : "（证号 \(credit.licenceNumber)）"))
                lines.append(credit.discipline.isEmpty ? "处罚、处分记录：无" : "处罚、处分记录：\n" + credit.discipline.map { "  \($0)" }.joined(separator: "\n"))
                lines += credit.figuresZH.map { "\($0.label)：\($0.value)" }
                return lines.joined(separator: "\n")
            }
        }
    }
}
