public import Foundation

/// Resident identity number of the PRC (GB 11643-1999): a six-digit address code (GB/T 2260), an
/// eight-digit birth date, a three-digit sequence code and an ISO 7064 MOD 11-2 check character
/// (`0`–`9` or `X`).
public enum ResidentIdentityNumber {
    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// The province-level codes (first two digits) a number may start with:
    /// - 11–15, 21–23, 31–37, 41–46, 50–54, 61–65: the provinces, autonomous regions and
    ///   municipalities of the mainland in GB/T 2260 (a number keeps the code of its first
    ///   registration, so historic prefecture codes still start with one of these);
    /// - 81, 82, 83: residence permits of Hong Kong, Macau and Taiwan residents (港澳台居民居住证,
    ///   国办发〔2018〕81号), whose numbers follow GB 11643 with these codes.
    ///
    /// 71 (Taiwan in GB/T 2260) is not accepted: no identity number is issued with it (Taiwan
    /// residents' permits use 83).
    public static let provinceCodes: Set<Int> = Set(
        [11...15, 21...23, 31...37, 41...46, 50...54, 61...65, 81...83].joined())

    /// The expected check character for the first 17 digits, or nil if they are not 17 digits.
    public static func checkCharacter(forFirst17 body: some StringProtocol) -> Character? {
        let digits = body.compactMap(\.wholeNumberValue)
        guard body.count == 17, digits.count == 17 else { return nil }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    /// Why `value` is not a valid identity number, or nil if it is. `now` is the day the birth date
    /// may not be after (in China); pass the caller's clock where it has one.
    public static func problem(with value: String, now: Date = Date()) -> String? {
        let normalized = value.uppercased()
        guard normalized.count == 18 else { return "身份证号应为18位" }
        guard let expected = checkCharacter(forFirst17: normalized.prefix(17)) else {
            return "身份证号前17位应为数字"
        }
        guard normalized.last == expected else { return "身份证号校验位不正确，请核对" }
        let province = String(normalized.prefix(2))
        guard let code = Int(province), provinceCodes.contains(code) else {
            return "身份证号前两位（\(province)）不是有效的省级行政区划代码，请核对"
        }
        let year = Int(normalized.dropFirst(6).prefix(4)) ?? 0
        let month = Int(normalized.dropFirst(10).prefix(2)) ?? 0
        let day = Int(normalized.dropFirst(12).prefix(2)) ?? 0
        guard (1...12).contains(month), (1...31).contains(day) else { return "身份证号中的出生日期无效" }
        let birth = CivilDate(year: year, month: month, day: day)
        // 02-30 would silently become 03-02: the day must exist in its month.
        let actual = birth.components
        guard actual.year == year, actual.month == month, actual.day == day else { return "身份证号中的出生日期无效" }
        guard birth <= CivilDate(now) else { return "身份证号中的出生日期（\(birth)）晚于今天，请核对" }
        return nil
    }

    /// `640104199001011234` → `6401**********1234`.
    public static func masked(_ value: String) -> String {
        guard value.count > 8 else { return String(repeating: "*", count: value.count) }
        return value.prefix(4) + String(repeating: "*", count: value.count - 8) + value.suffix(4)
    }
}

/// Mainland phone numbers as given at a hall window or over the hotline.
public enum PhoneNumber {
    /// Digits only, so `139-5100-1234` and `13951001234` compare equal.
    public static func normalized(_ value: String) -> String {
        String(value.filter(\.isNumber))
    }

    /// Why `value` cannot be used to reach the applicant, or nil if it can: an 11-digit mobile
    /// number starting with 1, or a landline with its area code (10–12 digits starting with 0).
    public static func problem(with value: String) -> String? {
        let digits = normalized(value)
        if digits.count == 11, digits.first == "1" { return nil }
        if (10...12).contains(digits.count), digits.first == "0" { return nil }
        return "联系电话应为11位手机号或带区号的固定电话"
    }

    public static func lastFour(_ value: String) -> String { String(normalized(value).suffix(4)) }

    /// `13951001234` → `139****1234`.
    public static func masked(_ value: String) -> String {
        let digits = normalized(value)
        guard digits.count >= 7 else { return String(repeating: "*", count: digits.count) }
        return digits.prefix(3) + String(repeating: "*", count: digits.count - 7) + digits.suffix(4)
    }
}

/// Names shown to the public: `张三丰` → `张**`.
public enum PersonName {
    public static func masked(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }
}
