import ArgumentParser
import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `fawang <line> <verb> [tracking-number] [--field value …]`: any step a plugin declares in its
/// RPC table (the bare argument fills the row's `argument` field, the tracking number unless it
/// says otherwise),
/// with flags read from the request message's fields (``ProtoSchema``). A new
/// business line adds no file here.
///
/// - `--a.b value` sets a nested field; a repeated field takes the flag once per value; a bool
///   field takes a bare flag; enum values are spelled as they print (`labour_remuneration`).
/// - `--file request.json` starts from a request in proto3 JSON; flags then override its fields.
/// - `context` is filled from `--operator` (the server decides the channel from the account),
///   `request_id` with a new UUID, unless given.
/// - `--json` prints the response as JSON; otherwise a clerk's text.
struct LineCommand {
    let plugin: any DepartmentPlugin
    var line: String { plugin.manifest.id }

    /// The plugin whose line `arguments` start with (after any global options), if any.
    static func plugin(for arguments: [String]) -> (any DepartmentPlugin)? {
        guard let first = arguments.first(where: { !$0.hasPrefix("-") }) else { return nil }
        return PluginCatalog.all.first { $0.manifest.id == first }
    }

    /// Lines for `fawang --help`: each line's id and name (its verbs: `fawang <line> --help`).
    static var overview: String {
        PluginCatalog.all.map { plugin in
            "  \(plugin.manifest.id.padding(toLength: 20, withPad: " ", startingAt: 0))\(plugin.manifest.nameZH)（\(plugin.rpcs.compactMap(\.verb).count)项操作）"
        }.joined(separator: "\n")
    }

    func run(_ arguments: [String]) async throws {
        var words = ArgumentWords(arguments)
        let client = ClientOptions(server: words.take("--server") ?? ClientOptions.defaultServer, json: words.takeFlag("--json"))
        let wantsHelp = words.takeFlag("--help") || words.takeFlag("-h")
        let output = words.take("--output")
        _ = words.positional() // the line
        let verbs = plugin.rpcs.filter { $0.verb != nil }
        guard let verb = words.positional() else {
            print(usage(verbs))
            if !wantsHelp { throw ExitCode(64) }
            return
        }
        guard let rpc = verbs.first(where: { $0.verb == verb }) else {
            throw ValidationError("「\(plugin.manifest.nameZH)」没有 \(verb) 这一操作；可用的操作：\(verbs.compactMap(\.verb).joined(separator: "、"))（fawang \(line) --help）")
        }
        guard let method = ProtoSchema.current.method(rpc.fullyQualifiedMethod),
              let input = ProtoSchema.current.messages[method.inputType] else {
            throw ValidationError("\(rpc.fullyQualifiedMethod) is not in the contract's descriptor set: rebuild fawang")
        }
        if wantsHelp {
            print(help(rpc, input: input))
            return
        }
        // A booking's application in --file JSON.
        Intakes.registerJSONTypes(of: PluginCatalog.all)
        let request = try RequestBuilder(schema: .current, rpc: rpc, input: input).build(&words)
        let response = try await client.withClient { grpc in
            try await rpc.invoker.call(grpc, descriptor: rpc.descriptor, request: request)
        }
        // A downloaded file (an export, a bulletin) saved as it is.
        if let output, let file = response as? Fawang_Supervision_V1_ExportedFile, !client.json {
            try file.content.write(to: URL(fileURLWithPath: output))
            print("已保存 \(file.fileName)（\(file.content.count) 字节）到 \(output)")
            return
        }
        try client.emit(response) { Render.response(response) }
    }

    private func usage(_ verbs: [RPCInfo]) -> String {
        let width = verbs.compactMap(\.verb).map(\.count).max() ?? 0
        return (["\(plugin.manifest.nameZH)（\(plugin.manifest.id)）的操作：fawang \(line) <操作> [受理编号] [--字段 值 …]", ""]
            + verbs.map { "  \($0.verb!.padding(toLength: width + 2, withPad: " ", startingAt: 0))\($0.help)" }
            + ["", "每个操作的字段：fawang \(line) <操作> --help；通用选项 --server 主机:端口、--json、--file 请求.json、--operator、--output 文件（下载的文件存为该文件）"])
            .joined(separator: "\n")
    }

    private func help(_ rpc: RPCInfo, input: ProtoSchema.Message) -> String {
        var lines = ["fawang \(line) \(rpc.verb!)：\(rpc.help)", "  (\(rpc.fullyQualifiedMethod)，\(input.fullName))", ""]
        for (flag, field) in RequestBuilder.flags(of: input, schema: .current) {
            lines.append("  --\(flag)  \(field)")
        }
        if !rpc.defaults.isEmpty {
            lines.append("  默认：" + rpc.defaults.sorted { $0.key < $1.key }.map { "--\($0.key.replacingOccurrences(of: "_", with: "-")) \($0.value)" }.joined(separator: "，"))
        }
        if !rpc.aliases.isEmpty {
            lines.append("")
            lines.append("  简写：" + rpc.aliases.sorted { $0.key < $1.key }.map { "--\($0.key) = --\($0.value.replacingOccurrences(of: "_", with: "-"))" }.joined(separator: "，"))
        }
        return lines.joined(separator: "\n")
    }
}

/// The words after `fawang`, consumed as options and positionals are read.
struct ArgumentWords {
    private(set) var words: [String]

    init(_ words: [String]) { self.words = words }

