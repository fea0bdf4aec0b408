import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// `fawang.matter.v1.MaterialService` over loopback HTTP/2: files handed in with a matter are
/// judged by their content, stored sealed with their hash, recorded on the timeline in the same
/// transaction, and read back only by those who may see the matter.
@Suite struct MaterialTests {
    typealias Materials = Fawang_Matter_V1_MaterialService.Client<HTTP2ClientTransport.Posix>

    /// A legal aid application keyed in at the Yinchuan window for 马小花 (phone ending 1234).
    static func submit(_ platform: TestPlatform, region: String = "640104") async throws -> String {
        try await platform.withClient(as: "staff-640100-window") { client in
            try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                .submitApplication(LegalAidSamples.application(region: region)).matter.trackingNumber
        }
    }

    static func upload(
        _ tracking: String, _ content: Data, name: String = "身份证.pdf", title: String = "", phoneLast4: String = "1234",
        validateOnly: Bool = false
    ) -> Fawang_Matter_V1_UploadMaterialRequest {
        .with {
            $0.trackingNumber = tracking
            $0.phoneLast4 = phoneLast4
            $0.fileName = name
            $0.title = title
            $0.content = content
            $0.context.channel = .web
            $0.validateOnly = validateOnly
        }
    }

    @Test func anApplicantsFileIsStoredWithItsHashOnTheTimelineAndStaffDownloadIt() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let tracking = try await Self.submit(platform)
            let pdf = MaterialSamples.pdf("ID card")
            // No sign-in: the tracking number and the phone's last four digits.
            let stored = try await platform.withClient { client in
                try await Materials(wrapping: client).uploadMaterial(Self.upload(tracking, pdf, name: "身份证.pdf", title: "身份证复印件"))
            }
            #expect(stored.type == .pdf && stored.contentType == "application/pdf")
            #expect(stored.sizeBytes == Int64(pdf.count))
            #expect(stored.sha256 == MaterialFile.digest(pdf) && stored.sha256.count == 64)
            #expect(stored.fileName == "身份证.pdf" && stored.title == "身份证复印件")
            #expect(stored.uploadedBy.isEmpty, "who uploaded is for staff")

            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let matter = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = tracking })
                let event = try #require(matter.timeline.last)
                #expect(event.kind == "material_uploaded" && event.label == "提交材料" && event.note == "身份证复印件")
                #expect(event.attributes["material_id"] == stored.id && event.attributes["sha256"] == stored.sha256)
                #expect(event.sequence == stored.eventSequence && event.actor == "applicant" && event.channel == .mobile, "native gRPC without an account: the app")

                let materials = Materials(wrapping: client)
                let listed = try await materials.listMaterials(.with { $0.trackingNumber = tracking }).materials
                #expect(listed.map(\.id) == [stored.id])
                #expect(listed.first?.uploadedBy == "applicant")
                let download = try await materials.downloadMaterial(.with { $0.id = stored.id })
                #expect(download.content == pdf, "what was received is what staff download")
                #expect(download.material.sha256 == stored.sha256)
            }
            // Every download is in the audit chain under the reader.
            let audited = try await platform.query(
                "SELECT actor || ' ' || detail FROM audit_log WHERE target = 'material:\(stored.id)'")
            #expect(audited.contains("staff-640100-reviewer download:matter:"), "\(audited)")
            // Sealed at rest: the PDF's bytes are not in the database.
            let found = platform.database.engine == .postgres ? "position(convert_to('%PDF', 'UTF8') in sealed_content)" : "instr(sealed_content, CAST('%PDF' AS BLOB))"
            let plain = try await platform.query("SELECT COUNT(*) FROM matter_materials WHERE \(found) > 0")
            #expect(plain == "0")
        }
    }

    @Test func theSameFileTwiceIsStoredOnceAndTheTypeComesFromTheContent() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let tracking = try await Self.submit(platform)
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let materials = Materials(wrapping: client)
                let first = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.png, name: "照片.png"))
                let again = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.png, name: "照片(1).png"))
                #expect(again.id == first.id, "a retried upload returns the first")
                // A PNG named .pdf is a PNG; a JPEG with a camera's extension keeps it.
                let renamed = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.jpeg(padding: 10), name: "合同.pdf"))
                #expect(renamed.type == .jpeg && renamed.fileName == "合同.jpg" && renamed.contentType == "image/jpeg")
                let camera = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.jpeg(padding: 20), name: "C:\\照片\\IMG_0001.JPEG"))
                #expect(camera.fileName == "IMG_0001.JPEG", "the path an old browser sends is dropped")
                #expect(camera.title == "IMG_0001")
                #expect(camera.uploadedBy == "staff-640100-reviewer")
                let matter = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = tracking })
                #expect(matter.timeline.filter { $0.kind == "material_uploaded" }.count == 3)
                #expect(try await materials.listMaterials(.with { $0.trackingNumber = tracking }).materials.map(\.id) == [first.id, renamed.id, camera.id])
            }
        }
    }

    @Test func aFileThatIsNotAnAcceptedTypeIncompleteOrTooLargeIsRefusedNamingTheField() async throws {
        try await TestPlatform.with(extraConfig: "materials:\n  max_bytes: 2048\n  max_per_matter: 2\n", plugins: PluginCatalog.all) { platform in
            let tracking = try await Self.submit(platform)
            try await platform.withClient { client in
                let materials = Materials(wrapping: client)
                await expectStatus(.invalidArgument, field: "content", containing: ["只能上传PDF、JPG或PNG文件"]) {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, Data("not a pdf at all".utf8), name: "申请书.pdf"))
                }
                var cut = MaterialSamples.pdf()
                cut.removeLast(40)
                await expectStatus(.invalidArgument, field: "content", containing: ["文件不完整"]) {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, cut))
                }
                await expectStatus(.invalidArgument, field: "content", containing: ["超过上限2 KB"]) {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.jpeg(padding: 3000), name: "a.jpg"))
                }
                await expectStatus(.invalidArgument, field: "content", containing: ["文件是空的"]) {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, Data()))
                }
                await expectStatus(.invalidArgument, field: "file_name") {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.png, name: "  "))
                }
                await expectStatus(.invalidArgument, field: "tracking_number") {
                    _ = try await materials.uploadMaterial(Self.upload("1234", MaterialSamples.png))
                }
                // A wrong second factor reads as an unknown number.
                await expectStatus(.notFound, containing: ["手机号后四位不正确"]) {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.png, phoneLast4: "9999"))
                }
                // validate_only checks the file alone and stores nothing.
                let checked = try await materials.uploadMaterial(Self.upload("", MaterialSamples.png, name: "x.png", validateOnly: true))
                #expect(checked.id.isEmpty && checked.sha256 == MaterialFile.digest(MaterialSamples.png))
                await expectStatus(.invalidArgument, field: "content") {
                    _ = try await materials.uploadMaterial(Self.upload("", Data("text".utf8), validateOnly: true))
                }
                _ = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.png, name: "1.png"))
                _ = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.pdf(), name: "2.pdf"))
                await expectStatus(.failedPrecondition, containing: ["达到上限2份"]) {
                    _ = try await materials.uploadMaterial(Self.upload(tracking, MaterialSamples.jpeg(), name: "3.jpg"))
                }
            }
            let count = try await platform.query("SELECT COUNT(*) FROM matter_materials")
            #expect(count == "2")
        }
    }

    @Test func onlyThoseWhoMaySeeTheMatterListOrDownloadItsFiles() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let tracking = try await Self.submit(platform)
            let id = try await platform.withClient { client in
                try await Materials(wrapping: client).uploadMaterial(Self.upload(tracking, MaterialSamples.png)).id
            }
            await expectStatus(.unauthenticated) {
                try await platform.withClient { client in _ = try await Materials(wrapping: client).downloadMaterial(.with { $0.id = id }) }
            }
            // Another city's reviewer, the citizen who did not submit it, an aid lawyer it is not assigned to.
            for login in ["staff-640200-reviewer", "13951001234", "lap-640100-1"] {
                await expectStatus(.permissionDenied) {
                    try await platform.withClient(as: login) { client in _ = try await Materials(wrapping: client).downloadMaterial(.with { $0.id = id }) }
                }
                await expectStatus(.permissionDenied) {
                    try await platform.withClient(as: login) { client in
                        _ = try await Materials(wrapping: client).listMaterials(.with { $0.trackingNumber = tracking })
                    }
                }
            }
            await expectStatus(.notFound) {
                try await platform.withClient(as: "admin") { client in _ = try await Materials(wrapping: client).downloadMaterial(.with { $0.id = "no-such-id" }) }
            }
            // The citizen who submitted their own application may upload without the second factor and read it back.
            try await platform.withClient(as: "13951001234") { client in
                var application = LegalAidSamples.application()
                application.context = .with { $0.channel = .web }
                let own = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(application).matter.trackingNumber
                let materials = Materials(wrapping: client)
                let file = try await materials.uploadMaterial(Self.upload(own, MaterialSamples.pdf("own"), phoneLast4: ""))
                #expect(try await materials.downloadMaterial(.with { $0.id = file.id }).content == MaterialSamples.pdf("own"))
            }
        }
    }

    @Test func aConcludedMatterOrALineSwitchedOffTakesNoFiles() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let refused = try await Self.submit(platform)
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                _ = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).refuse(.with {
                    $0.trackingNumber = refused
                    $0.reasons = "家庭经济状况不符合本地区法律援助经济困难标准"
                    $0.context = LegalAidSamples.staff()
                })
            }
            try await platform.withClient { client in
                await expectStatus(.failedPrecondition, containing: ["已办结", "不能再提交材料"]) {
                    _ = try await Materials(wrapping: client).uploadMaterial(Self.upload(refused, MaterialSamples.png))
                }
            }
            let open = try await Self.submit(platform, region: "640104")
            try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    regions:\n      640104: {enabled: false}\n")
            try await platform.withClient { client in
                try await eventually("legal aid is off in Xingqing") {
                    let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.with { $0.regionCode = "640104" })
                    return modules.modules.first { $0.id == "legal-aid" }?.enabled == false
                }
                await expectStatus(.unavailable, containing: ["法律援助"]) {
                    _ = try await Materials(wrapping: client).uploadMaterial(Self.upload(open, MaterialSamples.png))
                }
            }
            let count = try await platform.query("SELECT COUNT(*) FROM matter_materials")
            #expect(count == "0", "nothing was stored")
        }
    }

    @Test func theConfigRefusesRequestLimitsTooSmallForTheLargestFile() {
        #expect(throws: PlatformConfig.ConfigError.self) {
            try PlatformConfig.parse(yaml: "materials.max_bytes: 8388608\ngrpc.max_request_bytes: 4194304\n")
        }
        #expect(throws: PlatformConfig.ConfigError.self) {
            try PlatformConfig.parse(yaml: "materials.max_bytes: 8388608\nhttp.max_request_bytes: 9000000\n")
        }
        // With the gateway off, only the gRPC limit matters.
        #expect(throws: Never.self) {
            try PlatformConfig.parse(yaml: "materials.max_bytes: 8388608\nhttp.enabled: false\nhttp.max_request_bytes: 9000000\n")
        }
        #expect(PlatformConfig().materials == MaterialLimits(maxBytes: 10 * 1024 * 1024, maxPerMatter: 50))
    }

    @Test func theTypeIsJudgedByContent() {
        #expect(MaterialType.sniff(MaterialSamples.pdf()) == .pdf)
        #expect(MaterialType.sniff(MaterialSamples.png) == .png)
        #expect(MaterialType.sniff(MaterialSamples.jpeg()) == .jpeg)
        #expect(MaterialType.sniff(Data("GIF89a".utf8)) == nil)
        #expect(MaterialType.sniff(Data([0x50, 0x4B, 0x03, 0x04])) == nil, "a .docx (zip) is not accepted")
        #expect(MaterialType.png.isComplete(MaterialSamples.png))
        #expect(!MaterialType.png.isComplete(MaterialSamples.png.dropLast(4)))
        #expect(!MaterialType.jpeg.isComplete(MaterialSamples.jpeg().dropLast(2)))
        #expect(MaterialType.jpeg.isComplete(MaterialSamples.jpeg() + Data(repeating: 0, count: 16)), "a camera's trailer after EOI")
        #expect(MaterialLimits.describe(bytes: 10 * 1024 * 1024) == "10 MB")
        #expect(MaterialLimits.describe(bytes: 1536 * 1024) == "1.5 MB")
    }
}
