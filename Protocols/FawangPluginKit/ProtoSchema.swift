import FawangProto
import Foundation
public import SwiftProtobuf

/// The contract as data: every message, enum and service of `Protocols/proto`, with the comments
/// written there, read from the descriptor set that `scripts/generate-protos.sh` commits beside
/// the generated code.
///
/// The host checks each declared RPC against it at start (the handler's request and response
/// types are the method's), the command line turns `--field value` into a request with it, and
/// `fawang rpc-reference` writes docs/rpc-reference.md from its comments.
public struct ProtoSchema: Sendable {
    public struct Message: Sendable {
        public let fullName: String
        public let proto: Google_Protobuf_DescriptorProto
        public let comment: String
        /// Comment of each field, by field name.
        public let fieldComments: [String: String]
    }

    public struct Enum: Sendable {
        public let fullName: String
        public let proto: Google_Protobuf_EnumDescriptorProto
        public let comment: String
        /// Comment of each value, by value name.
        public let valueComments: [String: String]

        /// The prefix every value shares (`CASE_CATEGORY_`), which the command line leaves out.
        public var valuePrefix: String {
            let names = proto.value.map(\.name)
            guard var prefix = names.first else { return "" }
            for name in names.dropFirst() {
                while !name.hasPrefix(prefix) { prefix.removeLast() }
            }
            if let underscore = prefix.lastIndex(of: "_") { return String(prefix[...underscore]) }
            return ""
        }

        /// A value as the command line spells it: lower case, without the shared prefix
        /// (`labour_remuneration` for `CASE_CATEGORY_LABOUR_REMUNERATION`).
        public func shortName(_ value: String) -> String {
            String(value.dropFirst(value.hasPrefix(valuePrefix) ? valuePrefix.count : 0)).lowercased()
        }

        /// The proto value name for a short or full spelling, nil if it names no value.
        public func valueName(_ text: String) -> String? {
            let upper = text.uppercased().replacingOccurrences(of: "-", with: "_")
            return proto.value.first { $0.name == upper || $0.name == valuePrefix + upper }?.name
        }

        /// The values a caller may choose (the zero value `…_UNSPECIFIED` left out).
        public var choices: [String] {
            proto.value.filter { !$0.name.hasSuffix("_UNSPECIFIED") }.map { shortName($0.name) }
        }
    }

    public struct Method: Sendable {
        public let service: String
        public let proto: Google_Protobuf_MethodDescriptorProto
        public let comment: String
        public var inputType: String { String(proto.inputType.drop { $0 == "." }) }
        public var outputType: String { String(proto.outputType.drop { $0 == "." }) }
    }

    public struct Service: Sendable {
        public let fullName: String
        public let file: String
        public let comment: String
        public let methods: [Method]
    }

    public private(set) var messages: [String: Message] = [:]
    public private(set) var enums: [String: Enum] = [:]
    public private(set) var services: [Service] = []

    /// The schema of this build's contract.
    public static let current: ProtoSchema = {
        do {
            return ProtoSchema(try Google_Protobuf_FileDescriptorSet(serializedBytes: FawangDescriptorSet.bytes))
        } catch {
            fatalError("the committed descriptor set does not parse (\(error)): run scripts/generate-protos.sh")
        }
    }()

    public init(_ set: Google_Protobuf_FileDescriptorSet) {
        for file in set.file {
            let comments = Dictionary(
                file.sourceCodeInfo.location.map { ($0.path, Self.comment($0)) }, uniquingKeysWith: { first, _ in first })
            let package = file.package.isEmpty ? "" : file.package + "."
            // Paths: 4 = message_type, 5 = enum_type, 6 = service; inside a message 2 = field,
            // 3 = nested_type, 4 = enum_type; inside an enum 2 = value; inside a service 2 = method.
            func addEnum(_ proto: Google_Protobuf_EnumDescriptorProto, prefix: String, path: [Int32]) {
                var values: [String: String] = [:]
                for (index, value) in proto.value.enumerated() { values[value.name] = comments[path + [2, Int32(index)]] ?? "" }
                enums[prefix + proto.name] = Enum(
                    fullName: prefix + proto.name, proto: proto, comment: comments[path] ?? "", valueComments: values)
            }
            func addMessage(_ proto: Google_Protobuf_DescriptorProto, prefix: String, path: [Int32]) {
                let name = prefix + proto.name
                var fields: [String: String] = [:]
                for (index, field) in proto.field.enumerated() { fields[field.name] = comments[path + [2, Int32(index)]] ?? "" }
                messages[name] = Message(fullName: name, proto: proto, comment: comments[path] ?? "", fieldComments: fields)
                for (index, nested) in proto.nestedType.enumerated() { addMessage(nested, prefix: name + ".", path: path + [3, Int32(index)]) }
                for (index, nested) in proto.enumType.enumerated() { addEnum(nested, prefix: name + ".", path: path + [4, Int32(index)]) }
            }
            for (index, message) in file.messageType.enumerated() { addMessage(message, prefix: package, path: [4, Int32(index)]) }
            for (index, proto) in file.enumType.enumerated() { addEnum(proto, prefix: package, path: [5, Int32(index)]) }
            for (index, service) in file.service.enumerated() {
                let path: [Int32] = [6, Int32(index)]
                let methods = service.method.enumerated().map { methodIndex, method in
                    Method(service: package + service.name, proto: method, comment: comments[path + [2, Int32(methodIndex)]] ?? "")
                }
                services.append(Service(fullName: package + service.name, file: file.name, comment: comments[path] ?? "", methods: methods))
            }
        }
    }

    public func service(_ fullName: String) -> Service? { services.first { $0.fullName == fullName } }

    public func method(_ fullyQualifiedMethod: String) -> Method? {
        guard let slash = fullyQualifiedMethod.lastIndex(of: "/") else { return nil }
        let name = fullyQualifiedMethod[fullyQualifiedMethod.index(after: slash)...]
        return service(String(fullyQualifiedMethod[..<slash]))?.methods.first { $0.proto.name == name }
    }

    /// The type a field refers to (message or enum), without the leading dot.
    public static func typeName(of field: Google_Protobuf_FieldDescriptorProto) -> String {
        String(field.typeName.drop { $0 == "." })
    }

    private static func comment(_ location: Google_Protobuf_SourceCodeInfo.Location) -> String {
        let text = location.hasLeadingComments ? location.leadingComments : location.trailingComments
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }
}
