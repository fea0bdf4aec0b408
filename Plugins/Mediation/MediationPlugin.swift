public import FawangCore
public import FawangPluginKit
import FawangProto
public import GRPCCore

/// People's mediation (人民调解) under 中华人民共和国人民调解法 (2010): a party applies or the
/// committee mediates on its own initiative (Art. 17), a committee of the matter's city and one or
/// more of its mediators take it on (Arts. 13, 19, 20), sessions are scheduled and recorded, any
/// party may refuse or end it at any time (Arts. 3, 17, 23), and it ends in an agreement (Arts.
/// 28–30) or in failure with the parties told of other routes (Art. 26). After an agreement the
/// matter reminds staff and parties of the 30 days for jointly applying for judicial confirmation
/// (Art. 33). The Act sets no time limit for the mediation itself, and none is invented.
///
/// ## Configuration
/// - `modules.mediation.enabled` (bool, default `true`): switch the module on or off at run time.
public struct MediationPlugin: DepartmentPlugin {
    public init() {}

    public let manifest = ModuleManifest(
        id: "mediation", nameZH: "人民调解", nameEN: "People's mediation", version: "1.0.0",
        matterTypes: [
            MatterTypeSpec(
                id: MediationWorkflow.matterType, nameZH: "民间纠纷调解", nameEN: "Mediation of a civil dispute",
                requiredFields: [
                    "request_id", "applicant.name", "applicant.phone", "respondents[].name",
                    "region_code", "category", "summary",
                ],
                requiredMaterials: [],
                workflow: MediationWorkflow.machine,
                deadlines: [MediationWorkflow.judicialConfirmationWindow],
                credit: MediationPlugin.credit,
                guide: ServiceGuide(
                    eligibility: [
                        "民间纠纷的当事人可以向人民调解委员会申请调解（《中华人民共和国人民调解法》第十七条）",
                        "调解在当事人自愿、平等的基础上进行，当事人一方明确拒绝调解的，不得调解（《中华人民共和国人民调解法》第三条、第十七条）",
                    ],
                    fees: "免费（人民调解委员会调解民间纠纷，不收取任何费用，《中华人民共和国人民调解法》第四条）",
                    applyVerb: "apply", officeKinds: [.mediationCommittee, .serviceCentre],
                    questions: [
                        GuidanceQuestion(
                            id: "willing", textZH: "对方当事人是否愿意调解？",
                            ifNoZH: "当事人一方明确拒绝调解的，不得调解；可以依法通过仲裁、行政、司法等途径维护自己的权利（第十七条、第三条）。"),
                        GuidanceQuestion(
                            id: "enforce", textZH: "达成调解协议后，是否希望协议可以申请强制执行？",
                            ifYesZH: "双方当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认；确认有效后一方拒绝履行的，对方可以申请强制执行（第三十三条）。"),
                    ]),
                transferIntake: { MediationWorkflow.intake($0) })
        ],
        guidance: [
            GuidanceTopic(problemZH: "邻里之间因噪音、漏水、通行发生矛盾", category: .neighbours, keywords: ["邻居", "邻里", "噪音", "漏水", "通行"], matterTypeID: MediationWorkflow.matterType),
            GuidanceTopic(problemZH: "家庭、婚姻、赡养矛盾想请人调解", category: .family, keywords: ["家庭矛盾", "婚姻", "赡养", "分家"], matterTypeID: MediationWorkflow.matterType),
            GuidanceTopic(problemZH: "借款、合同、物业费纠纷不想打官司", category: .debts, keywords: ["借款", "欠款", "物业", "合同纠纷", "调解"], matterTypeID: MediationWorkflow.matterType),
            GuidanceTopic(problemZH: "宅基地、房屋、土地边界纠纷", category: .neighbours, keywords: ["宅基地", "房屋", "地界"], matterTypeID: MediationWorkflow.matterType),
            // 医疗纠纷预防和处理条例 第二十二条、第三十一条: medical disputes go to the 医疗纠纷人民调解委员会.
            GuidanceTopic(
                problemZH: "与医院发生医疗纠纷，想通过调解解决", category: .injury, keywords: ["医疗纠纷", "医院", "医患", "手术", "误诊"],
                matterTypeID: MediationWorkflow.matterType, officeSpecialties: [MediationPlugin.medicalSpecialty]),
        ])

    public var rpcs: [RPCInfo] { MediationService.rpcs.infos }

    public let migrations = [
        StorageMigration(id: "v1-committees", statements: [
            """
            CREATE TABLE mediation_committees (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                region_code TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1
            )
            """,
            "CREATE INDEX mediation_committees_by_region ON mediation_committees (region_code)",
            """
            CREATE TABLE mediation_mediators (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                committee_id TEXT NOT NULL REFERENCES mediation_committees (id),
                region_code TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1
            )
            """,
            "CREATE INDEX mediation_mediators_by_committee ON mediation_mediators (committee_id)",
        ]),
        // The field of an industry committee (行业性、专业性人民调解委员会), e.g. 医疗纠纷; empty for
        // the committees that take every folk dispute. Committees registered before are read by name.
        StorageMigration(id: "v2-committee-specialty", statements: [
            "ALTER TABLE mediation_committees ADD COLUMN specialty TEXT NOT NULL DEFAULT ''",
            "UPDATE mediation_committees SET specialty = '医疗纠纷' WHERE kind = 'industry' AND name LIKE '%医疗纠纷%'",
        ]),
    ]

    /// The field of the medical dispute committees.
    static let medicalSpecialty = "医疗纠纷"

    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [MediationService.rpcs.service(MediationService(context: context))]
    }

    /// Per county or district a joint township/street committee, per city a medical-dispute
    /// committee (行业性专业性), two mediators each; one disbanded committee in Xingqing district.
    public func seedDemoData(context: PluginContext) async throws {
        var statements: [SQLStatement] = []
        let surnames = ["马", "李", "王", "张", "杨", "丁", "田", "周"]
        var index = 0
        func committee(_ id: String, _ name: String, _ kind: String, _ region: String, specialty: String = "", active: Bool = true) {
            statements.append(SQLStatement(
                "INSERT INTO mediation_committees (id, name, kind, region_code, active, specialty) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(id), .text(name), .text(kind), .text(region), .integer(active ? 1 : 0), .text(specialty)]))
            for number in 1...2 {
                let surname = surnames[index % surnames.count]
                index += 1
                statements.append(SQLStatement(
                    "INSERT INTO mediation_mediators (id, name, committee_id, region_code, active) VALUES (?, ?, ?, ?, 1)",
                    [.text("\(id)-m\(number)"), .text("\(surname)调解员"), .text(id), .text(region)]))
            }
        }
        for province in try await context.directory.divisions(parentCode: nil) {
            for city in try await context.directory.divisions(parentCode: province.code) {
                committee("mc-\(city.code)-medical", "\(city.name)医疗纠纷人民调解委员会", "industry", city.code, specialty: Self.medicalSpecialty)
                for county in try await context.directory.divisions(parentCode: city.code) {
                    committee("mc-\(county.code)", "\(county.name)联合人民调解委员会", "township_street", county.code)
                }
            }
        }
        committee("mc-640104-closed", "兴庆区原胜利社区人民调解委员会（已撤销）", "residents", "640104", active: false)
        try await context.storage.execute(statements)
    }
}
