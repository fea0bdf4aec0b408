import FawangCore

/// The demo directory seeded into an empty database: Ningxia Hui Autonomous Region (640000), its
/// five prefecture-level cities with their counties and districts, a legal aid centre per city
/// and a few staff. Division codes follow GB/T 2260.
enum DemoData {
    static let province = Division(code: "640000", name: "宁夏回族自治区", parentCode: nil, seat: GeoPoint(latitude: 38.4872, longitude: 106.2309))

    /// Each city with its counties and districts, and the seat of each (latitude, longitude; a
    /// city's seat is its main district's).
    static let cities: [(Division, [(String, String, Double, Double)])] = [
        (Division(code: "640100", name: "银川市", parentCode: "640000", seat: GeoPoint(latitude: 38.4872, longitude: 106.2309)), [
            ("640104", "兴庆区", 38.4740, 106.2880), ("640105", "西夏区", 38.4920, 106.1560), ("640106", "金凤区", 38.4730, 106.2420),
            ("640121", "永宁县", 38.2770, 106.2530), ("640122", "贺兰县", 38.5540, 106.3500), ("640181", "灵武市", 38.1030, 106.3400),
        ]),
        (Division(code: "640200", name: "石嘴山市", parentCode: "640000", seat: GeoPoint(latitude: 39.0133, longitude: 106.3834)), [
            ("640202", "大武口区", 39.0190, 106.3770), ("640205", "惠农区", 39.2390, 106.7810), ("640221", "平罗县", 38.9130, 106.5230),
        ]),
        (Division(code: "640300", name: "吴忠市", parentCode: "640000", seat: GeoPoint(latitude: 37.9862, longitude: 106.1994)), [
            ("640302", "利通区", 37.9850, 106.2120), ("640303", "红寺堡区", 37.4250, 106.0620), ("640323", "盐池县", 37.7830, 107.4070),
            ("640324", "同心县", 36.9810, 105.9140), ("640381", "青铜峡市", 38.0210, 106.0790),
        ]),
        (Division(code: "640400", name: "固原市", parentCode: "640000", seat: GeoPoint(latitude: 36.0160, longitude: 106.2425)), [
            ("640402", "原州区", 36.0050, 106.2880), ("640422", "西吉县", 35.9640, 105.7290), ("640423", "隆德县", 35.6250, 106.1110),
            ("640424", "泾源县", 35.4980, 106.3300), ("640425", "彭阳县", 35.8490, 106.6380),
        ]),
        (Division(code: "640500", name: "中卫市", parentCode: "640000", seat: GeoPoint(latitude: 37.5149, longitude: 105.1896)), [
            ("640502", "沙坡头区", 37.5110, 105.1900), ("640521", "中宁县", 37.4920, 105.6850), ("640522", "海原县", 36.5650, 105.6430),
        ]),
    ]

    static var counties: [Division] {
        cities.flatMap { city, counties in
            counties.map { Division(code: $0.0, name: $0.1, parentCode: city.code, seat: GeoPoint(latitude: $0.2, longitude: $0.3)) }
        }
    }

    static var divisions: [Division] {
        [province] + cities.map(\.0) + counties
    }

