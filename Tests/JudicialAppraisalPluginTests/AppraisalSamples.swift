import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf

/// Valid appraisal requests to start from; tests change the field they are about.
enum AppraisalSamples {
    /// Xingqing district court entrusts a disability-grade appraisal to Yinchuan's forensic centre,
    /// through its connected system.
    static func entrustment(
        category: Fawang_Appraisal_V1_AppraisalCategory = .forensicMedicine, institution: String = "ja-640100-1",
        requestID: String = UUID().uuidString
    ) -> Fawang_Appraisal_V1_SubmitEntrustmentRequest {
        var request = Fawang_Appraisal_V1_SubmitEntrustmentRequest()
        request.requestID = requestID
        request.context.channel = .api
        request.context.operatorID = "court-640104-system"
        request.entruster.type = .court
        request.entruster.organization = "银川市兴庆区人民法院"
        request.entruster.caseNumber = "（2026）宁0104民初123号"
        request.entruster.contact.name = "王法官"
        request.entruster.contact.phone = "13951001234"
        request.institutionID = institution
        request.category = category
        request.appraisalMatters = "伤残等级鉴定"
        request.purpose = "交通事故损害赔偿诉讼"
        request.caseSummary = "原告在交通事故中受伤，请求赔偿。"
        request.materials = ["司法鉴定委托书", "病历资料", "影像片"]
        return request
    }

    /// A party (a citizen) entrusting directly on the web portal.
    static func partyEntrustment() -> Fawang_Appraisal_V1_SubmitEntrustmentRequest {
        var request = entrustment()
        request.context = .with { $0.channel = .web }
        request.entruster.type = .party
        request.entruster.organization = ""
        request.entruster.contact.name = "马小花"
        request.entruster.contact.idNumber = "11010519491231002X"
        return request
    }

    static func complaint(appraiser: String = "jap-01") -> Fawang_Appraisal_V1_SubmitComplaintRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.context.channel = .web
            $0.complainant.name = "马小花"
            $0.complainant.idNumber = "11010519491231002X"
            $0.complainant.phone = "13951001234"
            $0.appraiserID = appraiser
            $0.facts = "鉴定人未到场检查即出具意见"
        }
    }

    static func staff(_ id: String = "staff-640100-judicial-appraisal", channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }
}
