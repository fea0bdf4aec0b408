public import CourtFeesContract
public import FawangPluginSDK
public import Foundation
public import GRPCCore
import SwiftProtobuf

/// 《诉讼费用交纳办法》(国务院令第481号) 第十三条第一款第（一）项: a property case's acceptance fee
/// (案件受理费), by the amount or value claimed, in bands added up:
///
/// | claimed (元) | fee |
/// |---|---|
/// | up to 10,000 | 50 per case |
/// | 10,000–100,000 | 2.5% |
/// | 100,000–200,000 | 2% |
/// | 200,000–500,000 | 1.5% |
/// | 500,000–1,000,000 | 1% |
/// | 1,000,000–2,000,000 | 0.9% |
/// | 2,000,000–5,000,000 | 0.8% |
/// | 5,000,000–10,000,000 | 0.7% |
/// | 10,000,000–20,000,000 | 0.6% |
/// | over 20,000,000 | 0.5% |
///
/// 第十六条: a case heard under the summary procedure (简易程序) pays half.
public enum CourtFeeSchedule {
    public static let article = "《诉讼费用交纳办法》第十三条第一款第（一）项"
    public static let halvingArticle = "第十六条"

    /// Upper bound of each band in fen (nil: open), and its rate in hundredths of a percent.
    static let bands: [(upper: Int64?, basisPoints: Int64, rate: String)] = [
        (1_000_000, 0, "每件交纳50元"),
        (10_000_000, 250, "2.5%"),
        (20_000_000, 200, "2%"),
        (50_000_000, 150, "1.5%"),
        (100_000_000, 100, "1%"),
        (200_000_000, 90, "0.9%"),
        (500_000_000, 80, "0.8%"),
        (1_000_000_000, 70, "0.7%"),
        (2_000_000_000, 60, "0.6%"),
        (nil, 50, "0.5%"),
    ]
    static let flatFee: Int64 = 5_000

    public static var schedule: [Fawang_Courtfees_V1_Band] {
        var lower: Int64 = 0
        return bands.map { band in
            defer { lower = band.upper ?? lower }
            return .with {
                $0.fromFen = lower
                $0.toFen = band.upper ?? 0
                $0.rate = band.rate
            }
        }
    }

    /// The fee for `amount` fen, rounded half up to the fen at the end (and again when halved).
    public static func fee(amountFen amount: Int64, summaryProcedure: Bool) -> Fawang_Courtfees_V1_CalculateResponse {
        var lines: [Fawang_Courtfees_V1_Band] = []
        // In fen × basis points, exact until the one rounding.
        var total: Int64 = flatFee * 10_000
        var lower: Int64 = 0
        for band in bands where amount > lower {
            let upper = band.upper ?? Int64.max
            var line = Fawang_Courtfees_V1_Band.with {
                $0.fromFen = lower
                $0.toFen = band.upper ?? 0
                $0.rate = band.rate
            }
            if band.basisPoints == 0 {
                line.feeFen = flatFee
            } else {
                let part = (min(amount, upper) - lower) * band.basisPoints
                total += part
                line.feeFen = (part + 5_000) / 10_000
            }
            lines.append(line)
            lower = upper
        }
        var fee = (total + 5_000) / 10_000
        if summaryProcedure { fee = (fee + 1) / 2 }
        return .with {
            $0.feeFen = fee
            $0.feeYuan = yuan(fee)
            $0.bands = lines
            $0.halved = summaryProcedure
            $0.article = summaryProcedure ? article + "，" + halvingArticle + "（简易程序减半交纳）" : article
        }
    }

    /// 第二十二条第一款: 原告自接到人民法院交纳诉讼费用通知次日起7日内交纳案件受理费.
    public static let paymentDays = 7

    /// The day `instant` falls on in China (UTC+8), as YYYY-MM-DD: the day periods count from.
    public static func chinaDay(_ instant: Date) -> String {
        instant.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Shanghai")!).year().month().day())
    }

    /// 1380000 → "13,800.00".
    public static func yuan(_ fen: Int64) -> String {
        let digits = String(fen / 100)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return grouped + String(format: ".%02d", Int(fen % 100))
    }
}

/// `fawang.courtfees.v1.CourtFeeService`.
public struct CourtFeeService: Fawang_Courtfees_V1_CourtFeeService.SimpleServiceProtocol {
    public typealias Method = Fawang_Courtfees_V1_CourtFeeService.Method

    public init() {}

    /// The most a claim may be: 1e15 fen (10 万亿元), far past any case, well inside Int64 with the rates.
    public static let largestAmount: Int64 = 1_000_000_000_000_000

