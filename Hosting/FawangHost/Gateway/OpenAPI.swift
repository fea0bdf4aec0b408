import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// `GET /openapi.json`: the gateway's methods as an OpenAPI 3.1 document, generated from the
/// committed descriptor set (with the `.proto` comments) and the access policies: every method
/// with its request and response schema in proto3 JSON, who may call it, and the errors it can
/// answer with.
enum OpenAPI {
    static func document(schema: ProtoSchema, methods: [FawangMethods.Entry], policies: [String: AccessPolicy]) -> [UInt8] {
        var paths: [String: Any] = [:]
        var referenced: Set<String> = []
        for entry in methods {
            let method = entry.descriptor.fullyQualifiedMethod
            let described = schema.method(method)
            let input = described?.inputType ?? entry.input.protoMessageName
            let output = described?.outputType ?? entry.output.protoMessageName
            referenced.formUnion([input, output])
            let policy = policies[method]
            let contentType = entry.serverStreaming ? "application/connect+json" : "application/json"
            var operation: [String: Any] = [
                "operationId": method.replacingOccurrences(of: "/", with: "."),
                "tags": [entry.descriptor.service.fullyQualifiedService],
                "summary": described?.comment.split(separator: ".").first.map(String.init) ?? entry.descriptor.method,
                "description": [described?.comment ?? "", accessText(policy), entry.serverStreaming ? "Server streaming: Connect streaming (application/connect+json) or gRPC-Web." : ""]
                    .filter { !$0.isEmpty }.joined(separator: "\n\n"),
                "requestBody": ["required": true, "content": [contentType: ["schema": ref(input)]]],
                "responses": responses(output: output, contentType: contentType, policy: policy),
            ]
            if policy != .anyone { operation["security"] = [["bearer": [String]()]] } else { operation["security"] = [[String: [String]]()] }
            paths["/" + method] = ["post": operation]
        }
        var schemas: [String: Any] = ["connect.Error": connectErrorSchema]
        var pending = Array(referenced)
        while let name = pending.popLast() {
            guard schemas[name] == nil else { continue }
            if let message = schema.messages[name] {
                let (object, uses) = messageSchema(message, schema: schema)
                schemas[name] = object
                pending += uses.filter { schemas[$0] == nil }
            } else if let enumeration = schema.enums[name] {
                schemas[name] = [
                    "type": "string", "enum": enumeration.proto.value.map(\.name),
                    "description": enumeration.comment,
                ] as [String: Any]
            } else {
                schemas[name] = wellKnown(name)
            }
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "12348 法网 — Fawang platform API",
                "version": "1",
                "description": "Every gRPC method of the platform over HTTP: Connect (POST /<package.Service>/<Method>, application/json in proto3 JSON or application/proto) and gRPC-Web. Errors are Connect JSON errors; field problems come as google.rpc.BadRequest details naming each field.",
            ],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "The access token from fawang.identity.v1.IdentityService/Login."]],
                "responses": errorResponses,
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    static func accessText(_ policy: AccessPolicy?) -> String {
        switch policy {
        case .anyone: "Access: anyone, signed in or not (rate-limited per caller)."
        case .roles(let roles): "Access: signed-in " + roles.map(\.rawValue).sorted().joined(separator: ", ") + " (and the method's own scope rules)."
        case nil: "Access: none declared (refused)."
        }
    }

    /// The errors every method can answer, and the sign-in ones where a role is required.
    static func responses(output: String, contentType: String, policy: AccessPolicy?) -> [String: Any] {
        var responses: [String: Any] = [
            "200": ["description": "The response message.", "content": [contentType: ["schema": ref(output)]]],
            "400": ["$ref": "#/components/responses/InvalidArgument"],
            "404": ["$ref": "#/components/responses/NotFound"],
            "413": ["$ref": "#/components/responses/TooLarge"],
            "503": ["$ref": "#/components/responses/Unavailable"],
            "504": ["$ref": "#/components/responses/DeadlineExceeded"],
            "500": ["$ref": "#/components/responses/Internal"],
        ]
        if policy == .anyone {
            responses["429"] = ["$ref": "#/components/responses/ResourceExhausted"]
        } else {
            responses["401"] = ["$ref": "#/components/responses/Unauthenticated"]
            responses["403"] = ["$ref": "#/components/responses/PermissionDenied"]
        }
        return responses
    }

    static var errorResponses: [String: Any] {
        let cases: [(String, String)] = [
            ("InvalidArgument", "invalid_argument (a field, named in a google.rpc.BadRequest detail) or failed_precondition (the matter's state, or a read-only host)"),
            ("NotFound", "not_found: no such matter or record, or not one the caller may see"),
            ("TooLarge", "resource_exhausted: the request body is over http.max_request_bytes"),
            ("ResourceExhausted", "resource_exhausted: too many calls; Retry-After and a google.rpc.RetryInfo detail say when to try again"),
            ("Unauthenticated", "unauthenticated: no, an expired or a revoked access token"),
            ("PermissionDenied", "permission_denied: the caller's role, region or line does not allow it"),
            ("Unavailable", "unavailable: the module is switched off"),
            ("DeadlineExceeded", "deadline_exceeded: the call ran over its time limit"),
            ("Internal", "internal: an unexpected failure, logged on the server"),
        ]
        var responses: [String: Any] = [:]
        for (name, text) in cases {
            responses[name] = ["description": text, "content": ["application/json": ["schema": ref("connect.Error")]]]
        }
        return responses
    }

    static var connectErrorSchema: [String: Any] { [
        "type": "object",
        "description": "A Connect error.",
        "properties": [
            "code": ["type": "string", "enum": [
                "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists", "permission_denied",
                "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented", "internal", "unavailable",
                "data_loss", "unauthenticated",
            ]],
            "message": ["type": "string", "description": "What went wrong and what to do, in Chinese where the public sees it."],
            "details": ["type": "array", "items": [
                "type": "object",
                "properties": [
                    "type": ["type": "string", "description": "google.rpc.BadRequest, google.rpc.RetryInfo …"],
                    "value": ["type": "string", "format": "byte", "description": "The detail, serialized protobuf in unpadded base64."],
                    "debug": ["type": "object", "description": "The detail as JSON (fieldViolations with field and description; retryDelay)."],
                ] as [String: Any],
            ] as [String: Any]],
        ] as [String: Any],
    ] }

    /// A message as a JSON schema object, and the messages and enums it refers to.
    static func messageSchema(_ message: ProtoSchema.Message, schema: ProtoSchema) -> ([String: Any], [String]) {
        var properties: [String: Any] = [:]
        var uses: [String] = []
        for field in message.proto.field {
            var property = fieldSchema(field, schema: schema, uses: &uses)
            if let comment = message.fieldComments[field.name], !comment.isEmpty { property["description"] = comment }
            properties[field.jsonName.isEmpty ? field.name : field.jsonName] = property
        }
        var object: [String: Any] = ["type": "object", "properties": properties]
        if !message.comment.isEmpty { object["description"] = message.comment }
        return (object, uses)
    }

    static func fieldSchema(_ field: Google_Protobuf_FieldDescriptorProto, schema: ProtoSchema, uses: inout [String]) -> [String: Any] {
        let single: [String: Any]
        switch field.type {
        case .double, .float: single = ["type": "number"]
        case .int32, .sint32, .sfixed32: single = ["type": "integer", "format": "int32"]
        case .uint32, .fixed32: single = ["type": "integer", "format": "uint32"]
        case .int64, .sint64, .sfixed64, .uint64, .fixed64: single = ["type": "string", "format": "int64", "description": "64-bit integer as a decimal string"]
        case .bool: single = ["type": "boolean"]
        case .string: single = ["type": "string"]
        case .bytes: single = ["type": "string", "format": "byte"]
        case .enum, .message, .group:
            let name = ProtoSchema.typeName(of: field)
            if let entry = schema.messages[name], entry.proto.options.mapEntry, let value = entry.proto.field.first(where: { $0.number == 2 }) {
                return ["type": "object", "additionalProperties": fieldSchema(value, schema: schema, uses: &uses)]
            }
            uses.append(name)
            single = ref(name)
        }
        return field.label == .repeated ? ["type": "array", "items": single] : single
    }

    /// The proto3 JSON form of the well-known types the contract uses.
    static func wellKnown(_ name: String) -> [String: Any] {
        switch name {
        case "google.protobuf.Timestamp": ["type": "string", "format": "date-time"]
        case "google.protobuf.Duration": ["type": "string", "description": "seconds with an s suffix, e.g. 1.5s"]
        case "google.protobuf.StringValue": ["type": "string"]
        case "google.protobuf.BoolValue": ["type": "boolean"]
        case "google.protobuf.Int32Value", "google.protobuf.UInt32Value": ["type": "integer"]
        case "google.protobuf.Int64Value", "google.protobuf.UInt64Value": ["type": "string", "format": "int64"]
        case "google.protobuf.DoubleValue", "google.protobuf.FloatValue": ["type": "number"]
        default: ["type": "object", "description": name]
        }
    }
}
