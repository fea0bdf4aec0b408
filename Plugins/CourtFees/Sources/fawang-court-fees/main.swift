// fawang-court-fees: the example external plugin (docs/plugin-authoring.md, "An external plugin").
// The host starts it with FAWANG_PLUGIN_LISTEN set (modules.court-fees.external.command) and
// restarts it if it stops; `FAWANG_PLUGIN_LISTEN=127.0.0.1:50070 fawang-court-fees` runs it by hand
// for a host configured with modules.court-fees.external.address.
import CourtFees
import FawangPluginSDK
import Foundation

do {
    try await ExternalPluginServer.run(CourtFeeService.declaration, services: [CourtFeeService()])
} catch {
    FileHandle.standardError.write(Data("fawang-court-fees: \(error)\n".utf8))
    exit(1)
}
