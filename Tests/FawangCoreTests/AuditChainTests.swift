@testable import FawangCore
import Foundation
import Testing

@Suite struct AuditChainTests {
    /// A valid chain of `count` entries.
    func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        var previous = AuditChainVerifier.genesisHash
        for index in 1...count {
            let draft = AuditDraft(actor: "staff-\(index)", role: "operator", channel: "walk_in", target: "matter:m\(index)", detail: "approved")
            let entry = draft.sealed(sequence: Int64(index), at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), method: "m", peer: "p", previousHash: previous)
            entries.append(entry)
            previous = entry.hash
        }
        return entries
    }

    func verify(_ entries: [AuditEntry], head: String? = nil) -> AuditChainVerifier.Problem? {
        var verifier = AuditChainVerifier()
        for entry in entries {
            if let problem = verifier.check(entry) { return problem }
        }
        return verifier.checkHead(head)
    }

    /// Entries are hashed over a JSON array written by hand: it must be byte for byte what
    /// `JSONSerialization` wrote when the chains already stored were sealed, or they stop verifying.
    @Test func theFieldEncodingIsByteForByteJSONSerializations() throws {
        var samples = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        samples += ["", "法网 12348", "matter:3f2a/1", "a\"b\\c", "tab\there\nline\r\n", "\u{2028}\u{2029}", "😀👨‍👩‍👧", "e\u{301}", "\u{FEFF}x",
                    "\u{7F}\u{80}\u{9F}\u{A0}", "ipv6:[::1]:50051", String(repeating: "长", count: 500)]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let scalars = (0..<Int.random(in: 0...24, using: &generator)).compactMap { _ -> Character? in
                let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x4E00...0x9FFF, 0x1F300...0x1F6FF]
                return UnicodeScalar(UInt32.random(in: ranges.randomElement(using: &generator)!, using: &generator)).map(Character.init)
            }
            samples.append(String(scalars))
        }
        for start in stride(from: 0, to: samples.count, by: 11) {
            let fields = Array(samples[start..<min(start + 11, samples.count)])
            let reference = try JSONSerialization.data(withJSONObject: fields, options: [.withoutEscapingSlashes])
            #expect(AuditEntry.jsonArray(fields) == Array(reference), "\(fields)")
        }
        // And the hash over it is the one chains were sealed with.
        let entry = chain(1)[0]
        let fields = [String(entry.sequence), String(entry.atMicroseconds), entry.actor, entry.role, entry.channel, entry.method,
                      entry.target, entry.outcome, entry.detail, entry.peer, entry.previousHash]
        let reference = try JSONSerialization.data(withJSONObject: fields, options: [.withoutEscapingSlashes])
        #expect(entry.hash == RequestDigest.sha256Hex(reference))
        // The same figure from Python's hashlib over the same JSON.
        #expect(entry.hash == "c14716b4830bcb9baa31166f2636e25d7a5351d1aaffbf1a02f0e86c918b56f0")
    }

    @Test func anIntactChainVerifies() {
        let entries = chain(5)
        #expect(verify(entries) == nil)
        #expect(verify(entries, head: entries.last!.hash) == nil)
    }

    @Test func anEditedFieldIsNamed() {
        var entries = chain(5)
        entries[2].actor = "someone-else"
        #expect(verify(entries) == .altered(sequence: 3))
    }

    @Test func anEditWithARecomputedHashBreaksTheNextLink() {
        var entries = chain(5)
        entries[2].outcome = "denied"
        entries[2].hash = entries[2].computedHash
        #expect(verify(entries) == .unlinked(sequence: 4))
    }

    @Test func aRemovedEntryIsNamed() {
        var entries = chain(5)
        entries.remove(at: 1)
        #expect(verify(entries) == .missing(expected: 2, found: 3))
    }

    @Test func renumberingAfterARemovalIsCaught() {
        var entries = chain(5)
        entries.remove(at: 1)
        for index in entries.indices { entries[index].sequence = Int64(index + 1) }
        #expect(verify(entries) == .altered(sequence: 2))
    }

    @Test func swappedEntriesAreCaught() {
        var entries = chain(5)
        entries.swapAt(1, 2)
        #expect(verify(entries) == .missing(expected: 2, found: 3))
        // Swapping their numbers too: the content no longer matches the hash.
        entries[1].sequence = 2
        entries[2].sequence = 3
        #expect(verify(entries) == .altered(sequence: 2))
    }

    @Test func aTruncatedTailNeedsTheRecordedHead() {
        let entries = chain(5)
        #expect(verify(Array(entries.prefix(4))) == nil)
        #expect(verify(Array(entries.prefix(4)), head: entries[4].hash) == .truncated(lastSequence: 4, lastHash: entries[3].hash))
    }

    @Test func verifyingResumesAfterACheckpoint() {
        let entries = chain(6)
        var verifier = AuditChainVerifier(resumingAfter: 3, head: entries[2].hash)
        for entry in entries.dropFirst(3) { #expect(verifier.check(entry) == nil) }
        #expect(verifier.count == 6 && verifier.headHash == entries[5].hash)
        // An entry after the checkpoint that does not follow its head is caught.
        var edited = entries
        edited[3].actor = "nobody"
        var resumed = AuditChainVerifier(resumingAfter: 3, head: entries[2].hash)
        #expect(resumed.check(edited[3]) == .altered(sequence: 4))
        var wrongHead = AuditChainVerifier(resumingAfter: 3, head: entries[1].hash)
        #expect(wrongHead.check(entries[3]) == .unlinked(sequence: 4))
    }

    @Test func aCheckpointHoldsOnlyWithItsKeyAndFields() {
        let key = Data(repeating: 7, count: 32)
        let checkpoint = SignedAuditCheckpoint(entryCount: 6, headHash: chain(6)[5].hash, at: Date(), key: key)
        #expect(checkpoint.isSigned(with: key))
        #expect(!checkpoint.isSigned(with: Data(repeating: 8, count: 32)))
        var moved = checkpoint
        moved.entryCount = 5
        #expect(!moved.isSigned(with: key))
        var garbled = checkpoint
        garbled.signature = "zz"
        #expect(!garbled.isSigned(with: key))
    }
}
