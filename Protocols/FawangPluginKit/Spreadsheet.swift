public import Foundation

/// A table for download: CSV (UTF-8 with a byte-order mark, which Excel needs to read Chinese)
/// or XLSX (Office Open XML, the smallest workbook Excel, WPS and LibreOffice open: one sheet,
/// inline strings, numbers as numbers, in a stored zip). For statistics, questionnaire answers,
/// import reports.
public struct Spreadsheet: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
        case empty
    }

    public var header: [String]
    public var rows: [[Cell]]

    public init(header: [String], rows: [[Cell]]) {
        self.header = header
        self.rows = rows
    }

    public static let csvType = "text/csv; charset=utf-8"
    public static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    // MARK: CSV

    /// RFC 4180: fields with a comma, quote or line break quoted, quotes doubled; CRLF lines.
    public func csv() -> Data {
        var text = "\u{FEFF}"
        for line in [header.map(Cell.text)] + rows {
            text += line.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return Data(text.utf8)
    }

    private static func csvField(_ cell: Cell) -> String {
        switch cell {
        case .empty: return ""
        case .number(let value): return number(value)
        case .text(var text):
            // A leading = + - @ would be run as a formula by a spreadsheet (CSV injection).
            if let first = text.first, "=+-@".contains(first) { text = "'" + text }
            guard text.contains(where: { ",\"\r\n".contains($0) }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// Whole numbers without a decimal point; others to 2 places.
    public static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }

    /// The rows of a CSV file (RFC 4180: quoted fields with doubled quotes and line breaks; CRLF
    /// or LF; a UTF-8 byte-order mark ignored); nil when it is not UTF-8 text or a quote is left
    /// open.
    public static func rows(csv data: Data) -> [[String]]? {
        guard var text = String(data: data, encoding: .utf8) else { return nil }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, atFieldStart = true
        var characters = text.makeIterator()
        var pending: Character?
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case ",":
                row.append(field)
                (field, atFieldStart) = ("", true)
            case "\n", "\r\n", "\r":
                row.append(field)
                rows.append(row)
                (row, field, atFieldStart) = ([], "", true)
            default:
                field.append(character)
                atFieldStart = false
            }
        }
        guard !quoted else { return nil }
        if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
        return rows
    }

    // MARK: XLSX

    public func xlsx(sheetName: String = "Sheet1") -> Data {
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let package = "http://schemas.openxmlformats.org/package/2006/relationships"
        let head = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
        var sheet = head + #"<worksheet xmlns="\#(main)"><sheetData>"#
        for (index, line) in ([header.map(Cell.text)] + rows).enumerated() {
            sheet += #"<row r="\#(index + 1)">"#
            for (column, cell) in line.enumerated() {
                let reference = Self.columnName(column) + String(index + 1)
                switch cell {
                case .empty: continue
                case .number(let value): sheet += #"<c r="\#(reference)"><v>\#(Self.number(value))</v></c>"#
                case .text(let text): sheet += #"<c r="\#(reference)" t="inlineStr"><is><t xml:space="preserve">\#(Self.escaped(text))</t></is></c>"#
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        let parts: [(String, String)] = [
            ("[Content_Types].xml", head + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", head + #"<Relationships xmlns="\#(package)"><Relationship Id="rId1" Type="\#(relations)/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", head + #"<workbook xmlns="\#(main)" xmlns:r="\#(relations)"><sheets><sheet name="\#(Self.escaped(String(sheetName.prefix(31))))" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", head + #"<Relationships xmlns="\#(package)"><Relationship Id="rId1" Type="\#(relations)/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        return StoredZip.archive(parts.map { ($0.0, Data($0.1.utf8)) })
    }

    /// A, B, … Z, AA, AB, …
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            index = (index - 1) / 26
        }
        return name
    }

    /// Text made safe inside XML — and HTML — text and attribute values (`&`, `<`, `>`, `"`), the
    /// control characters XML 1.0 has no place for left out.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // XML 1.0 has no other control characters than tab, line feed and carriage return.
            case _ where scalar.value < 0x20 && ![0x09, 0x0A, 0x0D].contains(scalar.value): continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A zip archive of stored (uncompressed) entries with UTF-8 names (APPNOTE 6.3.x, §4.3–4.4).
enum StoredZip {
    static func archive(_ files: [(name: String, content: Data)]) -> Data {
        var out = Data(), directory = Data()
        for (name, content) in files {
            let nameBytes = Data(name.utf8), crc = crc32(content), offset = UInt32(out.count)
            // Local file header: version 2.0, flag bit 11 (UTF-8 name), stored, 1980-01-01 00:00.
            out += le32(0x0403_4b50) + le16(20) + le16(0x0800) + le16(0) + le16(0) + le16(0x21)
            out += le32(crc) + le32(UInt32(content.count)) + le32(UInt32(content.count)) + le16(UInt16(nameBytes.count)) + le16(0)
            out += nameBytes + content
            directory += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0x0800) + le16(0) + le16(0) + le16(0x21)
            directory += le32(crc) + le32(UInt32(content.count)) + le32(UInt32(content.count)) + le16(UInt16(nameBytes.count))
            directory += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
        }
        let start = UInt32(out.count)
        out += directory
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(files.count)) + le16(UInt16(files.count))
        out += le32(UInt32(directory.count)) + le32(start) + le16(0)
        return out
    }

    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func le16(_ value: UInt16) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
    private static func le32(_ value: UInt32) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
}
