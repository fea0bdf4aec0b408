import FawangCore
import Testing

@Suite struct PasswordHasherTests {
    // A cheaper cost keeps the suite fast; the format and checks are the same as `.standard`.
    let hasher = PasswordHasher(rounds: 1 << 10, blockSize: 8, parallelism: 1)

    @Test func verifiesOnlyTheRightPassword() throws {
        let stored = try hasher.hash("Fawang@2026")
        #expect(stored.hasPrefix("scrypt$1024$8$1$"))
        #expect(hasher.verify("Fawang@2026", against: stored))
        #expect(!hasher.verify("fawang@2026", against: stored))
        #expect(!hasher.verify("", against: stored))
    }

    @Test func saltsDiffer() throws {
        #expect(try hasher.hash("same") != hasher.hash("same"))
    }

    @Test func hashesVerifyWhateverCostTheyWereMadeWith() throws {
        let stored = try hasher.hash("pw")
        #expect(PasswordHasher.standard.verify("pw", against: stored))
    }

    @Test(arguments: ["", "plain", "scrypt$x$8$1$AA==$AA==", "bcrypt$1$2$3$4$5"])
    func malformedHashesNeverVerify(_ stored: String) {
        #expect(!hasher.verify("pw", against: stored))
    }
}
