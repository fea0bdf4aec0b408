public import FawangCore
public import FawangPluginKit
public import GRPCCore
import Foundation

/// Legal publicity (法治宣传): articles by category and tag, drafted by the line's staff, published
/// after review by a department or platform admin who did not write them, withdrawn if need be;
/// read on the portal (`/publicity`), in its Atom feed (`/publicity/feed.atom`) and by the
/// server-streaming `Subscribe`; readings counted. No matter types: publicity is not a case.
///
/// ## Configuration
/// - `modules.publicity.enabled` (bool, default `true`).
public struct PublicityPlugin: DepartmentPlugin {
    public static let moduleID = "publicity"
    public init() {}

    public let manifest = ModuleManifest(id: PublicityPlugin.moduleID, nameZH: "法治宣传", nameEN: "Legal publicity", version: "1.0.0", matterTypes: [])

    public var rpcs: [RPCInfo] { PublicityService.rpcs.infos }

    public var migrations: [StorageMigration] { [ArticleRows.migration] }

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        // Each host start builds its own feed (tests start several hosts in one process).
        [PublicityService.rpcs.service(PublicityService(context: context, feed: ArticleFeed()))]
    }

    /// A few published articles, written for the demo by the provincial department's publicity
    /// office; every statute quoted is checked against its text in the law library.
    public func seedDemoData(context: PluginContext) async throws {
        let statements = PublicityDemo.articles.enumerated().map { index, article in
            SQLStatement(
                """
                INSERT INTO publicity_articles (id, title, summary, body, category, tags, status, region_code, author_account_id,
                    author_name, created_at, updated_at, published_at, last_write)
                VALUES (?, ?, ?, ?, ?, ?, 'published', '640000', 'staff-640000-publicity-admin', '自治区司法厅普法与依法治理处', ?, ?, ?, ?)
                """,
                [
                    .text("xc-demo-\(index + 1)"), .text(article.title), .text(article.summary), .text(article.body), .text(article.category),
                    .text(ArticleRows.tags(article.tags)), .text(article.date), .text(article.date), .text(article.date), .text("seed"),
                ])
        }
        try await context.storage.execute(statements)
    }
}

/// The demo's articles (演示数据).
enum PublicityDemo {
    struct Article {
        let title: String, summary: String, body: String, category: String, tags: [String], date: String
    }

    static let articles: [Article] = [
        Article(
            title: "哪些情况可以申请法律援助？一文读懂《法律援助法》",
            summary: "经济困难又请不起律师，讨薪、索要赡养费、工伤赔偿等事项可以向法律援助机构申请免费法律服务；家暴受害人等情形不受经济困难条件限制。",
            body: """
                法律援助是国家建立的为经济困难公民和符合法定条件的其他当事人无偿提供法律咨询、代理、刑事辩护等法律服务的制度（《中华人民共和国法律援助法》第二条）。

                哪些事项可以申请？根据第三十一条，下列事项的当事人，因经济困难没有委托代理人的，可以向法律援助机构申请：依法请求国家赔偿；请求给予社会保险待遇或者社会救助；请求发给抚恤金；请求给付赡养费、抚养费、扶养费；请求确认劳动关系或者支付劳动报酬；请求认定公民无民事行为能力或者限制民事行为能力；请求工伤事故、交通事故、食品药品安全事故、医疗事故人身损害赔偿；请求环境污染、生态破坏损害赔偿等。

                哪些情形不看经济条件？第三十二条规定，英雄烈士近亲属为维护英雄烈士的人格权益，因见义勇为行为主张相关民事权益，再审改判无罪请求国家赔偿，遭受虐待、遗弃或者家庭暴力的受害人主张相关权益的，申请法律援助不受经济困难条件的限制。

                多久能有结果？法律援助机构应当自收到申请之日起七日内进行审查，作出是否给予法律援助的决定；决定给予的，应当自作出决定之日起三日内指派法律援助人员（第四十三条）。

                怎么申请？拨打12348热线，到当地公共法律服务中心法律援助窗口，或在12348宁夏法网“在线申请”中提交，凭受理编号和手机号后四位随时查询进度。
                """,
            category: "legal-aid", tags: ["法律援助法", "经济困难", "申请指南"], date: "2026-09-01T09:00:00Z"),
        Article(
            title: "被拖欠工资怎么办？这几条路可以走",
            summary: "用人单位应当及时足额支付劳动报酬；被拖欠的，可以向劳动行政部门投诉、申请支付令，经济困难的还可以申请法律援助。",
            body: """
                《中华人民共和国劳动合同法》第三十条规定，用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。用人单位拖欠或者未足额支付劳动报酬的，劳动者可以依法向当地人民法院申请支付令。

                向劳动行政部门投诉：用人单位未及时足额支付劳动报酬的，由劳动行政部门责令限期支付；逾期不支付的，责令按应付金额百分之五十以上百分之一百以下的标准向劳动者加付赔偿金（第八十五条）。

                农民工朋友请注意：《保障农民工工资支付条例》第三条规定，农民工有按时足额获得工资的权利，任何单位和个人不得拖欠农民工工资。

                请不起律师？请求支付劳动报酬属于法律援助事项，因经济困难没有委托代理人的，可以向法律援助机构申请（《中华人民共和国法律援助法》第三十一条）。平时注意保存劳动合同、考勤记录、工资条、转账记录和聊天记录等证据。
                """,
            category: "labour", tags: ["欠薪", "劳动报酬", "农民工"], date: "2026-10-15T09:00:00Z"),
        Article(
            title: "人民调解：不收费，达成的协议有法律约束力",
            summary: "邻里、家庭、借贷等民间纠纷可以找人民调解委员会调解，不收任何费用；调解协议可以在三十日内共同申请司法确认。",
            body: """
                人民调解委员会调解民间纠纷，不收取任何费用（《中华人民共和国人民调解法》第四条）。

                经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行（第三十一条）。

                担心对方反悔？双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认；人民法院依法确认调解协议有效，一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行（第三十三条）。

                村（居）、乡镇（街道）都设有人民调解委员会，也可以拨打12348或在线申请调解。
                """,
            category: "mediation", tags: ["人民调解", "司法确认"], date: "2026-11-02T09:00:00Z"),
        Article(
            title: "认清电信网络诈骗：远程、非接触，目的是骗走你的钱",
            summary: "《反电信网络诈骗法》所称电信网络诈骗，是以非法占有为目的，利用电信网络技术手段，通过远程、非接触等方式诈骗公私财物的行为。",
            body: """
                什么是电信网络诈骗？《中华人民共和国反电信网络诈骗法》第二条规定，本法所称电信网络诈骗，是指以非法占有为目的，利用电信网络技术手段，通过远程、非接触等方式，诈骗公私财物的行为。

                常见套路：冒充客服办理退款、冒充公检法要求转账到“安全账户”、刷单返利、虚假投资理财、网络贷款先交“保证金”。

                牢记“三不一多”：未知链接不点击，陌生来电不轻信，个人信息不透露，转账汇款多核实。

                遇到可疑情况，请立即拨打110报警；对法律问题有疑问，可以拨打12348公共法律服务热线咨询。
                """,
            category: "anti-fraud", tags: ["反诈", "电信网络诈骗"], date: "2026-11-20T09:00:00Z"),
    ]
}
