import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf

/// `fawang.petitions.v1.PetitionService`: registers, runs the workflow, links repeats, counts.
struct PetitionsService: Fawang_Petitions_V1_PetitionService.SimpleServiceProtocol {
    let context: PluginContext

    func submit(request: Fawang_Petitions_V1_SubmitPetitionRequest, context grpc: ServerContext) async throws -> Fawang_Petitions_V1_SubmitPetitionResponse {
        var (handling, petitioner, details, related) = try PetitionsSubmission.validate(request)
        var initialStatus = PetitionsWorkflow.machine.initialStatus
        var firstEvent = "registered"
        var attributes = ["anonymous": details.anonymous ? "true" : "false"]
        var original: TrackingNumber?
        if let related {
            // Arts. 19 para. 3, 36 para. 3: a repeat is registered and linked, not handled twice.
            // Only the same petitioner (the phone on the first petition), the citizen who filed it, or
            // staff handling it may link to it: anyone else gets the answer an unknown number gets,
            // so no one can probe for petitions or write onto them.
            guard let matter = try await context.matters.matter(trackingNumber: related), matter.businessLine == "petitions",
                Self.mayLink(to: matter, as: petitioner)
            else {
                throw FawangError.notFound("未找到受理编号为 \(related.formatted) 的信访事项，请核对")
            }
            let first = try PetitionsWorkflow.link(to: matter)
            details.duplicateOf = first
            original = TrackingNumber(first)
            initialStatus = PetitionsWorkflow.Status.duplicate
            firstEvent = "registered_duplicate"
            attributes["duplicate_of"] = first
        }
        var canonical = request
        canonical.requestID = ""
        // The link on the original is written in the repeat's own transaction.
        let channel = handling.channel
        let link = original.map { original in
            LinkedUpdate(trackingNumber: original) { stored, created in
                try PetitionsWorkflow.recordDuplicate(created.trackingNumber, on: stored, channel: channel)
            }
        }
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: PetitionsWorkflow.matterType,
            initialStatus: initialStatus, applicant: petitioner, regionCode: request.regionCode, handling: handling,
            details: details.encoded(), firstEvent: firstEvent, attributes: attributes, linkedUpdate: link)
        var response = Fawang_Petitions_V1_SubmitPetitionResponse()
        response.matter = matter
        response.replayed = replayed
        return response
    }

    static func mayLink(to matter: Matter, as petitioner: Person) -> Bool {
        if let principal = Principal.current {
            if principal.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) { return true }
            if principal.role == .citizen, !matter.ownerAccountID.isEmpty, principal.accountID == matter.ownerAccountID { return true }
        }
        return !petitioner.phone.isEmpty && !matter.applicant.phone.isEmpty && PhoneNumber.normalized(petitioner.phone) == matter.applicant.phone
    }

    func accept(request: Fawang_Petitions_V1_AcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 2000, "note", "说明不能超过2000字")
        try check.check()
        return try await run(.accept(note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func notAccept(request: Fawang_Petitions_V1_NotAcceptRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.reasons, "reasons", label: "不予受理的理由及应向哪个机关提出（第二十三条）", maxLength: 2000)
        try check.check()
        return try await run(.notAccept(reasons: request.reasons), on: request.trackingNumber, handling!, access: .handler)
    }

    func refer(request: Fawang_Petitions_V1_ReferRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let referral = PetitionsChecks.referral(request, today: CivilDate(context.now()), into: &check)
        try check.check()
        return try await run(.refer(referral!, note: request.note), on: request.trackingNumber, handling!, access: .handler)
    }

    func answer(request: Fawang_Petitions_V1_AnswerRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.opinion, "opinion", label: "信访处理意见（第三十一条第六项）", maxLength: 5000)
        try check.check()
        return try await run(.answer(opinion: request.opinion), on: request.trackingNumber, handling!, access: .handler)
    }

    func requestReview(request: Fawang_Petitions_V1_RequestReviewRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let level = PetitionsChecks.level(request.level, into: &check)
        check.requireText(request.reasons, "reasons", label: "不服的理由", maxLength: 2000)
        try check.check()
        return try await run(
            .requestReview(level!, reasons: request.reasons), on: request.trackingNumber, handling!,
            access: .applicant(secondFactor: request.phoneLast4))
    }

    func recordReviewOpinion(request: Fawang_Petitions_V1_RecordReviewOpinionRequest, context grpc: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        let level = PetitionsChecks.level(request.level, into: &check)
        check.requireText(request.unit, "unit", label: level == .rereview ? "复核机关（复查机关的上一级）" : "复查机关（原办理机关的上一级）", maxLength: 100)
        check.requireText(request.opinion, "opinion", label: level == .rereview ? "复核意见" : "复查意见", maxLength: 5000)
        try check.check()
        return try await run(.recordReview(level!, unit: request.unit, opinion: request.opinion), on: request.trackingNumber, handling!, access: .handler)
    }

    /// Petitions in the caller's scope, each counted once: repeats linked to an earlier petition
    /// are counted apart as `duplicates`.
    func getStats(request: Fawang_Petitions_V1_GetStatsRequest, context grpc: ServerContext) async throws -> Fawang_Petitions_V1_PetitionStats {
        guard let principal = Principal.current else { throw FawangError(.unauthenticated, "请先登录") }
        if !request.regionCode.isEmpty, !DivisionCode.isWellFormed(request.regionCode) {
            throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码")
        }
        let region = request.regionCode.isEmpty ? principal.regionCode : request.regionCode
        guard principal.mayHandle(businessLine: "petitions", regionCode: region) else {
            throw FawangError(.permissionDenied, "无权查看本账号辖区或业务条线以外的信访统计")
        }
        var stats = Fawang_Petitions_V1_PetitionStats()
        stats.regionCode = region
        var cursor: String?
        repeat {
            let page = try await context.matters.list(MatterQuery(businessLine: "petitions", regionCode: region, limit: 500, after: cursor))
            for matter in page.matters where matter.matterType == PetitionsWorkflow.matterType {
                if matter.status == PetitionsWorkflow.Status.duplicate {
                    stats.duplicates += 1
                    continue
                }
                stats.petitions += 1
                stats.byStatus[matter.status, default: 0] += 1
                if (try? DetailsCoding.decode(PetitionDetails.self, from: matter))?.anonymous == true { stats.anonymous += 1 }
            }
            cursor = page.nextCursor
        } while cursor != nil
        return stats
    }

    // MARK: Helpers

    private var steps: MatterSteps { MatterSteps(context: context, businessLine: "petitions") }

    /// Runs `command` through the workflow inside the store's write transaction, after checking
    /// the caller may take it on this matter.
    private func run(_ command: PetitionsWorkflow.Command, on trackingText: String, _ handling: Handling, access: MatterSteps.Access) async throws -> Fawang_Matter_V1_Matter {
        let today = CivilDate(context.now())
        let calendar = context.deadlines.calendar
        // Staff's division, for the level checks of review and re-review (Arts. 35, 36).
        let principal = Principal.current
        let region = principal.map { $0.role == .staff || $0.role == .departmentAdmin ? $0.regionCode : "" } ?? ""
        return try await steps.run(on: trackingText, access: access) { matter in
            try PetitionsWorkflow.decide(command, on: matter, actor: handling.actor, channel: handling.channel, today: today, calendar: calendar, actorRegion: region)
        }
    }
}
