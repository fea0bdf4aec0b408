import FawangCore

/// The demo directory seeded into an empty database: Ningxia Hui Autonomous Region (640000), its
/// five prefecture-level cities with their counties and districts, a legal aid centre per city
/// and a few staff. Division codes follow GB/T 2260.
enum DemoData {
    static let province = Division(code: "640000", name: "宁夏回族自治区", parentCode: nil)

    static let cities: [(Division, [(String, String)])] = [
        (Division(code: "640100", name: "银川市", parentCode: "640000"), [
            ("640104", "兴庆区"), ("640105", "西夏区"), ("640106", "金凤区"),
            ("640121", "永宁县"), ("640122", "贺兰县"), ("640181", "灵武市"),
        ]),
        (Division(code: "640200", name: "石嘴山市", parentCode: "640000"), [
            ("640202", "大武口区"), ("640205", "惠农区"), ("640221", "平罗县"),
        ]),
        (Division(code: "640300", name: "吴忠市", parentCode: "640000"), [
            ("640302", "利通区"), ("640303", "红寺堡区"), ("640323", "盐池县"),
            ("640324", "同心县"), ("640381", "青铜峡市"),
        ]),
        (Division(code: "640400", name: "固原市", parentCode: "640000"), [
            ("640402", "原州区"), ("640422", "西吉县"), ("640423", "隆德县"),
            ("640424", "泾源县"), ("640425", "彭阳县"),
        ]),
        (Division(code: "640500", name: "中卫市", parentCode: "640000"), [
            ("640502", "沙坡头区"), ("640521", "中宁县"), ("640522", "海原县"),
        ]),
    ]

    static var divisions: [Division] {
        [province] + cities.flatMap { city, counties in
            [city] + counties.map { Division(code: $0.0, name: $0.1, parentCode: city.code) }
        }
    }

    static var organizations: [Organization] {
        cities.map { city, _ in
            Organization(
                id: "la-\(city.code)", kind: "legal_aid_centre", name: "\(city.name)法律援助中心",
                regionCode: city.code, businessLine: "legal-aid", phone: "12348", address: "\(city.name)公共法律服务中心")
        }
    }

    /// The password of every demo account (published in the README: demo data only).
    static let demoPassword = "Fawang@2026"

    /// One account per role: the platform admin, a legal aid reviewer and a window clerk per city,
    /// a citizen, an aid lawyer and the hotline front end's service account.
    static var accounts: [(login: String, principal: Principal)] {
        [("admin", Principal(accountID: "staff-640000-admin", displayName: "自治区司法厅平台管理员", role: .platformAdmin, regionCode: "640000"))]
            + cities.flatMap { city, _ in
                [
                    ("staff-\(city.code)-reviewer", Principal(
                        accountID: "staff-\(city.code)-reviewer", displayName: "\(city.name)法律援助审查员", role: .staff,
                        regionCode: city.code, organizationID: "la-\(city.code)", department: "legal-aid")),
                    // The hall window that keys in applications (README: `--operator staff-640100-window`).
                    ("staff-\(city.code)-window", Principal(
                        accountID: "staff-\(city.code)-window", displayName: "\(city.name)窗口受理员", role: .staff,
                        regionCode: city.code, organizationID: "la-\(city.code)", department: "legal-aid")),
                ]
            }
            + [
                ("legal-aid-admin", Principal(accountID: "staff-640000-legal-aid-admin", displayName: "自治区法律援助管理员", role: .departmentAdmin, regionCode: "640000", department: "legal-aid")),
                ("13951001234", Principal(accountID: "citizen-13951001234", displayName: "马小花", role: .citizen, regionCode: "640104")),
                ("lap-640100-1", Principal(accountID: "lap-640100-1", displayName: "银川市援助律师", role: .professional, regionCode: "640100", organizationID: "la-640100", department: "legal-aid")),
                ("hotline-frontend", Principal(accountID: "service-hotline", displayName: "12348热线前端", role: .service, regionCode: "640000")),
            ]
            + lines.flatMap { id, name in
                [
                    // Yinchuan city bureau, Xingqing district bureau, and the department's provincial admin.
                    ("\(id)-640100", Principal(accountID: "staff-640100-\(id)", displayName: "银川市\(name)工作人员", role: .staff, regionCode: "640100", department: id)),
                    ("\(id)-640104", Principal(accountID: "staff-640104-\(id)", displayName: "兴庆区\(name)工作人员", role: .staff, regionCode: "640104", department: id)),
                    ("\(id)-admin", Principal(accountID: "staff-640000-\(id)-admin", displayName: "自治区\(name)管理员", role: .departmentAdmin, regionCode: "640000", department: id)),
                ]
            }
    }

    /// The business lines other than legal aid, with a staff member in Yinchuan, one in Xingqing
    /// district and a provincial department admin each (logins `<id>-640100`, `<id>-640104`, `<id>-admin`).
    static let lines: [(id: String, name: String)] = [
        ("mediation", "人民调解"), ("judicial-appraisal", "司法鉴定"), ("lawyers", "律师管理"), ("notarization", "公证"),
        ("legal-exam", "法律职业资格"), ("petitions", "信访"), ("admin-approval", "行政审批"), ("consultation", "法律咨询"),
    ]

    static var staff: [StaffMember] {
        [StaffMember(id: "staff-640000-admin", name: "自治区司法厅平台管理员", organizationID: nil, role: "platform_admin", regionCode: "640000")]
            + cities.flatMap { city, _ in
                [
                    StaffMember(id: "staff-\(city.code)-window", name: "\(city.name)窗口受理员", organizationID: "la-\(city.code)", role: "clerk", regionCode: city.code),
                    StaffMember(id: "staff-\(city.code)-reviewer", name: "\(city.name)法律援助审查员", organizationID: "la-\(city.code)", role: "reviewer", regionCode: city.code),
                ]
            }
    }
}
