public import FawangCore
public import GRPCCore
import GRPCProtobuf

/// gRPC converts a thrown `RPCErrorConvertible` at every interceptor boundary, so a
/// `FawangError` keeps its code, message and field violations however deep it was thrown.
extension FawangError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { rpcCode }

    /// Internal errors never show their text to clients: the host logs it instead.
    public var rpcErrorMessage: String {
        code == .internalError ? Self.internalMessage : message
    }

    public var rpcErrorMetadata: Metadata { rpcError.metadata }

    public static let internalMessage = "系统内部错误，请稍后重试；如持续出现请联系平台管理员"
}

extension FawangError {
    public var rpcCode: RPCError.Code {
        switch code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .failedPrecondition: .failedPrecondition
        case .permissionDenied: .permissionDenied
        case .unauthenticated: .unauthenticated
        case .unavailable: .unavailable
        case .resourceExhausted: .resourceExhausted
        case .aborted: .aborted
        case .internalError: .internalError
        }
    }

    /// The gRPC status: code, the Chinese message, and for invalid input a standard
    /// `google.rpc.BadRequest` detail with one violation per field.
    public var rpcError: RPCError {
        var details: [ErrorDetails] = []
        if !violations.isEmpty {
            details.append(.badRequest(violations: violations.map { .init(field: $0.field, description: $0.reason) }))
        }
        let text = code == .internalError ? Self.internalMessage : message
        return RPCError(GoogleRPCStatus(code: rpcCode, message: text, details: details))
    }
}

/// A unique key taken by another transaction meanwhile, where no caller retried it: `ABORTED`,
/// the client may try again.
extension UniqueKeyConflict: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .aborted }
    public var rpcErrorMessage: String { "与同时进行的另一项操作冲突，请重试" }
}
