import FawangProto
public import FawangCore
public import GRPCCore
import GRPCProtobuf
public import SwiftProtobuf

/// One RPC of a plugin, declared once: the method, who may call it, how the command line offers
/// it, and the handler that serves it.
///
/// From a plugin's table of these the host derives everything else: the service names it routes
/// through the module's switch, the access policies (default deny: a method without a row is
/// never served), the rate-limited public methods, the access-matrix test's rows, and the
/// generic command `fawang <line> <verb> …`, whose flags are the request message's fields.
///
/// ## Example
/// ```swift
/// typealias Method = Fawang_Legalaid_V1_LegalAidService.Method
/// static let rpcs = RPCTable<LegalAidService>([
///     RPC(Method.Approve.descriptor, .handlers, verb: "accept", help: "决定给予法律援助（第四十三条）",
///         LegalAidService.approve),
/// ])
/// ```
///
/// The request and response types come from the handler. The host checks them against the
/// `.proto` at start (``ProtoSchema``), so a handler bound to the wrong method refuses to start.
public struct RPC<Service: Sendable>: Sendable {
    public let info: RPCInfo
    let box: any RPCBox<Service>

    /// - Parameters:
    ///   - descriptor: the generated `Method.<Name>.descriptor`.
    ///   - policy: who may call it (`.anyone` methods are rate-limited per caller).
    ///   - verb: the command-line verb (`fawang <line> <verb>`); nil keeps it off the command line.
    ///   - help: one line for `--help`, in Chinese as a clerk reads it.
    ///   - title: the online form's heading and link, as the public reads it (default `help`).
    ///   - intake: a public intake (an application the public can file online).
    ///   - aliases: short flags for nested fields, e.g. `["name": "applicant.name"]`.
    ///   - argument: the field a bare argument fills on the command line (`fawang lawyers show
    ///     <licence>`); default `tracking_number`.
    ///   - defaults: values the command line fills in when a flag is not given (field path →
    ///     value as typed, e.g. `["kind": "supplement"]`); the server still validates them.
    ///   - labels: for a public intake, the Chinese labels of its online form (``FormLabels``):
    ///     field paths or names → label, enum value names → option text. The portal offers the
    ///     form once every field has a label; an enum value without one is not offered online; an
    ///     empty label keeps a field off the web form (`"answer": ""`).
    ///   - rateLimited: for an `.anyone` method, whether the public rate limit applies (default);
    ///     `false` for a cheap read a page makes on every view (a list, a catalogue).
    ///   - handler: the service's method, e.g. `LegalAidService.approve`.
    public init<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
        _ descriptor: MethodDescriptor, _ policy: AccessPolicy, verb: String? = nil, help: String, title: String? = nil,
        intake: Bool = false, argument: String = "tracking_number", aliases: [String: String] = [:], defaults: [String: String] = [:],
        labels: [String: String] = [:], rateLimited: Bool = true,
        _ handler: @escaping @Sendable (Service) -> @Sendable (Input) async throws -> Output
    ) {
        self.info = RPCInfo(
            descriptor: descriptor, policy: policy, verb: verb, help: help, title: title ?? help, isPublicIntake: intake, argument: argument, aliases: aliases,
            defaults: defaults, labels: labels, isRateLimited: policy == .anyone && rateLimited, input: Input.self, output: Output.self,
            invoker: UnaryInvoker<Input, Output>())
        self.box = UnaryBox(descriptor: descriptor, handler: handler)
    }
}

extension RPC {
    /// A server-streaming method (a subscription): the handler writes messages until the call
    /// ends or the client goes away. It runs after the interceptors have returned, so it may not
    /// rely on ``Principal/current``: give such methods `.anyone` or check the caller in a unary
    /// step first. The command line's generic invoker prints the first message.
    public init<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
        _ descriptor: MethodDescriptor, _ policy: AccessPolicy, verb: String? = nil, help: String,
        stream handler: @escaping @Sendable (Service) -> @Sendable (Input, RPCWriter<Output>) async throws -> Void
    ) {
        self.info = RPCInfo(
            descriptor: descriptor, policy: policy, verb: verb, help: help, title: help, isPublicIntake: false, argument: "", aliases: [:],
            defaults: [:], labels: [:], isRateLimited: policy == .anyone, input: Input.self, output: Output.self,
            invoker: FirstMessageInvoker<Input, Output>())
        self.box = StreamBox(descriptor: descriptor, handler: handler)
    }
}

/// What the host and the command line know of a declared RPC, without its handler.
public struct RPCInfo: Sendable {
    public let descriptor: MethodDescriptor
    public let policy: AccessPolicy
    public let verb: String?
    public let help: String
    /// The online form's heading, for the public (``RPC`` `title:`; `help` when not given).
    public let title: String
    public let isPublicIntake: Bool
    /// The request field a bare command-line argument fills.
    public let argument: String
    public let aliases: [String: String]
    public let defaults: [String: String]
    /// The public form's Chinese labels (see ``RPC/init(_:_:verb:help:intake:argument:aliases:defaults:labels:_:)``).
    public let labels: [String: String]
    /// An `.anyone` method under the public rate limit (`limits.public.*`).
    public let isRateLimited: Bool
    public let input: any SwiftProtobuf.Message.Type
    public let output: any SwiftProtobuf.Message.Type
    /// Calls the method from a client with a request given as proto3 JSON.
    public let invoker: any RPCInvoker

    public var fullyQualifiedMethod: String { descriptor.fullyQualifiedMethod }
}

/// A plugin's RPC table: its rows' metadata, and the service they make once bound to an instance.
public struct RPCTable<Service: Sendable>: Sendable {
    public let rows: [RPC<Service>]

