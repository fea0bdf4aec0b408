import Crypto
import Foundation

/// What the matters' derived indexes (deadlines, facts and rollups, credit, opinion, phones)
/// depend on besides the matters themselves: this build — its executable's path, size and time
/// of modification, since the workflows, deadline rules, milestones and the credit and opinion
/// rules are compiled in — the rule lengths configured and the working-day calendar. A start-up
/// whose fingerprint matches the last complete derivation's skips re-deriving every matter
/// (``MatterStore/refreshIndexes(unlessDerivedWith:)``): each write keeps the indexes in its own
/// transaction, so they are current after any restart, `kill -9` included.
public enum IndexFingerprint {
    /// Bumped when the derivation changes in a way a build's identity would not show (never so far).
    static let version = "indexes-1"

    /// The fingerprint of `engine`'s rules and calendar as built by `build` (``currentBuild``).
    public static func of(_ engine: DeadlineEngine, build: String = currentBuild) -> String {
        var text = [version, build]
        text += engine.ruleDays.sorted { $0.key < $1.key }.map { "rule \($0.key)=\($0.value)" }
        for year in engine.calendar.years.values.sorted(by: { $0.year < $1.year }) {
            text.append("year \(year.year) \(year.source) \(year.origin)")
            text += year.holidays.sorted { $0.key < $1.key }.map { "holiday \($0.key) \($0.value)" }
            text += year.makeUpWorkdays.sorted { $0.key < $1.key }.map { "workday \($0.key) \($0.value)" }
        }
        return RequestDigest.hex(SHA256.hash(data: Data(text.joined(separator: "\n").utf8)))
    }

    /// This process's executable: its path, size and time of modification; a new build is a new
    /// fingerprint. A fresh random value when it cannot be read (then every start re-derives).
    public static var currentBuild: String {
        guard let path = Bundle.main.executablePath,
            let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber, let modified = attributes[.modificationDate] as? Date
        else { return "unknown-build-\(UUID().uuidString)" }
        return "\(path) \(size) \(modified.timeIntervalSince1970)"
    }
}
