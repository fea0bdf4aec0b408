import FawangProto
import Foundation
import GRPCCore
import GRPCProtobuf
import HTTPTypes
import SwiftProtobuf

/// The length-prefixed frame that gRPC-Web bodies and Connect streaming bodies share: one flags
/// byte, a 4-byte big-endian length, the payload.
enum Envelope {
    /// gRPC-Web: the frame holds trailers. Connect: the frame is the end of the stream.
    static let trailerFlag: UInt8 = 0x80
    static let endStreamFlag: UInt8 = 0x02

    static func encode(_ payload: [UInt8], flags: UInt8 = 0) -> [UInt8] {
        let length = UInt32(payload.count)
        return [flags, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + payload
    }

    /// The one message a unary or server-streaming request body carries.
    static func singleMessage(_ body: [UInt8]) throws(RPCError) -> [UInt8] {
        guard body.count >= 5 else { throw RPCError(code: .invalidArgument, message: "请求体不是一个完整的消息帧（5字节帧头 + 消息）") }
        if body[0] & 0x01 != 0 { throw RPCError(code: .unimplemented, message: "不支持压缩的消息帧，请不压缩发送") }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard body.count == 5 + length else {
            throw RPCError(code: .invalidArgument, message: "请求体的消息帧长度（\(length)字节）与实际内容（\(body.count - 5)字节）不符；一次调用只发送一条消息")
        }
        return Array(body[5...])
    }
}

/// Error bodies and statuses of the Connect protocol (connectrpc.com/docs/protocol).
enum ConnectError {
    /// The Connect code of a gRPC code (`invalid_argument`, `canceled` …).
    static func code(_ code: RPCError.Code) -> String {
        switch code {
        case .cancelled: "canceled"
        case .unknown: "unknown"
        case .invalidArgument: "invalid_argument"
        case .deadlineExceeded: "deadline_exceeded"
        case .notFound: "not_found"
        case .alreadyExists: "already_exists"
        case .permissionDenied: "permission_denied"
        case .resourceExhausted: "resource_exhausted"
        case .failedPrecondition: "failed_precondition"
        case .aborted: "aborted"
        case .outOfRange: "out_of_range"
        case .unimplemented: "unimplemented"
        case .internalError: "internal"
        case .unavailable: "unavailable"
        case .dataLoss: "data_loss"
        case .unauthenticated: "unauthenticated"
        default: "unknown"
        }
    }

    /// The HTTP status a unary Connect error answers with.
    static func httpStatus(_ code: RPCError.Code) -> HTTPResponse.Status {
        switch code {
        case .cancelled: .init(code: 499, reasonPhrase: "Client Closed Request")
        case .invalidArgument, .failedPrecondition, .outOfRange: .badRequest
        case .deadlineExceeded: .gatewayTimeout
        case .notFound: .notFound
        case .alreadyExists, .aborted: .conflict
        case .permissionDenied: .forbidden
        case .resourceExhausted: .tooManyRequests
        case .unimplemented: .notImplemented
        case .unavailable: .serviceUnavailable
        case .unauthenticated: .unauthorized
        default: .internalServerError
        }
    }

    /// The error as a JSON object: `code`, `message`, and each `google.rpc` detail with its
    /// serialized `value` and, for the kinds the platform sends, a readable `debug`.
    static func object(_ error: RPCError) -> [String: Any] {
        var object: [String: Any] = ["code": code(error.code), "message": error.message]
        let details = Self.details(error)
        if !details.isEmpty { object["details"] = details }
        return object
    }

    static func json(_ error: RPCError) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object(error), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
    }

    /// The seconds a `RESOURCE_EXHAUSTED` answer asks the caller to wait (`google.rpc.RetryInfo`).
    static func retryAfterSeconds(_ error: RPCError) -> Int? {
        guard let status = try? error.unpackGoogleRPCStatus() else { return nil }
        for detail in status.details {
            if let delay = detail.retryInfo?.delay { return Int(delay.components.seconds) }
        }
        return nil
    }

    private static func details(_ error: RPCError) -> [[String: Any]] {
        guard let bytes = statusDetails(error), let status = try? Google_Rpc_Status(serializedBytes: bytes) else { return [] }
        let typed = (try? error.unpackGoogleRPCStatus())?.details ?? []
        return status.details.enumerated().map { index, any in
            var detail: [String: Any] = [
                "type": String(any.typeURL.split(separator: "/").last ?? ""),
                "value": Data(any.value).base64EncodedString().replacingOccurrences(of: "=", with: ""),
            ]
            if index < typed.count, let debug = debug(typed[index]) { detail["debug"] = debug }
            return detail
        }
    }

    private static func debug(_ detail: ErrorDetails) -> [String: Any]? {
        if let request = detail.badRequest {
            return ["fieldViolations": request.violations.map { ["field": $0.field, "description": $0.violationDescription] }]
        }
        if let retry = detail.retryInfo {
            return ["retryDelay": "\(retry.delay.components.seconds)s"]
        }
        return nil
    }

    /// The serialized `google.rpc.Status` a failed call carries, if any.
    static func statusDetails(_ error: RPCError) -> [UInt8]? {
        for value in error.metadata[binaryValues: "grpc-status-details-bin"] { return value }
        return nil
    }
}

/// gRPC-Web (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): frames as gRPC's, the status
/// in a trailer frame at the end of the body; the `-text` variants base64 the body.
enum GRPCWeb {
    /// The trailer frame: `grpc-status`, `grpc-message` (percent-encoded) and the details.
    static func trailers(_ error: RPCError?) -> [UInt8] {
        var text = "grpc-status:\(error.map { $0.code.rawValue } ?? 0)\r\n"
        if let error {
            text += "grpc-message:\(percentEncoded(error.message))\r\n"
            if let details = ConnectError.statusDetails(error) {
                text += "grpc-status-details-bin:\(Data(details).base64EncodedString().replacingOccurrences(of: "=", with: ""))\r\n"
            }
        }
        return Envelope.encode(Array(text.utf8), flags: Envelope.trailerFlag)
    }

    /// grpc-message's encoding: bytes outside printable ASCII, and `%`, as %XX.
    static func percentEncoded(_ message: String) -> String {
        var out = ""
        for byte in message.utf8 {
            if byte >= 0x20, byte <= 0x7e, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// proto3 JSON of any generated message, by its type (from ``FawangMethods``).
enum ProtoJSON {
    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, json: [UInt8]) throws(RPCError) -> [UInt8] {
        do {
            let message = try M(jsonUTF8Bytes: json.isEmpty ? Array("{}".utf8) : json)
            return try message.serializedBytes()
        } catch {
            throw RPCError(code: .invalidArgument, message: "请求不是 \(M.protoMessageName) 的有效 proto3 JSON：\(error)")
        }
    }

    static func encode<M: SwiftProtobuf.Message>(_ type: M.Type, binary: [UInt8]) throws -> [UInt8] {
        try M(serializedBytes: binary).jsonUTF8Bytes()
    }

    /// Checks that `binary` is a `M` (a Connect or gRPC-Web client's protobuf request).
    static func check<M: SwiftProtobuf.Message>(_ type: M.Type, binary: [UInt8]) throws(RPCError) {
        do {
            _ = try M(serializedBytes: binary)
        } catch {
            throw RPCError(code: .invalidArgument, message: "请求不是有效的 \(M.protoMessageName) 消息：\(error)")
        }
    }
}
