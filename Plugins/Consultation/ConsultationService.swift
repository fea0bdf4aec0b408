import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.consultation.v1.ConsultationService`: each RPC declared once in ``rpcs``, each step its
/// field checks and one step of ``ConsultationWorkflow``.
struct ConsultationService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<ConsultationWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Consultation_V1_ConsultationService.Method

    /// Anyone records a consultation (the portal, the hotline and hall front ends, staff for a call
    /// or a visit); the consultation desk's staff answer and close, within their region.
    /// The web form's labels: the public asks online; the answer is the desk's (kept off the form).
    static let formLabels: [String: String] = [
        "person": "咨询人", "person.id_number": "身份证号（可不填）", "person.address": "住址（可不填）",
        "topic": "咨询事项类别", "question": "想咨询的问题", "answer": "",
        "TOPIC_LABOUR": "劳动用工、欠薪、工伤", "TOPIC_MARRIAGE_FAMILY": "婚姻家庭、继承、赡养", "TOPIC_CONTRACT_DEBT": "合同、借贷",
        "TOPIC_PROPERTY_LAND": "房产、土地、物业", "TOPIC_TORT_INJURY": "人身损害、交通事故、医疗纠纷",
        "TOPIC_ADMINISTRATIVE": "行政管理、行政许可、行政复议", "TOPIC_CRIMINAL": "刑事", "TOPIC_CONSUMER": "消费者权益", "TOPIC_OTHER": "其他",
    ]

    /// The workbench's forms for the desk's steps.
    static let stepLabels: [String: String] = [
        "answer": "解答内容", "suggested_matter_types": "建议申请办理的事项类型（每行一项，如 legal-aid.application）",
    ]

    static let rpcs = RPCTable<ConsultationService>([
        RPC(Method.RecordConsultation.descriptor, .anyone, verb: "record", help: "登记法律咨询（可当场解答）", title: "在线法律咨询", intake: true,
            aliases: ["name": "person.name", "phone": "person.phone", "region": "region_code"], labels: formLabels,
            ConsultationService.recordConsultation),
        RPC(Method.Answer.descriptor, .handlers, verb: "answer", help: "解答（可再次解答），并可建议申请办理的事项",
            aliases: ["suggest": "suggested_matter_types"], labels: stepLabels, ConsultationService.answer),
        RPC(Method.Close.descriptor, .handlers, verb: "close", help: "办结：已解答，无需办理其他事项", labels: stepLabels, ConsultationService.close),
    ])

    func recordConsultation(_ request: Fawang_Consultation_V1_RecordConsultationRequest) async throws -> Fawang_Consultation_V1_RecordConsultationResponse {
        let (handling, person, details) = try ConsultationWorkflow.validate(request)
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: ConsultationWorkflow.matterType,
            initialStatus: details.answers.isEmpty ? "recorded" : "answered", applicant: person, regionCode: request.regionCode,
            handling: handling, details: details, firstEvent: "recorded", attributes: ["topic": details.topic], note: request.answer)
    }

    func answer(_ request: Fawang_Consultation_V1_AnswerRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.requireText(request.answer, "answer", label: "解答", maxLength: 4000)
            check.require(request.suggestedMatterTypes.count <= 10, "suggested_matter_types", "建议办理的事项不能超过10项")
            for (index, type) in request.suggestedMatterTypes.enumerated() where !type.contains(".") || type.count > 100 {
                check.fail("suggested_matter_types[\(index)]", "事项类型应形如 mediation.dispute")
            }
            return .answer(request.answer, suggested: request.suggestedMatterTypes)
        }
    }

    func close(_ request: Fawang_Consultation_V1_CloseRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.require(request.note.count <= 1000, "note", "说明不能超过1000字")
            return .close(note: request.note)
        }
    }
}

extension Fawang_Consultation_V1_RecordConsultationResponse: SubmissionResponse {}
