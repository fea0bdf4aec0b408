public import FawangCore
public import FawangPluginKit

extension LegalAidPlugin {
    /// The aid providers' register (`legal_aid_providers`), each linked to its legal aid centre:
    /// the centres themselves are the platform directory's organisations (kind `legal_aid_centre`).
    public func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry] {
        let providers = try await LegalAidService(context: context).providers.all()
        var centreNames: [String: String] = [:]
        for id in Set(providers.map(\.organization)) {
            centreNames[id] = try await context.directory.organization(id: id)?.name ?? ""
        }
        return providers.map { provider in
            DirectoryEntry(
                localID: provider.id, kind: .legalAidProvider, name: provider.name, regionCode: provider.regionCode,
                businessLine: manifest.id, organizationID: "\(DirectoryKind.legalAidCentre.id)/\(provider.organization)",
                organizationName: centreNames[provider.organization] ?? "",
                licenceStatus: provider.active ? "在岗" : "不在岗", inGoodStanding: provider.active)
        }
    }

    /// An aid matter is handled by the provider assigned to it and the provider's legal aid centre.
    /// Asked on every write of every aid matter: one not yet assigned (no `provider_id` on its
    /// timeline, as every new application) answers without decoding its details.
    @Sendable static func credit(_ matter: Matter) -> CreditFacts {
        guard matter.timeline.contains(where: { $0.attributes["provider_id"] != nil }),
            let provider = (try? matter.decodeDetails(LegalAidDetails.self))?.provider else { return CreditFacts() }
        return CreditFacts(handlers: [DirectoryKind.legalAidProvider.entryID(provider.providerID), DirectoryKind.legalAidCentre.entryID(provider.organizationID)])
    }
}
