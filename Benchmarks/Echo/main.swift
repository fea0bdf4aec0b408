// The baseline of the RPC benchmark (Benchmarks/run): raw grpc-swift-2 over the same HTTP/2
// transport the platform uses, with no interceptors and nothing behind the handler.
//
//   bench-echo [--port N] [--ports-file FILE]
//
// Serves `bench.Echo/Get`, a unary echo of a `google.protobuf.StringValue`, so that h2load can
// load it exactly as it loads the platform's methods. Port 0 (the default) picks a free port; the
// bound one is written to FILE as `{"grpc": N}` and printed.
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf

struct EchoService: RegistrableRPCService {
    static let get = MethodDescriptor(fullyQualifiedService: "bench.Echo", method: "Get")

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.get,
            deserializer: ProtobufDeserializer<Google_Protobuf_StringValue>(),
            serializer: ProtobufSerializer<Google_Protobuf_StringValue>()
        ) { request, context in
            let message = try await ServerRequest(stream: request).message
            return StreamingServerResponse(single: ServerResponse(message: message))
        }
    }
}

@main
struct BenchEcho {
    static func main() async throws {
        var port = 0
        var portsFile: String?
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--port": port = Int(arguments.next() ?? "") ?? 0
            case "--ports-file": portsFile = arguments.next()
            default:
                FileHandle.standardError.write(Data("usage: bench-echo [--port N] [--ports-file FILE]\n".utf8))
                exit(2)
            }
        }
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [EchoService()])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            guard let bound = try await transport.listeningAddress.ipv4?.port else {
                throw RPCError(code: .internalError, message: "no IPv4 listening address")
            }
            print("bench-echo serving on 127.0.0.1:\(bound)")
            if let portsFile {
                try Data("{\"grpc\": \(bound)}\n".utf8).write(to: URL(fileURLWithPath: portsFile), options: .atomic)
            }
        }
    }
}
