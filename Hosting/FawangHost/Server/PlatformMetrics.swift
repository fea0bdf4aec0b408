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

    init(registry: PrometheusCollectorRegistry, modules: ModuleRegistry, writes: WriteGate) {
        self.registry = registry
        self.modules = modules
        self.writes = writes
    }

    static var calls: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "calls", unitName: "total", helpText: "gRPC calls handled, by method, module and status code.") }
    static var errors: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "errors", unitName: "total", helpText: "gRPC calls that ended with a non-OK status.") }
    static var readOnly: MetricNameDescriptor { .init(namespace: "fawang", metricName: "read_only", unitName: "", helpText: "1 while the host serves reads only because its audit trail did not verify (alert on it), else 0.") }
    static var duration: MetricNameDescriptor { .init(namespace: "fawang", subsystem: "rpc", metricName: "duration", unitName: "seconds", helpText: "gRPC handling time, by method and module.") }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]

    func record(method: MethodDescriptor, code: RPCError.Code?, duration: Duration) {
        let module = modules.module(forService: method.service.fullyQualifiedService)?.manifest.id ?? "platform"
        let base = [("method", method.fullyQualifiedMethod), ("module", module)]
        let status = code.map { "\($0)" } ?? "ok"
        registry.makeCounter(descriptor: Self.calls, labels: base + [("code", status)]).increment()
        if code != nil {
            registry.makeCounter(descriptor: Self.errors, labels: base).increment()
        }
        registry.makeDurationHistogram(descriptor: Self.duration, labels: base, buckets: Self.latencyBuckets).record(duration)
    }

    func render() -> [UInt8] {
        registry.makeGauge(descriptor: Self.readOnly).set(to: writes.isOpen ? 0.0 : 1.0)
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
