import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import GRPCProtobuf
@testable import LegalExamPlugin
import SwiftProtobuf
import Testing

/// Valid requests to start from; tests change the field they are about.
enum LegalExamSamples {
    /// A law graduate (full-time bachelor with degree) registering for the 2026 exam in Xingqing district.
    static func registration(requestID: String = UUID().uuidString, region: String = "640104") -> Fawang_Exam_V1_SubmitRegistrationRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .web
            $0.candidate.name = "马小花"
            $0.candidate.idNumber = "11010519491231002X"
            $0.candidate.phone = "13951001234"
            $0.examYear = 2026
            $0.regionCode = region
            $0.nationality = .prc
            $0.education.level = .bachelor
            $0.education.major = .law
            $0.education.fullTime = true
            $0.education.degreeAwarded = true
            $0.education.institution = "宁夏大学"
            $0.supportsConstitution = true
            $0.enjoysPoliticalRights = true
            $0.fullCivilCapacity = true
        }
    }

    /// The same candidate's declaration as the rules see it.
    static func declaration() -> RegistrationDeclaration {
        RegistrationDeclaration(
            examYear: 2026, nationality: .prc,
            education: Education(level: .bachelor, major: .law, fullTime: true, degreeAwarded: true, postgraduateLawDegree: false, legalWorkYears: 0, institution: "宁夏大学"),
            supportsConstitution: true, hasPoliticalRights: true, fullCivilCapacity: true, disqualifications: [])
    }

    /// A certificate application on the seeded 2025 result of 马小花 (passed).
    static func certificate(requestID: String = UUID().uuidString, ticket: String = "2025640104001", name: String = "马小花", idNumber: String = "11010519491231002X") -> Fawang_Exam_V1_ApplyCertificateRequest {
        .with {
            $0.requestID = requestID
            $0.context.channel = .web
            $0.applicant.name = name
            $0.applicant.idNumber = idNumber
            $0.applicant.phone = "13951001234"
            $0.examYear = 2025
            $0.admissionTicket = ticket
            $0.materials = ["法律职业资格申请表", "身份证复印件", "学位证书复印件"]
        }
    }

    static func staff(_ id: String, channel: Fawang_Matter_V1_Channel = .walkIn) -> Fawang_Matter_V1_ChannelContext {
        .with {
            $0.channel = channel
            $0.operatorID = id
        }
    }
}


/// The message of the RPC error `body` throws ("" if it succeeds).
func errorMessage(_ body: () async throws -> Void) async -> String {
    do {
        try await body()
        return ""
    } catch let error as RPCError {
        return error.message
    } catch {
        return "\(error)"
    }
}
