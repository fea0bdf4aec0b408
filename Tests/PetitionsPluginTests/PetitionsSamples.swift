import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// Valid requests to start from; tests change the field they are about.
enum PetitionsSamples {
    /// A resident of Xingqing district complaining that a notary office overcharged.
    static func petition(requestID: String = UUID().uuidString, region: String = "640104", phone: String = "13951001234") -> Fawang_Petitions_V1_SubmitPetitionRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .web
            $0.petitioner.name = "马小花"
            $0.petitioner.phone = phone
            $0.petitioner.address = "银川市兴庆区某小区3号楼2单元301"
            $0.regionCode = region
            $0.subject = "要求退还多收的公证费"
            $0.factsAndReasons = "2026年5月办理继承公证，公证处收费明显高于收费标准，多次交涉未果。"
        }
    }

    static func anonymous(region: String = "640104") -> Fawang_Petitions_V1_SubmitPetitionRequest {
        var request = petition(region: region)
        request.anonymous = true
        request.clearPetitioner()
        request.subject = "举报某法律服务所违规收费"
        return request
    }

    static func staff(_ id: String = "staff-640100-petitions", channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }
}
