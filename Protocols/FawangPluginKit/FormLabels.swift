/// Chinese labels of the fields that many public forms share; a plugin's RPC row adds its own
/// (`RPC(…, labels:)`), which win over these.
public enum FormLabels {
    public static let common: [String: String] = [
        "applicant": "申请人",
        "name": "姓名",
        "id_number": "身份证号",
        "phone": "手机号码",
        "address": "住址",
        "region_code": "所在地区（行政区划代码）",
        "materials": "已准备的材料（每行一项）",
        "summary": "事项摘要",
        "description": "情况说明",
        "note": "备注",
    ]

    /// The label of `path` (`applicant.id_number`), by path, then by field name; nil if none.
    public static func label(_ path: String, in labels: [String: String]) -> String? {
        let name = String(path.split(separator: ".").last ?? "")
        return labels[path] ?? labels[name] ?? common[path] ?? common[name]
    }
}
