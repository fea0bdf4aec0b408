import FawangCore
import Testing

@Suite struct RateLimiterTests {
    @Test func burstThenSustainedRate() {
        let limiter = RateLimiter(perMinute: 60, burst: 3)
        #expect((0..<3).allSatisfy { _ in limiter.take("a", now: 0).allowed })
        let refused = limiter.take("a", now: 0)
        #expect(!refused.allowed)
        #expect(refused.retryAfterSeconds == 1)
        #expect(!limiter.take("a", now: 0.5).allowed)
        #expect(limiter.take("a", now: 1.5).allowed)
        // Refilling never exceeds the burst.
        #expect((0..<3).allSatisfy { _ in limiter.take("a", now: 1000).allowed })
        #expect(!limiter.take("a", now: 1000).allowed)
    }

    @Test func callersAreIndependent() {
        let limiter = RateLimiter(perMinute: 1, burst: 1)
        #expect(limiter.take("a", now: 0).allowed)
        #expect(!limiter.take("a", now: 1).allowed)
        #expect(limiter.take("b", now: 1).allowed)
    }

    @Test func memoryStaysBounded() {
        let limiter = RateLimiter(perMinute: 60, burst: 2, maxCallers: 100)
        for caller in 0..<10_000 { _ = limiter.take("c\(caller)", now: Double(caller) / 1000) }
        #expect(limiter.callerCount <= 100)
        // A caller still being limited keeps its bucket: eviction takes full buckets first.
        _ = limiter.take("hot", now: 10)
        _ = limiter.take("hot", now: 10)
        for caller in 0..<200 { _ = limiter.take("d\(caller)", now: 10) }
        #expect(!limiter.take("hot", now: 10).allowed)
    }
}
