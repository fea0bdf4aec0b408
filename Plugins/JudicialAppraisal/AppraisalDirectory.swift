public import FawangCore
public import FawangPluginKit

extension JudicialAppraisalPlugin {
    /// The register of institutions and appraisers, with their licensed categories; an appraiser
    /// is placed in its institution's division.
    public func directoryEntries(context: PluginContext) async throws -> [DirectoryEntry] {
        let service = AppraisalService(context: context, minimumAppraisers: minimumAppraisers)
        let institutions = try await service.institutions.all()
        let byID = Dictionary(institutions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let organizations = institutions.map { institution in
            DirectoryEntry(
                localID: institution.id, kind: .appraisalInstitution, name: institution.name, regionCode: institution.regionCode,
                businessLine: manifest.id, specialties: institution.categories.map(\.label), licenceNumber: institution.licenseNumber,
                licenceStatus: institution.active ? "正常执业" : "暂停执业", inGoodStanding: institution.active)
        }
        let people = try await service.appraisers.all().map { appraiser in
            // An appraiser practises only through an institution that is practising.
            let institution = byID[appraiser.institutionID]
            let practising = appraiser.active && institution?.active == true
            return DirectoryEntry(
                localID: appraiser.id, kind: .appraiser, name: appraiser.name, regionCode: institution?.regionCode ?? "",
                businessLine: manifest.id, organizationID: "\(DirectoryKind.appraisalInstitution.id)/\(appraiser.institutionID)",
                organizationName: institution?.name ?? "", specialties: appraiser.categories.map(\.label),
                licenceNumber: appraiser.licenseNumber,
                licenceStatus: !appraiser.active ? "暂停执业" : practising ? "正常执业" : "所在鉴定机构暂停执业", inGoodStanding: practising)
        }
        return organizations + people
    }

    /// An entrustment is handled by the institution and the appraisers it assigned.
    @Sendable static func entrustmentCredit(_ matter: Matter) -> CreditFacts {
        guard let details = try? matter.decodeDetails(EntrustmentDetails.self) else { return CreditFacts() }
        return CreditFacts(
            handlers: [DirectoryKind.appraisalInstitution.entryID(details.institutionID)] + details.appraisers.map { DirectoryKind.appraiser.entryID($0.id) })
    }

    /// A complaint is about the appraiser and the institution answering for them; upheld when
    /// the conclusion is anything but 投诉不成立 (unfounded).
    @Sendable static func complaintCredit(_ matter: Matter) -> CreditFacts {
        guard let details = try? matter.decodeDetails(ComplaintDetails.self) else { return CreditFacts() }
        return CreditFacts(
            complaintAbout: [DirectoryKind.appraiser.entryID(details.appraiserID), DirectoryKind.appraisalInstitution.entryID(details.institutionID)],
            complaintUpheld: details.outcome.map { $0 != .unfounded })
    }
}
