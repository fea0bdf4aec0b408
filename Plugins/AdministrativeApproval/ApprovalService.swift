import FawangCore
public import FawangPluginKit
public import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang.approval.v1.ApprovalService`: each RPC declared once in ``rpcs``, each handler its
/// field checks and one step of ``ApprovalWorkflow``.
struct ApprovalService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<ApprovalWorkflow> { LineSteps(context: context) }

    typealias Method = Fawang_Approval_V1_ApprovalService.Method

    /// Applicants submit, supply corrections and read the items' guidance without staff (the
    /// second factor proves them); every other step is bureau staff's, within region and department.
    /// The online application's labels (行政许可法 第二十九条: the applicant files the application).
    static let formLabels: [String: String] = [
        "applicant": "申请人", "organization_name": "拟设立或登记的机构名称（申请执业的，填执业机构）",
        "region_code": "机构所在地区（行政区划代码）", "item": "申请的行政许可事项",
        "LICENSING_ITEM_LAW_FIRM_ESTABLISHMENT": "律师事务所设立", "LICENSING_ITEM_NOTARY_OFFICE_ESTABLISHMENT": "公证机构设立",
        "LICENSING_ITEM_JUDICIAL_APPRAISAL_INSTITUTION_REGISTRATION": "司法鉴定机构登记",
        "LICENSING_ITEM_GRASSROOTS_LEGAL_SERVICE_WORKER_PRACTICE": "基层法律服务工作者执业",
        "summary": "申请说明", "materials": "提交的申请材料（每行一项，第三十一条：如实提交）",
    ]

    static let rpcs = RPCTable<ApprovalService>([
        RPC(Method.SubmitApplication.descriptor, .anyone, verb: "submit", help: "收到行政许可申请材料（第三十二条：五日内受理或一次告知补正）", title: "申请行政许可（行政许可法 第二十九条）", intake: true,
            aliases: [
                "name": "applicant.name", "id-number": "applicant.id_number", "phone": "applicant.phone", "address": "applicant.address",
                "organization": "organization_name", "region": "region_code", "material": "materials",
            ], labels: formLabels, ApprovalService.submitApplication),
        RPC(Method.RequestMaterials.descriptor, .handlers, verb: "request-materials", help: "一次告知需要补正的全部内容（第三十二条第一款第四项：五日内）",
            aliases: ["missing": "missing_materials"], ApprovalService.requestMaterials),
        RPC(Method.SupplyMaterials.descriptor, .anyone, verb: "supply-materials", help: "申请人提交补正材料（凭手机号后四位）",
            aliases: ["material": "materials"], ApprovalService.supplyMaterials),
        RPC(Method.Accept.descriptor, .handlers, verb: "accept", help: "受理申请（第三十二条第一款第五项；两级审查的先经本机关审查，第四十三条）", ApprovalService.accept),
        RPC(Method.NotAccept.descriptor, .handlers, verb: "not-accept", help: "决定不予受理，出具书面凭证并说明理由（第三十二条）", ApprovalService.notAccept),
        RPC(Method.SubmitToUpper.descriptor, .handlers, verb: "submit-to-upper", help: "审查完毕，报上级机关决定（第四十三条：二十日内）", ApprovalService.submitToUpper),
        RPC(Method.RecordHearing.descriptor, .handlers, verb: "hearing", help: "听证环节：告知听证权利、申请听证、举行听证（第四十七条、第四十八条）",
            ApprovalService.recordHearing),
        RPC(Method.Approve.descriptor, .handlers, verb: "approve", help: "作出准予行政许可的决定，编发许可证号（第三十八条、第四十二条）", ApprovalService.approve),
        RPC(Method.Deny.descriptor, .handlers, verb: "deny", help: "作出不予行政许可的书面决定，说明理由并告知救济途径（第三十八条第二款）", ApprovalService.deny),
        RPC(Method.IssueLicence.descriptor, .handlers, verb: "issue-licence", help: "颁发、送达行政许可证件（第四十四条：十日内）", ApprovalService.issueLicence),
        RPC(Method.ListLicensingItems.descriptor, .anyone, verb: "items", help: "行政许可事项、所需材料与受理、决定机关", ApprovalService.listLicensingItems),
    ])

    func submitApplication(_ request: Fawang_Approval_V1_SubmitApplicationRequest) async throws -> Fawang_Approval_V1_SubmitApplicationResponse {
        let (handling, applicant, details) = try ApprovalApplication.validate(request)
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: ApprovalWorkflow.matterType,
            initialStatus: ApprovalWorkflow.machine.initialStatus, applicant: applicant, regionCode: request.regionCode,
            handling: handling, details: details, attributes: ["item": details.item.rawValue])
    }

    func requestMaterials(_ request: Fawang_Approval_V1_RequestMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.requestMaterials(
            request.trackingNumber, request.context, missing: request.missingMaterials, note: request.note,
            basis: "行政许可法第三十二条第一款第四项")
    }

    func supplyMaterials(_ request: Fawang_Approval_V1_SupplyMaterialsRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.supplyMaterials(request.trackingNumber, request.context, materials: request.materials, phoneLast4: request.phoneLast4)
    }

    func accept(_ request: Fawang_Approval_V1_AcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .accept(note: request.note)
        }
    }

    func notAccept(_ request: Fawang_Approval_V1_NotAcceptRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let ground = NonAcceptanceGround(request.ground)
            check.require(ground != nil, "ground", "请选择不予受理的情形（行政许可法第三十二条第一款）")
            check.reasons(request.reasons, field: "reasons", label: "不予受理的理由（第三十二条第二款：出具书面凭证）")
            if ground == .outsideCompetence {
                // Art. 32(2): tell the applicant which agency to apply to.
                check.requireText(request.competentAuthority, "competent_authority", label: "有权受理的行政机关（第三十二条第一款第二项）", maxLength: 100)
            }
            return ground.map { .notAccept(NonAcceptance(ground: $0, reasons: request.reasons, competentAuthority: request.competentAuthority)) }
        }
    }

    func submitToUpper(_ request: Fawang_Approval_V1_SubmitToUpperRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.reasons(request.opinion, field: "opinion", label: "审查意见（第四十三条）")
            return .submitToUpper(opinion: request.opinion, recommendApproval: request.recommendApproval)
        }
    }

    func recordHearing(_ request: Fawang_Approval_V1_RecordHearingRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            let command: ApprovalWorkflow.Command?
            switch request.step {
            case .rightsNotified: command = .notifyHearingRights(note: request.note)
            case .requested: command = .requestHearing(note: request.note)
            case .held:
                command = .recordHearing(transcript: request.note)
                check.requireText(request.note, "note", label: "听证笔录摘要（第四十八条：根据听证笔录作出决定）", maxLength: 4000)
            default: command = nil
            }
            check.require(command != nil, "step", "请选择听证环节：告知听证权利、申请听证或举行听证（第四十七条、第四十八条）")
            check.require(request.note.count <= 4000, "note", "说明不能超过4000字")
            return command
        }
    }

    func approve(_ request: Fawang_Approval_V1_ApproveRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .approve(note: request.note)
        }
    }

    func deny(_ request: Fawang_Approval_V1_DenyRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.reasons(request.reasons, field: "reasons", label: "不予行政许可的理由（第三十八条第二款）")
            check.require(request.reconsiderationOrgan.count <= 100, "reconsideration_organ", "行政复议机关名称不能超过100字")
            check.require(request.court.count <= 100, "court", "人民法院名称不能超过100字")
            let remedies = ApprovalApplication.remediesNotice(reconsiderationOrgan: request.reconsiderationOrgan, court: request.court)
            return .deny(reasons: request.reasons, remedies: remedies)
        }
    }

    func issueLicence(_ request: Fawang_Approval_V1_IssueLicenceRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.requireText(request.delivery, "delivery", label: "颁发、送达方式（第四十四条）", maxLength: 200)
            return .issueLicence(delivery: request.delivery)
        }
    }

    func listLicensingItems(_ request: Fawang_Approval_V1_ListLicensingItemsRequest) async throws -> Fawang_Approval_V1_ListLicensingItemsResponse {
        .with {
            $0.items = LicensingItem.allCases.map { item in
                .with {
                    $0.item = item.proto
                    $0.name = item.name
                    $0.requiredMaterials = item.requiredMaterials
                    $0.twoLevel = item.isTwoLevel
                    $0.acceptingLevel = item.acceptingLevelName
                    $0.decidingLevel = item.decidingLevelName
                    $0.basis = item.basis
                }
            }
        }
    }
}

extension Fawang_Approval_V1_SubmitApplicationResponse: SubmissionResponse {}

extension ApprovalWorkflow.Command: MaterialsCommands {}
