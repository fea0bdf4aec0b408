import ArgumentParser
import FawangCore
import FawangProto
import Foundation
import SwiftProtobuf

/// `fawang materials`: files handed in with a matter (a window scanning paper, the hotline
/// relaying a photo), over `fawang.matter.v1.MaterialService`.
struct Materials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Files handed in with a matter: upload, list, download.", subcommands: [Upload.self, List.self, Download.self])

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach a PDF, JPEG or PNG to an open matter (the type is read from the content).")
        @OptionGroup var client: ClientOptions
        @OptionGroup var handling: HandlingOptions
        @Argument var trackingNumber: String
        @Argument(help: "The file to upload.") var path: String
        @Option(name: .long, help: "What the material is, e.g. 身份证复印件 (default: the file name).") var title: String = ""
        @Option(name: .long, help: "The applicant's phone's last 4 digits, when not signed in as staff handling the matter.")
        var phoneLast4: String = ""

        func run() async throws {
            guard let content = FileManager.default.contents(atPath: path) else {
                throw CLIError(message: "cannot read \(path): check the path and that the file is readable")
            }
            let request = Fawang_Matter_V1_UploadMaterialRequest.with {
                $0.trackingNumber = trackingNumber
                $0.phoneLast4 = phoneLast4
                $0.fileName = (path as NSString).lastPathComponent
                $0.title = title
                $0.content = content
                $0.context = handling.context
            }
            let material = try await client.withClient { client in
                try await Fawang_Matter_V1_MaterialService.Client(wrapping: client).uploadMaterial(request)
            }
            try client.emit(material) { Render.material(material) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The files of a matter, in upload order.")
        @OptionGroup var client: ClientOptions
        @Argument var trackingNumber: String

        func run() async throws {
            let number = trackingNumber
            let response = try await client.withClient { client in
                try await Fawang_Matter_V1_MaterialService.Client(wrapping: client).listMaterials(.with { $0.trackingNumber = number })
            }
            try client.emit(response) {
                response.materials.isEmpty ? "（暂无材料）" : response.materials.map(Render.material).joined(separator: "\n\n")
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save one file, checked against its SHA-256.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The material id (from `fawang materials list`).") var id: String
        @Option(name: .shortAndLong, help: "Where to save it (default: its file name, in this folder).") var output: String?

        func run() async throws {
            let id = self.id
            let file = try await client.withClient { client in
                try await Fawang_Matter_V1_MaterialService.Client(wrapping: client).downloadMaterial(.with { $0.id = id })
            }
            guard MaterialFile.digest(file.content) == file.material.sha256 else {
                throw CLIError(message: "the file received does not match its SHA-256 \(file.material.sha256): download it again")
            }
            let target = output ?? file.material.fileName
            guard FileManager.default.createFile(atPath: target, contents: file.content) else {
                throw CLIError(message: "cannot write \(target): choose another path with --output")
            }
            print("已保存 \(target)（\(MaterialLimits.describe(bytes: file.content.count))，SHA-256 \(file.material.sha256)）")
        }
    }
}

extension Render {
    static func material(_ material: Fawang_Matter_V1_Material) -> String {
        var lines = [
            "材料      \(material.title)  (\(material.fileName), \(material.contentType), \(MaterialLimits.describe(bytes: Int(material.sizeBytes))))",
            "SHA-256   \(material.sha256)",
        ]
        if !material.id.isEmpty { lines.insert("编号      \(material.id)", at: 0) }
        if material.hasUploadedAt {
            lines.append("上传      \(material.uploadedAt.date.formatted(chinaTime))" + (material.uploadedBy.isEmpty ? "" : "  \(material.uploadedBy)"))
        }
        return lines.joined(separator: "\n")
    }
}
