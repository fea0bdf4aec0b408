import FawangCore
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// gRPC server reflection, `grpc.reflection.v1.ServerReflection` and its older twin
/// `grpc.reflection.v1alpha.ServerReflection`, so that generic clients (`grpcurl list`,
/// `grpcurl describe`, grpc_cli, Postman, grpcio-reflection) work without the `.proto` files.
///
/// What it answers from: the committed descriptor set (every `.proto` under `Protocols/proto` and
/// the well-known types they import, with their comments) and the services this server routes.
/// Files are sent as grpc-go does: the file asked for always, then each file it imports,
/// directly or not, that this stream has not been sent yet.
///
/// Who may ask: `grpc.reflection` in the config: `loopback` (the default) answers callers on
/// this machine (a loopback address or a Unix socket) and refuses others `PERMISSION_DENIED`;
/// `everyone` answers any caller; `off` does not serve it at all (`UNIMPLEMENTED`).
struct ReflectionService {
    enum Access: String, Sendable {
        case loopback, everyone
    }

    let catalog: ReflectionCatalog
    let access: Access

    /// Both versions' services, for the server to route.
    var services: [any RegistrableRPCService] { [V1(reflection: self), V1Alpha(reflection: self)] }

    static let serviceNames = [
        Grpc_Reflection_V1_ServerReflection.descriptor.fullyQualifiedService,
        Grpc_Reflection_V1alpha_ServerReflection.descriptor.fullyQualifiedService,
    ]

    /// `ipv4:127.0.0.1:5123`, `ipv6:[::1]:5123`, `unix:/run/fawang.sock`, or the host's own
    /// in-process transport: this machine. (The HTTP gateway, which names its client's address
    /// instead of `in-process`, does not route reflection.)
    static func isLocal(_ peer: String) -> Bool {
        peer.hasPrefix("ipv4:127.") || peer.hasPrefix("ipv6:[::1]") || peer.hasPrefix("ipv6:[::ffff:127.")
            || peer.hasPrefix("unix:") || peer.hasPrefix("in-process")
    }

    func admit(_ context: ServerContext) throws {
        guard access == .everyone || Self.isLocal(context.remotePeer) else {
            throw RPCError(
                code: .permissionDenied,
                message: "server reflection is served to callers on the host's own machine only (grpc.reflection: loopback); "
                    + "set grpc.reflection: everyone in the host's config to serve it to \(context.remotePeer)")
        }
    }

    /// One stream: each request answered in turn, in the order asked. v1alpha's messages are
    /// v1's under another package, field for field: the same bytes on the wire, so a v1alpha
    /// request is read as v1 and its answer written back from v1's bytes.
    func serve<Request: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Request, any Error>, context: ServerContext,
        _ write: (Grpc_Reflection_V1_ServerReflectionResponse) async throws -> Void
    ) async throws {
        try admit(context)
        var sent: Set<String> = []
        for try await request in requests {
            let v1 = try request as? Grpc_Reflection_V1_ServerReflectionRequest
                ?? Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: request.serializedBytes() as [UInt8])
            try await write(catalog.answer(v1, sent: &sent))
        }
    }

    struct V1: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
        let reflection: ReflectionService

        func serverReflectionInfo(
            request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
            response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
            context: ServerContext
        ) async throws {
            try await reflection.serve(request, context: context) { try await response.write($0) }
        }
    }

    struct V1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
        let reflection: ReflectionService

        func serverReflectionInfo(
            request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
            response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
            context: ServerContext
        ) async throws {
            try await reflection.serve(request, context: context) { answer in
                try await response.write(.init(serializedBytes: answer.serializedBytes() as [UInt8]))
            }
        }
    }
}

/// The files and symbols reflection answers from, indexed once at start.
struct ReflectionCatalog: Sendable {
    /// Each file serialized as a `FileDescriptorProto`, by its name (`fawang/matter/v1/matter.proto`).
    private var files: [String: Data] = [:]
    private var imports: [String: [String]] = [:]
    /// Every fully-qualified name a client may ask for (message, field, oneof, enum, enum value,
    /// service, method, extension) → the file declaring it.
    private var symbols: [String: String] = [:]
    /// Extended message → extension field number → the file declaring the extension.
    private var extensions: [String: [Int32: String]] = [:]
    /// The services listed, sorted.
    let services: [String]

