import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang.matter.v1.MaterialService`: files handed in with a matter, for every business line.
///
/// Who may upload is the applicant's rule of every line's own steps (`MatterSteps.Access.applicant`:
/// staff who handle the matter, the submitting citizen, or the tracking number with the phone's
/// last four digits); who may list and download is GetMatter's (`Principal.mayRead`). The file and
/// the timeline event that records it are written in one transaction.
struct MaterialService: Fawang_Matter_V1_MaterialService.SimpleServiceProtocol {
    let matters: any MatterStore
    let registry: ModuleRegistry
    let audit: any AuditLog
    let limits: MaterialLimits
    let now: @Sendable () -> Date

    func uploadMaterial(request: Fawang_Matter_V1_UploadMaterialRequest, context: ServerContext) async throws -> Fawang_Matter_V1_Material {
        var check = FieldValidator()
        let file = MaterialFile.validate(
            fileName: request.fileName, title: request.title, content: request.content, limits: limits, into: &check)
        if request.validateOnly {
            let checked = try check.checked(file, "the material")
            return Self.proto(checked)
        }
        let handling = MatterSteps.handling(request.context, &check)
        let number = check.trackingNumber(request.trackingNumber)
        try check.check()
        guard let file, let handling, let number else { throw FawangError(.internalError, "an upload was not read, yet no field was reported") }

        let access = MatterSteps.Access.applicant(secondFactor: request.phoneLast4)
        guard let matter = try await matters.matter(trackingNumber: number) else {
            throw FawangError.notFound("受理编号或手机号后四位不正确，请核对")
        }
        try MatterSteps.check(access, matter)
        try registry.requireEnabled(matter.businessLine, in: matter.regionCode)
        let stored = try await matters.materials(matterID: matter.id)
        // The same file again (a retried upload, a double click): the first one, nothing new.
        if let earlier = stored.first(where: { $0.sha256 == file.sha256 }) { return Self.proto(earlier) }
        guard stored.count < limits.maxPerMatter else {
            throw FawangError.failedPrecondition("该事项已有\(stored.count)份材料，达到上限\(limits.maxPerMatter)份；请将材料合并为PDF后上传，或联系承办机构")
        }
        let material = NewMaterial(file: file, uploadedBy: handling.actor, channel: handling.channel)
        let principal = Principal.current
        let registry = registry
        let updated: Matter
        do {
            updated = try await matters.update(trackingNumber: number, at: now()) { matter in
                try Principal.$current.withValue(principal) {
                    try MatterSteps.check(access, matter)
                    try registry.requireEnabled(matter.businessLine, in: matter.regionCode)
                    let workflow = registry.module(id: matter.businessLine)?.manifest.matterType(matter.matterType)?.workflow
                    if let workflow, workflow.terminalStatuses.contains(matter.status) {
                        let status = workflow.label(ofStatus: matter.status)
                        throw FawangError.failedPrecondition("该事项已办结（\(status)），不能再提交材料；如需补充，请联系承办机构")
                    }
                    var change = MatterChange(events: [material.event])
                    change.materials = [material]
                    return change
                }
            }
        } catch {
            // Two identical uploads at once: the second meets the first's row (one content per matter).
            if let earlier = try await matters.materials(matterID: matter.id).first(where: { $0.sha256 == file.sha256 }) {
                return Self.proto(earlier)
            }
            throw error
        }
        // What was stored is the upload and the event the store numbered: no read back.
        guard let event = updated.timeline.last(where: { $0.attributes["material_id"] == material.id }) else {
            throw FawangError(.internalError, "material \(material.id) was stored without its timeline event")
        }
        return Self.proto(StoredMaterial(
            id: material.id, matterID: updated.id, trackingNumber: updated.trackingNumber.digits, title: file.title, fileName: file.fileName,
            type: file.type, sizeBytes: file.content.count, sha256: file.sha256, uploadedAt: event.at, uploadedBy: material.uploadedBy,
            channel: material.channel, eventSequence: event.sequence))
    }

    func listMaterials(request: Fawang_Matter_V1_ListMaterialsRequest, context: ServerContext) async throws -> Fawang_Matter_V1_ListMaterialsResponse {
        let matter = try await readable(try TrackingNumber.parse(request.trackingNumber))
        var response = Fawang_Matter_V1_ListMaterialsResponse()
        response.materials = try await matters.materials(matterID: matter.id).map(Self.proto)
        return response
    }

    func downloadMaterial(request: Fawang_Matter_V1_DownloadMaterialRequest, context: ServerContext) async throws -> Fawang_Matter_V1_MaterialContent {
        guard !request.id.isEmpty, request.id.count <= 64 else { throw FawangError.invalidArgument(field: "id", "请填写材料编号") }
        guard let (material, content) = try await matters.material(id: request.id) else {
            throw FawangError.notFound("未找到该材料，请核对材料编号")
        }
        guard let tracking = TrackingNumber(material.trackingNumber) else {
            throw FawangError(.internalError, "material \(material.id) names a malformed tracking number")
        }
        _ = try await readable(tracking)
        let principal = try MatterService.caller()
        // Who opened which file, in the audit chain (materials carry identity documents).
        try await audit.append(AuditDraft(
            actor: principal.accountID, role: principal.role.rawValue, channel: "", target: "material:\(material.id)",
            detail: "download:matter:\(material.matterID):sha256:\(material.sha256)"))
        var response = Fawang_Matter_V1_MaterialContent()
        response.material = Self.proto(material)
        response.content = content
        return response
    }

    /// The matter, if the caller may see it (GetMatter's rule).
    private func readable(_ number: TrackingNumber) async throws -> Matter {
        guard let matter = try await matters.matter(trackingNumber: number) else {
            throw FawangError.notFound("未找到受理编号为 \(number) 的事项，请核对编号")
        }
        guard try MatterService.caller().mayRead(matter) else {
            throw FawangError(.permissionDenied, "无权查看该事项的材料：不在本账号的办理范围内")
        }
        return matter
    }

    /// A stored material as the caller may see it: who uploaded it is for staff.
    static func proto(_ material: StoredMaterial) -> Fawang_Matter_V1_Material {
        var proto = Fawang_Matter_V1_Material()
        proto.id = material.id
        proto.trackingNumber = material.trackingNumber
        proto.title = material.title
        proto.fileName = material.fileName
        proto.type = Fawang_Matter_V1_MaterialType(material.type)
        proto.contentType = material.type.contentType
        proto.sizeBytes = Int64(material.sizeBytes)
        proto.sha256 = material.sha256
        proto.uploadedAt = Google_Protobuf_Timestamp(date: material.uploadedAt)
        switch Principal.current?.role {
        case .staff?, .departmentAdmin?, .platformAdmin?: proto.uploadedBy = material.uploadedBy
        default: break
        }
        proto.channel = Fawang_Matter_V1_Channel(material.channel)
        proto.eventSequence = UInt32(material.eventSequence)
        return proto
    }

    /// A checked file not stored (validate_only): its type, size, hash and stored name.
    static func proto(_ file: MaterialFile) -> Fawang_Matter_V1_Material {
        var proto = Fawang_Matter_V1_Material()
        proto.title = file.title
        proto.fileName = file.fileName
        proto.type = Fawang_Matter_V1_MaterialType(file.type)
        proto.contentType = file.type.contentType
        proto.sizeBytes = Int64(file.content.count)
        proto.sha256 = file.sha256
        return proto
    }
}

extension Fawang_Matter_V1_MaterialType {
    init(_ type: MaterialType) {
        switch type {
        case .pdf: self = .pdf
        case .jpeg: self = .jpeg
        case .png: self = .png
        }
    }
}
