import FawangPluginSDK
import Testing

/// The call stream's write queue (both ends): what is queued while the writer is busy is read in
/// one batch, in order; nothing is lost or read twice; finishing and cancelling end the reader.
@Suite struct BatchesTests {
    @Test func whatIsQueuedWhileTheReaderIsBusyComesInOneBatch() async {
        let queue = Batches<Int>()
        for item in 1...3 { #expect(queue.yield(item)) }
        #expect(await queue.next() == [1, 2, 3])
        // A waiting reader is woken by the first item.
        async let waiting = queue.next()
        try? await Task.sleep(for: .milliseconds(50))
        queue.yield(4)
        #expect(await waiting == [4])
        queue.yield(5)
        queue.yield(6)
        #expect(await queue.next() == [5, 6])
    }

    @Test func finishingDrainsThenEnds() async {
        let queue = Batches<String>()
        queue.yield("a")
        queue.finish()
        #expect(!queue.yield("b"), "nothing is queued once finished")
        #expect(await queue.next() == ["a"])
        #expect(await queue.next().isEmpty)
        #expect(await queue.next().isEmpty)
    }

    @Test func aWaitingReaderIsEndedByFinishOrByCancellation() async {
        let finished = Batches<Int>()
        async let ended = finished.next()
        try? await Task.sleep(for: .milliseconds(50))
        finished.finish()
        #expect(await ended.isEmpty)

        let cancelled = Batches<Int>()
        let reader = Task { await cancelled.next() }
        try? await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        #expect(await reader.value.isEmpty)
        #expect(!cancelled.yield(1), "a cancelled reader finishes the queue")
    }

    @Test func manyWritersLoseNothing() async {
        let queue = Batches<Int>()
        let reader = Task {
            var seen: [Int] = []
            while case let batch = await queue.next(), !batch.isEmpty { seen += batch }
            return seen
        }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask { for item in 0..<500 { queue.yield(writer * 1000 + item) } }
            }
        }
        queue.finish()
        let seen = await reader.value
        #expect(seen.count == 4000 && Set(seen).count == 4000)
        // Each writer's items in the order it queued them.
        for writer in 0..<8 {
            let mine = seen.filter { $0 / 1000 == writer }
            #expect(mine == mine.sorted())
        }
    }
}
