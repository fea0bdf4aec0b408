#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import Foundation

/// Files and folders that hold personal data (names, identity numbers, phones) or keys: created
/// readable by the owner only — folders 0700, files 0600 — set explicitly, whatever the umask.
///
/// SQLite gives a database's `-wal` and `-shm` files the mode of the database file, so creating
/// the database file here (before SQLite opens it) covers those too.
public enum PrivateFiles {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// Creates the folder at `path` and any missing parents, each 0700. An existing folder is
    /// left as it is.
    public static func createDirectory(_ path: String) throws {
        var missing: [String] = []
        var url = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.append(url.path)
            url = url.deletingLastPathComponent()
        }
        for folder in missing.reversed() {
            if mkdir(folder, directoryMode) != 0 {
                let code = errno
                guard code == EEXIST else { throw FawangError(.failedPrecondition, "cannot create the folder \(folder): \(String(cString: strerror(code)))") }
                continue
            }
            guard chmod(folder, directoryMode) == 0 else {
                throw FawangError(.failedPrecondition, "cannot set mode 0700 on \(folder): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Creates an empty file at `path` with mode 0600 unless it exists; an existing file is never
    /// truncated or changed.
    public static func createFileIfMissing(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return }
            throw FawangError(.failedPrecondition, "cannot create \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, fileMode) == 0 else {
            throw FawangError(.failedPrecondition, "cannot set mode 0600 on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a new file at `path` (which must not exist) with mode 0600 from its first byte.
    public static func createFile(_ path: String, contents: Data) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw FawangError(.failedPrecondition, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, fileMode) == 0 else {
            throw FawangError(.failedPrecondition, "cannot set mode 0600 on \(path): \(String(cString: strerror(errno)))")
        }
        try contents.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FawangError(.failedPrecondition, "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else {
            throw FawangError(.failedPrecondition, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The permission bits of `path` (e.g. `0o644`), or nil if nothing is there.
    public static func mode(of path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_mode & 0o7777)
    }

    /// Whether `mode` lets anyone but the owner read, write or enter.
    public static func isLoose(_ mode: Int) -> Bool { mode & 0o077 != 0 }

    /// `0644`.
    public static func octal(_ mode: Int) -> String { String(format: "%04o", mode) }
}
