import Dispatch
public import Foundation
import FawangHost

/// Runs a program to completion and returns its exit status and combined output.
///
/// The blocking pipe read and wait happen on a thread of their own (a serial queue's), never on
/// Swift's cooperative pool: on a 2-core machine two blocked pool threads would starve an
/// in-process server that the child is talking to. Not on `DispatchQueue.global()` either: on
/// Linux that is the very pool of worker threads Swift's tasks run on, as wide as the cores.
public func runChildProcess(
    _ executable: URL, _ arguments: [String], environment extra: [String: String] = [:]
) async throws -> (status: Int32, output: String) {
    let (readEnd, writeEnd) = try SpawnedProcess.pipe()
    let child: SpawnedProcess
    do {
        child = try SpawnedProcess(
            executable.path, arguments, environment: extra.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(extra) { $1 },
            output: writeEnd)
    } catch {
        close(readEnd)
        close(writeEnd)
        throw error
    }
    close(writeEnd)
    return await withCheckedContinuation { continuation in
        DispatchQueue(label: "fawang.child-process").async {
            let data = FileHandle(fileDescriptor: readEnd, closeOnDealloc: true).readDataToEndOfFile()
            let status = child.waitUntilExit()
            continuation.resume(returning: (status, String(decoding: data, as: UTF8.self)))
        }
    }
}

/// Runs `sql` on the SQLite file at `path` with the sqlite3 command line (scripts/setup.sh installs
/// it): how tests tamper with a database behind the platform's back, waiting up to 10 s for a
/// running host's write to finish.
public func sqlite(_ sql: String, on path: String) async throws -> String {
    let (status, output) = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 10000", path, sql])
    guard status == 0 else { throw TestFailure("sqlite3 failed: \(output)") }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs `sql` on the audit trail as an intruder would: without its append-only triggers.
public func tamperWithAuditTrail(_ sql: String, on path: String) async throws {
    _ = try await sqlite("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \(sql)", on: path)
}
