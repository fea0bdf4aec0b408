public import FawangPluginKit
import AdministrativeApprovalPlugin
import AppointmentsPlugin
import ConsultationPlugin
import DisclosurePlugin
import HotlinePlugin
import JudicialAppraisalPlugin
import LawyersPlugin
import LegalAidPlugin
import LegalExamPlugin
import MediationPlugin
import NotarizationPlugin
import PetitionsPlugin
import PublicityPlugin
import SuggestionsPlugin
import SupervisionPlugin
import SurveysPlugin

/// The department plugins compiled into the `fawang` executable: one line per department. The
/// host library takes its plugins as a parameter, so it and the test support depend on none.
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
        DisclosurePlugin(),
        PublicityPlugin(),
        AppointmentsPlugin(),
        HotlinePlugin(),
        SuggestionsPlugin(),
        SupervisionPlugin(),
        SurveysPlugin(),
    ]
}
