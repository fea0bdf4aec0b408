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
    static var duration: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "duration", unitName: "seconds", helpText: "gRPC handling time, by method and module.") }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// One method's collectors, made once: the registry's `make…` builds names and label keys and
    /// takes its lock on every call, which on the hot path cost more than the handlers they count.
    private final class MethodCollectors: Sendable {
        let base: [(String, String)]
        let ok: Counter
        let errors: Counter
        let duration: DurationHistogram
        let failed = Mutex<[RPCError.Code: Counter]>([:])

        init(registry: PrometheusCollectorRegistry, method: String, module: String) {
            base = [("method", method), ("module", module)]
            ok = registry.makeCounter(descriptor: PlatformMetrics.calls, labels: base + [("code", "ok")])
            errors = registry.makeCounter(descriptor: PlatformMetrics.errors, labels: base)
            duration = registry.makeDurationHistogram(descriptor: PlatformMetrics.duration, labels: base, buckets: PlatformMetrics.latencyBuckets)
        }
    }

    private let collectors = Mutex<[String: MethodCollectors]>([:])

    private func collectors(for method: MethodDescriptor) -> MethodCollectors {
        let name = method.fullyQualifiedMethod
        if let known = collectors.withLock({ $0[name] }) { return known }
        let module = modules.module(forService: method.service.fullyQualifiedService)?.manifest.id ?? "platform"
        let made = MethodCollectors(registry: registry, method: name, module: module)
        return collectors.withLock { collectors in
            if let known = collectors[name] { return known }
            collectors[name] = made
            return made
        }
    }

    func record(method: MethodDescriptor, code: RPCError.Code?, duration: Duration) {
        let method = collectors(for: method)
        if let code {
            let registry = self.registry
            method.failed.withLock { failed in
                if let counter = failed[code] { return counter }
                let counter = registry.makeCounter(descriptor: Self.calls, labels: method.base + [("code", "\(code)")])
                failed[code] = counter
                return counter
            }.increment()
            method.errors.increment()
        } else {
            method.ok.increment()
        }
        method.duration.record(duration)
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

/// Times each call (for streaming responses: until the stream ends) and records its status.
struct MetricsInterceptor: ServerInterceptor {
    let metrics: PlatformMetrics

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let clock = ContinuousClock()
        let start = clock.now
        let method = context.descriptor
        do {
            var response = try await next(request, context)
            switch response.accepted {
            case .success(var contents):
                let producer = contents.producer
                let metrics = self.metrics
                contents.producer = { writer in
                    do {
                        let trailers = try await producer(writer)
                        metrics.record(method: method, code: nil, duration: clock.now - start)
                        return trailers
                    } catch {
                        metrics.record(method: method, code: (error as? RPCError)?.code ?? .unknown, duration: clock.now - start)
                        throw error
                    }
                }
                response.accepted = .success(contents)
            case .failure(let error):
                metrics.record(method: method, code: error.code, duration: clock.now - start)
            }
            return response
        } catch {
            metrics.record(method: method, code: (error as? RPCError)?.code ?? .unknown, duration: clock.now - start)
            throw error
        }
    }
}