    public init(_ rows: [RPC<Service>]) {
        let methods = rows.map(\.info.fullyQualifiedMethod)
        precondition(Set(methods).count == methods.count, "an RPC table declares a method twice: \(methods)")
        let verbs = rows.compactMap(\.info.verb)
        precondition(Set(verbs).count == verbs.count, "an RPC table declares a command-line verb twice: \(verbs)")
        self.rows = rows
    }

    public var infos: [RPCInfo] { rows.map(\.info) }

    /// The gRPC service(s) the table's rows serve, handled by `instance`.
    public func service(_ instance: Service) -> any RegistrableRPCService {
        TableService(instance: instance, boxes: rows.map(\.box), methods: rows.map(\.info.fullyQualifiedMethod))
    }
}

/// Calls a declared method as a client: used by the generic command line and by tests.
public protocol RPCInvoker: Sendable {
    func call<Transport: ClientTransport>(
        _ client: GRPCClient<Transport>, descriptor: MethodDescriptor, request: any SwiftProtobuf.Message
    ) async throws -> any SwiftProtobuf.Message
}

struct UnaryInvoker<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>: RPCInvoker {
    func call<Transport: ClientTransport>(
        _ client: GRPCClient<Transport>, descriptor: MethodDescriptor, request: any SwiftProtobuf.Message
    ) async throws -> any SwiftProtobuf.Message {
        guard let typed = request as? Input else {
            throw FawangError(.internalError, "\(descriptor) takes \(Input.protoMessageName), not \(type(of: request).protoMessageName)")
        }
        return try await client.unary(
            request: ClientRequest(message: typed), descriptor: descriptor,
            serializer: ProtobufSerializer<Input>(), deserializer: ProtobufDeserializer<Output>(), options: .defaults
        ) { response in try response.message }
    }
}

/// A server-streaming method called as a client: its first message.
struct FirstMessageInvoker<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>: RPCInvoker {
    func call<Transport: ClientTransport>(
        _ client: GRPCClient<Transport>, descriptor: MethodDescriptor, request: any SwiftProtobuf.Message
    ) async throws -> any SwiftProtobuf.Message {
        guard let typed = request as? Input else {
            throw FawangError(.internalError, "\(descriptor) takes \(Input.protoMessageName), not \(type(of: request).protoMessageName)")
        }
        return try await client.serverStreaming(
            request: ClientRequest(message: typed), descriptor: descriptor,
            serializer: ProtobufSerializer<Input>(), deserializer: ProtobufDeserializer<Output>(), options: .defaults
        ) { response in
            for try await message in response.messages { return message }
            throw FawangError(.unavailable, "\(descriptor) ended without a message")
        }
    }
}

protocol RPCBox<Service>: Sendable {
    associatedtype Service: Sendable
    func register<Transport: ServerTransport>(_ instance: Service, with router: inout RPCRouter<Transport>)
    /// The handler as a plain function, for a unary method (nil for a stream).
    func direct(_ instance: Service) -> DirectCall?
}

extension RPCBox {
    func direct(_ instance: Service) -> DirectCall? { nil }
}

/// A unary handler called in-process, in the caller's task (its principal, channel and
/// ``MatterSteps/companion`` carry over); the interceptors do not run.
public typealias DirectCall = @Sendable (any SwiftProtobuf.Message) async throws -> any SwiftProtobuf.Message

struct UnaryBox<Service: Sendable, Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>: RPCBox {
    let descriptor: MethodDescriptor
    let handler: @Sendable (Service) -> @Sendable (Input) async throws -> Output

    func register<Transport: ServerTransport>(_ instance: Service, with router: inout RPCRouter<Transport>) {
        let serve = handler(instance)
        router.registerHandler(
            forMethod: descriptor, deserializer: ProtobufDeserializer<Input>(), serializer: ProtobufSerializer<Output>()
        ) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: try await serve(single.message)))
        }
    }

    func direct(_ instance: Service) -> DirectCall? {
        let serve = handler(instance)
        let method = descriptor.fullyQualifiedMethod
        return { request in
            guard let typed = request as? Input else {
                throw FawangError(.internalError, "\(method) takes \(Input.protoMessageName), not \(type(of: request).protoMessageName)")
            }
            return try await serve(typed)
        }
    }
}

struct StreamBox<Service: Sendable, Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>: RPCBox {
    let descriptor: MethodDescriptor
    let handler: @Sendable (Service) -> @Sendable (Input, RPCWriter<Output>) async throws -> Void

    func register<Transport: ServerTransport>(_ instance: Service, with router: inout RPCRouter<Transport>) {
        let serve = handler(instance)
        router.registerHandler(
            forMethod: descriptor, deserializer: ProtobufDeserializer<Input>(), serializer: ProtobufSerializer<Output>()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            // gRPC signals a client that went away (and the host's shutdown) through the context,
            // not by cancelling this task: the race ends the handler (and its `for await`) at once.
            let cancellation = context.cancellation
            return StreamingServerResponse(of: Output.self) { writer in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await serve(single.message, writer) }
                    group.addTask { try await cancellation.cancelled }
                    defer { group.cancelAll() }
                    try await group.next()
                }
                return [:]
            }
        }
    }
}

struct TableService<Service: Sendable>: RegistrableRPCService, DirectlyCallable {
    let instance: Service
    let boxes: [any RPCBox<Service>]
    let methods: [String]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for box in boxes { box.register(instance, with: &router) }
    }

    func directCall(_ method: String) -> DirectCall? {
        methods.firstIndex(of: method).flatMap { boxes[$0].direct(instance) }
    }
}

/// A service built from an RPC table: its unary handlers can be called in-process.
public protocol DirectlyCallable: Sendable {
    /// The handler of `method` (`package.Service/Method`), if the service has it and it is unary.
    func directCall(_ method: String) -> DirectCall?
}
