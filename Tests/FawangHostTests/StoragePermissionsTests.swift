import FawangCatalog
import FawangCore
import FawangHost
import FawangTestSupport
import Foundation
import Testing

/// The database, its -wal/-shm files and the key files hold names, identity numbers and phones:
/// the host creates them readable by its own user only, and refuses to start on looser ones.
@Suite(.serialized) struct StoragePermissionsTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-modes-\(UUID().uuidString)")
    var data: URL { directory.appendingPathComponent("data") }
    var configPath: String { directory.appendingPathComponent("fawang.yaml").path }
    var database: String { data.appendingPathComponent("fawang.sqlite").path }

    func writeConfig(_ extra: String = "") throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try TestPlatform.configYAML(directory: data, extra: extra).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    func chmod(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func theDataDirectoryAndEveryFileInItAreTheOwnersOnly() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeConfig()
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in
            #expect(try mode(data.path) == 0o700)
            let files = try FileManager.default.contentsOfDirectory(atPath: data.path)
            for name in ["fawang.sqlite", "fawang.sqlite-wal", "fawang.sqlite-shm", "fawang.keys", "fawang.token-key"] {
                #expect(files.contains(name), "\(files)")
            }
            for name in files {
                #expect(try mode(data.appendingPathComponent(name).path) == 0o600, "\(name)")
            }
        }
    }

    @Test(arguments: ["fawang.sqlite", "fawang.keys", "fawang.token-key"])
    func aLooseFileIsRefusedUnlessTheConfigAllowsIt(_ name: String) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeConfig()
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
        let path = data.appendingPathComponent(name).path
        try chmod(path, 0o644)
        do {
            try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
            Issue.record("started on \(name) with mode 0644")
        } catch let error as FawangError {
            #expect(error.code == .failedPrecondition)
            for text in [path, "0644", "chmod 600 \(path)", "storage.allow_loose_permissions"] {
                #expect(error.message.contains(text), "\(error.message)")
            }
        }
        try writeConfig("storage.allow_loose_permissions: true\n")
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
        #expect(try mode(path) == 0o644, "allowed means left as it is")
        // After the chmod the message names (SQLite gave a loose database's -wal/-shm its mode), it starts.
        try writeConfig()
        for name in try FileManager.default.contentsOfDirectory(atPath: data.path) {
            // The stopped host's last connection may remove -wal/-shm after the listing: a file
            // gone meanwhile needs no chmod.
            let path = data.appendingPathComponent(name).path
            if Foundation.chmod(path, 0o600) != 0 {
                let failure = errno
                #expect(failure == ENOENT, "chmod \(path): errno \(failure)")
            }
        }
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
    }
}
