/// The number a citizen reads over the phone to follow a matter: 16 digits shown in four groups
/// (`5831 0472 9915 6203`). Fifteen are random (10^15 possibilities, so numbers cannot be
/// enumerated) and the last is a Damm check digit, which catches every single wrong digit and
/// every swap of two neighbouring digits — the two mistakes people make on the phone.
///
/// A tracking number alone never opens a matter to the public: the progress query also asks for
/// the last four digits of the applicant's phone.
public struct TrackingNumber: Sendable, Hashable, CustomStringConvertible {
    /// The 16 digits without spaces.
    public let digits: String

    /// Parses a number as typed or spoken: spaces and dashes are ignored.
    public init?(_ text: String) {
        let digits = String(text.filter { !$0.isWhitespace && $0 != "-" })
        guard digits.count == 16, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        guard Self.dammCheck(digits) == 0 else { return nil }
        self.digits = digits
    }

    private init(validatedDigits: String) { self.digits = validatedDigits }

    /// A fresh random number (cryptographically secure generator).
    public static func random() -> TrackingNumber {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> TrackingNumber {
        // First digit 1–9 so the number never starts with 0 when read aloud or typed into a sheet.
        var body = String(Int.random(in: 1...9, using: &generator))
        for _ in 0..<14 { body += String(Int.random(in: 0...9, using: &generator)) }
        return TrackingNumber(validatedDigits: body + String(dammCheck(body)))
    }

    /// Grouped for display and reading aloud: `5831 0472 9915 6203`.
    public var formatted: String {
        stride(from: 0, to: 16, by: 4).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start..<digits.index(start, offsetBy: 4)])
        }.joined(separator: " ")
    }

    public var description: String { formatted }

    /// Damm's quasigroup of order 10 (weakly totally anti-symmetric).
    private static let table: [[Int]] = [
        [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
        [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
        [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
        [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
        [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
        [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
        [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
        [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
        [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
        [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
    ]

    /// The interim digit after all of `digits`: the check digit of a body, 0 for a valid number.
    static func dammCheck(_ digits: String) -> Int {
        digits.reduce(0) { interim, character in table[interim][character.wholeNumberValue ?? 0] }
    }
}
