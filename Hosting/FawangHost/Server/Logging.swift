import Foundation
public import Logging
import Synchronization

/// The log level shared by every logger of the host, changed live by `log.level`.
public final class LogLevelControl: Sendable {
    private let storage: Mutex<Logger.Level>

    public init(_ level: Logger.Level) { storage = Mutex(level) }

    public var level: Logger.Level {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// One line per entry on stderr: `text` as `time level label: message key=value …`, or `json`
/// as one object per line for log shippers. Never pass personal data as metadata.
public struct FawangLogHandler: LogHandler {
    public enum Format: String, Sendable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let control: LogLevelControl

    public init(label: String, format: Format, control: LogLevelControl) {
        self.label = label
        self.format = format
        self.control = control
    }

    public var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        var line: String
        switch format {
        case .text:
            line = "\(time) \(event.level) \(label): \(event.message)"
            for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        case .json:
            var object: [String: String] = ["time": time, "level": "\(event.level)", "label": label, "message": "\(event.message)"]
            for (key, value) in merged { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