    /// The platform's own register: a legal aid centre per city, a public legal service centre per
    /// county, and in Xingqing and Xiji the township stations, village rooms and village legal
    /// advisers (一村一法律顾问) under them.
    static var organizations: [Organization] {
        let aidCentres = cities.map { city, _ in
            Organization(
                id: "la-\(city.code)", kind: "legal_aid_centre", name: "\(city.name)法律援助中心",
                regionCode: city.code, businessLine: "legal-aid", phone: "12348", address: "\(city.name)公共法律服务中心",
                location: city.seat.map { GeoPoint(latitude: $0.latitude + 0.004, longitude: $0.longitude - 0.006) })
        }
        let centres = counties.map { county in
            Organization(
                id: "plsc-\(county.code)", kind: "service_centre", name: "\(county.name)公共法律服务中心", regionCode: county.code,
                businessLine: "", phone: "12348", address: "\(county.name)司法局一楼大厅", location: county.seat)
        }
        let grassroots: [(id: String, kind: String, name: String, region: String, address: String, lat: Double, lon: Double)] = [
            ("plss-640104-zhangzheng", "service_station", "掌政镇公共法律服务工作站", "640104", "兴庆区掌政镇人民政府", 38.4560, 106.3730),
            ("plss-640104-yueyahu", "service_station", "月牙湖乡公共法律服务工作站", "640104", "兴庆区月牙湖乡人民政府", 38.3550, 106.5930),
            ("plsr-640104-qiangjiazhuang", "service_room", "强家庙村公共法律服务工作室", "640104", "兴庆区掌政镇强家庙村村委会", 38.4480, 106.3510),
            ("plss-640422-jiqiang", "service_station", "吉强镇公共法律服务工作站", "640422", "西吉县吉强镇人民政府", 35.9660, 105.7340),
            ("plsr-640422-longwang", "service_room", "龙王坝村公共法律服务工作室", "640422", "西吉县吉强镇龙王坝村村委会", 35.9300, 105.7990),
            ("va-640104-qiangjiazhuang", "village_adviser", "李建国（强家庙村法律顾问，宁夏兴庆律师事务所律师）", "640104", "兴庆区掌政镇强家庙村村委会", 38.4480, 106.3510),
            ("va-640422-longwang", "village_adviser", "马海燕（龙王坝村法律顾问，西吉县法律援助工作站）", "640422", "西吉县吉强镇龙王坝村村委会", 35.9300, 105.7990),
        ]
        return aidCentres + centres + grassroots.map {
            Organization(
                id: $0.id, kind: $0.kind, name: $0.name, regionCode: $0.region, businessLine: "", phone: "12348", address: $0.address,
                location: GeoPoint(latitude: $0.lat, longitude: $0.lon))
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
                        regionCode: city.code, organizationID: "la-\(city.code)", department: "legal-aid", channel: .walkIn)),
                ]
            }
            + [
                ("legal-aid-admin", Principal(accountID: "staff-640000-legal-aid-admin", displayName: "自治区法律援助管理员", role: .departmentAdmin, regionCode: "640000", department: "legal-aid")),
                ("13951001234", Principal(accountID: "citizen-13951001234", displayName: "马小花", role: .citizen, regionCode: "640104")),
                ("lap-640100-1", Principal(accountID: "lap-640100-1", displayName: "银川市援助律师", role: .professional, regionCode: "640100", organizationID: "la-640100", department: "legal-aid")),
                ("hotline-frontend", Principal(
                    accountID: "service-hotline", displayName: "12348热线前端", role: .service, regionCode: "640000", channel: .hotline)),
            ]
            + lines.flatMap { id, name in
                // The hotline's staff are its agents: whatever they key in came by the hotline.
                let channel: Channel? = id == "hotline" ? .hotline : nil
                return [
                    // Yinchuan city bureau, Xingqing district bureau, and the department's provincial admin.
                    ("\(id)-640100", Principal(
                        accountID: "staff-640100-\(id)", displayName: "银川市\(name)工作人员", role: .staff, regionCode: "640100", department: id, channel: channel)),
                    ("\(id)-640104", Principal(
                        accountID: "staff-640104-\(id)", displayName: "兴庆区\(name)工作人员", role: .staff, regionCode: "640104", department: id, channel: channel)),
                    ("\(id)-admin", Principal(accountID: "staff-640000-\(id)-admin", displayName: "自治区\(name)管理员", role: .departmentAdmin, regionCode: "640000", department: id)),
                ]
            }
    }

    /// The business lines other than legal aid, with a staff member in Yinchuan, one in Xingqing
    /// district and a provincial department admin each (logins `<id>-640100`, `<id>-640104`, `<id>-admin`).
    static let lines: [(id: String, name: String)] = [
        ("mediation", "人民调解"), ("judicial-appraisal", "司法鉴定"), ("lawyers", "律师管理"), ("notarization", "公证"),
        ("legal-exam", "法律职业资格"), ("petitions", "信访"), ("admin-approval", "行政审批"), ("consultation", "法律咨询"),
        ("publicity", "法治宣传"),
        ("disclosure", "政府信息公开"),
        // A hall's appointments desk: slots, check-in and no-shows for every service of its office.
        ("appointments", "预约服务"),
        // The 12348 hotline's agents (bound to the hotline channel) and its provincial admin.
        ("hotline", "12348热线"),
        // The bureaus' supervisors: statistics of every line in their division.
        ("supervision", "监管统计"),
        // Who acknowledges and answers the public's suggestions.
        ("suggestions", "群众建议"),
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
