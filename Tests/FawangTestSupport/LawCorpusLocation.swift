public import Foundation

/// The real law corpus the search is tested on: `FAWANG_LAW_CORPUS`, or `../shared/corpus/laws`
/// beside the repository, or `/work/shared/corpus/laws` (a clone elsewhere on this machine).
public enum LawCorpusLocation {
    public static var root: URL {
        get throws {
            let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let candidates = [ProcessInfo.processInfo.environment["FAWANG_LAW_CORPUS"]].compactMap { $0 }
                + [repo.deletingLastPathComponent().appendingPathComponent("shared/corpus/laws").path, "/work/shared/corpus/laws"]
            for path in candidates where FileManager.default.fileExists(atPath: path + "/行政法") {
                return URL(fileURLWithPath: path)
            }
            throw TestFailure("the law corpus is missing: set FAWANG_LAW_CORPUS to the folder of category folders (tried \(candidates))")
        }
    }
}
