import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf
@testable import AdministrativeApprovalPlugin

/// Valid requests to start from; tests change the field they are about.
enum ApprovalSamples {
    /// A law firm to be set up in Yinchuan, applied for at the city bureau's window.
    static func lawFirm(requestID: String = UUID().uuidString) -> Fawang_Approval_V1_SubmitApplicationRequest {
        .with {
            $0.requestID = requestID
            $0.context = staff("staff-640100-admin-approval")
            $0.applicant.name = "马小花"
            $0.applicant.idNumber = "11010519491231002X"
            $0.applicant.phone = "13951001234"
            $0.organizationName = "宁夏贺兰山律师事务所"
            $0.regionCode = "640100"
            $0.item = .lawFirmEstablishment
            $0.summary = "三名执业五年以上的律师拟设立普通合伙律师事务所"
            $0.materials = ["设立申请书", "律师事务所章程", "合伙协议"]
        }
    }

    /// A judicial appraisal institution registered by the provincial department (one level).
    static func appraisal(requestID: String = UUID().uuidString) -> Fawang_Approval_V1_SubmitApplicationRequest {
        var request = lawFirm(requestID: requestID)
        request.context = .with { $0.channel = .web }
        request.item = .judicialAppraisalInstitutionRegistration
        request.organizationName = "宁夏某司法鉴定所"
        request.regionCode = "640000"
        request.summary = "申请登记法医临床、法医病理鉴定业务"
        return request
    }

    static func staff(_ id: String = "staff-640100-admin-approval", channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }

    /// 2026-07-01 (a Wednesday, no holidays in July) at 10:00 Beijing time, plus `days`.
    static func july(_ day: Int, hour: Int = 10) -> Date {
        CivilDate(year: 2026, month: 7, day: day).endInstant.addingTimeInterval(TimeInterval(-86_400 + hour * 3600))
    }
}
