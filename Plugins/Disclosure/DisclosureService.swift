import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.disclosure.v1.DisclosureService`: each RPC declared once in ``rpcs``. An application's
/// steps are its field checks and one step of ``DisclosureWorkflow``; the catalogue is the line's
/// own table (`DisclosureService+Catalogue`).
struct DisclosureService: Sendable {
    let context: PluginContext
    var steps: LineSteps<DisclosureWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Disclosure_V1_DisclosureService.Method

    /// Anyone applies (Art. 29: a data message through the portal, or the office keying in a letter
    /// or an oral application) and corrects with the phone's last four digits; every decision on
    /// an application is the disclosure office's staff's, within their region (the line's
    /// department, checked on the matter); the catalogue is read by anyone and published by the
    /// line's staff of the publishing bureau's division.
    /// The web forms' labels: the online application (portal) and the office's steps (workbench).
    static let formLabels: [String: String] = [
        "applicant": "申请人（法人或者其他组织申请的，填写经办人）",
        "organization_name": "法人或者其他组织名称（公民本人申请的不填）",
        "region_code": "向哪一级司法行政机关申请（行政区划代码，如自治区司法厅为640000）",
        "information_name": "所需政府信息的名称",
        "document_number": "文号（如有）",
        "description": "便于查询的其他特征性描述（内容、时间、制作机关等；名称、文号、描述至少填一项）",
        "provision_form": "所需信息的形式（第二十九条第二款第三项）",
        "PROVISION_FORM_PAPER": "纸质文本", "PROVISION_FORM_ELECTRONIC": "电子数据", "PROVISION_FORM_INSPECTION": "当场查阅、抄录",
        "delivery": "获取信息的方式",
        "DELIVERY_METHOD_POST": "邮寄（填写住址）", "DELIVERY_METHOD_EMAIL": "电子邮件", "DELIVERY_METHOD_PICK_UP": "自行领取",
        "email": "电子邮箱（选择电子邮件方式的必填）",
        "needs_assistance": "存在阅读困难或者视听障碍，需要帮助（第四十三条）",
        // Art. 31: set by the office keying in a posted or faxed application, not on the public form.
        "receipt_method": "", "received_on": "",
        // The office's steps (workbench).
        "corrections": "需要补正的全部事项（每行一项，第三十条）",
        "guidance": "指导和释明（第三十条）",
        "correction_days": "合理的补正期限（工作日，1至30）",
        "note": "说明",
        "kind": "征求谁的意见",
        "CONSULTEE_KIND_THIRD_PARTY": "第三方（第三十二条）", "CONSULTEE_KIND_AGENCY": "其他行政机关（第三十三条第三款、第三十四条）",
        "consultees": "被征求意见方（每行一个）",
        "opinion": "征求意见的结果",
        "CONSULTEE_OPINION_CONSENTS": "同意公开", "CONSULTEE_OPINION_OBJECTS": "不同意公开",
        "CONSULTEE_OPINION_NO_REPLY": "逾期未提出意见（收到征求意见书15个工作日后）",
        "reasons": "理由",
        "outcome": "答复（第三十六条）",
        "ANSWER_OUTCOME_ALREADY_PUBLIC": AnswerOutcome.alreadyPublic.label, "ANSWER_OUTCOME_DISCLOSED": AnswerOutcome.disclosed.label,
        "ANSWER_OUTCOME_PARTIALLY_DISCLOSED": AnswerOutcome.partiallyDisclosed.label, "ANSWER_OUTCOME_WITHHELD": AnswerOutcome.withheld.label,
        "ANSWER_OUTCOME_NOT_EXIST": AnswerOutcome.notExist.label, "ANSWER_OUTCOME_NOT_RESPONSIBLE": AnswerOutcome.notResponsible.label,
        "ANSWER_OUTCOME_REPEATED": AnswerOutcome.repeated.label, "ANSWER_OUTCOME_SPECIAL_PROCEDURE": AnswerOutcome.specialProcedure.label,
        "ANSWER_OUTCOME_NEEDS_PROCESSING": AnswerOutcome.needsProcessing.label, "ANSWER_OUTCOME_EXCESSIVE": AnswerOutcome.excessive.label,
        "ANSWER_OUTCOME_NOT_A_DISCLOSURE_REQUEST": AnswerOutcome.notADisclosureRequest.label,
        "ANSWER_OUTCOME_PUBLICATION": AnswerOutcome.publication.label,
        "access_route": "获取信息的方式、途径和时间",
        "withhold_grounds": "不予公开的依据",
        "WITHHOLD_GROUND_STATE_SECRET": "依法确定为国家秘密（第十四条）",
        "WITHHOLD_GROUND_PROHIBITED_BY_LAW": "法律、行政法规禁止公开（第十四条）",
        "WITHHOLD_GROUND_ENDANGERS_SECURITY": "公开后可能危及国家安全、公共安全、经济安全、社会稳定（第十四条）",
        "WITHHOLD_GROUND_THIRD_PARTY_RIGHTS": "涉及商业秘密、个人隐私等，公开会损害第三方合法权益（第十五条）",
        "WITHHOLD_GROUND_INTERNAL_AFFAIRS": "内部事务信息（第十六条第一款）",
        "WITHHOLD_GROUND_PROCESS_INFORMATION": "过程性信息（第十六条第二款）",
        "WITHHOLD_GROUND_ENFORCEMENT_FILES": "行政执法案卷信息（第十六条第二款）",
        "responsible_agency": "负责公开该信息的行政机关（能够确定的）",
        "responsible_agency_contact": "该机关的联系方式",
        "previous_tracking_number": "已作出答复的申请的受理编号（重复申请的）",
    ]

    static let rpcs = RPCTable<DisclosureService>([
        RPC(Method.SubmitRequest.descriptor, .anyone, verb: "submit", help: "提交政府信息公开申请（第二十七条、第二十九条）", title: "政府信息公开申请",
            intake: true,
            aliases: [
                "name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "address": "applicant.address",
                "organization": "organization_name", "region": "region_code", "information": "information_name", "doc-number": "document_number",
                "form": "provision_form", "received": "received_on",
            ], labels: formLabels, DisclosureService.submitRequest),
        RPC(Method.RequestCorrection.descriptor, .handlers, verb: "request-correction",
            help: "收到申请7个工作日内一次性告知补正，说明补正事项和合理的补正期限（第三十条）",
            aliases: ["correction": "corrections", "days": "correction_days"], labels: formLabels, DisclosureService.requestCorrection),
        RPC(Method.SupplyCorrection.descriptor, .anyone, verb: "supply-correction", help: "申请人提交补正后的申请（凭手机号后四位；第三十条）",
            aliases: ["information": "information_name", "doc-number": "document_number"], DisclosureService.supplyCorrection),
        RPC(Method.Accept.descriptor, .handlers, verb: "accept", help: "申请内容明确，登记办理（第三十条、第四十五条）", labels: formLabels,
            DisclosureService.accept),
        RPC(Method.ConsultThirdParty.descriptor, .handlers, verb: "consult-third-party",
            help: "书面征求第三方或者其他机关意见，答复期限暂停计算（第三十二条、第三十三条第三款、第三十四条）",
            aliases: ["consultee": "consultees"], labels: formLabels, DisclosureService.consultThirdParty),
        RPC(Method.RecordThirdPartyOpinion.descriptor, .handlers, verb: "third-party-replied",
            help: "记录第三方或者其他机关的意见（或逾期未提出意见），答复期限恢复计算（第三十二条、第三十四条）", labels: formLabels,
            DisclosureService.recordThirdPartyOpinion),
        RPC(Method.Answer.descriptor, .handlers, verb: "answer", help: "作出答复（第三十三条、第三十六条；第三十五条、第三十七条至第三十九条）",
            aliases: ["route": "access_route", "ground": "withhold_grounds", "agency": "responsible_agency", "agency-contact": "responsible_agency_contact"],
            labels: formLabels, DisclosureService.answer),
        RPC(Method.CloseAbandoned.descriptor, .handlers, verb: "close-abandoned", help: "补正期限届满未补正，视为放弃申请（第三十条）", labels: formLabels,
            DisclosureService.closeAbandoned),
        RPC(Method.PublishItem.descriptor, .handlers, verb: "publish-item", help: "在本机关主动公开目录中发布一条政府信息（第十九条、第二十条）",
            argument: "title", aliases: ["region": "region_code", "doc-number": "document_number", "generated": "generated_on"],
            DisclosureService.publishItem),
        RPC(Method.WithdrawItem.descriptor, .handlers, verb: "withdraw-item", help: "从本机关主动公开目录中撤回一条信息（写明原因）", argument: "id",
            DisclosureService.withdrawItem),
        RPC(Method.ListCatalogue.descriptor, .anyone, verb: "list-catalogue", help: "查阅主动公开目录（第十二条、第二十四条）",
            argument: "region_code", aliases: ["region": "region_code"], rateLimited: false, DisclosureService.listCatalogue),
        RPC(Method.GetItem.descriptor, .anyone, verb: "get-item", help: "按索引号查看主动公开目录中的一条信息", argument: "id",
            rateLimited: false, DisclosureService.getItem),
    ])

    // MARK: Applications for disclosure on request

    func submitRequest(_ request: Fawang_Disclosure_V1_SubmitRequestRequest) async throws -> Fawang_Disclosure_V1_SubmitRequestResponse {
        // Art. 31: only the disclosure office (staff of the line) records a receipt by post or fax.
        let keyedByOffice = Principal.current.map { [.staff, .departmentAdmin, .platformAdmin].contains($0.role) } ?? false
        let (handling, applicant, details) = try DisclosureApplication.validate(request, today: CivilDate(context.now()), keyedByOffice: keyedByOffice)
        var attributes = ["provision_form": details.provisionForm.rawValue, "delivery": details.delivery.rawValue]
        if let receipt = details.receipt {
            // Both clocks count from the day 第三十一条 fixes, not the day it was keyed in.
            attributes["receipt_method"] = receipt.method.rawValue
            attributes[PlatformEvent.countsFrom] = receipt.receivedOn
        }
        if !details.organizationName.isEmpty { attributes["organization_name"] = details.organizationName }
        if details.needsAssistance { attributes["needs_assistance"] = "true" }
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: DisclosureWorkflow.matterType,
            initialStatus: DisclosureWorkflow.machine.initialStatus, applicant: applicant, regionCode: request.regionCode,
            handling: handling, details: details, attributes: attributes, note: DisclosureWorkflow.summary(details.information))
    }

    func requestCorrection(_ request: Fawang_Disclosure_V1_RequestCorrectionRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.require(!request.corrections.isEmpty, "corrections", "请一次性列明需要补正的全部事项（\(DisclosureLaw.article("第三十条"))）")
            check.require(request.corrections.count <= 20, "corrections", "补正事项不能超过20项")
            for (index, item) in request.corrections.enumerated() where item.trimmingCharacters(in: .whitespaces).isEmpty || item.count > 200 {
                check.fail("corrections[\(index)]", "补正事项不能为空且不能超过200字")
            }
            check.reasons(request.guidance, field: "guidance", label: "指导和释明（\(DisclosureLaw.article("第三十条"))）")
            check.require(
                (1...30).contains(request.correctionDays), "correction_days", "请给出合理的补正期限，为1至30个工作日（\(DisclosureLaw.article("第三十条"))）")
            return .requestCorrection(.init(items: request.corrections, guidance: request.guidance, days: Int(request.correctionDays)))
        }
    }

    func supplyCorrection(_ request: Fawang_Disclosure_V1_SupplyCorrectionRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .applicant(secondFactor: request.phoneLast4)) { check in
            .supplyCorrection(InformationSought.read(
                name: request.informationName, documentNumber: request.documentNumber, description: request.description_p, into: &check))
        }
    }

    func accept(_ request: Fawang_Disclosure_V1_AcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .accept(note: request.note)
        }
    }

    func consultThirdParty(_ request: Fawang_Disclosure_V1_ConsultThirdPartyRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let kind = ConsulteeKind(request.kind)
            check.require(kind != nil, "kind", "请选择征求意见的对象：第三方（第三十二条）或者其他行政机关（第三十四条）")
            let consultees = request.consultees.map { $0.trimmingCharacters(in: .whitespaces) }
            check.require(!consultees.isEmpty, "consultees", "请填写被征求意见方")
            check.require(consultees.count <= 20, "consultees", "被征求意见方不能超过20个")
            for (index, name) in consultees.enumerated() where name.isEmpty || name.count > 100 {
                check.fail("consultees[\(index)]", "被征求意见方名称不能为空且不能超过100字")
            }
            check.note(request.note)
            return kind.map { .consult(kind: $0, consultees: consultees, note: request.note) }
        }
    }

    func recordThirdPartyOpinion(_ request: Fawang_Disclosure_V1_RecordThirdPartyOpinionRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let opinion = ConsulteeOpinion(request.opinion)
            check.require(opinion != nil, "opinion", "请选择征求意见的结果：同意公开、不同意公开或者逾期未提出意见")
            if opinion == .objects {
                check.reasons(request.reasons, field: "reasons", label: "不同意公开的理由（\(DisclosureLaw.article("第三十二条"))）")
            } else {
                check.note(request.reasons, field: "reasons")
            }
            return opinion.map { .recordOpinion($0, reasons: request.reasons) }
        }
    }

    func answer(_ request: Fawang_Disclosure_V1_AnswerRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let outcome = AnswerOutcome(request.outcome)
            check.require(outcome != nil, "outcome", "请选择答复的类型（\(DisclosureLaw.article("第三十六条"))）")
            let route = request.accessRoute.trimmingCharacters(in: .whitespacesAndNewlines)
            if let outcome, outcome.needsAccessRoute {
                check.reasons(route, field: "access_route", label: "获取该政府信息的方式、途径（\(outcome.label)）")
            } else {
                check.note(route, field: "access_route")
            }
            let reasons = request.reasons.trimmingCharacters(in: .whitespacesAndNewlines)
            if let outcome, outcome.needsReasons {
                check.reasons(reasons, field: "reasons", label: "理由（\(outcome.label)）")
            } else {
                check.note(reasons, field: "reasons")
            }
            let grounds = check.distinct(request.withholdGrounds, field: "withhold_grounds", "不予公开的依据无效") { WithholdGround($0) }
            if outcome?.needsGrounds == true {
                check.require(
                    !request.withholdGrounds.isEmpty, "withhold_grounds",
                    "请选择不予公开的依据（\(DisclosureLaw.article("第十四条"))、第十五条、第十六条）")
            } else if outcome != nil {
                check.require(request.withholdGrounds.isEmpty, "withhold_grounds", "只有不予公开或者部分公开的答复才列明不予公开的依据")
            }
            check.require(request.responsibleAgency.count <= 100, "responsible_agency", "机关名称不能超过100字")
            check.require(request.responsibleAgencyContact.count <= 200, "responsible_agency_contact", "联系方式不能超过200字")
            if !request.responsibleAgency.isEmpty || !request.responsibleAgencyContact.isEmpty {
                check.require(outcome == .notResponsible, "responsible_agency", "只有不属于本机关负责公开的答复才告知负责公开的机关（第三十六条第五项）")
            }
            var previous = ""
            if !request.previousTrackingNumber.isEmpty {
                if let number = TrackingNumber(request.previousTrackingNumber) {
                    previous = number.formatted
                } else {
                    check.fail("previous_tracking_number", "受理编号应为16位数字且校验位正确")
                }
                check.require(outcome == .repeated, "previous_tracking_number", "只有重复申请的答复才引用已作出答复的申请")
            }
            return outcome.map { outcome in .answer(Answer(
                outcome: outcome, accessRoute: route, grounds: grounds, reasons: reasons,
                responsibleAgency: request.responsibleAgency.trimmingCharacters(in: .whitespaces),
                responsibleAgencyContact: request.responsibleAgencyContact.trimmingCharacters(in: .whitespaces), previousTrackingNumber: previous)) }
        }
    }

    func closeAbandoned(_ request: Fawang_Disclosure_V1_CloseAbandonedRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .closeAbandoned(note: request.note)
        }
    }
}

extension Fawang_Disclosure_V1_SubmitRequestResponse: SubmissionResponse {}
