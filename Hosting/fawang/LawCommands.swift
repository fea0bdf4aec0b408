import ArgumentParser
import FawangCore
import FawangHost
import FawangProto
import FawangSQLite
import Foundation
import Logging
import SwiftProtobuf

/// `fawang laws`: the law, regulation and case library.
struct Laws: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The law, regulation and case library.", subcommands: [Import.self, Search.self, Article.self])

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find articles containing every word (\"quoted words\" as one phrase).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The words, e.g. 法律援助 经济困难.") var query: [String]
        @Option(name: .long, help: "法律, 行政法规, 司法解释, 部门规章, 案例, 宪法, 其他 (repeatable).") var level: [String] = []
        @Option(name: .long, help: "A category folder, e.g. 行政法 or 案例/劳动人事.") var category: String = ""
        @Flag(name: .long, help: "Only the current version of each law.") var current = false
        @Option(name: .long, help: "Results per page (1–100).") var pageSize: Int32 = 10
        @Option(name: .long, help: "The next_page_token a previous search printed.") var pageToken: String = ""

        func run() async throws {
            let request = Fawang_Laws_V1_SearchLawsRequest.with {
                $0.query = query.joined(separator: " ")
                $0.levels = level
                $0.category = category
                $0.currentOnly = current
                $0.pageSize = pageSize
                $0.pageToken = pageToken
            }
            let response = try await client.withClient { client in
                try await Fawang_Laws_V1_LawService.Client(wrapping: client).searchLaws(request)
            }
            try client.emit(response) {
                var lines = ["共 \(response.total) 条"]
                for hit in response.hits {
                    let article = hit.article
                    let version = article.versionDate.isEmpty ? "" : "（\(article.versionDate)\(article.superseded ? "，已被修订" : "")）"
                    lines.append("\n\(article.citation)\(version)  [\(article.level)]" + (article.heading.isEmpty ? "" : "  \(article.heading)"))
                    lines.append("  " + Render.highlighted(hit.snippet, hit.highlights))
                }
                if !response.nextPageToken.isEmpty { lines.append("\n下一页：--page-token \(response.nextPageToken)") }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Article: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One article by citation, e.g. 法律援助法第四十三条.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "法律援助法第四十三条, 公证法 第30条, 民法典第一千一百六十五条.") var citation: [String]

        func run() async throws {
            let text = citation.joined(separator: " ")
            let article = try await client.withClient { client in
                try await Fawang_Laws_V1_LawService.Client(wrapping: client).getArticle(.with { $0.citation = text })
            }
            try client.emit(article) {
                let version = article.versionDate.isEmpty ? "" : "（\(article.versionDate)版\(article.superseded ? "，已被修订" : "")）"
                return ["\(article.citation)\(version)", article.heading, article.text].filter { !$0.isEmpty }.joined(separator: "\n")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a tree of Markdown laws (the layout of ../shared/corpus/laws); unchanged files are skipped, changed ones replaced.")

        @Argument(help: "The folder of category folders (宪法, 行政法, 司法解释, 案例, …).")
        var directory: String

        @OptionGroup var store: LocalDatabase

        func run() async throws {
            let root = URL(fileURLWithPath: directory)
            let urls = try LawCorpus.files(under: root)
            guard !urls.isEmpty else {
                throw ValidationError("no .md law files under \(directory): give the folder that holds 宪法/, 行政法/, …")
            }
            var files: [LawFile] = []
            for url in urls {
                do {
                    files.append(try LawCorpus.read(url, root: root))
                } catch {
                    throw ValidationError("\(url.path): \(error) — fix or remove the file and import again (files already imported stay)")
                }
            }
            // The library holds no personal data. A new database is created and migrated.
            let (summary, counts) = try await store.with(label: "fawang.laws", creating: true) { storage in
                let bar = ProgressBar(total: files.count, unit: "files")
                let summary = try await storage.laws.importFiles(files) { done in bar.update(done) }
                bar.finish()
                return (summary, try await storage.laws.counts())
            }
            print("导入完成：新增 \(summary.added) 部，更新 \(summary.replaced) 部，未变 \(summary.unchanged) 部；本次写入条文 \(summary.articles) 条。法规库共 \(counts.files) 个文件、\(counts.articles) 条。")
        }
    }
}

extension Render {
    /// The snippet with each match in 【】.
    static func highlighted(_ snippet: String, _ highlights: [Fawang_Laws_V1_Highlight]) -> String {
        var characters = Array(snippet)
        for highlight in highlights.sorted(by: { $0.start > $1.start }) {
            let start = Int(highlight.start), end = Int(highlight.start + highlight.length)
            guard start >= 0, end <= characters.count, start < end else { continue }
            characters.insert("】", at: end)
            characters.insert("【", at: start)
        }
        return String(characters)
    }
}

/// A one-line progress bar on stderr (redrawn in place on a terminal, every tenth on a log).
final class ProgressBar: @unchecked Sendable {
    let total: Int
    let unit: String
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastTenth = -1

    init(total: Int, unit: String) {
        self.total = total
        self.unit = unit
    }

    func update(_ done: Int) {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let line = "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total) \(unit)"
        if terminal {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else if done * 10 / max(total, 1) != lastTenth {
            lastTenth = done * 10 / max(total, 1)
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
