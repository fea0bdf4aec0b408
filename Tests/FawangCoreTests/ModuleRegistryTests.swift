@testable import FawangCore
import Testing

@Suite struct ModuleRegistryTests {
    func manifest(_ id: String) -> ModuleManifest {
        ModuleManifest(id: id, nameZH: id, nameEN: id, version: "1.0.0", matterTypes: [])
    }

    @Test func switchesApplyAndReportChanges() {
        let registry = ModuleRegistry()
        registry.register(manifest("a"), serviceNames: ["x.A"], enabled: true)
        registry.register(manifest("b"), serviceNames: ["x.B"], enabled: true)
        #expect(registry.apply(switches: ["a": false, "b": true]) == ["a"])
        #expect(!registry.isEnabled("a"))
        #expect(registry.module(forService: "x.A")?.manifest.id == "a")
        #expect(registry.module(forService: "x.C") == nil)
        #expect(registry.apply(switches: ["a": false]) == [])
    }

    @Test func watchersSeeTheCurrentStateThenChanges() async {
        let registry = ModuleRegistry()
        registry.register(manifest("a"), serviceNames: [], enabled: true)
        var updates = registry.updates().makeAsyncIterator()
        #expect(await updates.next()?.first?.enabled == true)
        registry.apply(switches: ["a": false])
        #expect(await updates.next()?.first?.enabled == false)
    }
}
