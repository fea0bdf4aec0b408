import FawangCore
import FawangPluginKit
import FawangProto
import GRPCCore

/// The platform services' access policies; plugins bring their own (`DepartmentPlugin.accessPolicies`).
enum PlatformAccessPolicies {
    static var all: [String: AccessPolicy] {
        typealias Health = Grpc_Health_V1_Health.Method
        typealias Platform = Fawang_Platform_V1_PlatformService.Method
        typealias Identity = Fawang_Identity_V1_IdentityService.Method
        typealias Matters = Fawang_Matter_V1_MatterService.Method
        typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Method
        typealias Materials = Fawang_Matter_V1_MaterialService.Method
        typealias Laws = Fawang_Laws_V1_LawService.Method
        typealias Directory = Fawang_Directory_V1_DirectoryService.Method
        typealias Guidance = Fawang_Guidance_V1_GuidanceService.Method
        let readers = AccessPolicy.roles([.staff, .departmentAdmin, .platformAdmin, .citizen, .professional])
        return [
            Health.Check.descriptor.fullyQualifiedMethod: .anyone,
            Health.List.descriptor.fullyQualifiedMethod: .anyone,
            Health.Watch.descriptor.fullyQualifiedMethod: .anyone,
            Platform.ListModules.descriptor.fullyQualifiedMethod: .anyone,
            Platform.ListDivisions.descriptor.fullyQualifiedMethod: .anyone,
            Identity.Login.descriptor.fullyQualifiedMethod: .anyone,
            Identity.Register.descriptor.fullyQualifiedMethod: .anyone,
            Identity.Refresh.descriptor.fullyQualifiedMethod: .anyone,
            Identity.Logout.descriptor.fullyQualifiedMethod: .anyone,
            Identity.WhoAmI.descriptor.fullyQualifiedMethod: .anyone,
            // Handlers narrow these: staff to their region, citizens to their own matters,
            // professionals to the matters assigned to them.
            Matters.GetMatter.descriptor.fullyQualifiedMethod: readers,
            Matters.ListMatters.descriptor.fullyQualifiedMethod: readers,
            Matters.QueryProgress.descriptor.fullyQualifiedMethod: .anyone,
            Matters.TransferMatter.descriptor.fullyQualifiedMethod: .handlers,
            // The applicant's own step: the handler checks the phone's last four digits.
            Matters.RateMatter.descriptor.fullyQualifiedMethod: .anyone,
            Matters.CloseCallback.descriptor.fullyQualifiedMethod: .handlers,
            // The applicant's rule (signed in, or the tracking number with the phone's last four
            // digits); listing and downloading follow GetMatter's.
            Materials.UploadMaterial.descriptor.fullyQualifiedMethod: .anyone,
            Materials.ListMaterials.descriptor.fullyQualifiedMethod: readers,
            Materials.DownloadMaterial.descriptor.fullyQualifiedMethod: readers,
            Laws.SearchLaws.descriptor.fullyQualifiedMethod: .anyone,
            Laws.GetArticle.descriptor.fullyQualifiedMethod: .anyone,
            Directory.SearchDirectory.descriptor.fullyQualifiedMethod: .anyone,
            Directory.GetEntry.descriptor.fullyQualifiedMethod: .anyone,
            Directory.ListKinds.descriptor.fullyQualifiedMethod: .anyone,
            Directory.GetMap.descriptor.fullyQualifiedMethod: .anyone,
            Guidance.ListCategories.descriptor.fullyQualifiedMethod: .anyone,
            Guidance.FindServices.descriptor.fullyQualifiedMethod: .anyone,
            Deadlines.ListAlerts.descriptor.fullyQualifiedMethod: .handlers,
            Deadlines.WatchAlerts.descriptor.fullyQualifiedMethod: .handlers,
            Deadlines.ListEscalations.descriptor.fullyQualifiedMethod: .handlers,
            Deadlines.PauseClock.descriptor.fullyQualifiedMethod: .handlers,
            Deadlines.ResumeClock.descriptor.fullyQualifiedMethod: .handlers,
            // Extensions need the approval of the agency's head (行政许可法 第四十二条, 信访工作条例
            // 第三十四条): department and platform admins.
            Deadlines.ExtendDeadline.descriptor.fullyQualifiedMethod: .roles([.departmentAdmin, .platformAdmin]),
            Deadlines.GetCalendar.descriptor.fullyQualifiedMethod: .anyone,
            Deadlines.ComputeDueDate.descriptor.fullyQualifiedMethod: .anyone,
            // The contract is public; `grpc.reflection` says which callers it is served to.
            Grpc_Reflection_V1_ServerReflection.Method.ServerReflectionInfo.descriptor.fullyQualifiedMethod: .anyone,
            Grpc_Reflection_V1alpha_ServerReflection.Method.ServerReflectionInfo.descriptor.fullyQualifiedMethod: .anyone,
        ]
    }

    /// Public methods that do work per call (not health and directory reads): rate-limited.
    static let rateLimitedPlatformMethods: Set<String> = [
        Fawang_Identity_V1_IdentityService.Method.Login.descriptor.fullyQualifiedMethod,
        Fawang_Identity_V1_IdentityService.Method.Register.descriptor.fullyQualifiedMethod,
        Fawang_Identity_V1_IdentityService.Method.Refresh.descriptor.fullyQualifiedMethod,
        Fawang_Matter_V1_MatterService.Method.QueryProgress.descriptor.fullyQualifiedMethod,
        Fawang_Matter_V1_MatterService.Method.RateMatter.descriptor.fullyQualifiedMethod,
        Fawang_Matter_V1_MaterialService.Method.UploadMaterial.descriptor.fullyQualifiedMethod,
        Fawang_Laws_V1_LawService.Method.SearchLaws.descriptor.fullyQualifiedMethod,
        // Each composes the whole directory.
        Fawang_Directory_V1_DirectoryService.Method.SearchDirectory.descriptor.fullyQualifiedMethod,
        Fawang_Directory_V1_DirectoryService.Method.GetEntry.descriptor.fullyQualifiedMethod,
        Fawang_Guidance_V1_GuidanceService.Method.FindServices.descriptor.fullyQualifiedMethod,
    ]

    /// Default deny: every method the server will route must have a policy.
    static func verify(services: [any RegistrableRPCService], policies: [String: AccessPolicy]) throws {
        let missing = PlatformHost.methods(of: services).map(\.fullyQualifiedMethod).filter { policies[$0] == nil }.sorted()
        guard missing.isEmpty else {
            throw FawangError(.internalError, "refusing to start: no access policy for \(missing.joined(separator: ", "))")
        }
    }
}

extension AccessPolicy {
    /// Enforced before any handler runs (``PlatformInterceptor``): anonymous callers of a signed-in
    /// method get `UNAUTHENTICATED`, the wrong role `PERMISSION_DENIED`. A method without a policy
    /// (start-up refuses those) is denied regardless.
    static func admit(_ policy: AccessPolicy?, _ principal: Principal?) throws(FawangError) {
        switch policy {
        case .anyone:
            return
        case .roles(let roles):
            guard let principal else { throw FawangError(.unauthenticated, "请先登录") }
            guard roles.contains(principal.role) else { throw FawangError(.permissionDenied, "当前账号无权办理此项业务") }
        case nil:
            throw FawangError(.permissionDenied, "当前账号无权办理此项业务")
        }
    }
}
