// A stand-in for the national 12348 platform's exchange endpoint: the peer the host's outbox
// pushes to in tests and trials (docs/operations.md, "National exchange").
//
//   fawang-national-standin --database PATH --public-key BASE64 [--port N] [--ports-file FILE]
//                           [--tls-cert PEM --tls-key PEM] [--national-key FILE --referrals FILE]
//
// Serves national.exchange.v1.NationalExchange/Deliver as the contract describes it: checks the
// Ed25519 signature against the province's registered public key, refuses unknown kinds and
// payloads that are not a JSON object (DISPOSITION_REJECTED), and applies each message id once:
// the first delivery is recorded (DISPOSITION_ACCEPTED), a later one changes nothing
// (DISPOSITION_DUPLICATE). A receipt is sent only after the delivery is durable (SQLite,
// synchronous=FULL), so a `kill -9` never loses an acknowledged envelope. Every delivery, with
// its disposition, is logged in the `deliveries` table; the envelopes in `received`.
//
// It also offers referrals (FetchReferrals): `--referrals` is a file of JSON lines, each
// `{"sequence": N, "message_id": "…", "destination": "640000", "payload": {…}}` (optional `"kind"`,
// default "referral", and `"bad_signature": true` to sign it with a key nobody registered),
// loaded into the `referrals` table at start (a sequence already there is kept) and signed with
// the national key in `--national-key` (one base64 line of an Ed25519 private key). Every fetch is
// logged in `fetches`.
import Crypto
import FawangCore
import FawangProto
import Foundation
import GRDB
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf

struct Standin: National_Exchange_V1_NationalExchange.SimpleServiceProtocol {
    let database: DatabaseQueue
    let publicKey: Curve25519.Signing.PublicKey
    /// The national platform's own source code in the envelopes it signs.
    static let nationalSource = "000000"

