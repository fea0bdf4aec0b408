public import FawangCore
public import FawangPluginKit

extension MediationPlugin {
    /// The committees' register and their mediators (`mediation_committees`, `mediation_mediators`).
    public func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry] {
        let service = MediationService(context: context)
        let committees = try await service.committees.all()
        let byID = Dictionary(committees.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let organizations = committees.map { committee in
            DirectoryEntry(
                localID: committee.id, kind: .mediationCommittee, name: committee.name, regionCode: committee.regionCode,
                businessLine: manifest.id, specialties: committee.specialty.isEmpty ? [] : [committee.specialty], licenceStatus: committee.active ? "正常" : "不开展调解工作", inGoodStanding: committee.active)
        }
        let people = try await service.mediatorRows.all().map { mediator in
            // A mediator mediates only through a committee that is working.
            let committee = byID[mediator.committeeID]
            let serving = mediator.active && committee?.active == true
            return DirectoryEntry(
                localID: mediator.id, kind: .mediator, name: mediator.name, regionCode: mediator.regionCode, businessLine: manifest.id,
                organizationID: "\(DirectoryKind.mediationCommittee.id)/\(mediator.committeeID)", organizationName: committee?.name ?? "",
                licenceStatus: !mediator.active ? "不在岗" : serving ? "在岗" : "所在人民调解委员会不开展调解工作", inGoodStanding: serving)
        }
        return organizations + people
    }

    /// A dispute is handled by the committee that took it and the mediators it named.
    @Sendable static func credit(_ matter: Matter) -> CreditFacts {
        guard let details = try? matter.decodeDetails(MediationDetails.self) else { return CreditFacts() }
        let committee = details.committee.map { [DirectoryKind.mediationCommittee.entryID($0.id)] } ?? []
        return CreditFacts(handlers: committee + details.mediators.map { DirectoryKind.mediator.entryID($0.id) })
    }
}
