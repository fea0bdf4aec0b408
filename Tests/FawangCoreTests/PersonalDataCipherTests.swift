import FawangCore
import FawangTestSupport
import Foundation
import Testing

@Suite struct PersonalDataCipherTests {
    let id = "11010519491231002X"

    func cipher(_ lines: String...) throws -> PersonalDataCipher {
        try PersonalDataCipher(keyList: lines.joined(separator: "\n"))
    }

    @Test func sealsAndOpens() throws {
        let cipher = try cipher(PersonalDataCipher.generateKeyLine(id: "a"))
        let sealed = try cipher.seal(id, context: "matter:1:applicant")
        #expect(sealed.hasPrefix("v1:a:"))
        #expect(!sealed.contains(id))
        #expect(try cipher.seal(id, context: "matter:1:applicant") != sealed, "a fresh nonce every time")
        #expect(try cipher.open(sealed, context: "matter:1:applicant") == id)
        #expect(try cipher.seal("", context: "x") == "")
    }

    @Test func aValueMovedToAnotherRecordDoesNotOpen() throws {
        let cipher = try cipher(PersonalDataCipher.generateKeyLine(id: "a"))
        let sealed = try cipher.seal(id, context: "matter:1:applicant")
        expectError(.internalError, containing: ["wrong key or altered data"]) { _ = try cipher.open(sealed, context: "matter:2:applicant") }
    }

    @Test func alteredOrForeignValuesDoNotOpen() throws {
        let cipher = try cipher(PersonalDataCipher.generateKeyLine(id: "a"))
        var sealed = Array(try cipher.seal(id, context: "c"))
        // A character well inside the base64 (the last ones may only carry padding bits).
        sealed[sealed.count - 12] = sealed[sealed.count - 12] == "A" ? "B" : "A"
        expectError(.internalError, containing: ["altered data"]) { _ = try cipher.open(String(sealed), context: "c") }
        let other = try self.cipher(PersonalDataCipher.generateKeyLine(id: "a"))
        expectError(.internalError, containing: ["wrong key"]) { _ = try other.open(try cipher.seal(id, context: "c"), context: "c") }
        expectError(.internalError, containing: ["not in the sealed format"]) { _ = try cipher.open(id, context: "c") }
    }

    @Test func rotationKeepsOldValuesReadable() throws {
        let old = PersonalDataCipher.generateKeyLine(id: "k2025")
        let before = try cipher(old)
        let sealedBefore = try before.seal(id, context: "c")
        let after = try cipher("# rotated", PersonalDataCipher.generateKeyLine(id: "k2026"), old)
        #expect(after.activeKeyID == "k2026")
        #expect(try after.open(sealedBefore, context: "c") == id)
        #expect(try after.seal(id, context: "c").hasPrefix("v1:k2026:"))
        // Dropping the old key too early is caught, naming the key.
        let dropped = try cipher(PersonalDataCipher.generateKeyLine(id: "k2026"))
        #expect {
            try dropped.open(sealedBefore, context: "c")
        } throws: { error in
            (error as? FawangError)?.message.contains("k2025") == true
        }
    }

    @Test(arguments: ["", "# only a comment", "a:notbase64!", "a:" + Data(count: 16).base64EncodedString(), "a:" + Data(count: 32).base64EncodedString() + ",a:" + Data(count: 32).base64EncodedString()])
    func badKeyListsAreRefused(_ list: String) {
        expectError(.failedPrecondition, containing: ["key"]) { _ = try PersonalDataCipher(keyList: list) }
    }

    @Test func environmentStyleListsParse() throws {
        let list = PersonalDataCipher.generateKeyLine(id: "b") + "," + PersonalDataCipher.generateKeyLine(id: "a")
        #expect(try PersonalDataCipher(keyList: list).activeKeyID == "b")
    }
}
