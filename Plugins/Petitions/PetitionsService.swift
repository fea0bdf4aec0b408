import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.petitions.v1.PetitionService`: each RPC declared once in ``rpcs``; registers petitions,
/// links repeats, takes each step of ``PetitionsWorkflow`` and counts.
struct PetitionsService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<PetitionsWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Petitions_V1_PetitionService.Method

    /// Anyone registers a petition (anonymous complaints too) and the petitioner requests review;
    /// every decision and the statistics are staff's, within their region and department.
    /// The online complaint form's labels (信访工作条例 第十九条: 请求、事实和理由).
    static let formLabels: [String: String] = [
        "anonymous": "匿名投诉（不留姓名和联系方式：无法书面答复，也不能查询进度、请求复查）",
        "petitioner": "信访人（匿名投诉不填）", "petitioner.id_number": "身份证号（可不填）",
        "region_code": "所涉地区（行政区划代码）", "subject": "信访请求", "facts_and_reasons": "事实和理由",
        "representatives": "多人联名的，推选的代表人数（个人信访填0，最多5人）",
        "related_tracking_number": "同一事项此前的受理编号（如有）",
    ]

    static let rpcs = RPCTable<PetitionsService>([
        RPC(Method.Submit.descriptor, .anyone, verb: "submit", help: "登记信访事项（第二十二条；可匿名，--related 关联重复信访）", title: "网上信访（信访工作条例 第二十二条；可匿名）", intake: true,
            aliases: [
                "name": "petitioner.name", "id-number": "petitioner.id_number", "phone": "petitioner.phone", "address": "petitioner.address",
                "region": "region_code", "facts": "facts_and_reasons", "related": "related_tracking_number",
            ], labels: formLabels, PetitionsService.submit),
        RPC(Method.Accept.descriptor, .handlers, verb: "accept", help: "受理并告知处理途径和程序（第二十二条、第二十三条；起算六十日，第三十四条）",
            PetitionsService.accept),
        RPC(Method.NotAccept.descriptor, .handlers, verb: "not-accept", help: "不予受理，告知理由及应向哪个机关提出（第二十三条）",
            PetitionsService.notAccept),
        RPC(Method.Refer.descriptor, .handlers, verb: "refer", help: "转送或交办有权处理的机关、单位（第二十二条）", PetitionsService.refer),
        RPC(Method.Answer.descriptor, .handlers, verb: "answer", help: "出具书面信访处理意见（第三十一条第六项、第三十四条）", PetitionsService.answer),
        RPC(Method.RequestReview.descriptor, .anyone, verb: "request-review", help: "三十日内请求复查（第三十五条）或复核（第三十六条）",
            PetitionsService.requestReview),
        RPC(Method.RecordReviewOpinion.descriptor, .handlers, verb: "review-opinion", help: "上一级机关出具复查、复核意见（第三十五条、第三十六条；复核后终结）",
            PetitionsService.recordReviewOpinion),
        RPC(Method.GetStats.descriptor, .handlers, verb: "stats", help: "辖区信访事项统计（重复信访并入原事项，不重复计数）",
            aliases: ["region": "region_code"], PetitionsService.getStats),
    ])

    func submit(_ request: Fawang_Petitions_V1_SubmitPetitionRequest) async throws -> Fawang_Petitions_V1_SubmitPetitionResponse {
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
        // The link on the original is written in the repeat's own transaction.
        let channel = handling.channel
        let link = original.map { original in
            LinkedUpdate(trackingNumber: original) { stored, created in
                try PetitionsWorkflow.recordDuplicate(created.trackingNumber, on: stored, channel: channel)
            }
        }
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: PetitionsWorkflow.matterType, initialStatus: initialStatus,
            applicant: petitioner, regionCode: request.regionCode, handling: handling, details: details,
            firstEvent: firstEvent, attributes: attributes, linkedUpdate: link)
    }

    static func mayLink(to matter: Matter, as petitioner: Person) -> Bool {
        if let principal = Principal.current {
            if principal.mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode) { return true }
            if principal.role == .citizen, !matter.ownerAccountID.isEmpty, principal.accountID == matter.ownerAccountID { return true }
        }
        return !petitioner.phone.isEmpty && !matter.applicant.phone.isEmpty && PhoneNumber.normalized(petitioner.phone) == matter.applicant.phone
    }

    func accept(_ request: Fawang_Petitions_V1_AcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .accept(note: request.note)
        }
    }

    func notAccept(_ request: Fawang_Petitions_V1_NotAcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.reasons(request.reasons, field: "reasons", label: "不予受理的理由及应向哪个机关提出（第二十三条）")
            return .notAccept(reasons: request.reasons)
        }
    }

    func refer(_ request: Fawang_Petitions_V1_ReferRequest) async throws -> Fawang_Matter_V1_Matter {
        let today = CivilDate(context.now())
        return try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            PetitionsChecks.referral(request, today: today, into: &check).map { .refer($0, note: request.note) }
        }
    }

    func answer(_ request: Fawang_Petitions_V1_AnswerRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.requireText(request.opinion, "opinion", label: "信访处理意见（第三十一条第六项）", maxLength: 5000)
            return .answer(opinion: request.opinion)
        }
    }

    func requestReview(_ request: Fawang_Petitions_V1_RequestReviewRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .applicant(secondFactor: request.phoneLast4)) { check in
            let level = PetitionsChecks.level(request.level, into: &check)
            check.reasons(request.reasons, field: "reasons", label: "不服的理由")
            return level.map { .requestReview($0, reasons: request.reasons) }
        }
    }

    func recordReviewOpinion(_ request: Fawang_Petitions_V1_RecordReviewOpinionRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let level = PetitionsChecks.level(request.level, into: &check)
            check.requireText(request.unit, "unit", label: level == .rereview ? "复核机关（复查机关的上一级）" : "复查机关（原办理机关的上一级）", maxLength: 100)
            check.requireText(request.opinion, "opinion", label: level == .rereview ? "复核意见" : "复查意见", maxLength: 5000)
            return level.map { .recordReview($0, unit: request.unit, opinion: request.opinion) }
        }
    }

    /// Petitions in the caller's scope, each counted once: repeats linked to an earlier petition
    /// are counted apart as `duplicates`.
    func getStats(_ request: Fawang_Petitions_V1_GetStatsRequest) async throws -> Fawang_Petitions_V1_PetitionStats {
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

}

extension Fawang_Petitions_V1_SubmitPetitionResponse: SubmissionResponse {}
