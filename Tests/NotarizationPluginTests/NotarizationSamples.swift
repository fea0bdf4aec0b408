import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf

/// Valid notarization requests to start from; tests change the field they are about.
enum NotarizationSamples {
    /// A student in Xingqing district applying for an education (学历) certificate to study abroad.
    static func application(
        kind: Fawang_Notarization_V1_NotarialMatterKind = .education, requestID: String = UUID().uuidString,
        phone: String = "13951001234", region: String = "640104"
    ) -> Fawang_Notarization_V1_SubmitApplicationRequest {
        var request = Fawang_Notarization_V1_SubmitApplicationRequest()
        request.requestID = requestID
        request.context.channel = .walkIn
        request.context.operatorID = "staff-640100-notarization"
        request.applicant.name = "马小花"
        request.applicant.idNumber = "11010519491231002X"
        request.applicant.phone = phone
        request.regionCode = region
        request.placeBasis = .domicile
        request.matterKind = kind
        request.purpose = "出国留学"
        request.materials = ["申请人身份证明", "学历证书"]
        return request
    }

    static func staff(_ id: String = "staff-640100-notarization", channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }
}
