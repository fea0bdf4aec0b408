import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
@testable import LawyersPlugin
import SwiftProtobuf

/// Valid requests to start from; tests change the field they are about. Register entries are
/// the demo data (LawyersRegister.demoFirms / demoLawyers).
enum LawyersSamples {
    static let helanshanFirm = "36401201510001"
    /// 马明 (2010), 李静 (2012), 王强 (2015): founders of at least three years' practice.
    static let seniorLawyers = ["16401201010000001", "16401201210000002", "16401201510000003"]
    /// 杨帆, practising since 2024-08-01.
    static let juniorLawyer = "16401202410000005"

    static func practice(requestID: String = UUID().uuidString) -> Fawang_Lawyers_V1_SubmitPracticeApplicationRequest {
        .with {
            $0.requestID = requestID
            $0.context = staff()
            $0.applicant.name = "马小花"
            $0.applicant.idNumber = "11010519491231002X"
            $0.applicant.phone = "13951001234"
            $0.regionCode = "640100"
            $0.qualificationCertificateNumber = "A20236401040123"
            $0.internshipMonths = 12
            $0.firmLicenceNumber = helanshanFirm
            $0.specialties = ["劳动争议", "婚姻家事"]
            $0.materials = LawyersApplications.practiceMaterials
        }
    }

    static func firm(requestID: String = UUID().uuidString, founders: [String] = seniorLawyers) -> Fawang_Lawyers_V1_SubmitFirmApplicationRequest {
        .with {
            $0.requestID = requestID
            $0.context = staff()
            $0.applicant.name = "马明"
            $0.applicant.idNumber = "11010519491231002X"
            $0.applicant.phone = "13951001234"
            $0.regionCode = "640100"
            $0.firmName = "宁夏六盘山律师事务所"
            $0.address = "银川市金凤区宁安大街100号"
            $0.kind = .partnership
            $0.founderLicenceNumbers = founders
            $0.assetsYuan = 300_000
            $0.phone = "0951-5066666"
            $0.materials = LawyersApplications.firmMaterials
        }
    }

    static func complaint(against licence: String = juniorLawyer) -> Fawang_Lawyers_V1_SubmitComplaintRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.context.channel = .web
            $0.complainant.name = "马小花"
            $0.complainant.phone = "13951001234"
            $0.subjectKind = .lawyer
            $0.subjectLicenceNumber = licence
            $0.facts = "该律师私自接受委托并收取费用五千元，未开具律师事务所票据"
        }
    }

    static func staff(_ id: String = "staff-640100-lawyers") -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = .walkIn
            $0.operatorID = id
        }
    }

    /// `day` July 2026 (no holidays in July) at 10:00 Beijing time.
    static func july(_ day: Int) -> Date {
        CivilDate(year: 2026, month: 7, day: day).endInstant.addingTimeInterval(TimeInterval(-86_400 + 10 * 3600))
    }
}
