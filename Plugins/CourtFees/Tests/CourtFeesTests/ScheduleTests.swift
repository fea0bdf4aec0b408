import CourtFees
import CourtFeesContract
import Foundation
import Testing

/// 《诉讼费用交纳办法》第十三条第一款第（一）项 and 第十六条, band by band, with the figures a court's
/// fee table gives (in fen).
@Suite struct ScheduleTests {
    @Test("Up to 10,000 元 a case pays the flat 50 元 (第十三条第一款第（一）项)", arguments: [1, 100, 1_000_000])
    func flatFee(amountFen: Int64) {
        let fee = CourtFeeSchedule.fee(amountFen: amountFen, summaryProcedure: false)
        #expect(fee.feeFen == 5_000)
        #expect(fee.bands.count == 1 && fee.bands[0].rate == "每件交纳50元")
        #expect(fee.article == CourtFeeSchedule.article)
    }

    @Test("The bands add up: each part of the claim at its own band's rate", arguments: [
        // 20,000 元: 50 + 10,000 × 2.5%
        (Int64(2_000_000), Int64(30_000), 2),
        // 100,000 元: 50 + 90,000 × 2.5%
        (10_000_000, 230_000, 2),
        // 1,000,000 元: 50 + 2,250 + 2,000 + 4,500 + 5,000
        (100_000_000, 1_380_000, 5),
        // 30,000,000 元: … + 9,000 + 24,000 + 35,000 + 60,000, and 10,000,000 × 0.5% in the open band
        (3_000_000_000, 19_180_000, 10),
    ])
    func bands(amountFen: Int64, feeFen: Int64, bandCount: Int) {
        let fee = CourtFeeSchedule.fee(amountFen: amountFen, summaryProcedure: false)
        #expect(fee.feeFen == feeFen)
        #expect(fee.bands.count == bandCount)
        // What each band adds is shown, and (before the one rounding) they add up to the fee.
        #expect(fee.bands.map(\.feeFen).reduce(0, +) == feeFen)
        // The claim ends in the last band it reaches (the open band has no upper bound).
        let last = try! #require(fee.bands.last)
        #expect(last.toFen == 0 ? bandCount == 10 : (last.fromFen..<last.toFen + 1).contains(amountFen))
    }

    @Test("Rounded once, half up, to the fen")
    func rounding() {
        // 20 fen over 10,000 元 at 2.5% is half a fen: up.
        #expect(CourtFeeSchedule.fee(amountFen: 1_000_020, summaryProcedure: false).feeFen == 5_001)
        // 1 fen over at 2.5% is 0.025 fen: down.
        #expect(CourtFeeSchedule.fee(amountFen: 1_000_001, summaryProcedure: false).feeFen == 5_000)
    }

    @Test("The summary procedure halves the fee (第十六条)")
    func summaryProcedure() {
        let fee = CourtFeeSchedule.fee(amountFen: 100_000_000, summaryProcedure: true)
        #expect(fee.feeFen == 690_000 && fee.halved)
        #expect(fee.feeYuan == "6,900.00")
        #expect(fee.article.contains(CourtFeeSchedule.halvingArticle))
        // An odd fen is rounded up when halved.
        #expect(CourtFeeSchedule.fee(amountFen: 1_000_020, summaryProcedure: true).feeFen == 2_501)
    }

    @Test("The published schedule: ten bands, each starting where the last ended")
    func schedule() {
        let bands = CourtFeeSchedule.schedule
        #expect(bands.count == 10)
        #expect(bands.first?.fromFen == 0 && bands.last?.toFen == 0 && bands.last?.rate == "0.5%")
        for (earlier, later) in zip(bands, bands.dropFirst()) { #expect(later.fromFen == earlier.toFen) }
    }

    @Test("Yuan as a clerk writes them")
    func yuan() {
        #expect(CourtFeeSchedule.yuan(1_380_000) == "13,800.00")
        #expect(CourtFeeSchedule.yuan(5_001) == "50.01")
        #expect(CourtFeeSchedule.yuan(19_180_000) == "191,800.00")
        #expect(CourtFeeSchedule.yuan(7) == "0.07")
    }
}

/// The day a slip is issued on, from which 第二十二条's 7 days count: China's, not the server's.
@Suite struct ChinaDayTests {
    @Test("Midnight in Beijing is 16:00 UTC", arguments: [
        ("2026-12-07T15:59:59Z", "2026-12-07"),
        ("2026-12-07T16:00:00Z", "2026-12-08"),
        ("2026-12-31T20:00:00Z", "2027-01-01"),
    ])
    func chinaDay(instant: String, day: String) throws {
        let date = try Date(instant, strategy: .iso8601)
        #expect(CourtFeeSchedule.chinaDay(date) == day)
    }
}
