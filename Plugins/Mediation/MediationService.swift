import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.mediation.v1.MediationService`: each RPC declared once in ``rpcs``, each handler its
/// field checks (``MediationChecks``), the register, and one step of ``MediationWorkflow``.
struct MediationService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<MediationWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Mediation_V1_MediationService.Method

    /// Citizens apply and may withdraw (their second factor proves them); everything the committee
    /// does is staff's, within their region and department.
    /// The online application's labels (人民调解法 第十七条: a party applies).
    static let formLabels: [String: String] = [
        "applicant": "申请人（纠纷一方当事人）", "applicant.id_number": "身份证号（可不填）", "applicant.address": "住址（可不填）",
        "respondents": "对方当事人", "respondents.name": "姓名", "respondents.id_number": "身份证号（可不填）",
        "respondents.phone": "手机号码（可不填）", "respondents.address": "住址（可不填）",
        "region_code": "纠纷所在地区（行政区划代码）", "category": "纠纷类别", "summary": "纠纷的主要事实和争议",
        "DISPUTE_CATEGORY_NEIGHBOURHOOD": "邻里纠纷", "DISPUTE_CATEGORY_MARRIAGE_FAMILY": "婚姻家庭纠纷",
        "DISPUTE_CATEGORY_PROPERTY": "房屋、宅基地、物业纠纷", "DISPUTE_CATEGORY_CONTRACT_DEBT": "合同、债务纠纷",
        "DISPUTE_CATEGORY_DAMAGE": "损害赔偿纠纷", "DISPUTE_CATEGORY_LABOUR": "劳动（劳务）纠纷", "DISPUTE_CATEGORY_OTHER": "其他民间纠纷",
    ]

    static let rpcs = RPCTable<MediationService>([
        RPC(Method.ListCommittees.descriptor, .anyone, verb: "committees", help: "某地（所在市）的人民调解委员会及其调解员",
            aliases: ["region": "region_code"], MediationService.listCommittees),
        RPC(Method.Apply.descriptor, .anyone, verb: "apply", help: "当事人申请调解（第十七条）", intake: true,
            aliases: disputeAliases, labels: formLabels, MediationService.apply),
        RPC(Method.StartOnInitiative.descriptor, .handlers, verb: "initiate", help: "登记人民调解委员会主动调解（第十七条）",
            aliases: disputeAliases, MediationService.startOnInitiative),
        RPC(Method.AssignCommittee.descriptor, .handlers, verb: "assign-committee", help: "选定本纠纷所在市的人民调解委员会",
            aliases: ["committee": "committee_id"], MediationService.assignCommittee),
        RPC(Method.AssignMediators.descriptor, .handlers, verb: "assign-mediators", help: "指定或由当事人选择调解员（第十九条）；邀请他人参与须当事人同意（第二十条）",
            aliases: ["mediator": "mediator_ids", "invite": "invited_participants", "parties-consented": "parties_consented_to_invitees"],
            defaults: ["chosen_by": "committee_designated"], MediationService.assignMediators),
        RPC(Method.RecordSession.descriptor, .handlers, verb: "session", help: "预约调解，或登记已举行的调解（--held，附调解情况记录）",
            aliases: ["date": "session_date"], MediationService.recordSession),
        RPC(Method.Decline.descriptor, .anyone, verb: "decline", help: "当事人拒绝调解或要求终止调解（第三条、第十七条、第二十三条）",
            aliases: ["party": "declining_party"], MediationService.decline),
        RPC(Method.RecordAgreement.descriptor, .handlers, verb: "agreement", help: "登记生效的调解协议（第二十八条至第三十条），开始第三十三条的提醒",
            aliases: ["facts": "facts_and_issues", "signed": "signed_by_all_parties", "sealed": "committee_sealed"],
            MediationService.recordAgreement),
        RPC(Method.RecordFailure.descriptor, .handlers, verb: "fail", help: "调解不成，终止调解并告知其他救济途径（第二十六条）",
            aliases: ["routes-told": "other_routes_told"], MediationService.recordFailure),
        RPC(Method.RecordJudicialConfirmation.descriptor, .handlers, verb: "confirmation", help: "登记双方共同申请司法确认，或认为无需申请（第三十三条）",
            MediationService.recordJudicialConfirmation),
    ])

    /// The flags of the old `apply` / `initiate` commands.
    static let disputeAliases = [
        "name": "applicant.name", "phone": "applicant.phone", "id-number": "applicant.id_number", "address": "applicant.address",
        "respondent": "respondents.name", "region": "region_code",
    ]

    func apply(_ request: Fawang_Mediation_V1_SubmitDisputeRequest) async throws -> Fawang_Mediation_V1_SubmitDisputeResponse {
        try await submit(request, initiation: .application, firstEvent: "submitted")
    }

    func startOnInitiative(_ request: Fawang_Mediation_V1_SubmitDisputeRequest) async throws -> Fawang_Mediation_V1_SubmitDisputeResponse {
        try await submit(request, initiation: .committeeInitiative, firstEvent: "initiated")
    }

    /// Both ways a mediation starts (Art. 17): one intake, recorded as applied for or initiated.
    private func submit(_ request: Fawang_Mediation_V1_SubmitDisputeRequest, initiation: Initiation, firstEvent: String) async throws -> Fawang_Mediation_V1_SubmitDisputeResponse {
        let (handling, applicant, respondents, details) = try MediationApplication.validate(request, initiation: initiation)
        if initiation == .committeeInitiative {
            // Staff record initiatives in their own region and department only.
            guard Principal.current?.mayHandle(businessLine: MediationWorkflow.businessLine, regionCode: request.regionCode) == true else {
                throw FawangError(.permissionDenied, "只能登记本辖区人民调解委员会的主动调解")
            }
        }
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: MediationWorkflow.matterType,
            initialStatus: MediationWorkflow.machine.initialStatus, applicant: applicant, parties: respondents,
            regionCode: request.regionCode, handling: handling, details: details, firstEvent: firstEvent,
            attributes: ["category": details.category.rawValue, "initiation": initiation.rawValue])
    }

    func assignCommittee(_ request: Fawang_Mediation_V1_AssignCommitteeRequest) async throws -> Fawang_Matter_V1_Matter {
        let handling = try steps.validate(request.context) { check in
            check.requireText(request.committeeID, "committee_id", label: "人民调解委员会编号", maxLength: 64)
        }
        let committee = try await committees.require(request.committeeID)
        guard committee.active else {
            throw FawangError.failedPrecondition("\(committee.name)目前不开展调解工作，请选定其他人民调解委员会")
        }
        let ref = CommitteeRef(id: committee.id, name: committee.name, regionCode: committee.regionCode)
        return try await steps.take(.assignCommittee(ref), on: request.trackingNumber, handling, access: .handler)
    }

    func assignMediators(_ request: Fawang_Mediation_V1_AssignMediatorsRequest) async throws -> Fawang_Matter_V1_Matter {
        var choice: MediatorChoice?
        let handling = try steps.validate(request.context) { check in choice = MediationChecks.mediators(request, into: &check) }
        guard let choice else { throw FawangError(.internalError, "the mediators' choice passed validation unread") }
        var mediators: [MediatorRef] = []
        for id in request.mediatorIds {
            let row = try await mediatorRows.require(id)
            guard row.active else { throw FawangError.failedPrecondition("人民调解员\(row.name)目前不在岗，请另行指定") }
            mediators.append(MediatorRef(id: row.id, name: row.name, committeeID: row.committeeID))
        }
        return try await steps.take(
            .assignMediators(mediators, chosenBy: choice, invited: request.invitedParticipants), on: request.trackingNumber, handling, access: .handler)
    }

    func recordSession(_ request: Fawang_Mediation_V1_RecordSessionRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            MediationChecks.session(request, today: CivilDate(context.now()), into: &check).map { .recordSession($0) }
        }
    }

    func decline(_ request: Fawang_Mediation_V1_DeclineRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .applicant(secondFactor: request.phoneLast4)) { check in
            check.requireText(request.decliningParty, "declining_party", label: "拒绝调解的当事人姓名", maxLength: 50)
            check.require(request.reason.count <= 2000, "reason", "理由不能超过2000字")
            return .decline(party: request.decliningParty.trimmingCharacters(in: .whitespaces), reason: request.reason)
        }
    }

    func recordAgreement(_ request: Fawang_Mediation_V1_RecordAgreementRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            MediationChecks.agreement(request, into: &check).map { .recordAgreement($0) }
        }
    }

    func recordFailure(_ request: Fawang_Mediation_V1_RecordFailureRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            MediationChecks.failure(request, into: &check)
            return .recordFailure(reasons: request.reasons, routes: request.routes)
        }
    }

    func recordJudicialConfirmation(_ request: Fawang_Mediation_V1_RecordJudicialConfirmationRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            MediationChecks.confirmation(request, into: &check).map { .recordConfirmation($0) }
        }
    }

    func listCommittees(_ request: Fawang_Mediation_V1_ListCommitteesRequest) async throws -> Fawang_Mediation_V1_ListCommitteesResponse {
        let found = try await committees.inCity(of: request.regionCode)
        let mediators = try await mediatorRows.inCity(of: request.regionCode)
        return .with {
            $0.committees = found.map { committee in
                .with {
                    $0.id = committee.id
                    $0.name = committee.name
                    $0.kind = committee.kind
                    $0.regionCode = committee.regionCode
                    $0.active = committee.active
                    $0.mediators = mediators.filter { $0.committeeID == committee.id }.map { row in
                        .with {
                            $0.id = row.id
                            $0.name = row.name
                            $0.committeeID = row.committeeID
                            $0.active = row.active
                        }
                    }
                }
            }
        }
    }

    // MARK: The committees' register

    struct CommitteeRow: Sendable {
        var id, name, kind, regionCode: String
        var active: Bool
        /// An industry committee's field (医疗纠纷); empty for general committees.
        var specialty: String
    }

    struct MediatorRow: Sendable {
        var id, name, committeeID, regionCode: String
        var active: Bool
    }

    var committees: RegisterTable<CommitteeRow> {
        RegisterTable(context.storage, table: "mediation_committees", noun: "人民调解委员会") { row in
            CommitteeRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", kind: row.string("kind") ?? "",
                regionCode: row.string("region_code") ?? "", active: row.bool("active") ?? false, specialty: row.string("specialty") ?? "")
        }
    }

    var mediatorRows: RegisterTable<MediatorRow> {
        RegisterTable(context.storage, table: "mediation_mediators", noun: "人民调解员") { row in
            MediatorRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", committeeID: row.string("committee_id") ?? "",
                regionCode: row.string("region_code") ?? "", active: row.bool("active") ?? false)
        }
    }
}

extension Fawang_Mediation_V1_SubmitDisputeResponse: SubmissionResponse {}
