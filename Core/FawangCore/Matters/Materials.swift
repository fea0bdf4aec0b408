import Crypto
public import Foundation

/// The file types a matter accepts as materials, recognised by their content.
public enum MaterialType: String, Sendable, Codable, CaseIterable {
    case pdf, jpeg, png

    public var contentType: String {
        switch self {
        case .pdf: "application/pdf"
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }

    /// The extension a stored file name gets.
    public var fileExtension: String {
        switch self {
        case .pdf: "pdf"
        case .jpeg: "jpg"
        case .png: "png"
        }
    }

    /// Extensions that already name this type (kept as the uploader wrote them).
    var knownExtensions: Set<String> {
        switch self {
        case .pdf: ["pdf"]
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .png: ["png"]
        }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The type the bytes are, from their signature; nil for anything else. A renamed text or
    /// Word file stays nil whatever its name says.
    public static func sniff(_ content: Data) -> MaterialType? {
        let head = [UInt8](content.prefix(8))
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: pngSignature) { return .png }
        return nil
    }

    /// Whether the file ends as its format requires: an upload cut off on a weak phone connection
    /// has the right signature but no end. PDF: `%%EOF` in its last kilobyte (ISO 32000-1 §7.5.5);
    /// PNG: the `IEND` chunk last (ISO/IEC 15948 §5.6); JPEG: the EOI marker `FFD9` (ITU-T T.81
    /// B.2.1), allowing the trailers some cameras append after it.
    public func isComplete(_ content: Data) -> Bool {
        switch self {
        case .pdf:
            return content.suffix(1024).range(of: Data("%%EOF".utf8)) != nil
        case .png:
            let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
            return content.count >= 8 + iend.count && [UInt8](content.suffix(iend.count)) == iend
        case .jpeg:
            return content.count > 4 && content.dropFirst(2).range(of: Data([0xFF, 0xD9])) != nil
        }
    }
}

/// How many materials a matter takes and how large each may be (`materials.*` in the config).
public struct MaterialLimits: Sendable, Equatable {
    public var maxBytes: Int
    public var maxPerMatter: Int

    public init(maxBytes: Int = 10 * 1024 * 1024, maxPerMatter: Int = 50) {
        self.maxBytes = maxBytes
        self.maxPerMatter = maxPerMatter
    }

    /// "10 MB", "512 KB": sizes as the public reads them.
    public static func describe(bytes: Int) -> String {
        if bytes >= 1024 * 1024 {
            let mb = Double(bytes) / (1024 * 1024)
            return mb == mb.rounded() ? "\(Int(mb)) MB" : String(format: "%.1f MB", mb)
        }
        return "\(max(1, (bytes + 1023) / 1024)) KB"
    }
}

/// An uploaded file after its checks: type from content, hash, and the name it is stored under.
public struct MaterialFile: Sendable, Equatable {
    public var title: String
    public var fileName: String
    public var type: MaterialType
    public var content: Data
    /// Lower-case hex SHA-256 of `content`.
    public var sha256: String

    /// Checks an upload: a file name, content within the size limit, of an accepted type and
    /// complete. Every problem goes into `check` under the request's field names.
    public static func validate(
        fileName: String, title: String, content: Data, limits: MaterialLimits, into check: inout FieldValidator
    ) -> MaterialFile? {
        let name = storableName(fileName)
        if name.isEmpty {
            check.fail("file_name", "请填写文件名")
        } else if name.count > 120 {
            check.fail("file_name", "文件名不能超过120字，请改短后重新上传")
        }
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        check.require(title.count <= 100, "title", "材料名称不能超过100字")
        check.require(!title.contains(where: \.isNewline), "title", "材料名称不能换行")
        guard !content.isEmpty else {
            check.fail("content", "文件是空的，请重新选择文件")
            return nil
        }
        guard content.count <= limits.maxBytes else {
            check.fail(
                "content",
                "文件大小为\(MaterialLimits.describe(bytes: content.count))，超过上限\(MaterialLimits.describe(bytes: limits.maxBytes))；请压缩或分成几个文件上传")
            return nil
        }
        guard let type = MaterialType.sniff(content) else {
            check.fail("content", "只能上传PDF、JPG或PNG文件；该文件的内容不是其中任何一种（只改文件名后缀无效），请另存为PDF或拍照上传")
            return nil
        }
        guard type.isComplete(content) else {
            check.fail("content", "文件不完整（可能上传时中断或文件已损坏），请重新选择文件上传")
            return nil
        }
        guard !name.isEmpty, name.count <= 120 else { return nil }
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension.lowercased()
        let stored = type.knownExtensions.contains(ext) ? name : "\(stem.isEmpty ? name : stem).\(type.fileExtension)"
        return MaterialFile(
            title: title.isEmpty ? (stem.isEmpty ? name : stem) : title, fileName: stored, type: type, content: content,
            sha256: digest(content))
    }

    /// Lower-case hex SHA-256.
    public static func digest(_ content: Data) -> String {
        RequestDigest.hex(SHA256.hash(data: content))
    }

    /// The last path component without control characters: browsers and phones send a bare
    /// name, older ones a whole path (`C:\Users\…\scan.pdf`).
    static func storableName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(String.UnicodeScalarView(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
        return clean.trimmingCharacters(in: .whitespaces)
    }
}

/// A stored material, without its content.
public struct StoredMaterial: Sendable, Equatable {
    public var id: String
    public var matterID: String
    public var trackingNumber: String
    public var title: String
    public var fileName: String
    public var type: MaterialType
    public var sizeBytes: Int
    public var sha256: String
    public var uploadedAt: Date
    public var uploadedBy: String
    public var channel: Channel
    public var eventSequence: Int

    public init(
        id: String, matterID: String, trackingNumber: String, title: String, fileName: String, type: MaterialType, sizeBytes: Int,
        sha256: String, uploadedAt: Date, uploadedBy: String, channel: Channel, eventSequence: Int
    ) {
        self.id = id
        self.matterID = matterID
        self.trackingNumber = trackingNumber
        self.title = title
        self.fileName = fileName
        self.type = type
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.uploadedAt = uploadedAt
        self.uploadedBy = uploadedBy
        self.channel = channel
        self.eventSequence = eventSequence
    }
}

/// A material to store with a ``MatterChange``: the file and the id its timeline event names.
public struct NewMaterial: Sendable, Equatable {
    public var id: String
    public var file: MaterialFile
    public var uploadedBy: String
    public var channel: Channel

    public init(id: String = UUID().uuidString.lowercased(), file: MaterialFile, uploadedBy: String, channel: Channel) {
        self.id = id
        self.file = file
        self.uploadedBy = uploadedBy
        self.channel = channel
    }

    /// The timeline event that records the upload; the store links the material to it.
    public var event: MatterEventDraft {
        MatterEventDraft(
            kind: PlatformEvent.materialUploaded, actor: uploadedBy, channel: channel, note: file.title,
            attributes: [
                "material_id": id, "file_name": file.fileName, "sha256": file.sha256, "size_bytes": "\(file.content.count)",
                "content_type": file.type.contentType,
            ])
    }
}