    init(_ set: Google_Protobuf_FileDescriptorSet, services: some Sequence<String>) throws {
        self.services = Set(services).sorted()
        // The first file of a name wins: the host's own contract comes first, so an external
        // plugin's copy of a file never shadows it.
        for file in set.file where files[file.name] == nil {
            files[file.name] = try file.serializedBytes()
            imports[file.name] = file.dependency
            let package = file.package.isEmpty ? "" : file.package + "."
            func add(_ name: String) { symbols[name] = symbols[name] ?? file.name }
            func addExtensions(_ fields: [Google_Protobuf_FieldDescriptorProto], scope: String) {
                for field in fields {
                    add(scope + field.name)
                    let extended = String(field.extendee.drop { $0 == "." })
                    extensions[extended, default: [:]][field.number] = file.name
                }
            }
            // Enum values are scoped beside their enum, as in C++ and Go (`pkg.Status.OK` is `pkg.OK`).
            func addEnum(_ proto: Google_Protobuf_EnumDescriptorProto, scope: String) {
                add(scope + proto.name)
                for value in proto.value { add(scope + value.name) }
            }
            func addMessage(_ proto: Google_Protobuf_DescriptorProto, scope: String) {
                let name = scope + proto.name
                add(name)
                for field in proto.field { add(name + "." + field.name) }
                for oneof in proto.oneofDecl { add(name + "." + oneof.name) }
                for nested in proto.nestedType { addMessage(nested, scope: name + ".") }
                for nested in proto.enumType { addEnum(nested, scope: name + ".") }
                addExtensions(proto.extension, scope: name + ".")
            }
            for message in file.messageType { addMessage(message, scope: package) }
            for proto in file.enumType { addEnum(proto, scope: package) }
            for service in file.service {
                add(package + service.name)
                for method in service.method { add(package + service.name + "." + method.name) }
            }
            addExtensions(file.extension, scope: package)
        }
    }

    /// The reply to one request; `sent` is the files this stream has already been sent.
    func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest, sent: inout Set<String>) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = request.host
        response.originalRequest = request
        func found(_ file: String?, _ missing: @autoclosure () -> String) {
            if let file {
                response.fileDescriptorResponse = .with { $0.fileDescriptorProto = withImports(file, sent: &sent) }
            } else {
                response.errorResponse = Self.error(.notFound, missing())
            }
        }
        switch request.messageRequest {
        case .fileByFilename(let name):
            found(files[name] == nil ? nil : name, "no file named \"\(name)\"")
        case .fileContainingSymbol(let symbol):
            let name = String(symbol.drop { $0 == "." })
            found(symbols[name], "no symbol named \"\(name)\"")
        case .fileContainingExtension(let request):
            let extended = String(request.containingType.drop { $0 == "." })
            found(extensions[extended]?[request.extensionNumber],
                  "no extension \(request.extensionNumber) of \"\(extended)\"")
        case .allExtensionNumbersOfType(let type):
            let name = String(type.drop { $0 == "." })
            if symbols[name] == nil {
                response.errorResponse = Self.error(.notFound, "no message type named \"\(name)\"")
            } else {
                response.allExtensionNumbersResponse = .with {
                    $0.baseTypeName = name
                    $0.extensionNumber = (extensions[name] ?? [:]).keys.sorted()
                }
            }
        case .listServices:
            response.listServicesResponse = .with { list in
                list.service = services.map { name in .with { $0.name = name } }
            }
        case nil:
            response.errorResponse = Self.error(.invalidArgument, "the request asks nothing: set one of its message_request fields")
        }
        return response
    }

    /// `name` first, always; then each file it imports, directly or not, that was not sent before.
    private func withImports(_ name: String, sent: inout Set<String>) -> [Data] {
        var queue = [name]
        var answer: [Data] = []
        var index = 0
        while index < queue.count {
            let file = queue[index]
            index += 1
            guard let bytes = files[file] else { continue }
            if index == 1 || !sent.contains(file) {
                sent.insert(file)
                answer.append(bytes)
                queue += imports[file] ?? []
            }
        }
        return answer
    }

    private static func error(_ code: RPCError.Code, _ message: String) -> Grpc_Reflection_V1_ErrorResponse {
        .with {
            $0.errorCode = Int32(code.rawValue)
            $0.errorMessage = message
        }
    }
}