    public static let methods = [
        ExternalMethod(Method.GetSchedule.descriptor, .anyone(rateLimited: false), help: "诉讼费交纳标准（财产案件）"),
        ExternalMethod(Method.Calculate.descriptor, .anyone(rateLimited: true), help: "测算财产案件受理费"),
        ExternalMethod(Method.IssueFeeSlip.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin]), help: "出具诉讼费测算单"),
        ExternalMethod(Method.GetFeeSlip.descriptor, .roles([.staff, .departmentAdmin, .platformAdmin]), help: "查看已出具的测算单"),
    ]
    /// What the plugin answers the host's handshake with.
    public static let declaration = ExternalPluginDeclaration(
        id: "court-fees", nameZH: "诉讼费测算", nameEN: "Court fee calculator", version: "1.0.0",
        methods: methods, descriptorSet: CourtFeesDescriptorSet.bytes)
    /// The host API's collection the slips are kept in.
    public static let slips = "slips"

    public func getSchedule(request: Fawang_Courtfees_V1_GetScheduleRequest, context: ServerContext) async throws -> Fawang_Courtfees_V1_GetScheduleResponse {
        .with {
            $0.bands = CourtFeeSchedule.schedule
            $0.article = CourtFeeSchedule.article
        }
    }

    public func calculate(request: Fawang_Courtfees_V1_CalculateRequest, context: ServerContext) async throws -> Fawang_Courtfees_V1_CalculateResponse {
        try Self.check(amountFen: request.amountFen)
        return CourtFeeSchedule.fee(amountFen: request.amountFen, summaryProcedure: request.summaryProcedure)
    }

    public func issueFeeSlip(request: Fawang_Courtfees_V1_IssueFeeSlipRequest, context: ServerContext) async throws -> Fawang_Courtfees_V1_FeeSlip {
        let clerk = try PluginCaller.principal()
        try Self.check(amountFen: request.amountFen)
        let summary = request.caseSummary.trimmingCharacters(in: .whitespacesAndNewlines)
        guard summary.count <= 200 else {
            throw RPCError(code: .invalidArgument, message: "case_summary: 案情摘要不超过200字")
        }
        let host = try PluginHostConnection.required()
        let today = CourtFeeSchedule.chinaDay(Date())
        // 第二十二条: the acceptance fee is paid within 7 days from the day after the notice, on
        // the platform's calendar (a last day on a holiday moves to the next working day).
        let payBy = try await host.dueDate(from: today, days: CourtFeeSchedule.paymentDays)
        // The clerk's division by name, from the platform's directory.
        var regionName = ""
        if !clerk.regionCode.isEmpty { regionName = try await host.division(code: clerk.regionCode).fullName }
        let slip = Fawang_Courtfees_V1_FeeSlip.with {
            $0.number = "FS-\(today.replacingOccurrences(of: "-", with: ""))-" + UUID().uuidString.prefix(6)
            $0.fee = CourtFeeSchedule.fee(amountFen: request.amountFen, summaryProcedure: request.summaryProcedure)
            $0.caseSummary = summary
            $0.issuedBy = clerk.accountID
            $0.issuedByName = clerk.displayName
            $0.regionCode = clerk.regionCode
            $0.regionName = regionName
            $0.channel = PluginCaller.current?.channel ?? ""
            $0.payBy = payBy.dueDate
            $0.payByProvisional = payBy.provisional
        }
        // Kept by the host, in one transaction with its audit entry under the clerk.
        _ = try await host.putRecord(collection: Self.slips, key: slip.number, json: try slip.jsonString())
        return slip
    }

    public func getFeeSlip(request: Fawang_Courtfees_V1_GetFeeSlipRequest, context: ServerContext) async throws -> Fawang_Courtfees_V1_FeeSlip {
        guard !request.number.isEmpty else { throw RPCError(code: .invalidArgument, message: "number: 请填写测算单编号") }
        do {
            let record = try await PluginHostConnection.required().record(collection: Self.slips, key: request.number)
            return try Fawang_Courtfees_V1_FeeSlip(jsonString: record.json)
        } catch let error as RPCError where error.code == .notFound {
            throw RPCError(code: .notFound, message: "没有编号为 \(request.number) 的测算单")
        }
    }

    static func check(amountFen: Int64) throws {
        guard amountFen > 0, amountFen <= largestAmount else {
            throw RPCError(code: .invalidArgument, message: "amount_fen: 请填写诉讼请求的金额或价额（以分计，大于0）")
        }
    }
}
