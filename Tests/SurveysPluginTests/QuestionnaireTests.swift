import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
@testable import SurveysPlugin
import Testing

/// Questionnaires over a real host on loopback HTTP/2: designed and published by a county's
/// staff, answered by the public (one per person, anonymous), by the applicants of concluded
/// legal aid matters (one per matter) and by an office's staff; summarised and exported; each
/// refusal with its status and field.
@Suite struct QuestionnaireTests {
    typealias Client = Fawang_Survey_V1_QuestionnaireService.Client<HTTP2ClientTransport.Posix>
    static let clock = TestClock(at: beijing(2026, 12, 7, hour: 12))

    static func draft(
        audience: Fawang_Survey_V1_AudienceKind = .public, limit: Fawang_Survey_V1_AnswerLimit = .onePerPerson, anonymous: Bool = true
    ) -> Fawang_Survey_V1_QuestionnaireDraft {
        .with {
            $0.title = "兴庆区公共法律服务站点满意度调查"
            $0.description_p = "匿名填写，约两分钟。"
            $0.questions = [
                .with {
                    $0.kind = .singleChoice
                    $0.text = "您到过哪个站点？"
                    $0.required = true
                    $0.options = ["区中心", "街道站", "村（社区）室"]
                },
                .with {
                    $0.kind = .multipleChoice
                    $0.text = "您办理过哪些事？"
                    $0.options = ["咨询", "调解", "援助", "公证"]
                    $0.maxChoices = 2
                },
                .with {
                    $0.kind = .scale
                    $0.text = "总体满意度"
                    $0.required = true
                },
                .with {
                    $0.kind = .text
                    $0.text = "意见建议"
                },
            ]
            $0.audience.kind = audience
            if audience == .lineCitizens { $0.audience.businessLine = "legal-aid" }
            if audience == .officeStaff {
                $0.audience.officeRegionCode = "640100"
                $0.audience.officeDepartment = "legal-aid"
            }
            $0.limit = limit
            $0.anonymous = anonymous
            $0.opensOn = "2026-12-01"
            $0.closesOn = "2026-12-31"
        }
    }

    static func answers(_ site: Int32, _ did: [Int32], _ scale: Int32, _ text: String = "") -> [Fawang_Survey_V1_Answer] {
        [
            .with {
                $0.questionID = "q1"
                $0.choices = [site]
            },
            .with {
                $0.questionID = "q2"
                $0.choices = did
            },
            .with {
                $0.questionID = "q3"
                $0.scale = scale
            },
            .with {
                $0.questionID = "q4"
                $0.text = text
            },
        ]
    }

    func published(_ platform: TestPlatform, _ draft: Fawang_Survey_V1_QuestionnaireDraft, as login: String = "supervision-640104") async throws
        -> Fawang_Survey_V1_Questionnaire
    {
        try await platform.withClient(as: login) { client in
            let created = try await Client(wrapping: client).createQuestionnaire(.with { $0.questionnaire = draft })
            #expect(created.status == .draft && created.questions.map(\.id) == ["q1", "q2", "q3", "q4"])
            #expect(created.questions[2].scaleMin == 1 && created.questions[2].scaleMax == 5)
            return try await Client(wrapping: client).publishQuestionnaire(.with { $0.id = created.id })
        }
    }

    @Test("公众问卷：发布后出现在公开列表；每人一份（须登录）、匿名；汇总与逐份计数一致；导出不含账号")
    func thePublicAnswersOncePerPerson() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let survey = try await published(platform, Self.draft())
            #expect(survey.status == .published && survey.open && survey.statusLabel == "填写中" && survey.link == "/surveys/\(survey.id)")

            // The public sees it among the open ones, without the staff's figures.
            let listed = try await platform.withClient { client in try await Client(wrapping: client).listQuestionnaires(.init()) }
            let seen = try #require(listed.questionnaires.first { $0.id == survey.id })
            #expect(seen.answerCount == 0 && seen.authorName.isEmpty && seen.audienceLabel == "公众")

