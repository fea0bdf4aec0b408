import ArgumentParser
import FawangPluginKit
import FawangProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// Where the CLI keeps its session: `$FAWANG_SESSION`, else `~/.config/fawang/session.json`
/// (mode 0600). Every client command sends its access token as `authorization: Bearer …`.
enum SessionFile {
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["FAWANG_SESSION"], !path.isEmpty { return path }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config/fawang/session.json").path
    }

    static func load() -> Fawang_Identity_V1_Session? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? Fawang_Identity_V1_Session(jsonUTF8Data: data)
    }

    static func save(_ session: Fawang_Identity_V1_Session) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = try session.jsonUTF8Data()
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write the session file \(path)")
        }
    }

    static func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Log in and keep the session for later commands.")
    @OptionGroup var client: ClientOptions
    @Option(name: .long, help: "Account name, or a citizen's phone number.") var login: String
    @Option(name: .long, help: "Password (or env FAWANG_PASSWORD).")
    var password: String = ProcessInfo.processInfo.environment["FAWANG_PASSWORD"] ?? ""

    func run() async throws {
        let request = Fawang_Identity_V1_LoginRequest.with {
            $0.login = login
            $0.password = password
        }
        let session = try await client.withClient(authenticated: false) { grpc in
            try await Fawang_Identity_V1_IdentityService.Client(wrapping: grpc).login(request)
        }
        try SessionFile.save(session)
        print("已登录：\(session.principal.displayName)（\(session.principal.role)，\(session.principal.regionCode)）；会话保存在 \(SessionFile.path)")
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke the saved session and forget it.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        // Refreshed first if the access token has expired, so that both tokens are revoked.
        guard let session = try await client.currentSession() else {
            SessionFile.remove()
            print("未登录")
            return
        }
        _ = try await client.withClient { grpc in
            try await Fawang_Identity_V1_IdentityService.Client(wrapping: grpc).logout(.with { $0.refreshToken = session.refreshToken })
        }
        SessionFile.remove()
        print("已退出登录")
    }
}

struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Who the server takes you for.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let principal = try await client.withClient { grpc in
            try await Fawang_Identity_V1_IdentityService.Client(wrapping: grpc).whoAmI(.init())
        }
        try client.emit(principal) { "\(principal.accountID)\t\(principal.displayName)\t\(principal.role)\t\(principal.regionCode)" }
    }
}
