public import FawangCore
public import FawangPluginKit

extension NotarizationPlugin {
    /// The notary offices' register (`notarization_offices`). Notaries are not registered here
    /// (an acceptance names its notary), so only offices are listed.
    public func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry] {
        try await NotarizationService(context: context).offices.all().map { office in
            DirectoryEntry(
                localID: office.id, kind: .notaryOffice, name: office.name, regionCode: office.regionCode, businessLine: manifest.id,
                phone: office.phone, licenceStatus: office.active ? "正常执业" : "暂停执业", inGoodStanding: office.active)
        }
    }

    /// A notarization is handled by the office that took the application.
    @Sendable static func credit(_ matter: Matter) -> CreditFacts {
        guard let office = (try? matter.decodeDetails(NotarizationDetails.self))?.office else { return CreditFacts() }
        return CreditFacts(handlers: [DirectoryKind.notaryOffice.entryID(office.officeID)])
    }
}
