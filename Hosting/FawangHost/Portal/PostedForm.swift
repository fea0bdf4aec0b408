import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A form as a browser posts it: `application/x-www-form-urlencoded` fields, or
/// `multipart/form-data` fields and files (RFC 7578). A field sent more than once (a checkbox
/// group, lines) reads as its values joined by newlines.
struct PostedForm: Sendable {
    struct File: Sendable, Equatable {
        var field: String
        var fileName: String
        var content: Data
    }

    var values: [String: String] = [:]
    var files: [File] = []

    /// Bodies of forms without files.
    static let fieldsLimit = 1024 * 1024

    /// Reads the request's body, at most `maxBytes` (`fieldsLimit` for a body that is not
    /// multipart). Throws `NIOTooManyBytesError` over the limit (Hummingbird answers it 413) and `.badRequest` for a
    /// multipart body that does not parse.
    static func read(_ request: inout Request, maxBytes: Int) async throws -> PostedForm {
        let type = request.headers[.contentType] ?? ""
        guard let boundary = boundary(of: type) else {
            let body = try await request.collectBody(upTo: fieldsLimit)
            return PostedForm(values: urlEncoded(String(buffer: body)))
        }
        let body = try await request.collectBody(upTo: maxBytes)
        guard let form = multipart(Data(body.readableBytesView), boundary: boundary) else {
            throw HTTPError(.badRequest, message: "表单内容不完整，请返回上一页重新提交")
        }
        return form
    }

    static func urlEncoded(_ text: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = text.replacingOccurrences(of: "+", with: "%20")
        var values: [String: String] = [:]
        for item in components.queryItems ?? [] {
            add(item.value ?? "", to: item.name, in: &values)
        }
        return values
    }

    private static func add(_ value: String, to name: String, in values: inout [String: String]) {
        values[name] = values[name].map { $0 + "\n" + value } ?? value
    }

    /// The boundary of a `multipart/form-data` content type, or nil for any other type.
    static func boundary(of contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            let value = part.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    /// Parses a multipart body; nil when it is malformed (no closing delimiter, a part without
    /// its headers). An empty file input (no file chosen) is left out.
    static func multipart(_ body: Data, boundary: String) -> PostedForm? {
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        guard let first = body.range(of: delimiter) else { return nil }
        var form = PostedForm()
        var cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            let rest = body[cursor...]
            if rest.starts(with: Data("--".utf8)) { return form }
            guard rest.starts(with: crlf) else { return nil }
            let headerStart = cursor + 2
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: headerStart..<body.endIndex) else { return nil }
            let headers = String(decoding: body[headerStart..<headerEnd.lowerBound], as: UTF8.self)
            guard let next = body.range(of: crlf + delimiter, in: headerEnd.upperBound..<body.endIndex) else { return nil }
            let content = body[headerEnd.upperBound..<next.lowerBound]
            guard let disposition = dispositionParameters(headers), let name = disposition["name"] else { return nil }
            if let fileName = disposition["filename"] {
                if !(fileName.isEmpty && content.isEmpty) {
                    form.files.append(File(field: name, fileName: fileName, content: Data(content)))
                }
            } else {
                add(String(decoding: content, as: UTF8.self), to: name, in: &form.values)
            }
            cursor = next.upperBound
        }
    }

    /// The parameters of a part's `Content-Disposition: form-data; name="…"; filename="…"`.
    /// Browsers send names as UTF-8 with `"`, CR and LF percent-encoded (HTML's multipart rules).
    static func dispositionParameters(_ headers: String) -> [String: String]? {
        for line in headers.components(separatedBy: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            var parameters: [String: String] = [:]
            var rest = Substring(pair[1])
            // form-data first, then key=value or key="quoted value" pairs.
            guard let semicolon = rest.firstIndex(of: ";"), rest[..<semicolon].trimmingCharacters(in: .whitespaces).lowercased() == "form-data" else {
                return nil
            }
            rest = rest[rest.index(after: semicolon)...]
            while !rest.isEmpty {
                rest = rest.drop(while: { $0 == " " || $0 == ";" })
                guard let equals = rest.firstIndex(of: "=") else { break }
                let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
                rest = rest[rest.index(after: equals)...]
                let value: Substring
                if rest.first == "\"" {
                    let open = rest.index(after: rest.startIndex)
                    guard let close = rest[open...].firstIndex(of: "\"") else { return nil }
                    value = rest[open..<close]
                    rest = rest[rest.index(after: close)...]
                } else {
                    let end = rest.firstIndex(of: ";") ?? rest.endIndex
                    value = rest[..<end]
                    rest = rest[end...]
                }
                parameters[key] = value.replacingOccurrences(of: "%22", with: "\"")
                    .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
            }
            return parameters
        }
        return nil
    }
}