    func fetchReferrals(
        request: National_Exchange_V1_FetchReferralsRequest, context: ServerContext
    ) async throws -> National_Exchange_V1_FetchReferralsResponse {
        let limit = max(1, min(Int(request.limit), 500))
        return try await database.write { db in
            try db.execute(
                sql: "INSERT INTO fetches (destination, after_sequence, at) VALUES (?, ?, ?)",
                arguments: [request.destination, request.afterSequence, Date().timeIntervalSince1970])
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, message_id, kind, payload, created_at_micros, key_id, signature FROM referrals
                    WHERE destination = ? AND sequence > ? ORDER BY sequence LIMIT ?
                    """,
                arguments: [request.destination, request.afterSequence, limit])
            return .with {
                $0.referrals = rows.map { row in
                    .with {
                        $0.sequence = row["sequence"]
                        $0.envelope = .with {
                            $0.messageID = row["message_id"]
                            $0.source = Self.nationalSource
                            $0.kind = row["kind"]
                            $0.payload = row["payload"]
                            $0.createdAtMicros = row["created_at_micros"]
                            $0.keyID = row["key_id"]
                            $0.signature = row["signature"]
                        }
                    }
                }
            }
        }
    }

    /// Loads `file`'s referrals, signed with `key` (or, marked `bad_signature`, with a stranger's).
    static func load(referrals file: String, key: Curve25519.Signing.PrivateKey, into database: DatabaseQueue) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try database.write { db in
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let sequence = object["sequence"] as? Int, let id = object["message_id"] as? String,
                    let destination = object["destination"] as? String, let body = object["payload"]
                else {
                    throw StandinError("\(file): each line needs sequence, message_id, destination and payload: \(line.prefix(120))")
                }
                let kind = object["kind"] as? String ?? "referral"
                let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
                let created = Int64(Date().timeIntervalSince1970 * 1_000_000)
                let signer = object["bad_signature"] as? Bool == true ? Curve25519.Signing.PrivateKey() : key
                let signature = try signer.signature(
                    for: NationalExchange.signingBytes(messageID: id, source: nationalSource, kind: kind, createdAtMicros: created, payload: payload))
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO referrals (sequence, message_id, destination, kind, payload, created_at_micros, key_id, signature)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [sequence, id, destination, kind, payload, created, ExchangeSigningKey.keyID(of: key.publicKey), signature])
            }
        }
    }

    func deliver(request: National_Exchange_V1_Envelope, context: ServerContext) async throws -> National_Exchange_V1_Receipt {
        var receipt = National_Exchange_V1_Receipt()
        receipt.messageID = request.messageID
        let problem: String? =
            if request.messageID.isEmpty {
                "message_id is empty"
            } else if !ExchangeSigningKey.verify(
                signature: request.signature, publicKey: publicKey, messageID: request.messageID, source: request.source, kind: request.kind,
                createdAtMicros: request.createdAtMicros, payload: request.payload)
            {
                "the signature does not verify with the registered key"
            } else if NationalExchange.Kind(rawValue: request.kind) == nil {
                "unknown kind \(request.kind)"
            } else if (try? JSONSerialization.jsonObject(with: request.payload)) as? [String: Any] == nil {
                "the payload is not a JSON object"
            } else {
                nil
            }
        let disposition: National_Exchange_V1_Receipt.Disposition = try await database.write { db in
            var disposition = National_Exchange_V1_Receipt.Disposition.rejected
            if problem == nil {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO received (message_id, source, kind, payload, created_at_micros, key_id, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        request.messageID, request.source, request.kind, request.payload, request.createdAtMicros, request.keyID,
                        Date().timeIntervalSince1970,
                    ])
                disposition = db.changesCount == 1 ? .accepted : .duplicate
            }
            try db.execute(
                sql: "INSERT INTO deliveries (message_id, disposition, reason, at) VALUES (?, ?, ?, ?)",
                arguments: [request.messageID, "\(disposition)", problem ?? "", Date().timeIntervalSince1970])
            return disposition
        }
        receipt.disposition = disposition
        receipt.reason = problem ?? ""
        return receipt
    }
}

@main
struct NationalStandin {
    static func main() async throws {
        var (port, portsFile, path, key) = (0, String?.none, String?.none, String?.none)
        var (certificate, privateKey) = (String?.none, String?.none)
        var (nationalKeyFile, referralsFile) = (String?.none, String?.none)
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--port": port = Int(arguments.next() ?? "") ?? -1
            case "--ports-file": portsFile = arguments.next()
            case "--database": path = arguments.next()
            case "--public-key": key = arguments.next()
            case "--tls-cert": certificate = arguments.next()
            case "--tls-key": privateKey = arguments.next()
            case "--national-key": nationalKeyFile = arguments.next()
            case "--referrals": referralsFile = arguments.next()
            default: usage("unknown argument \(argument)")
            }
        }
        guard let path else { usage("--database is required") }
        guard let key, let raw = Data(base64Encoded: key), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            usage("--public-key must be the province's Ed25519 public key in base64 (fawang logs it at start-up)")
        }
        guard (0...65535).contains(port) else { usage("--port must be 0…65535") }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try await database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS received (
                    message_id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,
                    created_at_micros INTEGER NOT NULL, key_id TEXT NOT NULL, received_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS deliveries (
                    n INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, disposition TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS referrals (
                    sequence INTEGER PRIMARY KEY, message_id TEXT NOT NULL, destination TEXT NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,
                    created_at_micros INTEGER NOT NULL, key_id TEXT NOT NULL, signature BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS fetches (
                    n INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, after_sequence INTEGER NOT NULL, at REAL NOT NULL);
                """)
        }
        switch (nationalKeyFile, referralsFile) {
        case (nil, nil): break
        case (let keyFile?, let referrals?):
            let key = try ExchangeSigningKey(text: try String(contentsOfFile: keyFile, encoding: .utf8), from: keyFile)
            try Standin.load(referrals: referrals, key: key.privateKey, into: database)
        default: usage("--national-key and --referrals go together")
        }
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        switch (certificate, privateKey) {
        case (nil, nil): security = .plaintext
        case (let certificate?, let privateKey?):
            security = .tls(certificateChain: [.file(path: certificate, format: .pem)], privateKey: .file(path: privateKey, format: .pem))
        default: usage("--tls-cert and --tls-key go together")
        }
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: security)
        let server = GRPCServer(transport: transport, services: [Standin(database: database, publicKey: publicKey)])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            guard let bound = try await transport.listeningAddress.ipv4?.port else {
                throw RPCError(code: .internalError, message: "no IPv4 listening address")
            }
            print("fawang-national-standin serving on 127.0.0.1:\(bound)")
            if let portsFile {
                try Data("{\"grpc\": \(bound)}\n".utf8).write(to: URL(fileURLWithPath: portsFile), options: .atomic)
            }
        }
    }

    static func usage(_ problem: String) -> Never {
        FileHandle.standardError.write(Data("fawang-national-standin: \(problem)\nusage: fawang-national-standin --database PATH --public-key BASE64 [--port N] [--ports-file FILE] [--tls-cert PEM --tls-key PEM] [--national-key FILE --referrals FILE]\n".utf8))
        exit(2)
    }
}

struct StandinError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
