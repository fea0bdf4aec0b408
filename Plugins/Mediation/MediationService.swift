import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf

/// `fawang.mediation.v1.MediationService`: validates, runs the workflow, presents the matter.
struct MediationService: Fawang_Mediation_V1_MediationService.SimpleServiceProtocol {
    let context: PluginContext

    func apply(request: Fawang_Mediation_V1_SubmitDisputeRequest, context grpc: ServerContext) async throws -> Fawang_Mediation_V1_SubmitDisputeResponse {
        try await submit(request, initiation: .application, firstEvent: "submitted")
    }

    func startOnInitiative(request: Fawang_Mediation_V1_SubmitDisputeRequest, context grpc: ServerContext) async throws -> Fawang_Mediation_V1_SubmitDisputeResponse {
        try await submit(request, initiation: .committeeInitiative, firstEvent: "initiated")
    }

    func assignCommittee(request: Fawang_Mediation_V1_AssignCommitteeRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.committeeID, "committee_id", label: "人民调解委员会编号", maxLength: 64)
        try check.check()
        guard let committee = try await committees(where: "id = ?", [.text(request.committeeID)]).first else {
            throw FawangError.notFound("未找到编号为 \(request.committeeID) 的人民调解委员会")
        }
        guard committee.active else {
            throw FawangError.failedPrecondition("\(committee.name)目前不开展调解工作，请选定其他人民调解委员会")
        }
        let ref = CommitteeRef(id: committee.id, name: committee.name, regionCode: committee.regionCode)
        return try await run(.assignCommittee(ref), on: request.trackingNumber, handling!, access: .handler)
    }

    func assignMediators(request: Fawang_Mediation_V1_AssignMediatorsRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let choice = MediationChecks.mediators(request, into: &check)
        try check.check()
        var mediators: [MediatorRef] = []
        for id in request.mediatorIds {
            guard let row = try await mediatorRows(where: "id = ?", [.text(id)]).first else {
                throw FawangError.notFound("未找到编号为 \(id) 的人民调解员")
            }
            guard row.active else { throw FawangError.failedPrecondition("人民调解员\(row.name)目前不在岗，请另行指定") }
            mediators.append(MediatorRef(id: row.id, name: row.name, committeeID: row.committeeID))
        }
        let invited = request.invitedParticipants
        return try await run(.assignMediators(mediators, chosenBy: choice!, invited: invited), on: request.trackingNumber, handling!, access: .handler)
    }

    func recordSession(request: Fawang_Mediation_V1_RecordSessionRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let session = MediationChecks.session(request, today: CivilDate(context.now()), into: &check)
        try check.check()
        return try await run(.recordSession(session!), on: request.trackingNumber, handling!, access: .handler)
    }

    func decline(request: Fawang_Mediation_V1_DeclineRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.decliningParty, "declining_party", label: "拒绝调解的当事人姓名", maxLength: 50)
        check.require(request.reason.count <= 2000, "reason", "理由不能超过2000字")
        try check.check()
        let party = request.decliningParty.trimmingCharacters(in: .whitespaces)
        return try await run(
            .decline(party: party, reason: request.reason), on: request.trackingNumber, handling!,
            access: .applicant(secondFactor: request.phoneLast4))
    }

    func recordAgreement(request: Fawang_Mediation_V1_RecordAgreementRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let agreement = MediationChecks.agreement(request, into: &check)
        try check.check()
        return try await run(.recordAgreement(agreement!), on: request.trackingNumber, handling!, access: .handler)
    }

    func recordFailure(request: Fawang_Mediation_V1_RecordFailureRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        MediationChecks.failure(request, into: &check)
        try check.check()
        return try await run(.recordFailure(reasons: request.reasons, routes: request.routes), on: request.trackingNumber, handling!, access: .handler)
    }

    func recordJudicialConfirmation(request: Fawang_Mediation_V1_RecordJudicialConfirmationRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let confirmation = MediationChecks.confirmation(request, into: &check)
        try check.check()
        return try await run(.recordConfirmation(confirmation!), on: request.trackingNumber, handling!, access: .handler)
    }

    func listCommittees(request: Fawang_Mediation_V1_ListCommitteesRequest, context grpc: ServerContext) async throws -> Fawang_Mediation_V1_ListCommitteesResponse {
        guard DivisionCode.isWellFormed(request.regionCode) else {
            throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码")
        }
        let scope = DivisionCode.cityScopePrefix(of: request.regionCode)
        let mediators = try await mediatorRows(where: "region_code LIKE ?", [.text(scope + "%")])
        var response = Fawang_Mediation_V1_ListCommitteesResponse()
        response.committees = try await committees(where: "region_code LIKE ?", [.text(scope + "%")]).map { committee in
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
        return response
    }

    // MARK: Helpers

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: "mediation") }

    private func submit(_ request: Fawang_Mediation_V1_SubmitDisputeRequest, initiation: Initiation, firstEvent: String) async throws -> Fawang_Mediation_V1_SubmitDisputeResponse {
        let (handling, applicant, respondents, details) = try MediationApplication.validate(request, initiation: initiation)
        if initiation == .committeeInitiative {
            // Staff record initiatives in their own region and department only.
            guard Principal.current?.mayHandle(businessLine: "mediation", regionCode: request.regionCode) == true else {
                throw FawangError(.permissionDenied, "只能登记本辖区人民调解委员会的主动调解")
            }
        }
        var canonical = request
        canonical.requestID = ""
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: MediationWorkflow.matterType,
            initialStatus: MediationWorkflow.machine.initialStatus, applicant: applicant, parties: respondents,
            regionCode: request.regionCode, handling: handling, details: details.encoded(), firstEvent: firstEvent,
            attributes: ["category": details.category.rawValue, "initiation": initiation.rawValue])
        var response = Fawang_Mediation_V1_SubmitDisputeResponse()
        response.matter = matter
        response.replayed = replayed
        return response
    }

    private struct CommitteeRow {
        var id, name, kind, regionCode: String
        var active: Bool
    }

    private struct MediatorRow {
        var id, name, committeeID, regionCode: String
        var active: Bool
    }

    private func committees(where condition: String, _ arguments: [SQLValue]) async throws -> [CommitteeRow] {
        try await context.storage.query(SQLStatement("SELECT * FROM mediation_committees WHERE \(condition) ORDER BY id", arguments)).map { row in
            CommitteeRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", kind: row.string("kind") ?? "",
                regionCode: row.string("region_code") ?? "", active: row.bool("active") ?? false)
        }
    }

    private func mediatorRows(where condition: String, _ arguments: [SQLValue]) async throws -> [MediatorRow] {
        try await context.storage.query(SQLStatement("SELECT * FROM mediation_mediators WHERE \(condition) ORDER BY id", arguments)).map { row in
            MediatorRow(
                id: row.string("id") ?? "", name: row.string("name") ?? "", committeeID: row.string("committee_id") ?? "",
                regionCode: row.string("region_code") ?? "", active: row.bool("active") ?? false)
        }
    }

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(_ command: MediationWorkflow.Command, on trackingText: String, _ handling: Handling, access: MatterSteps.Access) async throws -> Fawang_Matter_V1_Matter {
        try await steps.run(on: trackingText, access: access) { matter in
            try MediationWorkflow.decide(command, on: matter, actor: handling.actor, channel: handling.channel)
        }
    }
}
