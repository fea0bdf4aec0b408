import FawangCore
import Foundation
import GRPCCore
import Prometheus
import Synchronization

/// Calls, errors and latency per gRPC method and per module, in one Prometheus registry that the
/// metrics endpoint renders. Labels carry method, module and status code only — never request
/// content.
final class PlatformMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let modules: ModuleRegistry
    private let writes: WriteGate

    private let admission: CallAdmission?
    private let refusedCounted = Mutex(0)

    init(registry: PrometheusCollectorRegistry, modules: ModuleRegistry, writes: WriteGate, admission: CallAdmission? = nil) {
        self.registry = registry
        self.modules = modules
        self.writes = writes
        self.admission = admission
    }

    static var calls: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "calls", unitName: "total", helpText: "gRPC calls handled, by method, module and status code.") }
    static var errors: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "errors", unitName: "total", helpText: "gRPC calls that ended with a non-OK status.") }
    static var readOnly: MetricNameDescriptor { .init(namespace: "fawang", metricName: "read_only", unitName: "", helpText: "1 while the host serves reads only because its audit trail did not verify (alert on it), else 0.") }
    static var inFlight: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "in_flight", unitName: "", helpText: "gRPC calls in flight now (limits.calls_in_flight).") }
    static var refused: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "refused", unitName: "total", helpText: "gRPC calls refused RESOURCE_EXHAUSTED before any handler, over limits.calls_in_flight (not in fawang_rpc_calls_total).") }
    static var exchangeDeliveries: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "exchange", metricName: "deliveries", unitName: "total", helpText: "Deliveries to the national platform, by outcome: accepted, duplicate, rejected (refused for good), failed (no receipt: retried).") }
    static var exchangeReferrals: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "exchange", metricName: "referrals", unitName: "total", helpText: "Referrals from the national platform, by outcome: taken (filed as a matter), refused (answered with the reason), duplicate (offered again, skipped).") }
    static var exchangePending: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "exchange", metricName: "pending", unitName: "", helpText: "Outbox entries not yet acknowledged by the national platform (alert when it keeps growing).") }
    static var externalPluginUp: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "external_plugin", metricName: "up", unitName: "", helpText: "1 while an external plugin serves, 0 while it is down, hung (breaker open) or refused (alert on it).") }
    static var externalPluginRestarts: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "external_plugin", metricName: "restarts", unitName: "total", helpText: "Times a started external plugin exited and was restarted.") }
    static var externalPluginBreakerOpens: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "external_plugin", metricName: "breaker_opens", unitName: "total", helpText: "Times an external plugin's circuit breaker opened after calls in a row failed or timed out.") }
    static var duration: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "duration", unitName: "seconds", helpText: "gRPC handling time, by method and module.") }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// One method's collectors, made once: the registry's `make…` builds names and label keys and
    /// takes its lock on every call, which on the hot path cost more than the handlers they count.
    /// ``PlatformInterceptor`` keeps each method's with its route.
    final class MethodCollectors: Sendable {
        private let registry: PrometheusCollectorRegistry
        private let base: [(String, String)]
        private let ok: Counter
        private let errors: Counter
        private let duration: DurationHistogram
        private let failed = Mutex<[RPCError.Code: Counter]>([:])

        fileprivate init(registry: PrometheusCollectorRegistry, method: String, module: String) {
            self.registry = registry
            base = [("method", method), ("module", module)]
            ok = registry.makeCounter(descriptor: PlatformMetrics.calls, labels: base + [("code", "ok")])
            errors = registry.makeCounter(descriptor: PlatformMetrics.errors, labels: base)
            duration = registry.makeDurationHistogram(descriptor: PlatformMetrics.duration, labels: base, buckets: PlatformMetrics.latencyBuckets)
        }

        /// One call that ended with `code` (nil: OK) after `duration`.
        func record(code: RPCError.Code?, duration: Duration) {
            if let code {
                let (registry, base) = (self.registry, self.base)
                failed.withLock { failed in
                    if let counter = failed[code] { return counter }
                    let counter = registry.makeCounter(descriptor: PlatformMetrics.calls, labels: base + [("code", "\(code)")])
                    failed[code] = counter
                    return counter
                }.increment()
                errors.increment()
            } else {
                ok.increment()
            }
            self.duration.record(duration)
        }
    }

    /// The collectors of `method`, labelled with its module (`platform` for the host's own).
    func collectors(for method: MethodDescriptor) -> MethodCollectors {
        let module = modules.module(forService: method.service.fullyQualifiedService)?.manifest.id ?? "platform"
        return MethodCollectors(registry: registry, method: method.fullyQualifiedMethod, module: module)
    }

    func render() -> [UInt8] {
        registry.makeGauge(descriptor: Self.readOnly).set(to: writes.isOpen ? 0.0 : 1.0)
        if let admission {
            let figures = admission.figures
            registry.makeGauge(descriptor: Self.inFlight).set(to: Double(figures.inFlight))
            // A counter, moved on by what was refused since the last scrape.
            let counted = refusedCounted.withLock { counted in
                defer { counted = figures.refused }
                return counted
            }
            registry.makeCounter(descriptor: Self.refused).increment(by: Int64(figures.refused - counted))
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
