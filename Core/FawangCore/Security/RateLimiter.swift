import Synchronization

/// Token buckets per caller: each caller may make `burst` calls at once and then one call every
/// `60 / perMinute` seconds. Pure arithmetic over the times it is given, so it is tested without
/// a clock; the host feeds it monotonic seconds.
public final class RateLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        /// When refused: seconds until the next call would be allowed.
        public var retryAfterSeconds: Double
    }

    private struct Bucket {
        var tokens: Double
        var updatedAt: Double
    }

    public let perMinute: Int
    public let burst: Int
    private let maxCallers: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    /// - Parameter maxCallers: buckets kept at most; full buckets are dropped first when exceeded.
    public init(perMinute: Int, burst: Int, maxCallers: Int = 100_000) {
        precondition(perMinute > 0 && burst > 0)
        self.perMinute = perMinute
        self.burst = burst
        self.maxCallers = maxCallers
    }

    private var refillPerSecond: Double { Double(perMinute) / 60 }

    /// Takes one token from `caller`'s bucket at time `now` (seconds), if there is one.
    public func take(_ caller: String, now: Double) -> Decision {
        buckets.withLock { buckets in
            var bucket = buckets[caller] ?? Bucket(tokens: Double(burst), updatedAt: now)
            bucket.tokens = min(Double(burst), bucket.tokens + max(0, now - bucket.updatedAt) * refillPerSecond)
            bucket.updatedAt = now
            let decision: Decision
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                decision = Decision(allowed: true, retryAfterSeconds: 0)
            } else {
                decision = Decision(allowed: false, retryAfterSeconds: (1 - bucket.tokens) / refillPerSecond)
            }
            buckets[caller] = bucket
            if buckets.count > maxCallers { evict(&buckets, now: now) }
            return decision
        }
    }

    /// Drops buckets that would be full by now (they carry no information), then, if still too
    /// many, the least recently used half.
    private func evict(_ buckets: inout [String: Bucket], now: Double) {
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.updatedAt) * refillPerSecond < Double(burst) }
        if buckets.count > maxCallers {
            let cutoff = buckets.values.map(\.updatedAt).sorted()[buckets.count / 2]
            buckets = buckets.filter { $0.value.updatedAt >= cutoff }
        }
    }

    public var callerCount: Int { buckets.withLock { $0.count } }
}