            // Without an account: who would "one per person" be?
            await expectStatus(.unauthenticated) {
                _ = try await platform.withClient { client in
                    try await Client(wrapping: client).submitAnswers(.with {
                        $0.questionnaireID = survey.id
                        $0.answers = Self.answers(1, [1], 5)
                    })
                }
            }
            // The citizen answers once; a second answer is refused.
            func answer(_ answers: [Fawang_Survey_V1_Answer], as login: String) async throws -> Fawang_Survey_V1_SubmitAnswersResponse {
                try await platform.withClient(as: login) { client in
                    try await Client(wrapping: client).submitAnswers(.with {
                        $0.questionnaireID = survey.id
                        $0.answers = answers
                    })
                }
            }
            let receipt = try await answer(Self.answers(2, [1, 3], 4, "希望周末也开门"), as: "13951001234")
            #expect(receipt.receipt.hasPrefix("hj-"))
            await expectStatus(.alreadyExists) { _ = try await answer(Self.answers(1, [], 5), as: "13951001234") }
            // Staff of other lines answer as persons too (the public includes them).
            _ = try await answer(Self.answers(1, [2], 5), as: "mediation-640104")
            _ = try await answer(Self.answers(2, [], 3, "等候时间长"), as: "notarization-640104")

            // Each bad answer is named by its question.
            await expectStatus(.invalidArgument, field: "answers[q1]") { _ = try await answer(Self.answers(4, [], 5), as: "lawyers-640104") }
            await expectStatus(.invalidArgument, field: "answers[q2]") { _ = try await answer(Self.answers(1, [1, 2, 3], 5), as: "lawyers-640104") }
            await expectStatus(.invalidArgument, field: "answers[q3]") { _ = try await answer(Self.answers(1, [], 0), as: "lawyers-640104") }
            await expectStatus(.invalidArgument, field: "answers[1].question_id") {
                _ = try await answer([Self.answers(1, [], 5)[0], .with { $0.questionID = "q9" }, Self.answers(1, [], 5)[2]], as: "lawyers-640104")
            }

            // The summary, counted by hand from the three answers above.
            let summary = try await platform.withClient(as: "supervision-640104") { client in
                try await Client(wrapping: client).getSummary(.with { $0.id = survey.id })
            }
            #expect(summary.answerCount == 3)
            #expect(summary.questions[0].options.map(\.count) == [1, 2, 0])
            #expect(summary.questions[0].options[1].share == 2.0 / 3.0)
            #expect(summary.questions[1].answered == 2 && summary.questions[1].options.map(\.count) == [1, 1, 1, 0])
            #expect(summary.questions[2].options.map(\.option) == ["1", "2", "3", "4", "5"])
            #expect(summary.questions[2].options.map(\.count) == [0, 0, 1, 1, 1] && summary.questions[2].average == 4.0)
            #expect(Set(summary.questions[3].texts.map(\.text)) == ["希望周末也开门", "等候时间长"])
            #expect(summary.channels.map(\.count).reduce(0, +) == 3)

            // The export: one row per answer, no account on an anonymous questionnaire.
            let file = try await platform.withClient(as: "supervision-640104") { client in
                try await Client(wrapping: client).exportAnswers(.with { $0.id = survey.id })
            }
            let rows = try #require(Spreadsheet.rows(csv: file.content))
            #expect(rows.count == 4 && rows[0][0] == "回执编号" && !rows[0].contains("账号"))
            #expect(rows.contains { $0.contains("街道站") && $0.contains("咨询；援助") && $0.contains("4") && $0.contains("希望周末也开门") })
            #expect(!String(decoding: file.content, as: UTF8.self).contains("13951001234"))
            let xlsx = try await platform.withClient(as: "supervision-640104") { client in
                try await Client(wrapping: client).exportAnswers(.with {
                    $0.id = survey.id
                    $0.format = .xlsx
                })
            }
            #expect(xlsx.content.starts(with: Data("PK".utf8)) && xlsx.fileName.hasSuffix(".xlsx"))

