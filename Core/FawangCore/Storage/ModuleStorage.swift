public import Foundation

/// A value bound to a `?` placeholder or read from a column.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

extension SQLValue {
    /// An optional value, NULL when absent.
    public static func of(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    public static func of(_ value: Double?) -> SQLValue { value.map(SQLValue.real) ?? .null }
    public static func of(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
    public static func of(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
}

/// One SQL statement in the portable subset both engines accept (SQLite and PostgreSQL), with
/// `?` placeholders. Plugins write their own tables through this, never through an engine's types.
public struct SQLStatement: Sendable, Equatable {
    public var sql: String
    public var arguments: [SQLValue]
    /// When set, the statement must change at least one row: if it changes none (a guarded
    /// `INSERT … SELECT … WHERE` whose condition failed), the whole transaction rolls back with
    /// `FAILED_PRECONDITION` and this message.
    public var unlessChanged: String?

    public init(_ sql: String, _ arguments: [SQLValue] = [], unlessChanged: String? = nil) {
        self.sql = sql
        self.arguments = arguments
        self.unlessChanged = unlessChanged
    }
}

/// A result row, by column name.
public struct SQLRow: Sendable, Equatable {
    public var values: [String: SQLValue]

    public init(values: [String: SQLValue]) { self.values = values }

    public func string(_ column: String) -> String? {
        switch values[column] {
        case .text(let text): text
        case .integer(let number): String(number)
        default: nil
        }
    }

    public func int(_ column: String) -> Int? {
        switch values[column] {
        case .integer(let number): Int(number)
        case .text(let text): Int(text)
        default: nil
        }
    }

    public func int64(_ column: String) -> Int64? {
        switch values[column] {
        case .integer(let number): number
        case .text(let text): Int64(text)
        default: nil
        }
    }

    public func bool(_ column: String) -> Bool? { int(column).map { $0 != 0 } }

    public func data(_ column: String) -> Data? {
        switch values[column] {
        case .blob(let data): data
        case .text(let text): Data(text.utf8)
        default: nil
        }
    }

    public func real(_ column: String) -> Double? {
        switch values[column] {
        case .real(let number): number
        case .integer(let number): Double(number)
        default: nil
        }
    }
}

/// A versioned schema change a module owns. Applied once, in order of declaration, recorded as
/// `<module id>/<id>`; never edit a migration that has shipped, add a new one.
public struct StorageMigration: Sendable, Equatable {
    public var id: String
    public var statements: [String]

    public init(id: String, statements: [String]) {
        self.id = id
        self.statements = statements
    }
}

/// What a plugin may do with its own tables: run statements in one transaction, and query.
public protocol ModuleStorage: Sendable {
    /// Runs all statements in one durable transaction.
    func execute(_ statements: [SQLStatement]) async throws
    /// Runs all statements and appends `audit` to the audit trail, in one durable transaction: for
    /// changes of a module's own records that people are accountable for (a register entry, an
    /// imported result).
    func execute(_ statements: [SQLStatement], audit: AuditDraft?) async throws
    func query(_ statement: SQLStatement) async throws -> [SQLRow]
}

/// Everything the platform keeps, behind engine-neutral interfaces.
public protocol PlatformStorage: Sendable {
    var matters: any MatterStore { get }
    var directory: any DirectoryStore { get }
    /// The tamper-evident trail; matter changes append to it in their own transaction.
    var audit: any AuditLog { get }
    /// Accounts and sessions.
    var identity: any IdentityStore { get }
    /// Storage for one module's own tables.
    func moduleStorage(for moduleID: String) -> any ModuleStorage
    /// Applies the platform's migrations, then each module's in order, skipping those applied.
    func migrate(modules: [(moduleID: String, migrations: [StorageMigration])]) async throws
}

/// A module's own tables: those named `<module id with _ for ->_…` (`legal_aid_providers` for
/// `legal-aid`). Module storage and a step's register writes may read and write only these; the
/// platform's tables (matters, accounts, the audit trail) and other modules' tables are reached
/// through the platform's interfaces, never by SQL from a plugin.
public enum ModuleTables {
    public static func prefix(of moduleID: String) -> String {
        moduleID.replacingOccurrences(of: "-", with: "_") + "_"
    }

    /// Why `sql` may not run as `moduleID`'s, or nil if it stays within the module's tables: every
    /// table it names after FROM, JOIN, INTO, UPDATE or TABLE has the module's prefix, and it is a
    /// plain query or row write (schema changes belong in migrations).
    public static func problem(with sql: String, module moduleID: String) -> String? {
        let words = tokens(sql)
        guard let verb = words.first?.uppercased(), ["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"].contains(verb) else {
            return "module \(moduleID) may run only SELECT, INSERT, UPDATE and DELETE through its storage (schema changes go in migrations): \(sql.prefix(80))"
        }
        let prefix = prefix(of: moduleID)
        var (beforePrevious, previous) = ("", "")
        for word in words {
            let keyword = previous.uppercased()
            // An upsert's `ON CONFLICT … DO UPDATE SET` names no table.
            let upsert = keyword == "UPDATE" && beforePrevious.uppercased() == "DO"
            (beforePrevious, previous) = (previous, word)
            guard ["FROM", "JOIN", "INTO", "UPDATE", "TABLE"].contains(keyword), !upsert, word != "(" else { continue }
            let name = word.trimmingCharacters(in: CharacterSet(charactersIn: "\"`[]")).lowercased()
            if !name.hasPrefix(prefix) {
                return "module \(moduleID) may use only its own tables (\(prefix)…), not \(name): \(sql.prefix(80))"
            }
        }
        return nil
    }

    /// Words and single punctuation marks, string literals skipped.
    private static func tokens(_ sql: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            if character == "'" {
                quote = character
            } else if character.isLetter || character.isNumber || character == "_" || character == "\"" || character == "`" {
                current.append(character)
                continue
            } else if !character.isWhitespace {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                tokens.append(String(character))
                continue
            }
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}
