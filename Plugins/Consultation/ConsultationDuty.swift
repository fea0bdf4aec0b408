import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf

/// The consultation duty roster (值班表) and the published questions (常见问题): the module's own
/// tables, and the rules that route a question to whoever is on duty and take what identifies
/// the asker out of a question before it is published.
enum ConsultationDuty {
    static let migration = StorageMigration(id: "v1-duty-and-faq", statements: [
        """
        CREATE TABLE consultation_duty (
            day TEXT NOT NULL,
            region_code TEXT NOT NULL,
            topic TEXT NOT NULL,
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            role_label TEXT NOT NULL,
            assigned INTEGER NOT NULL DEFAULT 0,
            set_by TEXT NOT NULL,
            PRIMARY KEY (day, region_code, topic, account_id)
        )
        """,
        """
        CREATE TABLE consultation_faq (
            id TEXT PRIMARY KEY,
            matter_id TEXT NOT NULL UNIQUE,
            topic TEXT NOT NULL,
            region_code TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            citations TEXT NOT NULL,
            published_at REAL NOT NULL,
            published_by TEXT NOT NULL
        )
        """,
    ])

    /// Where a question asked in `regionCode` about `topic` goes on `day`: a shift of the county,
    /// else of its city, else of the province; a shift for the topic before one for every topic;
    /// among equals the one with the fewest questions so far. Nil when nobody is on duty (the
    /// consultation desk's staff answer).
    static func onDuty(_ storage: any ModuleStorage, day: CivilDate, regionCode: String, topic: String) async throws -> SQLRow? {
        let levels = [regionCode, DivisionCode.city(of: regionCode), String(regionCode.prefix(2)) + "0000"].compactMap { $0 }
        for code in NSOrderedSet(array: levels).array as! [String] {
            let rows = try await storage.query(SQLStatement(
                """
                SELECT * FROM consultation_duty WHERE day = ? AND region_code = ? AND topic IN (?, '')
                ORDER BY topic = '' , assigned, account_id LIMIT 1
                """, [.text(day.description), .text(code), .text(topic)]))
            if let row = rows.first { return row }
        }
        return nil
    }

    /// The statement counting one more question for `shift`, run in the consultation's transaction.
    static func count(_ shift: SQLRow) -> SQLStatement {
        SQLStatement(
            "UPDATE consultation_duty SET assigned = assigned + 1 WHERE day = ? AND region_code = ? AND topic = ? AND account_id = ?",
            [shift.values["day"] ?? .null, shift.values["region_code"] ?? .null, shift.values["topic"] ?? .null, shift.values["account_id"] ?? .null])
    }

    static func shift(_ row: SQLRow, regionName: String) -> Fawang_Consultation_V1_DutyShift {
        .with {
            $0.day = row.string("day") ?? ""
            $0.regionCode = row.string("region_code") ?? ""
            $0.topic = ConsultationWorkflow.topicProto(row.string("topic") ?? "")
            $0.accountID = row.string("account_id") ?? ""
            $0.name = row.string("name") ?? ""
            $0.roleLabel = row.string("role_label") ?? ""
            $0.regionName = regionName
            $0.assigned = UInt32(row.int("assigned") ?? 0)
        }
    }

    // MARK: Anonymising

    /// `text` with the asker's name, mobile and landline numbers and identity numbers replaced.
    static func anonymised(_ text: String, name: String) -> String {
        var result = text
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty { result = result.replacingOccurrences(of: trimmed, with: "咨询人") }
        for (pattern, replacement) in patterns {
            result = pattern.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: replacement)
        }
        return result
    }

    /// What in `text` still identifies someone: nil if nothing does.
    static func identifying(_ text: String, name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, text.contains(trimmed) { return "咨询人的姓名" }
        for (pattern, _) in patterns where pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
            return "电话号码或身份证号"
        }
        return nil
    }

    /// Identity numbers (18 characters), mobile numbers (spaced or hyphenated too), landlines with
    /// an area code, then any run of 7 or more digits.
    static let patterns: [(NSRegularExpression, String)] = [
        (try! NSRegularExpression(pattern: "[1-9][0-9]{16}[0-9Xx]"), "[身份证号]"),
        (try! NSRegularExpression(pattern: "1[3-9][0-9](?:[ \\-]?[0-9]){8}"), "[电话]"),
        (try! NSRegularExpression(pattern: "0[0-9]{2,3}-?[0-9]{7,8}"), "[电话]"),
        (try! NSRegularExpression(pattern: "[0-9]{7,}"), "[号码]"),
    ]
}
