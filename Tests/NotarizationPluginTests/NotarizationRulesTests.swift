import FawangCore
import FawangPluginKit
import FawangProto
import SwiftProtobuf
@testable import NotarizationPlugin
import Testing

/// Validation of notarization applications against 公证法 (2017); each test names its article.
@Suite struct NotarizationRulesTests {
    func failure(_ request: Fawang_Notarization_V1_SubmitApplicationRequest) -> [FawangError.FieldViolation] {
        do {
            _ = try NotarizationApplication.validate(request)
            return []
        } catch {
            return error.violations
        }
    }

    func violations(_ request: Fawang_Notarization_V1_SubmitApplicationRequest) -> [String] { failure(request).map(\.field) }

    @Test func theSampleIsValid() {
        #expect(violations(NotarizationSamples.application()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Notarization_V1_SubmitApplicationRequest()) == [
            "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code",
            "matter_kind", "place_basis",
        ])
    }

    @Test func malformedFieldsAreNamed() {
        var request = NotarizationSamples.application()
        request.applicant.idNumber = "110105194912310021"
        request.applicant.phone = "12345"
        request.regionCode = "6401"
        request.materials.append("")
        #expect(violations(request) == ["applicant.id_number", "applicant.phone", "region_code", "materials[2]"])
    }

    @Test("公证法第二十七条、第二十八条：每一类公证事项缺少的必备材料逐项列明", arguments: NotarialMatterKind.allCases)
    func everyKindNamesEachMissingMaterial(_ kind: NotarialMatterKind) {
        var request = NotarizationSamples.application(kind: kind.proto)
        request.materials = []
        request.clearAgent()
        let found = failure(request)
        #expect(found.map(\.field) == Array(repeating: "materials", count: kind.rule.requiredMaterials.count))
        for (violation, material) in zip(found, kind.rule.requiredMaterials) {
            #expect(violation.reason.contains("「\(material)」"), "\(violation.reason)")
            #expect(violation.reason.contains(kind.rule.nameZH))
        }
        request.materials = kind.rule.requiredMaterials
        #expect(violations(request) == [])
    }

    @Test("公证法第二十八条：学历公证缺学历证书时，错误指明「学历证书」")
    func educationWithoutCertificate() {
        var request = NotarizationSamples.application()
        request.materials = [" 申请人身份证明 ", "成绩单"]
        let found = failure(request)
        #expect(found.map(\.field) == ["materials"])
        #expect(found.first?.reason.contains("缺少学历公证必备材料「学历证书」") == true)
    }

    @Test("公证法第二十六条：遗嘱公证应当由本人办理，不能委托代理人")
    func art26WillInPerson() {
        var request = NotarizationSamples.application(kind: .will)
        request.materials = NotarialMatterKind.will.rule.requiredMaterials
        #expect(violations(request) == [])
        request.agent = .with {
            $0.name = "马大山"
            $0.phone = "13800001111"
            $0.idNumber = "11010519491231002X"
        }
        let found = failure(request)
        #expect(found.map(\.field) == ["agent"])
        #expect(found.first?.reason.contains("第二十六条") == true)
        // Other kinds may be applied for by an agent.
        var contract = NotarizationSamples.application(kind: .contract)
        contract.materials = NotarialMatterKind.contract.rule.requiredMaterials
        contract.agent = request.agent
        #expect(violations(contract) == [])
    }

    @Test("公证法第二十五条第二款：涉及不动产的，向不动产所在地的公证机构申请，并提交权属证书")
    func art25ImmovableAtItsLocation() {
        var request = NotarizationSamples.application(kind: .inheritance)
        request.materials = NotarialMatterKind.inheritance.rule.requiredMaterials
        request.involvesImmovable = true
        let found = failure(request)
        #expect(found.map(\.field) == ["place_basis", "materials"])
        #expect(found[0].reason.contains("第二十五条第二款"))
        #expect(found[1].reason.contains("「不动产权属证书」"))
        request.placeBasis = .immovableLocation
        request.materials.append("不动产权属证书")
        #expect(violations(request) == [])
    }

    @Test("公证法第二十五条第二款：涉及不动产的委托、声明、赠与、遗嘱可以适用第一款的地点", arguments: [
        NotarialMatterKind.powerOfAttorney, .declaration, .gift, .will,
    ])
    func art25ExceptionsMayUseGeneralPlaces(_ kind: NotarialMatterKind) {
        var request = NotarizationSamples.application(kind: kind.proto)
        request.involvesImmovable = true
        request.placeBasis = .habitualResidence
        request.materials = kind.rule.requiredMaterials + ["不动产权属证书"]
        #expect(violations(request) == [])
    }

    @Test("公证法第二十五条第二款：以不动产所在地申请的须注明涉及不动产")
    func immovableLocationNeedsAnImmovable() {
        var request = NotarizationSamples.application()
        request.placeBasis = .immovableLocation
        #expect(violations(request) == ["involves_immovable"])
    }

    @Test func unknownEnumNumbersAreRejected() {
        var request = NotarizationSamples.application()
        request.matterKind = .UNRECOGNIZED(99)
        request.placeBasis = .UNRECOGNIZED(42)
        #expect(violations(request) == ["matter_kind", "place_basis"])
    }

    @Test("公证法第三十一条：九项不予办理的情形各自引用其项")
    func art31GroundsCiteTheirItems() {
        let labels = RefusalGround.allCases.map(\.label)
        #expect(labels.count == 9)
        let items = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
        for (label, item) in zip(labels, items) {
            #expect(label.hasSuffix("（第三十一条第\(item)项）"), "\(label)")
        }
        #expect(Set(RefusalGround.allCases.map(\.proto)).count == 9)
    }

    @Test("公证法第十一条：每一类公证事项引用第十一条的相应项，并要求申请人身份证明")
    func art11KindsCiteTheirItems() {
        for kind in NotarialMatterKind.allCases {
            #expect(kind.rule.article.hasPrefix("《中华人民共和国公证法》第十一条第"))
            #expect(kind.rule.requiredMaterials.first == "申请人身份证明")
            #expect(NotarialMatterKind(kind.proto) == kind)
        }
        #expect(NotarialMatterKind(.unspecified) == nil)
    }

    @Test("公证法第三十四条：演示收费标准覆盖每一类事项，并注明以自治区核定标准为准")
    func art34DemoFeeScheduleIsData() {
        for kind in NotarialMatterKind.allCases {
            #expect((DemoFeeSchedule.yuan[kind] ?? 0) > 0, "\(kind)")
        }
        #expect(DemoFeeSchedule.basis.contains("演示"))
        #expect(DemoFeeSchedule.basis.contains("第三十四条"))
    }
}
