import FawangCore
import FawangProto
import Foundation
import GRPCCore
import Hummingbird
import SwiftProtobuf

/// `/consultation` (法律咨询): who is on duty today in the visitor's division, the published
/// questions and answers (常见问题, anonymised) with a search, and the way to ask online, which
/// routes the question to whoever is on duty (`ConsultationService`).
extension Portal {
    typealias ConsultationMethod = Fawang_Consultation_V1_ConsultationService.Method

    func addConsultationPages(to router: Router<GatewayRequestContext>) {
        router.get("/consultation") { request, context in try await consultationPage(request, context) }
    }

    func consultationPage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let query = Self.query(request, "q"), region = Self.query(request, "region")
        let metadata = Self.metadata(context)
        do {
            async let duty = call(
                ConsultationMethod.ListDuty.descriptor, Fawang_Consultation_V1_ListDutyRequest.with { $0.regionCode = region }, metadata,
                as: Fawang_Consultation_V1_ListDutyResponse.self)
            let faq = try await call(
                ConsultationMethod.ListFAQ.descriptor, Fawang_Consultation_V1_ListFAQRequest.with { $0.query = query }, metadata,
                as: Fawang_Consultation_V1_ListFAQResponse.self)
            let shifts = try await duty.shifts
            return page("consultation", title: "法律咨询", [
                "query": query,
                "shifts": shifts.map { ["name": $0.name, "role": $0.roleLabel, "region": $0.regionName, "topic": ConsultationPages.topicName($0.topic)] },
                "hasShifts": !shifts.isEmpty,
                "faq": faq.items.map { item in
                    [
                        "question": item.question, "answer": item.answer, "topic": ConsultationPages.topicName(item.topic), "region": item.regionName,
                        "citations": item.lawCitations.joined(separator: "；"), "hasCitations": !item.lawCitations.isEmpty,
                    ] as [String: Any]
                },
                "hasFAQ": !faq.items.isEmpty,
            ])
        } catch let error as RPCError {
            return errorPage("法律咨询", error)
        }
    }
}

enum ConsultationPages {
    static func topicName(_ topic: Fawang_Consultation_V1_Topic) -> String {
        switch topic {
        case .labour: "劳动用工"
        case .marriageFamily: "婚姻家庭"
        case .contractDebt: "合同借贷"
        case .propertyLand: "房产土地"
        case .tortInjury: "人身损害"
        case .administrative: "行政"
        case .criminal: "刑事"
        case .consumer: "消费者权益"
        case .other: "其他"
        default: "各类问题"
        }
    }

    static let templates: [String: String] = [
        "consultation": """
            {{> top}}
            <h1>法律咨询</h1>
            <p>拨打 12348，或<a class="button" href="/apply/consultation/record">在线提问</a>：问题会转给当天值班的律师或法律服务工作者解答，解答后可以凭受理编号和手机号后四位在<a href="/progress">进度查询</a>中查看并评价。</p>
            <h2>今日值班</h2>
            {{#hasShifts}}<ul id="duty">{{#shifts}}<li>{{region}} · {{name}}（{{role}}，{{topic}}）</li>{{/shifts}}</ul>{{/hasShifts}}
            {{^hasShifts}}<p class="muted">今天暂无值班安排，提问由法律咨询窗口工作人员解答。</p>{{/hasShifts}}
            <h2>常见问题</h2>
            <form method="get" action="/consultation" class="inline">
              <div class="field"><label for="f-cq">关键词</label><input type="search" id="f-cq" name="q" value="{{query}}"></div>
              <p><button type="submit" class="button secondary">搜索</button></p>
            </form>
            {{#hasFAQ}}<div id="faq">{{#faq}}<section class="report"><h3>{{question}}</h3><p>{{answer}}</p>
              <p class="muted">{{topic}} · {{region}}{{#hasCitations}} · 依据：{{citations}}{{/hasCitations}}</p></section>{{/faq}}</div>{{/hasFAQ}}
            {{^hasFAQ}}<p class="muted">没有找到相关的常见问题。</p>{{/hasFAQ}}
            {{> bottom}}
            """
    ]
}
