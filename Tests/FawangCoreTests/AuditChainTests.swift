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
