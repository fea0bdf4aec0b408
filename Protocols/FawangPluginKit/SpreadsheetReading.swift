import CZlib
public import Foundation

extension Spreadsheet {
    /// Whether `data` is a zip archive (an XLSX workbook) rather than text.
    public static func isZip(_ data: Data) -> Bool { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// The first worksheet of an XLSX workbook (Office Open XML, ECMA-376) as rows of cell texts,
    /// each row as long as its last filled cell, rows without any cell left out: shared strings,
    /// inline strings and numbers (a whole number without its `.0`, as a spreadsheet shows it).
    /// Nil for anything that is not such a workbook.
    public static func rows(xlsx data: Data) -> [[String]]? {
        guard let archive = ZipReader(data) else { return nil }
        let sheetName = archive.names.contains("xl/worksheets/sheet1.xml")
            ? "xl/worksheets/sheet1.xml" : archive.names.filter { $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml") }.sorted().first
        guard let sheetName, let sheetData = archive.content(of: sheetName) else { return nil }
        let shared = archive.content(of: "xl/sharedStrings.xml").map { SheetXML.sharedStrings(String(decoding: $0, as: UTF8.self)) } ?? []
        return SheetXML.rows(String(decoding: sheetData, as: UTF8.self), shared: shared)
    }
}

/// The few elements of SpreadsheetML a worksheet's values need, read by scanning: `<si>` of the
/// shared strings, `<row>` and `<c>` with `<v>` or `<is><t>` of a sheet.
enum SheetXML {
    static func sharedStrings(_ xml: String) -> [String] {
        elements("si", in: xml).map { item in elements("t", in: item).map(unescaped).joined() }
    }

    static func rows(_ xml: String, shared: [String]) -> [[String]] {
        var rows: [[String]] = []
        for row in elements("row", in: xml) {
            var cells: [Int: String] = [:]
            var next = 0
            var cursor = row.startIndex
            while let open = row.range(of: "<c", range: cursor..<row.endIndex) {
                guard let tagEnd = row.range(of: ">", range: open.upperBound..<row.endIndex) else { break }
                let tag = String(row[open.upperBound..<tagEnd.lowerBound])
                // `<col…` or `<cfRule…` are not cells.
                guard tag.first.map({ $0 == " " || $0 == "/" }) ?? true || tag.isEmpty else {
                    cursor = tagEnd.upperBound
                    continue
                }
                let column = attribute("r", in: tag).flatMap(columnIndex) ?? next
                next = column + 1
                if tag.hasSuffix("/") {
                    cursor = tagEnd.upperBound
                    continue
                }
                guard let close = row.range(of: "</c>", range: tagEnd.upperBound..<row.endIndex) else { break }
                let body = String(row[tagEnd.upperBound..<close.lowerBound])
                cursor = close.upperBound
                let type = attribute("t", in: tag) ?? "n"
                let value = elements("v", in: body).first.map(unescaped)
                let text: String
                switch type {
                case "s": text = value.flatMap(Int.init).flatMap { shared.indices.contains($0) ? shared[$0] : nil } ?? ""
                case "inlineStr": text = elements("t", in: body).map(unescaped).joined()
                case "b": text = value == "1" ? "TRUE" : "FALSE"
                case "n": text = value.map(number) ?? ""
                default: text = value ?? ""
                }
                if !text.isEmpty { cells[column] = text }
            }
            guard let last = cells.keys.max() else { continue }
            rows.append((0...last).map { cells[$0] ?? "" })
        }
        return rows
    }

    /// A number as a spreadsheet shows it: 13951001234, not 1.3951001234E10; 600, not 600.0.
    static func number(_ value: String) -> String {
        guard let double = Double(value), double.rounded() == double, abs(double) < 1e15 else { return value }
        return String(Int64(double))
    }

    /// `AB12` → 27.
    static func columnIndex(_ reference: String) -> Int? {
        let letters = reference.prefix { $0.isASCII && $0.isLetter }.uppercased()
        guard !letters.isEmpty else { return nil }
        return letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        guard let start = tag.range(of: " \(name)=\"") else { return nil }
        guard let end = tag.range(of: "\"", range: start.upperBound..<tag.endIndex) else { return nil }
        return String(tag[start.upperBound..<end.lowerBound])
    }

    /// The contents of every `<name …>…</name>` in `xml`, in order (`<name/>` gives "").
    static func elements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var cursor = xml.startIndex
        while let open = xml.range(of: "<\(name)", range: cursor..<xml.endIndex) {
            guard let tagEnd = xml.range(of: ">", range: open.upperBound..<xml.endIndex) else { break }
            let between = xml[open.upperBound..<tagEnd.lowerBound]
            // `<t>` but not `<tr…>`: the name ends at a space, `/` or `>`.
            guard between.isEmpty || between.first == " " || between.first == "/" else {
                cursor = tagEnd.upperBound
                continue
            }
            if between.hasSuffix("/") {
                found.append("")
                cursor = tagEnd.upperBound
                continue
            }
            guard let close = xml.range(of: "</\(name)>", range: tagEnd.upperBound..<xml.endIndex) else { break }
            found.append(String(xml[tagEnd.upperBound..<close.lowerBound]))
            cursor = close.upperBound
        }
        return found
    }

    static func unescaped(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = String(rest[rest.index(after: amp)..<semi])
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let code = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let code, let scalar = Unicode.Scalar(code) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

/// The entries of a zip archive (APPNOTE 6.3.x): read through the central directory, stored or
/// deflated (raw deflate, inflated by zlib), each checked against its CRC-32. No ZIP64, no
/// encryption: an office's workbook is neither.
struct ZipReader {
    struct Entry {
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var crc: UInt32
        var localOffset: Int
    }

    let data: Data
    let entries: [String: Entry]
    var names: [String] { Array(entries.keys) }
    /// A part larger than this is refused (a workbook's sheet of 20,000 rows is a few MB).
    static let maximumPart = 64 * 1024 * 1024

    init?(_ data: Data) {
        let bytes = [UInt8](data)
        func u16(_ at: Int) -> Int { at + 2 <= bytes.count ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : 0 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        guard bytes.count >= 22 else { return nil }
        // The end of central directory record: the last signature within its comment's reach.
        var end = -1
        for at in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1) where u32(at) == 0x0605_4b50 {
            end = at
            break
        }
        guard end >= 0 else { return nil }
        let count = u16(end + 10)
        var at = u32(end + 16)
        var entries: [String: Entry] = [:]
        for _ in 0..<count {
            guard at + 46 <= bytes.count, u32(at) == 0x0201_4b50 else { return nil }
            let nameLength = u16(at + 28), extra = u16(at + 30), comment = u16(at + 32)
            guard at + 46 + nameLength <= bytes.count else { return nil }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            entries[name] = Entry(
                method: UInt16(u16(at + 10)), compressedSize: u32(at + 20), size: u32(at + 24), crc: UInt32(u32(at + 16)), localOffset: u32(at + 42))
            at += 46 + nameLength + extra + comment
        }
        self.data = data
        self.entries = entries
    }

    /// An entry's bytes, or nil if it is absent, damaged, too large or compressed otherwise.
    func content(of name: String) -> Data? {
        guard let entry = entries[name], entry.size <= Self.maximumPart else { return nil }
        let base = data.startIndex
        func u16(_ at: Int) -> Int { at + 2 <= data.count ? Int(data[base + at]) | Int(data[base + at + 1]) << 8 : 0 }
        let local = entry.localOffset
        guard local + 30 <= data.count, u16(local) | u16(local + 2) << 16 == 0x0403_4b50 else { return nil }
        let start = local + 30 + u16(local + 26) + u16(local + 28)
        guard start + entry.compressedSize <= data.count else { return nil }
        let raw = data.subdata(in: (base + start)..<(base + start + entry.compressedSize))
        let content: Data?
        switch entry.method {
        case 0: content = raw
        case 8: content = Self.inflate(raw, size: entry.size)
        default: content = nil
        }
        guard let content, content.count == entry.size, StoredZip.crc32(content) == entry.crc else { return nil }
        return content
    }

    /// Raw deflate (RFC 1951) inflated to `size` bytes.
    static func inflate(_ compressed: Data, size: Int) -> Data? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var input = [UInt8](compressed)
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else { return nil }
        return Data(output.prefix(size))
    }
}
