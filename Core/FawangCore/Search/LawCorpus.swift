public import Foundation

/// Reads a tree of Markdown laws in the corpus layout (`<category>/<name>(YYYY-MM-DD).md`,
/// `_index.md` and the template `法律法规模版.md` skipped).
public enum LawCorpus {
    /// The laws the platform's lines cite (法律援助法, 人民调解法, 公证法, 律师法, 行政许可法,
    /// 信访工作条例, 政府信息公开条例), shipped so a fresh host can search and resolve its own
    /// citations; `fawang laws import` adds the whole corpus.
    public static var seedRoot: URL? { Bundle.module.url(forResource: "laws", withExtension: nil) }

    /// Every law file below `root`, by path, sorted.
    public static func files(under root: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw FawangError(.notFound, "\(root.path) cannot be read: give the folder that holds the category folders (宪法, 行政法, …)")
        }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "md" {
            let name = url.lastPathComponent
            if name == "_index.md" || name == "法律法规模版.md" || name.hasPrefix(".") { continue }
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The file at `url`, named by its path below `root`.
    public static func read(_ url: URL, root: URL) throws -> LawFile {
        let rootPath = root.standardizedFileURL.path.hasSuffix("/") ? root.standardizedFileURL.path : root.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path.hasPrefix(rootPath) ? String(url.standardizedFileURL.path.dropFirst(rootPath.count)) : url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw FawangError(.invalidArgument, "\(url.path) is not UTF-8 text")
        }
        return LawFile(path: path, markdown: text)
    }
}
