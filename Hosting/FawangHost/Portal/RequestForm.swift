import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// An RPC's web form, built from its request message (``ProtoSchema``) and the labels its plugin
/// declares (`RPC(…, labels:)`): nothing about a line's fields is written in the portal. The
/// fields in `filled` are the portal's to set (the request id and channel context of a public
/// intake; the tracking number of a step on a matter).
struct RequestForm: Sendable {
    struct Field: Sendable {
        enum Kind: Sendable { case text, longText, number, choice, choices, lines, checkbox }
        /// The request field's path, also the input's name: `applicant.id_number`.
        let path: String
        let label: String
        let kind: Kind
        /// (enum value name, Chinese text) for a choice.
        let options: [(value: String, label: String)]
    }

    struct Section: Sendable {
        /// The nested message's label, nil for the request's own fields.
        let legend: String?
        let fields: [Field]
    }

    let module: String
    let verb: String
    let title: String
    let method: String
    let sections: [Section]
    /// Fields without a Chinese label: the form is not offered until the plugin declares them.
    let unlabelled: [String]
    /// Repeated message fields (`respondents`): the form takes one entry, sent as a one-item list.
    let repeatedMessages: Set<String>

    var isComplete: Bool { unlabelled.isEmpty }

    /// What the portal fills in on a public intake, and on a step taken on a matter.
    static let intakeFields: Set<String> = ["request_id", "context"]
    static let stepFields: Set<String> = ["tracking_number", "context"]

    init(module: String, rpc: RPCInfo, filled: Set<String> = intakeFields, schema: ProtoSchema = .current) {
        self.module = module
        self.verb = rpc.verb ?? rpc.descriptor.method
        self.title = rpc.title
        self.method = rpc.fullyQualifiedMethod
        var unlabelled: [String] = []
        // In the request's field order: a nested message is a section with its legend, the
        // request's own fields between them an unlabelled one.
        var sections: [Section] = []
        var own: [Field] = []
        var repeatedMessages: Set<String> = []
        func closeOwn() {
            if !own.isEmpty { sections.append(Section(legend: nil, fields: own)) }
            own = []
        }
        let message = schema.method(rpc.fullyQualifiedMethod).flatMap { schema.messages[$0.inputType] }
        for field in message?.proto.field ?? [] where !filled.contains(field.name) {
            if field.type == .message, let nested = schema.messages[ProtoSchema.typeName(of: field)], !nested.proto.options.mapEntry {
                if field.label == .repeated { repeatedMessages.insert(field.name) }
                guard let legend = FormLabels.label(field.name, in: rpc.labels) else {
                    unlabelled.append(field.name)
                    continue
                }
                closeOwn()
                sections += Self.sections(of: nested, path: field.name, legend: legend, labels: rpc.labels, schema: schema, unlabelled: &unlabelled)
            } else if let built = Self.field(field, path: field.name, labels: rpc.labels, schema: schema, unlabelled: &unlabelled) {
                own.append(built)
            }
        }
        closeOwn()
        self.sections = sections
        self.unlabelled = unlabelled
        self.repeatedMessages = repeatedMessages
    }

    /// A nested message's section, then one per message inside it (an entruster's contact person),
    /// each under its own legend; their inputs are named by the full path (`entruster.contact.name`).
    private static func sections(
        of message: ProtoSchema.Message, path: String, legend: String, labels: [String: String], schema: ProtoSchema,
        unlabelled: inout [String]
    ) -> [Section] {
        var fields: [Field] = []
        var inner: [Section] = []
        for field in message.proto.field {
            let fieldPath = "\(path).\(field.name)"
            if field.type == .message, field.label != .repeated, let nested = schema.messages[ProtoSchema.typeName(of: field)],
                !nested.proto.options.mapEntry
            {
                if labels[fieldPath] == "" || labels[field.name] == "" { continue }
                guard let innerLegend = FormLabels.label(fieldPath, in: labels) else {
                    unlabelled.append(fieldPath)
                    continue
                }
                inner += sections(of: nested, path: fieldPath, legend: innerLegend, labels: labels, schema: schema, unlabelled: &unlabelled)
            } else if let built = Self.field(field, path: fieldPath, labels: labels, schema: schema, unlabelled: &unlabelled) {
                fields.append(built)
            }
        }
        return [Section(legend: legend, fields: fields)] + inner
    }

    private static func field(
        _ field: Google_Protobuf_FieldDescriptorProto, path: String, labels: [String: String], schema: ProtoSchema, unlabelled: inout [String]
    ) -> Field? {
        // An empty label keeps a field off the web form (one the staff fill in, e.g. an answer).
        if labels[path] == "" || labels[field.name] == "" { return nil }
        guard let label = FormLabels.label(path, in: labels) else {
            unlabelled.append(path)
            return nil
        }
        let repeated = field.label == .repeated
        switch field.type {
        case .enum:
            let values = schema.enums[ProtoSchema.typeName(of: field)]?.proto.value ?? []
            // A value without a label is not offered online (e.g. a court's notified defence).
            let options = values.compactMap { value in labels[value.name].map { (value: value.name, label: $0) } }
            // Several at once (the exam's disqualifications): a group of checkboxes.
            return Field(path: path, label: label, kind: repeated ? .choices : .choice, options: options)
        case .string where repeated:
            return Field(path: path, label: label, kind: .lines, options: [])
        case .string:
            let long = ["summary", "description", "facts", "question", "reasons", "case_summary"].contains { path.hasSuffix($0) }
            return Field(path: path, label: label, kind: long ? .longText : .text, options: [])
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64:
            return Field(path: path, label: label, kind: .number, options: [])
        case .bool:
            return Field(path: path, label: label, kind: .checkbox, options: [])
        default:
            unlabelled.append(path)
            return nil
        }
    }

    /// The request as proto3 JSON from the submitted form: each field by its path, numbers as
    /// numbers, lines as a list, empty inputs left out, plus the `fixed` fields the portal sets.
    /// A number that is not one is named.
    func json(from values: [String: String], fixed: [String: Any]) -> (json: [String: Any], problems: [String: String]) {
        var root = fixed
        var problems: [String: String] = [:]
        for section in sections {
            for field in section.fields {
                let raw = values[field.path]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                let value: Any
                switch field.kind {
                case .checkbox:
                    guard raw == "on" || raw == "true" else { continue }
                    value = true
                case _ where raw.isEmpty:
                    continue
                case .number:
                    guard let number = Int(raw) else {
                        problems[field.path] = "请填写整数"
                        continue
                    }
                    value = number
                case .lines, .choices:
                    // Lines typed one per line; ticked boxes arrive as the field sent once per box.
                    value = raw.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                default:
                    value = raw
                }
                Self.set(&root, path: field.path.split(separator: ".").map(String.init), value)
            }
        }
        for name in repeatedMessages {
            if let entry = root[name] as? [String: Any] { root[name] = [entry] }
        }
        return (root, problems)
    }

    private static func set(_ object: inout [String: Any], path: [String], _ value: Any) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var child = object[first] as? [String: Any] ?? [:]
        set(&child, path: Array(path.dropFirst()), value)
        object[first] = child
    }
}
