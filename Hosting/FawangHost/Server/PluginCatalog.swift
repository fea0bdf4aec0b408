public import FawangProtocols
import LegalAidPlugin

/// The department plugins compiled into this host: one line per department.
public enum PluginCatalog {
    public static let all: [any DepartmentPlugin] = [
        LegalAidPlugin(),
    ]
}
