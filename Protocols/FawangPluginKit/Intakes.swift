public import FawangCore
public import Foundation
public import SwiftProtobuf
import Synchronization

/// Every line's public intakes, callable in-process by their request type: how a module that
/// serves across lines (appointments) files a line's application for its caller, with that line's
/// own validation and rules, and its own writes in the same transaction
/// (``MatterSteps/companion``). The host fills it once every plugin's services exist; only
/// intakes open to anyone are listed, so calling one grants nothing its caller could not do.
public final class Intakes: Sendable {
    public struct Entry: Sendable {
        /// The module whose intake it is.
        public let module: String
        /// `package.Service/Method`.
        public let method: String
        /// Its command-line verb (`submit`).
        public let verb: String?
        /// Its online form's Chinese labels (``RPCInfo/labels``).
        public let labels: [String: String]
        public let input: any SwiftProtobuf.Message.Type
        let call: DirectCall
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// Lets proto3 JSON carry a packed intake request (`{"@type": "type.googleapis.com/…", …}`):
    /// the gateway's and the command line's `--file` JSON of a booking's application.
    public static func registerJSONTypes(of plugins: [any DepartmentPlugin]) {
        for plugin in plugins {
            for rpc in plugin.rpcs where rpc.isPublicIntake { Google_Protobuf_Any.register(messageType: rpc.input) }
        }
    }

    /// Lists `module`'s public intakes that `service` serves.
    public func add(module: String, rpcs: [RPCInfo], service: any DirectlyCallable) {
        entries.withLock { entries in
            for rpc in rpcs where rpc.isPublicIntake && rpc.policy == .anyone {
                guard let call = service.directCall(rpc.fullyQualifiedMethod) else { continue }
                entries[rpc.input.protoMessageName] = Entry(module: module, method: rpc.fullyQualifiedMethod, verb: rpc.verb, labels: rpc.labels, input: rpc.input, call: call)
            }
        }
    }

    /// The intake taking `messageName` (e.g. `fawang.legalaid.v1.SubmitApplicationRequest`).
    public func entry(forRequest messageName: String) -> Entry? {
        entries.withLock { $0[messageName] }
    }

    public var all: [Entry] {
        entries.withLock { Array($0.values) }.sorted { $0.method < $1.method }
    }

    /// Files `application` (a packed intake request) in the caller's task, with `companion`
    /// written in the new matter's transaction. `module`, when given, is the line it must be
    /// for. Field errors name their field under `field` (`application.applicant.phone`).
    public func file(
        _ application: Google_Protobuf_Any, field: String, module: String? = nil, companion: CompanionWrite
    ) async throws -> (entry: Entry, response: any SwiftProtobuf.Message) {
        let name = String(application.typeURL.split(separator: "/").last ?? "")
        let offered = all.filter { module == nil || $0.module == module }
        guard let entry = entry(forRequest: name), offered.contains(where: { $0.method == entry.method }) else {
            let known = offered.map { $0.input.protoMessageName }.joined(separator: "、")
            throw FawangError.invalidArgument(
                field: "\(field).type_url", "\(name.isEmpty ? "（空）" : name) 不是\(module == nil ? "" : "该事项")可在线提交的申请；可选：\(known.isEmpty ? "无" : known)")
        }
        // The companion's own refusals name the caller's fields; the intake's are the application's.
        var marked = companion
        marked.write = { matter in
            do { return try companion.write(matter) } catch let error as FawangError { throw CompanionRefusal(error: error) }
        }
        do {
            let response = try await MatterSteps.$companion.withValue(marked) {
                try await Self.call(entry.input, application, entry.call, field: field)
            }
            return (entry, response)
        } catch let refusal as CompanionRefusal {
            throw refusal.error
        } catch var error as FawangError where !error.violations.isEmpty {
            error.violations = error.violations.map { .init(field: "\(field).\($0.field)", reason: $0.reason) }
            throw FawangError.invalidArgument(error.violations)
        }
    }

    /// Files a request given as proto3 JSON (an imported row) through `entry`'s own handler in the
    /// caller's task, with `companion` written in the new matter's transaction.
    public func file(json: Data, with entry: Entry, companion: CompanionWrite?) async throws -> any SwiftProtobuf.Message {
        try await MatterSteps.$companion.withValue(companion) { try await Self.call(entry.input, json: json, entry.call) }
    }

    private static func call<M: SwiftProtobuf.Message>(_ type: M.Type, json: Data, _ call: DirectCall) async throws -> any SwiftProtobuf.Message {
        let request: M
        do {
            request = try M(jsonUTF8Data: json)
        } catch {
            throw FawangError.invalidArgument(field: "", "无法组成 \(M.protoMessageName)：\(error)")
        }
        return try await call(request)
    }

    private struct CompanionRefusal: Error {
        let error: FawangError
    }

    private static func call<M: SwiftProtobuf.Message>(
        _ type: M.Type, _ application: Google_Protobuf_Any, _ call: DirectCall, field: String
    ) async throws -> any SwiftProtobuf.Message {
        let request: M
        do {
            request = try M(unpackingAny: application)
        } catch {
            throw FawangError.invalidArgument(field: field, "申请内容无法按 \(M.protoMessageName) 解析：\(error)")
        }
        return try await call(request)
    }
}
