import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.consultation.v1.ConsultationService`.
struct ConsultationService: Fawang_Consultation_V1_ConsultationService.SimpleServiceProtocol {
    let steps: MatterSteps

    func recordConsultation(
        request: Fawang_Consultation_V1_RecordConsultationRequest, context: ServerContext
    ) async throws -> Fawang_Consultation_V1_RecordConsultationResponse {
        let (handling, person, details) = try ConsultationWorkflow.validate(request)
        var canonical = request
        canonical.requestID = ""
        let (matter, replayed) = try await steps.submit(
            request: canonical, requestID: request.requestID, matterType: ConsultationWorkflow.matterType,
            initialStatus: details.answers.isEmpty ? "recorded" : "answered", applicant: person, regionCode: request.regionCode,
            handling: handling, details: DetailsCoding.encode(details), firstEvent: "recorded",
            attributes: ["topic": details.topic], note: request.answer)
        return .with {
            $0.matter = matter
            $0.replayed = replayed
        }
    }

    func answer(request: Fawang_Consultation_V1_AnswerRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.requireText(request.answer, "answer", label: "解答", maxLength: 4000)
        check.require(request.suggestedMatterTypes.count <= 10, "suggested_matter_types", "建议办理的事项不能超过10项")
        for (index, type) in request.suggestedMatterTypes.enumerated() where !type.contains(".") || type.count > 100 {
            check.fail("suggested_matter_types[\(index)]", "事项类型应形如 mediation.dispute")
        }
        try check.check()
        return try await steps.run(on: request.trackingNumber, access: .handler) { matter in
            try ConsultationWorkflow.decide(.answer(request.answer, suggested: request.suggestedMatterTypes), on: matter, actor: handling!.actor, channel: handling!.channel)
        }
    }

    func close(request: Fawang_Consultation_V1_CloseRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Matter {
        var check = FieldValidator()
        let handling = MatterSteps.handling(request.context, &check)
        check.require(request.note.count <= 1000, "note", "说明不能超过1000字")
        try check.check()
        return try await steps.run(on: request.trackingNumber, access: .handler) { matter in
            try ConsultationWorkflow.decide(.close(note: request.note), on: matter, actor: handling!.actor, channel: handling!.channel)
        }
    }
}
