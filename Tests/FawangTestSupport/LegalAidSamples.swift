import FawangPluginKit
public import FawangProto
public import Foundation
import SwiftProtobuf

/// Valid requests to start from; tests change the field they are about.
public enum LegalAidSamples {
    /// A migrant worker in Xingqing district claiming unpaid wages, with a hardship statement.
    public static func application(
        requestID: String = UUID().uuidString, phone: String = "13951001234", region: String = "640104"
    ) -> Fawang_Legalaid_V1_SubmitApplicationRequest {
        var request = Fawang_Legalaid_V1_SubmitApplicationRequest()
        request.requestID = requestID
        request.context.channel = .walkIn
        request.context.operatorID = "staff-640100-window"
        request.applicant.name = "马小花"
        // A valid GB 11643 number (check digit X).
        request.applicant.idNumber = "11010519491231002X"
        request.applicant.phone = phone
        request.regionCode = region
        request.caseCategory = .labourRemuneration
        request.serviceForm = .litigationAgency
        request.caseSummary = "在工地务工六个月，被拖欠工资两万四千元。"
        request.opposingParty = "某建筑劳务公司"
        request.hardship.householdSize = 4
        request.hardship.monthlyIncomePerCapitaYuan = 600
        request.hardship.description_p = "家庭无其他收入来源"
        request.hardship.verification = .personalCommitment
        request.materials = ["身份证复印件", "务工情况说明"]
        return request
    }

    public static func staff(_ id: String = "staff-640100-reviewer", channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }
}
