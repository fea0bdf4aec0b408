public import SwiftProtobuf

/// Requests built from text by field path (`applicant.id_number`): the command line's flags and
/// the columns of an imported table fill a request the same way, through the descriptor.
extension ProtoSchema {
    /// Why a text does not fit a field, in Chinese, without naming where it came from (the caller
    /// prefixes its flag or column).
    public struct PathProblem: Error, Sendable {
        public let reason: String
        /// The path names no field of the message.
        public let unknownField: Bool

        init(_ reason: String, unknownField: Bool = false) {
            self.reason = reason
            self.unknownField = unknownField
        }
    }

    /// Sets `text` at `path` in `object`, proto3 JSON of `message`: nested messages as objects, a
    /// repeated message as a list (each call adds one entry), a repeated scalar as a list (each
    /// call adds one value), numbers as numbers, enum values by their name or short name.
    public func assign(_ text: String, at path: [String], in object: inout [String: Any], message: Message) throws(PathProblem) {
        guard let name = path.first, let field = message.proto.field.first(where: { $0.name == name }) else {
            throw PathProblem("\(message.fullName) 没有字段 \(path.joined(separator: "."))", unknownField: true)
        }
        let repeated = field.label == .repeated
        if field.type == .message, Self.typeName(of: field) != "google.protobuf.Timestamp" {
            guard let nested = messages[Self.typeName(of: field)] else { throw PathProblem("\(field.typeName) 不在描述中") }
            guard path.count > 1 else { throw PathProblem("是一组字段，请分别填写其中的字段") }
            if repeated {
                var element: [String: Any] = [:]
                try assign(text, at: Array(path.dropFirst()), in: &element, message: nested)
                object[name] = (object[name] as? [Any] ?? []) + [element]
            } else {
                var inner = object[name] as? [String: Any] ?? [:]
                try assign(text, at: Array(path.dropFirst()), in: &inner, message: nested)
                object[name] = inner
            }
            return
        }
        guard path.count == 1 else { throw PathProblem("\(name) 不是一组字段") }
        let value = try scalar(text, field: field)
        object[name] = repeated ? (object[name] as? [Any] ?? []) + [value] : value
    }

    /// One field's value from text.
    public func scalar(_ text: String, field: Google_Protobuf_FieldDescriptorProto) throws(PathProblem) -> Any {
        switch field.type {
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "1", "是": return true
            case "false", "no", "0", "否": return false
            default: throw PathProblem("只能是 true 或 false（是或否），而不是 \(text)")
            }
        case .int32, .sint32, .sfixed32, .int64, .sint64, .sfixed64, .uint32, .uint64, .fixed32, .fixed64:
            guard let number = Int64(text) else { throw PathProblem("应为整数，而不是 \(text)") }
            return number
        case .double, .float:
            guard let number = Double(text) else { throw PathProblem("应为数字，而不是 \(text)") }
            return number
        case .enum:
            let type = Self.typeName(of: field)
            guard let proto = enums[type] else { throw PathProblem("\(type) 不在描述中") }
            guard let name = proto.valueName(text), !name.hasSuffix("_UNSPECIFIED") else {
                throw PathProblem("的值 \(text) 无效；可选：\(proto.choices.joined(separator: "、"))")
            }
            return name
        default:
            return text
        }
    }

    /// Every field a request takes as text, by path (nested messages with dots, to three levels;
    /// a repeated message as one entry), with its comment: the command line's flags, a table's
    /// columns.
    public func leafFields(of message: Message, prefix: String = "", depth: Int = 0) -> [(path: String, field: Google_Protobuf_FieldDescriptorProto, comment: String)] {
        message.proto.field.flatMap { field -> [(path: String, field: Google_Protobuf_FieldDescriptorProto, comment: String)] in
            let path = prefix + field.name
            if field.type == .message, Self.typeName(of: field) != "google.protobuf.Timestamp" {
                guard depth < 3, let nested = messages[Self.typeName(of: field)] else { return [] }
                return leafFields(of: nested, prefix: path + ".", depth: depth + 1)
            }
            return [(path, field, message.fieldComments[field.name] ?? "")]
        }
    }
}
