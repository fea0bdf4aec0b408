import FawangCore
import Testing

@Suite struct FieldValidatorTests {
    /// A repeated enum: each value once in the order given; an unreadable item named by index.
    @Test func distinctKeepsFirstOccurrencesAndNamesBadItems() {
        var check = FieldValidator()
        let values = check.distinct([3, 1, 3, 0, 2, 1, 9], field: "grounds", "情形无效") { $0 == 0 || $0 == 9 ? nil : "g\($0)" }
        #expect(values == ["g3", "g1", "g2"])
        #expect(check.violations.map(\.field) == ["grounds[3]", "grounds[6]"])
        #expect(check.violations.allSatisfy { $0.reason == "情形无效" })
        var clean = FieldValidator()
        #expect(clean.distinct([Int](), field: "x", "") { $0 }.isEmpty && clean.violations.isEmpty)
    }
}
