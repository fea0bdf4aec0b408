#!/usr/bin/env bash
# Proves docs/plugin-authoring.md's claim: a department is its folder under Plugins/, its .proto,
# one catalog line and its tests — nothing under Hosting/ or the plugin kit is edited.
#
# Copies the committed tree (plus uncommitted changes) to a temp dir, adds a throwaway
# "Drill" department by the recipe, regenerates the protos, builds, starts `fawang serve` on a
# free port and drives the new line from the command line (intake, a step, help, the RPC
# reference). Reuses this checkout's build folder for the dependencies (our own targets rebuild).
#
#   scripts/plugin-recipe-check.sh            (about 4-6 minutes after a first build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "recipe: copying the tree to $work/fawang"
mkdir -p "$work/fawang"
(cd "$here" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$work/fawang")
cd "$work/fawang"
before="$(find Hosting Protocols/FawangPluginKit Package.swift -type f -print0 | sort -z | xargs -0 sha256sum | grep -v PluginCatalog.swift | sha256sum)"

echo "recipe: 1. the proto"
mkdir -p Protocols/proto/fawang/drill/v1
cat > Protocols/proto/fawang/drill/v1/drill.proto <<'EOF'
// A throwaway department for scripts/plugin-recipe-check.sh.
syntax = "proto3";
package fawang.drill.v1;
import "fawang/matter/v1/matter.proto";

message SubmitRequest {
  // Idempotency key.
  string request_id = 1;
  fawang.matter.v1.ChannelContext context = 2;
  fawang.matter.v1.Person applicant = 3;
  string region_code = 4;
  // What the drill is about.
  string subject = 5;
}
message SubmitResponse {
  fawang.matter.v1.Matter matter = 1;
  bool replayed = 2;
}
message CloseRequest {
  string tracking_number = 1;
  // Why it is closed.
  string note = 2;
  fawang.matter.v1.ChannelContext context = 3;
}
service DrillService {
  // Anyone files a drill.
  rpc Submit(SubmitRequest) returns (SubmitResponse);
  // Staff close it.
  rpc Close(CloseRequest) returns (fawang.matter.v1.Matter);
}
EOF

echo "recipe: 2-4. the workflow, the service with its RPC table, the plugin"
mkdir -p Plugins/Drill Tests/DrillPluginTests
cat > Plugins/Drill/DrillPlugin.swift <<'EOF'
public import FawangCore
public import FawangPluginKit
public import FawangProto
public import GRPCCore
import Foundation
import SwiftProtobuf

enum DrillWorkflow: LineWorkflow {
    static let businessLine = "drill"
    static let lineName = "演练"
    static let matterTypes: Set<String> = ["drill.case"]
    static let machine = MatterWorkflow(
        initialStatus: "open", statuses: ["open": "办理中", "closed": "已办结"],
        transitions: [.init(command: "close", from: ["open"], to: "closed", event: "closed")],
        eventLabels: ["submitted": "提交演练", "closed": "办结"])

    enum Command: Sendable { case close(note: String) }

    static func decide(_ command: Command, on matter: Matter, _ step: StepContext) throws(FawangError) -> MatterChange {
        switch command {
        case .close(let note): try machine.change("close", from: matter.status, actor: step.actor, channel: step.channel, note: note)
        }
    }
}

struct DrillDetails: Codable, Sendable { var subject: String }

struct DrillService: Sendable {
    let context: PluginContext
    private var steps: LineSteps<DrillWorkflow> { LineSteps(context: context) }
    typealias Method = Fawang_Drill_V1_DrillService.Method

    static let rpcs = RPCTable<DrillService>([
        RPC(Method.Submit.descriptor, .anyone, verb: "submit", help: "提交演练", intake: true,
            aliases: ["name": "applicant.name", "phone": "applicant.phone", "region": "region_code"], DrillService.submit),
        RPC(Method.Close.descriptor, .handlers, verb: "close", help: "办结演练", DrillService.close),
    ])

    func submit(_ request: Fawang_Drill_V1_SubmitRequest) async throws -> Fawang_Drill_V1_SubmitResponse {
        var applicant: Person?
        let handling = try steps.validate(request.context) { check in
            check.requestID(request.requestID)
            applicant = check.person(request.applicant, field: "applicant", label: "申请人", idRequired: false)
            check.divisionCode(request.regionCode)
            check.requireText(request.subject, "subject", label: "演练事项", maxLength: 200)
        }
        return try await steps.matters.intake(
            request, requestID: \.requestID, matterType: "drill.case", initialStatus: DrillWorkflow.machine.initialStatus,
            applicant: applicant!, regionCode: request.regionCode, handling: handling, details: DrillDetails(subject: request.subject))
    }

    func close(_ request: Fawang_Drill_V1_CloseRequest) async throws -> Fawang_Matter_V1_Matter {
        try await steps.take(on: request.trackingNumber, request.context, access: .handler) { check in
            check.note(request.note)
            return .close(note: request.note)
        }
    }
}

extension Fawang_Drill_V1_SubmitResponse: SubmissionResponse {}

public struct DrillPlugin: DepartmentPlugin {
    public init() {}
    public let manifest = ModuleManifest(
        id: "drill", nameZH: "演练", nameEN: "Drill", version: "0.0.1",
        matterTypes: [MatterTypeSpec(
            id: "drill.case", nameZH: "演练事项", nameEN: "Drill case", requiredFields: ["subject"], requiredMaterials: [],
            workflow: DrillWorkflow.machine, deadlines: [])])
    public var rpcs: [RPCInfo] { DrillService.rpcs.infos }
    public func makeServices(context: PluginContext) -> [any RegistrableRPCService] {
        [DrillService.rpcs.service(DrillService(context: context))]
    }
}
EOF
cat > Tests/DrillPluginTests/DrillTests.swift <<'EOF'
import FawangCore
import FawangPluginKit
@testable import DrillPlugin
import Foundation
import Testing

@Suite struct DrillTests {
    @Test func closesOnce() throws {
        let matter = Matter(
            id: "m", trackingNumber: .random(), businessLine: "drill", matterType: "drill.case", status: "closed",
            applicant: Person(name: "a", idNumber: "", phone: ""), parties: [], regionCode: "640104", channel: .web,
            operatorID: "", submittedAt: Date(), updatedAt: Date(), details: Data("{}".utf8), timeline: [])
        #expect(throws: FawangError.self) { try LineSteps<DrillWorkflow>.decide(.close(note: ""), on: matter, StepContext(actor: "s", channel: .web, now: Date())) }
    }
}
EOF

echo "recipe: 5. one catalog line"
sed -i 's/^import PetitionsPlugin$/import PetitionsPlugin\nimport DrillPlugin/; s/^        ConsultationPlugin(),$/        ConsultationPlugin(),\n        DrillPlugin(),/' Hosting/FawangCatalog/PluginCatalog.swift
grep -q "DrillPlugin()" Hosting/FawangCatalog/PluginCatalog.swift || { echo "recipe: could not add the catalog line" >&2; exit 1; }
after="$(find Hosting Protocols/FawangPluginKit Package.swift -type f -print0 | sort -z | xargs -0 sha256sum | grep -v PluginCatalog.swift | sha256sum)"
[ "$before" = "$after" ] || { echo "recipe: something besides the catalog line changed under Hosting/, the kit or Package.swift" >&2; exit 1; }

echo "recipe: generate, build (dependencies from $here/.build)"
FAWANG_PROTOC_PLUGIN_SCRATCH="$here/.build" scripts/generate-protos.sh >/dev/null
swift build --scratch-path "$here/.build" --product fawang 2>&1 | grep -E "error|warning: .*Drill|Compiling DrillPlugin|Build complete" || true
bin="$(swift build --scratch-path "$here/.build" --show-bin-path)/fawang"

echo "recipe: serve and drive the new line"
cat > "$work/fawang.yaml" <<EOF
grpc:
  port: 0
metrics:
  enabled: false
http:
  port: 0
storage:
  sqlite:
    path: $work/data/fawang.sqlite
EOF
"$bin" serve --config "$work/fawang.yaml" --ports-file "$work/ports.json" > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s "$work/ports.json" ] && break; sleep 0.1; done
[ -s "$work/ports.json" ] || { cat "$work/serve.log"; echo "recipe: the host did not start with the new plugin" >&2; exit 1; }
port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grpc"])' "$work/ports.json")"
export FAWANG_SERVER="127.0.0.1:$port" FAWANG_SESSION="$work/session.json"
# Outputs are captured before grep: grep -q closing the pipe early would fail the writer (pipefail).
help="$("$bin" drill --help)"
grep -q "close" <<<"$help" || { echo "recipe: fawang drill --help lacks its verbs" >&2; exit 1; }
submitted="$("$bin" drill submit --name 马小花 --phone 13951001234 --region 640104 --subject 演练一 --json)"
number="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["matter"]["tracking_number"])' "$submitted")"
"$bin" login --login admin --password Fawang@2026 >/dev/null
closed="$("$bin" drill close "$number" --note 演练结束)"
grep -q "已办结" <<<"$closed" || { echo "$closed"; echo "recipe: closing the drill failed" >&2; exit 1; }
reference="$("$bin" rpc-reference)"
grep -q "fawang.drill.v1.DrillService" <<<"$reference" || { echo "recipe: the RPC reference lacks the new service" >&2; exit 1; }
echo "recipe: a new department needed its folder, its proto, one catalog line and its tests — passed"
