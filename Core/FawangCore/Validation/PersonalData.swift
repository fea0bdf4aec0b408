/// Resident identity number of the PRC (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2
/// check character (`0`–`9` or `X`).
public enum ResidentIdentityNumber {
    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// The expected check character for the first 17 digits, or nil if they are not 17 digits.
    public static func checkCharacter(forFirst17 body: some StringProtocol) -> Character? {
        let digits = body.compactMap(\.wholeNumberValue)
        guard body.count == 17, digits.count == 17 else { return nil }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    /// Why `value` is not a valid identity number, or nil if it is.
    public static func problem(with value: String) -> String? {
        let normalized = value.uppercased()
        guard normalized.count == 18 else { return "身份证号应为18位" }
        guard let expected = checkCharacter(forFirst17: normalized.prefix(17)) else {
            return "身份证号前17位应为数字"
        }
        guard normalized.last == expected else { return "身份证号校验位不正确，请核对" }
        let month = Int(normalized.dropFirst(10).prefix(2)) ?? 0
        let day = Int(normalized.dropFirst(12).prefix(2)) ?? 0
        guard (1...12).contains(month), (1...31).contains(day) else { return "身份证号中的出生日期无效" }
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
