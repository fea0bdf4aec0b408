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

    /// The off-pool variants give the same answers as the plain ones.
    @Test func hashingOffThePoolAgreesWithHashingOnIt() async throws {
        let hasher = PasswordHasher(rounds: 1 << 10, blockSize: 8, parallelism: 1)
        let stored = try await hasher.hashOffPool("法网12348abc")
        #expect(hasher.verify("法网12348abc", against: stored))
        #expect(await hasher.verifyOffPool("法网12348abc", against: stored))
        #expect(await hasher.verifyOffPool("法网12348abd", against: stored) == false)
    }
}
