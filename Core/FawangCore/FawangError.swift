import Foundation

/// An error a clerk or a citizen can act on.
///
/// Core and the plugins throw `FawangError`; the host turns it into a gRPC status in one place
/// (the error-mapping interceptor), so that every business line answers bad input the same way.
/// `message` is Simplified Chinese, because it reaches the hall window and the portal as is.
///
/// ```swift
/// throw FawangError.invalidArgument(field: "applicant.phone", "联系电话格式不正确")
/// ```
public struct FawangError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; each maps to exactly one gRPC status code.
    public enum Code: String, Sendable, Equatable {
        case invalidArgument
        case notFound
        case alreadyExists
        case failedPrecondition
        case permissionDenied
        case unauthenticated
        case unavailable
        case resourceExhausted
        case aborted
        case internalError
    }

    /// One invalid field of a request, by its proto field path (e.g. `applicant.id_number`).
    public struct FieldViolation: Sendable, Equatable {
        public var field: String
        public var reason: String
        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }
    }

    public var code: Code
    public var message: String
    public var violations: [FieldViolation]

    public init(_ code: Code, _ message: String, violations: [FieldViolation] = []) {
        self.code = code
        self.message = message
        self.violations = violations
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func invalidArgument(field: String, _ reason: String) -> FawangError {
        .invalidArgument([FieldViolation(field: field, reason: reason)])
    }

    /// All violations of one request at once, so the applicant fixes everything in one go.
    public static func invalidArgument(_ violations: [FieldViolation]) -> FawangError {
        let text = violations.map { "\($0.field)：\($0.reason)" }.joined(separator: "；")
        return FawangError(.invalidArgument, "请求内容有误：\(text)", violations: violations)
    }

    public static func notFound(_ message: String) -> FawangError { FawangError(.notFound, message) }
    public static func failedPrecondition(_ message: String) -> FawangError { FawangError(.failedPrecondition, message) }
}

/// Collects field violations while a request is validated, then throws them together.
public struct FieldValidator: Sendable {
    public private(set) var violations: [FawangError.FieldViolation] = []

    public init() {}

    public mutating func fail(_ field: String, _ reason: String) {
        violations.append(.init(field: field, reason: reason))
    }

    /// Records a violation when `condition` is false.
    public mutating func require(_ condition: Bool, _ field: String, _ reason: String) {
        if !condition { fail(field, reason) }
    }

    /// Requires a non-blank string of at most `maxLength` characters.
    public mutating func requireText(_ value: String, _ field: String, label: String, maxLength: Int = 500) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            fail(field, "请填写\(label)")
        } else if trimmed.count > maxLength {
            fail(field, "\(label)不能超过\(maxLength)字")
        }
    }

    /// A repeated field's items as `convert` reads them, each value once, in order; an item it
    /// cannot read (an enum value out of range) is named by its index, `grounds[2]`.
    public mutating func distinct<Item, Value: Equatable>(
        _ items: [Item], field: String, _ reason: String, _ convert: (Item) -> Value?
    ) -> [Value] {
        var values: [Value] = []
        for (index, item) in items.enumerated() {
            guard let value = convert(item) else {
                fail("\(field)[\(index)]", reason)
                continue
            }
            if !values.contains(value) { values.append(value) }
        }
        return values
    }

    /// Throws every collected violation as one `INVALID_ARGUMENT`.
    public func check() throws(FawangError) {
        if !violations.isEmpty { throw FawangError.invalidArgument(violations) }
    }

    /// A value read while validating (nil when its field was at fault), after ``check()``: every
    /// violation as `INVALID_ARGUMENT`, else the value. Nil with no violation is a reader that
    /// forgot to report its field: `INTERNAL`, never a crash.
    public func checked<T>(_ value: T?, _ what: String) throws(FawangError) -> T {
        try check()
        guard let value else { throw FawangError(.internalError, "\(what) was not read, yet no field was reported") }
        return value
    }
}
