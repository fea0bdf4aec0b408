import FawangCore
import FawangPluginKit
import FawangProto
import GRPCCore
import SwiftProtobuf

/// `fawang.platform.v1.PlatformService`: the modules this host carries, and the divisions.
struct PlatformService: Fawang_Platform_V1_PlatformService.SimpleServiceProtocol {
    let registry: ModuleRegistry
    let directory: any DirectoryStore
    let writes: WriteGate

    func listModules(request: Fawang_Platform_V1_ListModulesRequest, context: ServerContext) async throws -> Fawang_Platform_V1_ListModulesResponse {
        if !request.regionCode.isEmpty, !DivisionCode.isWellFormed(request.regionCode) {
            throw FawangError.invalidArgument(field: "region_code", "请填写6位行政区划代码，如银川市兴庆区为640104")
        }
        // The whole tree, depth first: province, each city, its districts and counties.
        var tree: [Division] = []
        if request.byDivision {
            func walk(_ parent: String?) async throws {
                for division in try await directory.divisions(parentCode: parent) {
                    tree.append(division)
                    try await walk(division.code)
                }
            }
            try await walk(nil)
        }
        return .with { response in
            response.divisions = tree.map { division in
                .with { entry in
                    entry.division = Self.proto(division)
                    entry.enabledModules = registry.modules.map(\.manifest.id).filter { registry.isEnabled($0, in: division.code) }
                }
            }
            response.modules = registry.modules.map { module in
                .with { info in
                    info.id = module.manifest.id
                    info.nameZh = module.manifest.nameZH
                    info.nameEn = module.manifest.nameEN
                    info.version = module.manifest.version
                    info.enabled = request.regionCode.isEmpty ? module.enabled : registry.isEnabled(module.manifest.id, in: request.regionCode)
                    info.health = info.enabled && module.reachable ? .serving : .notServing
                    info.unavailableReason = module.unreachableReason
                    info.services = module.serviceNames
                    info.matterTypes = module.manifest.matterTypes.map { spec in
                        .with {
                            $0.id = spec.id
                            $0.nameZh = spec.nameZH
                            $0.nameEn = spec.nameEN
                            $0.requiredFields = spec.requiredFields
                            $0.requiredMaterials = spec.requiredMaterials
                        }
                    }
                }
            }
            response.readOnly = !writes.isOpen
            if response.readOnly { response.notice = WriteGate.refusal }
        }
    }

    func listDivisions(request: Fawang_Platform_V1_ListDivisionsRequest, context: ServerContext) async throws -> Fawang_Platform_V1_ListDivisionsResponse {
        if !request.parentCode.isEmpty, !DivisionCode.isWellFormed(request.parentCode) {
            throw FawangError.invalidArgument(field: "parent_code", "请填写6位行政区划代码")
        }
        let divisions = try await directory.divisions(parentCode: request.parentCode.isEmpty ? nil : request.parentCode)
        return .with { $0.divisions = divisions.map(Self.proto) }
    }

    static func proto(_ division: Division) -> Fawang_Platform_V1_Division {
        .with {
            $0.code = division.code
            $0.name = division.name
            $0.parentCode = division.parentCode ?? ""
            $0.level = Int32(division.level)
        }
    }
}
