public import FawangProtocols
import AdministrativeApprovalPlugin
import ConsultationPlugin
import JudicialAppraisalPlugin
import LawyersPlugin
import LegalAidPlugin
import LegalExamPlugin
import MediationPlugin
import NotarizationPlugin
import PetitionsPlugin

/// The department plugins compiled into this host: one line per department.
public enum PluginCatalog {
    public static let all: [any DepartmentPlugin] = [
        LegalAidPlugin(),
        MediationPlugin(),
        PetitionsPlugin(),
        NotarizationPlugin(),
        JudicialAppraisalPlugin(),
        LawyersPlugin(),
        LegalExamPlugin(),
        AdministrativeApprovalPlugin(),
        ConsultationPlugin(),
    ]
}
