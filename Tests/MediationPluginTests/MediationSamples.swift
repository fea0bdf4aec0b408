import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf
import GRPCCore
import GRPCProtobuf
import Testing

/// Valid requests to start from; tests change the field they are about.
enum MediationSamples {
    /// A neighbourhood quarrel in Xingqing district: water leaking from the flat upstairs.
    static func dispute(requestID: String = UUID().uuidString, region: String = "640104", phone: String = "13951001234") -> Fawang_Mediation_V1_SubmitDisputeRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .web
            $0.applicant.name = "马小花"
            $0.applicant.phone = phone
            $0.applicant.address = "银川市兴庆区某小区3号楼2单元301"
            $0.respondents = [.with {
                $0.name = "李大山"
                $0.phone = "13800001111"
            }]
            $0.regionCode = region
            $0.category = .neighbourhood
            $0.summary = "楼上住户卫生间漏水，多次协商未果，要求维修并赔偿墙面损失。"
        }
    }

    static func staff(_ id: String = "staff-640100-mediation", channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }
}
