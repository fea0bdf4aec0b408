// The caller's identity (fawang.identity.v1.Principal, Role) and the external plugin contract
// (fawang.plugin.v1) are generated into the plugin SDK's package, which a department's plugin
// builds on without the platform. The platform sees them as part of its contract.
@_exported public import FawangPluginContract
