import Foundation
import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `http.trusted_proxies`: the reverse proxies (nginx, a load balancer) whose `X-Forwarded-For`
/// the gateway believes. Behind one, every visitor would otherwise be the proxy: one rate-limit
/// bucket for the whole province and the proxy's address in the audit trail.
///
/// The client is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy
/// (RFC 7239 §5.2's reasoning: each proxy appends the address it saw, so only the entries the
/// trusted ones added can be believed; anything further left the client may have written). A
/// request from an untrusted address keeps that address, whatever headers it sends.
struct TrustedProxies: Sendable, Equatable {
    let ranges: [IPRange]

    struct BadEntry: Error { let reason: String }

    /// Parses `10.0.0.1, 10.1.0.0/16, ::1`; a failure names the entry at fault.
    static func parse(_ text: String) -> Result<TrustedProxies, BadEntry> {
        var ranges: [IPRange] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let range = IPRange(entry) else {
                return .failure(BadEntry(reason: "\(entry) is not an IP address or CIDR range (e.g. 10.0.0.1, 10.0.0.0/8, ::1)"))
            }
            ranges.append(range)
        }
        return .success(TrustedProxies(ranges: ranges))
    }

    func trusts(_ address: String) -> Bool {
        guard let bytes = IPRange.bytes(address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address for a request from `remote` carrying `forwardedFor` (the header's
    /// values, in order); nil when the request came straight from a client or the header names
    /// no believable address.
    func client(remote: String, forwardedFor: [String]) -> String? {
        guard trusts(remote) else { return nil }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard IPRange.bytes(hop) != nil else { return nil }   // garbage: believe nothing further
            if !trusts(hop) { return hop }
        }
        return nil
    }
}

/// An IPv4 or IPv6 address, or a CIDR range of them.
struct IPRange: Sendable, Equatable {
    let network: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bytes = Self.bytes(parts[0]) else { return nil }
        let width = bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...width).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = width
        }
        network = bytes
    }

    func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == network.count else { return false }
        var left = prefix
        for (a, b) in zip(bytes, network) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }

    /// The address's bytes (4 or 16), or nil if it is not an IP address. `[::1]` is accepted.
    static func bytes(_ text: String) -> [UInt8]? {
        let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Sets the request's client address from `X-Forwarded-For` when it came through a trusted proxy.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let remote: String? = switch context.remoteAddress {
        case .v4(let address): address.host
        case .v6(let address): address.host
        default: nil
        }
        if let remote, let client = proxies.client(remote: remote, forwardedFor: request.headers[values: .init("X-Forwarded-For")!]) {
            context.forwardedClient = client
        }
        return try await next(request, context)
    }
}
