import FawangCatalog
import FawangCore
import FawangPluginKit
import Testing

/// What each line's workflow tells the statistics (数据统计): the events declared as accepting,
/// refusing, stopping (or concluding, where the result leaves the matter open to review), and
/// every other event that leads to an end status counted as concluded. A change to a workflow's
/// milestones, or a new ending step, must update the table (and docs/business-lines.md,
/// "Statistics milestones").
@Suite struct WorkflowMilestonesTests {
    typealias Milestones = [String: MatterWorkflow.Milestone]

    /// Line id → matter type → the milestones its workflow declares. A type declaring no
    /// acceptance counts its matters accepted on submission (受理即办理).
    static let declared: [String: [String: Milestones]] = [
        "legal-aid": [
            "legal-aid.application": ["refused": .refused],
        ],
        "mediation": [
            "mediation.dispute": ["committee_assigned": .accepted, "declined": .stopped],
        ],
        "petitions": [
            "petitions.petition": [
                "accepted": .accepted, "not_accepted": .refused, "referred": .stopped, "registered_duplicate": .stopped,
                "answered": .concluded, "reviewed": .concluded,
            ],
        ],
        "notarization": [
            "notarization.application": [
                "accepted": .accepted, "refused": .refused,
                "issued": .concluded, "review_upheld": .concluded, "certificate_corrected": .concluded,
            ],
        ],
        "judicial-appraisal": [
            "judicial-appraisal.entrustment": ["accepted": .accepted, "not_accepted": .refused],
            "judicial-appraisal.complaint": ["complaint_accepted": .accepted, "complaint_rejected": .refused],
        ],
        "lawyers": [
            "lawyers.practice-licence": ["accepted": .accepted, "refused": .refused],
            "lawyers.firm-establishment": ["accepted": .accepted, "refused": .refused],
            "lawyers.complaint": ["investigation_started": .accepted],
        ],
        "legal-exam": [
            "legal-exam.registration": ["refused": .refused],
            "legal-exam.certificate": ["refused": .refused, "appeal_upheld": .refused],
        ],
        "admin-approval": [
            "admin-approval.application": [
                "accepted": .accepted, "accepted_for_lower_review": .accepted, "not_accepted": .refused, "denied": .refused,
            ],
        ],
        "consultation": [
            "consultation.question": [:],
        ],
        // 信访工作条例 第二十三条: the written acknowledgement is the acceptance; the answer ends it.
        "suggestions": [
            "suggestions.suggestion": ["acknowledged": .accepted],
        ],
        "disclosure": [
            "disclosure.request": [
                "accepted": .accepted, "correction_supplied": .accepted, "third_party_consulted": .accepted, "abandoned": .stopped,
            ],
        ],
        "hotline": [
            "hotline.callback": [:],
        ],
    ]

    /// The events whose step leads to an end status (one no command leaves).
    static func endingEvents(of workflow: MatterWorkflow) -> Set<String> {
        Set(workflow.transitions.values.filter { $0.to.map(workflow.terminalStatuses.contains) ?? false }.map(\.event))
    }

    @Test func everyLineDeclaresExactlyTheTabledMilestones() {
        var seen: [String: Set<String>] = [:]
        for plugin in PluginCatalog.all {
            let line = plugin.manifest.id
            for type in plugin.manifest.matterTypes {
                seen[line, default: []].insert(type.id)
                guard let declared = Self.declared[line]?[type.id] else {
                    Issue.record("\(line) / \(type.id) is not in the milestone table")
                    continue
                }
                var expected = declared
                for event in Self.endingEvents(of: type.workflow) where expected[event] == nil {
                    expected[event] = .concluded
                }
                #expect(type.workflow.milestones == expected, "\(line) / \(type.id)")
                #expect(type.workflow.declaresAcceptance == declared.values.contains(.accepted), "\(line) / \(type.id)")
            }
        }
        #expect(seen == Self.declared.mapValues { Set($0.keys) }, "the table names a line or type the catalogue does not have")
    }

    @Test func everyMatterTypeCanEnd() {
        let types = PluginCatalog.all.flatMap { plugin in plugin.manifest.matterTypes.map { (plugin.manifest.id, $0) } }
        #expect(!types.isEmpty)
        for (line, type) in types {
            #expect(!Self.endingEvents(of: type.workflow).isEmpty, "\(line) / \(type.id) has no step that ends it")
        }
    }
}
