public import Foundation
import FawangHost

/// A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate,
/// made by the `openssl` command line tool for TLS and mutual TLS tests.
public struct TestCertificates: Sendable {
    public let caCertificate: String
    public let serverCertificate: String
    public let serverKey: String
    public let clientCertificate: String
    public let clientKey: String

    /// - Parameter clientCommonName: the client certificate's CN (a service account's login).
    public init(in directory: URL, clientCommonName: String = "hall-window-01") throws {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        caCertificate = path("ca.pem")
        serverCertificate = path("server.pem")
        serverKey = path("server.key")
        clientCertificate = path("client.pem")
        clientKey = path("client.key")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=Fawang Test CA", "-keyout", path("ca.key"), "-out", caCertificate],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
             "-keyout", serverKey, "-out", path("server.csr")],
            ["x509", "-req", "-in", path("server.csr"), "-CA", caCertificate, "-CAkey", path("ca.key"), "-CAcreateserial",
             "-days", "2", "-extfile", path("server.ext"), "-out", serverCertificate],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(clientCommonName)",
             "-keyout", clientKey, "-out", path("client.csr")],
            ["x509", "-req", "-in", path("client.csr"), "-CA", caCertificate, "-CAkey", path("ca.key"), "-CAcreateserial",
             "-days", "2", "-out", clientCertificate],
        ]
        for arguments in steps {
            guard try SpawnedProcess("/usr/bin/openssl", arguments).waitUntilExit() == 0 else {
                throw TestFailure("openssl \(arguments.prefix(2).joined(separator: " ")) failed (apt-get install openssl)")
            }
        }
    }
}