            // Closed early: no more answers.
            _ = try await platform.withClient(as: "supervision-640104") { client in
                try await Client(wrapping: client).closeQuestionnaire(.with { $0.id = survey.id })
            }
            await expectStatus(.failedPrecondition) { _ = try await answer(Self.answers(1, [], 5), as: "lawyers-640104") }
        }
    }

    @Test("回访问卷：凭受理编号和手机号后四位，每件已办结的法律援助事项一份；未办结、他条线、号码不符各有明确拒绝")
    func concludedMattersAnswerOncePerMatter() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let survey = try await published(platform, Self.draft(audience: .lineCitizens, limit: .onePerMatter, anonymous: false))
            #expect(survey.audienceLabel == "「法律援助」已办结事项的申请人")
            let (concluded, open) = try await platform.withClient(as: "staff-640100-reviewer") { client in
                let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                var numbers: [String] = []
                for index in 0..<2 {
                    let number = try await legalAid.submitApplication(LegalAidSamples.application(phone: "1395100\(5670 + index)")).matter.trackingNumber
                    numbers.append(number)
                }
                _ = try await legalAid.approve(.with {
                    $0.trackingNumber = numbers[0]
                    $0.context = LegalAidSamples.staff()
                })
                let provider = try #require(try await legalAid.listProviders(.with { $0.regionCode = "640104" }).providers.first)
                _ = try await legalAid.assign(.with {
                    $0.trackingNumber = numbers[0]
                    $0.providerID = provider.id
                    $0.context = LegalAidSamples.staff()
                })
                _ = try await legalAid.conclude(.with {
                    $0.trackingNumber = numbers[0]
                    $0.outcomeSummary = "已调解结案"
                    $0.context = LegalAidSamples.staff()
                })
                return (numbers[0], numbers[1])
            }
            func answer(_ number: String, _ phone: String) async throws -> Fawang_Survey_V1_SubmitAnswersResponse {
                try await platform.withClient { client in
                    try await Client(wrapping: client).submitAnswers(.with {
                        $0.questionnaireID = survey.id
                        $0.trackingNumber = number
                        $0.phoneLast4 = phone
                        $0.answers = Self.answers(1, [3], 5, "律师很耐心")
                    })
                }
            }
            await expectStatus(.invalidArgument, field: "phone_last4") { _ = try await answer(concluded, "12") }
            await expectStatus(.notFound) { _ = try await answer(concluded, "9999") }
            await expectStatus(.failedPrecondition) { _ = try await answer(open, "5671") }
            _ = try await answer(concluded, "5670")
            await expectStatus(.alreadyExists) { _ = try await answer(concluded, "5670") }

            // Not anonymous: the export names the matter.
            let file = try await platform.withClient(as: "supervision-640104") { client in
                try await Client(wrapping: client).exportAnswers(.with { $0.id = survey.id })
            }
            let rows = try #require(Spreadsheet.rows(csv: file.content))
            #expect(rows.count == 2 && rows[0].contains("受理编号") && rows[1].contains(concluded))

            // A questionnaire for mediation's applicants does not take a legal aid matter.
            var forMediation = Self.draft(audience: .lineCitizens, limit: .onePerMatter)
            forMediation.audience.businessLine = "mediation"
            let mediation = try await published(platform, forMediation)
            await expectStatus(.failedPrecondition) {
                _ = try await platform.withClient { client in
                    try await Client(wrapping: client).submitAnswers(.with {
                        $0.questionnaireID = mediation.id
                        $0.trackingNumber = concluded
                        $0.phoneLast4 = "5670"
                        $0.answers = Self.answers(1, [], 5)
                    })
                }
            }
        }
    }

    @Test("工作人员问卷：只有被调查单位（地区和部门）的工作人员可以填写，每人一份")
    func anOfficesStaffAnswer() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let survey = try await published(platform, Self.draft(audience: .officeStaff), as: "supervision-admin")
            #expect(survey.audienceLabel.contains("「法律援助」工作人员"))
            func answer(as login: String) async throws {
                _ = try await platform.withClient(as: login) { client in
                    try await Client(wrapping: client).submitAnswers(.with {
                        $0.questionnaireID = survey.id
                        $0.answers = Self.answers(1, [], 4)
                    })
                }
            }
            try await answer(as: "staff-640100-reviewer")
            await expectStatus(.permissionDenied) { try await answer(as: "staff-640200-reviewer") }
            await expectStatus(.permissionDenied) { try await answer(as: "notarization-640100") }
            await expectStatus(.permissionDenied) { try await answer(as: "13951001234") }
            // Not in the public list; in the office's own.
            let publicList = try await platform.withClient { client in try await Client(wrapping: client).listQuestionnaires(.init()) }
            #expect(!publicList.questionnaires.contains { $0.id == survey.id })
            let officeList = try await platform.withClient(as: "staff-640100-window") { client in try await Client(wrapping: client).listQuestionnaires(.init()) }
            #expect(officeList.questionnaires.contains { $0.id == survey.id })
        }
    }

    @Test("问卷的管理范围：市里设计的问卷，上级和本市可管，另一市、下属县的工作人员看不到结果；草稿对公众不存在；已发布的不能再改题")
    func eachDivisionManagesItsOwn() async throws {
        try await TestPlatform.with(extraConfig: TestPlatform.unlimitedRates, plugins: PluginCatalog.all, clock: Self.clock) { platform in
            let draft = try await platform.withClient(as: "staff-640100-reviewer") { client in
                try await Client(wrapping: client).createQuestionnaire(.with { $0.questionnaire = Self.draft() })
            }
            await expectStatus(.notFound) {
                _ = try await platform.withClient { client in try await Client(wrapping: client).getQuestionnaire(.with { $0.id = draft.id }) }
            }
            await expectStatus(.notFound) {
                _ = try await platform.withClient(as: "13951001234") { client in
                    try await Client(wrapping: client).submitAnswers(.with {
                        $0.questionnaireID = draft.id
                        $0.answers = Self.answers(1, [], 4)
                    })
                }
            }
            // The province's supervisors and the city's own manage it; another city, a county below and the public do not.
            let fromCity = try await platform.withClient(as: "supervision-admin") { client in
                try await Client(wrapping: client).listQuestionnaires(.with { $0.manage = true })
            }
            #expect(fromCity.questionnaires.contains { $0.id == draft.id && $0.status == .draft })
            for login in ["staff-640200-reviewer", "supervision-640104"] {
                await expectStatus(.permissionDenied) {
                    _ = try await platform.withClient(as: login) { client in
                        try await Client(wrapping: client).getSummary(.with { $0.id = draft.id })
                    }
                }
            }
            let fromOtherCity = try await platform.withClient(as: "staff-640200-reviewer") { client in
                try await Client(wrapping: client).listQuestionnaires(.with { $0.manage = true })
            }
            #expect(!fromOtherCity.questionnaires.contains { $0.id == draft.id })
            await expectStatus(.permissionDenied) {
                _ = try await platform.withClient(as: "13951001234") { client in try await Client(wrapping: client).getSummary(.with { $0.id = draft.id }) }
            }
            // A draft is edited; once published its questions stay.
            var changed = Self.draft()
            changed.title = "改过的标题"
            let updated = try await platform.withClient(as: "staff-640100-reviewer") { client in
                try await Client(wrapping: client).updateQuestionnaire(.with {
                    $0.id = draft.id
                    $0.questionnaire = changed
                })
            }
            #expect(updated.title == "改过的标题")
            _ = try await platform.withClient(as: "staff-640100-reviewer") { client in
                try await Client(wrapping: client).publishQuestionnaire(.with { $0.id = draft.id })
            }
            await expectStatus(.failedPrecondition) {
                _ = try await platform.withClient(as: "staff-640100-reviewer") { client in
                    try await Client(wrapping: client).updateQuestionnaire(.with {
                        $0.id = draft.id
                        $0.questionnaire = changed
                    })
                }
            }
        }
    }

    @Test("问卷设计的校验：选择题至少两个选项、量表从小到大、填写期、调查对象与填写限制相配，逐项指出")
    func designRules() throws {
        let today = CivilDate(year: 2026, month: 12, day: 7)
        func problems(_ change: (inout Fawang_Survey_V1_QuestionnaireDraft) -> Void) -> Set<String> {
            var draft = Self.draft()
            change(&draft)
            do {
                _ = try QuestionnaireRules.checked(draft, today: today, prefix: "questionnaire.")
                return []
            } catch {
                return Set(error.violations.map(\.field))
            }
        }
        #expect(problems { _ in }.isEmpty)
        #expect(problems { $0.title = " " } == ["questionnaire.title"])
        #expect(problems { $0.questions = [] } == ["questionnaire.questions"])
        #expect(problems { $0.questions[0].options = ["只有一个"] } == ["questionnaire.questions[0].options"])
        #expect(problems { $0.questions[0].options = ["甲", "甲"] } == ["questionnaire.questions[0].options"])
        #expect(problems { $0.questions[1].maxChoices = 5 } == ["questionnaire.questions[1].max_choices"])
        #expect(problems {
            $0.questions[2].scaleMin = 5
            $0.questions[2].scaleMax = 1
        } == ["questionnaire.questions[2].scale_max"])
        #expect(problems { $0.questions[3].options = ["x", "y"] } == ["questionnaire.questions[3].options"])
        #expect(problems { $0.questions[3].kind = .unspecified } == ["questionnaire.questions[3].kind"])
        #expect(problems { $0.closesOn = "2026-12-06" } == ["questionnaire.closes_on"])
        #expect(problems { $0.opensOn = "2026-12-31"; $0.closesOn = "2026-12-20" } == ["questionnaire.closes_on"])
        #expect(problems { $0.opensOn = "明天" } == ["questionnaire.opens_on"])
        // No period given: thirty days from today.
        var undated = Self.draft()
        undated.opensOn = ""
        undated.closesOn = ""
        let dated = try QuestionnaireRules.checked(undated, today: today, prefix: "")
        #expect(dated.opensOn == "2026-12-07" && dated.closesOn == "2027-01-05")
        #expect(problems { $0.audience.kind = .unspecified } == ["questionnaire.audience.kind"])
        #expect(problems {
            $0.audience.kind = .lineCitizens
            $0.limit = .onePerPerson
        } == ["questionnaire.limit"])
        #expect(problems {
            $0.audience.kind = .officeStaff
            $0.limit = .onePerMatter
        } == ["questionnaire.limit"])
        // Everything wrong at once is reported at once.
        #expect(problems {
            $0.title = ""
            $0.closesOn = "2026-13-40"
            $0.limit = .unspecified
        } == ["questionnaire.title", "questionnaire.closes_on", "questionnaire.limit"])
    }

    @Test("答卷的校验：必答题、单选只选一项、多选上限、量表范围、填空字数")
    func answerRules() throws {
        let questions = try QuestionnaireRules.checked(Self.draft(), today: CivilDate(year: 2026, month: 12, day: 7), prefix: "").questions
        func problems(_ answers: [Fawang_Survey_V1_Answer]) -> [String: String] {
            do {
                _ = try QuestionnaireRules.items(answers, to: questions)
                return [:]
            } catch {
                return Dictionary(error.violations.map { ($0.field, $0.reason) }) { first, _ in first }
            }
        }
        let good = try QuestionnaireRules.items(Self.answers(2, [1, 4], 3, " 很好 "), to: questions)
        #expect(good == [
            .init(questionID: "q1", choice: 2), .init(questionID: "q2", choice: 1), .init(questionID: "q2", choice: 4),
            .init(questionID: "q3", scale: 3), .init(questionID: "q4", text: "很好"),
        ])
        // Optional questions left empty keep no row.
        #expect(try QuestionnaireRules.items(Self.answers(1, [], 5), to: questions).map(\.questionID) == ["q1", "q3"])
        #expect(problems([]).keys.sorted() == ["answers[q1]", "answers[q3]"])
        #expect(problems([]).values.contains("第1题「您到过哪个站点？」是必答题"))
        var two = Self.answers(1, [], 5)
        two[0].choices = [1, 2]
        #expect(problems(two) == ["answers[q1]": "第1题是单选题，只能选一项"])
        #expect(problems(Self.answers(1, [1, 2, 3], 5)) == ["answers[q2]": "第2题最多选2项"])
        #expect(problems(Self.answers(1, [5], 5)) == ["answers[q2]": "第2题的选项应在1至4之间"])
        #expect(problems(Self.answers(1, [], 6)) == ["answers[q3]": "第3题请在1至5分之间选择"])
        #expect(problems(Self.answers(1, [], 5, String(repeating: "长", count: 501))) == ["answers[q4]": "第4题的回答不能超过500字"])
        #expect(problems(Self.answers(1, [], 5) + [.with { $0.questionID = "q1"; $0.choices = [2] }]) == ["answers[q1]": "第1题回答了两次"])
    }
}
