@testable import FawangCore
import Foundation
import Testing

@Suite struct TrackingNumberTests {
    @Test func randomNumbersAreValidGroupedAndDistinct() {
        var seen = Set<String>()
        for _ in 0..<2000 {
            let number = TrackingNumber.random()
            #expect(number.digits.count == 16)
            #expect(number.digits.first != "0")
            #expect(TrackingNumber(number.formatted) == number)
            #expect(number.formatted.split(separator: " ").map(\.count) == [4, 4, 4, 4])
            seen.insert(number.digits)
        }
        #expect(seen.count == 2000)
    }

    @Test func everySingleDigitErrorIsCaught() {
        let number = TrackingNumber.random()
        var digits = Array(number.digits)
        for position in digits.indices {
            let original = digits[position]
            for replacement in "0123456789" where replacement != original {
                digits[position] = replacement
                #expect(TrackingNumber(String(digits)) == nil, "changed digit \(position) to \(replacement)")
            }
            digits[position] = original
        }
    }

    @Test func everyAdjacentSwapIsCaught() {
        for _ in 0..<50 {
            let digits = Array(TrackingNumber.random().digits)
            for position in 0..<(digits.count - 1) where digits[position] != digits[position + 1] {
                var swapped = digits
                swapped.swapAt(position, position + 1)
                #expect(TrackingNumber(String(swapped)) == nil)
            }
        }
    }

    @Test(arguments: ["", "123", "12345678901234567", "abcd efgh ijkl mnop", "１２３４５６７８９０１２３４５６"])
    func malformedInputIsRejected(_ text: String) {
        #expect(TrackingNumber(text) == nil)
    }

    @Test func spacesAndDashesAreIgnored() throws {
        let number = TrackingNumber.random()
        let dashed = number.formatted.replacingOccurrences(of: " ", with: "-")
        #expect(TrackingNumber(dashed) == number)
        #expect(TrackingNumber(" " + number.digits + " ") == number)
    }
}

@Suite struct PersonalDataTests {
    @Test(arguments: ["11010519491231002X", "110105194912310029".dropLast() + "X", "440524188001010014"])
    func validIdentityNumbersPass(_ value: String) {
        #expect(ResidentIdentityNumber.problem(with: String(value)) == nil)
    }

    @Test func wrongCheckDigitIsNamed() {
        #expect(ResidentIdentityNumber.problem(with: "110105194912310021") == "身份证号校验位不正确，请核对")
        #expect(ResidentIdentityNumber.problem(with: "11010519491231002") == "身份证号应为18位")
        #expect(ResidentIdentityNumber.problem(with: "11010519491331002X") != nil)
    }

    /// A number with a correct check character built from its first 17 digits.
    static func withCheck(_ first17: String) -> String {
        first17 + String(ResidentIdentityNumber.checkCharacter(forFirst17: first17)!)
    }

    /// 2026-03-15 12:00 in China.
    static let fixedNow = Date(timeIntervalSince1970: 1_773_547_200)

    @Test func aBirthDateAfterTodayIsRefused() {
        let tomorrow = Self.withCheck("64010420260316001")
        #expect(ResidentIdentityNumber.problem(with: tomorrow, now: Self.fixedNow) == "身份证号中的出生日期（2026-03-16）晚于今天，请核对")
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck("64010420990101001"), now: Self.fixedNow) != nil)
        // Born today is possible (a newborn's number).
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck("64010420260315001"), now: Self.fixedNow) == nil)
        // The default clock is the real one: 2099 is still in the future.
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck("64010420990101001")) != nil)
    }

    @Test func aDayThatDoesNotExistIsRefused() {
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck("64010419900230001"), now: Self.fixedNow) == "身份证号中的出生日期无效")
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck("64010419900229001"), now: Self.fixedNow) == "身份证号中的出生日期无效")
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck("64010420000229001"), now: Self.fixedNow) == nil)
    }

    @Test(arguments: ["00", "10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66", "70", "71", "80", "84", "99"])
    func anUnknownProvinceCodeIsRefused(_ province: String) {
        let value = Self.withCheck(province + "010519491231002")
        #expect(ResidentIdentityNumber.problem(with: value, now: Self.fixedNow) == "身份证号前两位（\(province)）不是有效的省级行政区划代码，请核对")
    }

    @Test(arguments: ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "64", "65", "81", "82", "83"])
    func everyProvinceCodeIsAccepted(_ province: String) {
        #expect(ResidentIdentityNumber.problem(with: Self.withCheck(province + "010519491231002"), now: Self.fixedNow) == nil)
    }

    @Test func lowerCaseXIsAccepted() {
        #expect(ResidentIdentityNumber.problem(with: "11010519491231002x") == nil)
    }

    @Test func masking() {
        #expect(ResidentIdentityNumber.masked("11010519491231002X") == "1101**********002X")
        #expect(PhoneNumber.masked("139-5100-1234") == "139****1234")
        #expect(PersonName.masked("马小花") == "马**")
        #expect(PersonName.masked("马") == "马*")
    }

    @Test(arguments: [("13951001234", true), ("0951-6012345", true), ("12345", false), ("23951001234", false)])
    func phoneNumbers(_ value: String, _ valid: Bool) {
        #expect((PhoneNumber.problem(with: value) == nil) == valid)
    }

    @Test func divisionContainment() {
        #expect(DivisionCode.contains("640000", "640104"))
        #expect(DivisionCode.contains("640100", "640104"))
        #expect(!DivisionCode.contains("640200", "640104"))
        #expect(!DivisionCode.contains("640104", "640105"))
        #expect(DivisionCode.city(of: "640104") == "640100")
        #expect(DivisionCode.city(of: "640100") == "640100")
        #expect(DivisionCode.city(of: "640000") == nil)
        #expect(!DivisionCode.isWellFormed("64010"))
    }
}
