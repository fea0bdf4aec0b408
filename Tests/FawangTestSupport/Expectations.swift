public import FawangCore
import Foundation
public import GRPCCore
import GRPCProtobuf
public import Testing
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Expects `body` to fail with `code`. With `field`, the message names it and the error's
/// `google.rpc.BadRequest` lists it; every text in `containing` is in the message.
public func expectStatus(
    _ code: RPCError.Code, field: String? = nil, containing: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code), the call succeeded", sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        for text in containing {
            #expect(error.message.contains(text), "message: \(error.message)", sourceLocation: sourceLocation)
        }
        if let field {
            #expect(error.message.contains(field), "message: \(error.message)", sourceLocation: sourceLocation)
            let fields = (try? error.unpackGoogleRPCStatus())?.details.compactMap(\.badRequest).flatMap(\.violations).map(\.field) ?? []
            #expect(fields.contains(field), "violations: \(fields)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected RPCError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects pure code (a workflow's decision, a validator) to throw a `FawangError` with `code`;
/// with `field`, one of its violations names it; every text in `containing` is in the message.
public func expectError(
    _ code: FawangError.Code, field: String? = nil, containing: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(code), it succeeded", sourceLocation: sourceLocation)
    } catch {
        check(error, is: code, field: field, containing: containing, sourceLocation: sourceLocation)
    }
}

/// As ``expectError(_:field:containing:sourceLocation:_:)`` for async code (a store's transaction).
public func expectError(
    _ code: FawangError.Code, field: String? = nil, containing: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code), it succeeded", sourceLocation: sourceLocation)
    } catch {
        check(error, is: code, field: field, containing: containing, sourceLocation: sourceLocation)
    }
}

private func check(_ error: any Error, is code: FawangError.Code, field: String?, containing: [String], sourceLocation: SourceLocation) {
    guard let error = error as? FawangError else {
        Issue.record("expected FawangError \(code), got \(error)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    for text in containing {
        #expect(error.message.contains(text), "message: \(error.message)", sourceLocation: sourceLocation)
    }
    if let field {
        #expect(error.violations.map(\.field).contains(field), "violations: \(error.violations)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to fail with an error that is not ours (the database's, the transport's) whose
/// description contains `text`: e.g. SQLite's "UNIQUE constraint failed", a trigger's message.
public func expectFailure(
    containing text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a failure containing \(text), it succeeded", sourceLocation: sourceLocation)
    } catch {
        #expect(String(describing: error).contains(text), "\(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to fail with one of `codes`: for failures whose status depends on timing, such
/// as a refused handshake (UNAVAILABLE, or DEADLINE_EXCEEDED when the client gives up first).
public func expectStatus(among codes: Set<RPCError.Code>, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected one of \(codes), the call succeeded", sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(codes.contains(error.code), "\(error.code): \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected RPCError among \(codes), got \(error)", sourceLocation: sourceLocation)
    }
}

extension URLSession {
    /// A session of its own for one exchange: nothing pooled across tests (a port the OS hands out
    /// again would send a request down a stopped test server's kept-alive connection, to hang until
    /// the timeout), no cookies shared between suites.
    public static func isolated() -> URLSession { URLSession(configuration: .ephemeral) }
}