    /// Removes `--name value` (or `--name=value`) wherever it stands and returns the value.
    mutating func take(_ name: String) -> String? {
        for (index, word) in words.enumerated() {
            if word.hasPrefix(name + "=") {
                words.remove(at: index)
                return String(word.dropFirst(name.count + 1))
            }
            if word == name, index + 1 < words.count {
                let value = words[index + 1]
                words.removeSubrange(index...(index + 1))
                return value
            }
        }
        return nil
    }

    mutating func takeFlag(_ name: String) -> Bool {
        guard let index = words.firstIndex(of: name) else { return false }
        words.remove(at: index)
        return true
    }

    /// The first word that is no option (nor an option's value).
    mutating func positional() -> String? {
        var index = 0
        while index < words.count {
            if words[index].hasPrefix("--") {
                index += words[index].contains("=") || index + 1 >= words.count || words[index + 1].hasPrefix("--") ? 1 : 2
                continue
            }
            return words.remove(at: index)
        }
        return nil
    }

    /// The remaining `--name value` pairs in order; a bare `--name` reads as `true`.
    mutating func options() throws -> [(name: String, value: String)] {
        var pairs: [(String, String)] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            guard word.hasPrefix("--") else {
                throw ValidationError("多余的参数 \(word)：受理编号之外的值都要写在 --字段 之后")
            }
            if let equals = word.firstIndex(of: "=") {
                pairs.append((String(word[word.index(word.startIndex, offsetBy: 2)..<equals]), String(word[word.index(after: equals)...])))
                index += 1
            } else if index + 1 < words.count, !words[index + 1].hasPrefix("--") {
                pairs.append((String(word.dropFirst(2)), words[index + 1]))
                index += 2
            } else {
                pairs.append((String(word.dropFirst(2)), "true"))
                index += 1
            }
        }
        words = []
        return pairs
    }
}

/// Turns the command line into a request message through its descriptor.
struct RequestBuilder {
    let schema: ProtoSchema
    let rpc: RPCInfo
    let input: ProtoSchema.Message

    typealias Field = Google_Protobuf_FieldDescriptorProto

    func build(_ words: inout ArgumentWords) throws -> any SwiftProtobuf.Message {
        var json: [String: Any] = [:]
        if let file = words.take("--file") {
            guard let data = FileManager.default.contents(atPath: file),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ValidationError("--file \(file)：无法读取，或不是一个 JSON 对象（\(input.fullName) 的 proto3 JSON）")
            }
            json = object
        }
        if words.take("--channel") != nil { throw ValidationError(HandlingOptions.channelRefusal) }
        let operatorID = words.take("--operator") ?? ProcessInfo.processInfo.environment["FAWANG_OPERATOR"]
        let fields = input.proto.field
        if let positional = words.positional() {
            guard fields.contains(where: { $0.name == rpc.argument }) else {
                throw ValidationError("fawang \(rpc.verb ?? "") 不带参数；多余的参数 \(positional)")
            }
            json[rpc.argument] = positional
        }
        var given: Set<String> = []
        for (flag, value) in try words.options() {
            let path = rpc.aliases[flag] ?? rpc.aliases[flag.replacingOccurrences(of: "-", with: "_")]
                ?? flag.replacingOccurrences(of: "-", with: "_")
            given.insert(path)
            try set(value, at: path.split(separator: ".").map(String.init), in: &json, message: input, flag: flag)
        }
        for (path, value) in rpc.defaults.sorted(by: { $0.key < $1.key }) where !given.contains(path) && json[path] == nil {
            try set(value, at: path.split(separator: ".").map(String.init), in: &json, message: input, flag: path)
        }
        if let context = fields.first(where: { $0.name == "context" && ProtoSchema.typeName(of: $0) == "fawang.matter.v1.ChannelContext" }),
           json[context.jsonName] == nil && json[context.name] == nil {
            var value: [String: Any] = [:]
            if let operatorID, !operatorID.isEmpty { value["operator_id"] = operatorID }
            json["context"] = value
        }
        if fields.contains(where: { $0.name == "request_id" }), (json["request_id"] as? String ?? json["requestId"] as? String ?? "").isEmpty {
            json["request_id"] = UUID().uuidString.lowercased()
        }
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        do {
            return try Self.decode(rpc.input, from: String(decoding: data, as: UTF8.self))
        } catch {
            throw ValidationError("请求无法组成 \(input.fullName)：\(error)")
        }
    }

    private static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from json: String) throws -> M {
        try M(jsonString: json)
    }

    private func set(_ text: String, at path: [String], in object: inout [String: Any], message: ProtoSchema.Message, flag: String) throws {
        do {
            try schema.assign(text, at: path, in: &object, message: message)
        } catch let problem where problem.unknownField {
            let known = Self.flags(of: input, schema: schema).map { "--\($0.flag)" }
            throw ValidationError("未知的选项 --\(flag)；fawang \(rpc.verb ?? "") 可用：\(known.joined(separator: " "))")
        } catch {
            throw ValidationError("--\(flag) \(error.reason)（fawang \(rpc.verb ?? "") --help；一组字段也可以用 --file）")
        }
    }

    /// Every flag a request message takes (nested fields with dots), with what it is.
    static func flags(of message: ProtoSchema.Message, schema: ProtoSchema) -> [(flag: String, field: String)] {
        schema.leafFields(of: message).map { path, field, comment in
            let flag = path.replacingOccurrences(of: "_", with: "-")
            let many = field.label == .repeated ? "（可重复）" : ""
            switch field.type {
            case .enum:
                let choices = schema.enums[ProtoSchema.typeName(of: field)]?.choices.joined(separator: "|") ?? ""
                return (flag, "\(choices)\(many) \(comment)")
            case .bool:
                return (flag, "（开关）\(comment)")
            default:
                return (flag, "\(many)\(comment)")
            }
        }
    }
}
