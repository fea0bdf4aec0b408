@testable import FawangHost
import Foundation
import Testing

@Suite struct PlatformConfigTests {
    /// No --config means the defaults; a --config that names no file is a mistake (issue 9,
    /// defect 7: it used to run on defaults, switching back on what the file switched off).
    @Test func noFileMeansDefaultsAMissingFileIsRefused() throws {
        #expect {
            _ = try PlatformConfig.load(path: "/nonexistent/fawang.yaml")
        } throws: { error in
            (error as? PlatformConfig.ConfigError)?.reason.contains("/nonexistent/fawang.yaml does not exist") == true
        }
        let config = try PlatformConfig.load(path: nil)
        #expect(config == PlatformConfig())
        #expect(config.grpcHost == "127.0.0.1")
        #expect(config.grpcPort == 50051)
        #expect(config.isModuleEnabled("legal-aid"))
        #expect(try PlatformConfig.parse(yaml: "") == PlatformConfig())
    }

    @Test func nestedAndDottedKeysAreEquivalent() throws {
        let nested = try PlatformConfig.parse(yaml: "grpc:\n  port: 6000\nmodules:\n  legal-aid:\n    enabled: false\n")
        let dotted = try PlatformConfig.parse(yaml: "grpc.port: 6000\nmodules.legal-aid.enabled: false\n")
        #expect(nested == dotted)
        #expect(nested.grpcPort == 6000)
        #expect(!nested.isModuleEnabled("legal-aid"))
    }

    @Test(arguments: [
        ("grpc:\n  prot: 1\n", "grpc.prot", "unknown key"),
        ("grpc:\n  port: high\n", "grpc.port", "expected an integer"),
        ("grpc:\n  port: 70000\n", "grpc.port", "outside"),
        ("modules:\n  legal-aid:\n    enabled: perhaps\n", "modules.legal-aid.enabled", "expected true or false"),
        ("modules:\n  legal-aid:\n    enable: false\n", "modules.legal-aid.enable", "unknown key"),
        ("log:\n  level: loud\n", "log.level", "expected one of"),
        ("modules:\n  - legal-aid\n", "modules", "lists are not accepted"),
        ("grpc: [1, 2\n", "(file)", "not valid YAML"),
        ("- a\n- b\n", "(file)", "top level"),
        ("grpc:\n  tls:\n    private_key: k.pem\n", "grpc.tls.certificate_chain", "required"),
        ("grpc:\n  tls:\n    client_ca: ca.pem\n", "grpc.tls.client_ca", "mutual TLS"),
        ("environment: prod\n", "environment", "expected one of"),
        ("environment: production\ndemo:\n  seed: true\n", "demo.seed", "environment: production"),
        ("exchange.enabled: true\n", "exchange.national_address", "host:port"),
        ("exchange.enabled: true\nexchange.national_address: national.example.cn\n", "exchange.national_address", "host:port"),
        ("exchange.enabled: true\nexchange.national_address: 'nat:99999'\n", "exchange.national_address", "host:port"),
        ("exchange.source: '6400'\n", "exchange.source", "6-digit division code"),
        ("exchange.tls.certificate_chain: c.pem\nexchange.tls.private_key: k.pem\n", "exchange.tls.ca_file", "required"),
        ("exchange.tls.ca_file: ca.pem\nexchange.tls.private_key: k.pem\n", "exchange.tls.certificate_chain", "required"),
        ("exchange.referrals: true\nexchange.national_public_key: '\(Data(count: 32).base64EncodedString())'\n", "exchange.referrals", "needs exchange.enabled"),
        (
            "exchange: {enabled: true, national_address: '10.1.2.3:50061', referrals: true, national_public_key: 'AAAA'}\n", "exchange.national_public_key",
            "base64 of 32 bytes"
        ),
        ("exchange: {enabled: true, national_address: '10.1.2.3:50061', referrals: true}\n", "exchange.national_public_key", "base64 of 32 bytes"),
        ("storage.engine: postgres\n", "storage.postgres.url", "needs the database"),
        ("storage.engine: postgres\nstorage.postgres.url: 'mysql://x@h/db'\n", "storage.postgres.url", "expected postgres://"),
        ("storage.engine: oracle\n", "storage.engine", "expected one of"),
        ("grpc.reflection: true\n", "grpc.reflection", "expected one of loopback, everyone, off"),
        ("grpc.reflection: all\n", "grpc.reflection", "expected one of loopback, everyone, off"),
        ("modules.fees.external.command: a\nmodules.fees.external.address: 'unix:/x.sock'\n", "modules.fees.external", "not both or neither"),
        ("modules.fees.external.deadline_ms: 500\n", "modules.fees.external", "not both or neither"),
        ("modules.fees.external.address: nowhere\n", "modules.fees.external.address", "unix:/path or host:port"),
        ("modules.fees.external.deadline_ms: 0\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.deadline_ms", "10 to 600000"),
        ("modules.fees.external.max_inflight: 5\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.max_inflight", "unknown key"),
        ("modules.Fees.external.address: 'h:1'\n", "modules.Fees.external", "not a module id"),
        ("modules.fees.external.breaker_failures: 0\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.breaker_failures", "calls from 1 to 1000"),
        ("modules.fees.external.breaker_open_ms: 50\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.breaker_open_ms", "100 to 600000"),
        ("modules.fees.external.tls.ca_file: /ca.pem\nmodules.fees.external.address: 'unix:/run/fees.sock'\n", "modules.fees.external.tls.ca_file", "host:port"),
        ("modules.fees.external.tls.certificate_chain: /c.pem\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.tls.ca_file", "required for TLS to the plugin"),
        ("modules.fees.external.tls.ca_file: /ca.pem\nmodules.fees.external.tls.private_key: /k\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.tls.certificate_chain", "required when"),
        ("modules.fees.external.tls.cafile: /ca.pem\nmodules.fees.external.address: 'h:1'\n", "modules.fees.external.tls.cafile", "unknown key"),
    ])
    func invalidFilesNameTheKeyAndReason(_ yaml: String, _ key: String, _ reason: String) {
        #expect {
            try PlatformConfig.parse(yaml: yaml)
        } throws: { error in
            let error = error as! PlatformConfig.ConfigError
            return error.key == key && error.reason.contains(reason)
        }
    }

    /// YAML 1.1 reads an unquoted `off` as false: it means what the writer meant.
    @Test func reflectionIsOnLoopbackByDefaultAndOffMeansOff() throws {
        #expect(PlatformConfig().grpcReflection == "loopback")
        for spelling in ["off", "'off'", "false", "no"] {
            #expect(try PlatformConfig.parse(yaml: "grpc.reflection: \(spelling)\n").grpcReflection == "off", "\(spelling)")
        }
        #expect(try PlatformConfig.parse(yaml: "grpc:\n  reflection: everyone\n").grpcReflection == "everyone")
    }

    @Test func productionTurnsDemoSeedingOff() throws {
        #expect(PlatformConfig().environment == "development")
        #expect(PlatformConfig().seedDemoData)
        let production = try PlatformConfig.parse(yaml: "environment: production\n")
        #expect(production.environment == "production")
        #expect(!production.seedDemoData)
        #expect(!(try PlatformConfig.parse(yaml: "environment: production\ndemo.seed: false\n")).seedDemoData)
    }

    @Test func theExchangeTakesAnAddressByNameOrNumber() throws {
        let config = try PlatformConfig.parse(yaml: "exchange:\n  enabled: true\n  national_address: 'exchange.12348.gov.cn:443'\n")
        #expect(config.exchangeEnabled && ExchangeAddress(config.exchangeNationalAddress) == ExchangeAddress("exchange.12348.gov.cn:443"))
        #expect(ExchangeAddress("exchange.12348.gov.cn:443")?.host == "exchange.12348.gov.cn")
        #expect(ExchangeAddress("[::1]:50061")?.port == 50061)
        #expect(!(try PlatformConfig.parse(yaml: "exchange.source: '650000'\n")).exchangeEnabled, "off by default, no address needed")
    }

    @Test func tlsPairTurnsTLSOnAndClientCAMakesItMutual() throws {
        let tls = try PlatformConfig.parse(yaml: "grpc.tls.certificate_chain: c.pem\ngrpc.tls.private_key: k.pem\n")
        #expect(tls.tls == .init(certificateChainPath: "c.pem", privateKeyPath: "k.pem", clientCAPath: nil))
        let mtls = try PlatformConfig.parse(yaml: "grpc.tls.certificate_chain: c.pem\ngrpc.tls.private_key: k.pem\ngrpc.tls.client_ca: ca.pem\n")
        #expect(mtls.tls?.clientCAPath == "ca.pem")
    }

    @Test func everyKeyIsDocumented() throws {
        let doc = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/FawangHostTests/PlatformConfigTests.swift", with: "docs/configuration.md"), encoding: .utf8)
        for key in PlatformConfig.keys {
            #expect(doc.contains("`\(key.path)`"), "docs/configuration.md lacks \(key.path)")
        }
        #expect(doc.contains("`modules.<id>.enabled`"))
        for setting in ["command", "address", "deadline_ms", "max_in_flight", "breaker_failures", "breaker_open_ms", "tls.ca_file", "tls.certificate_chain", "tls.private_key"] {
            #expect(doc.contains("`modules.<id>.external.\(setting)`"))
        }
    }

    @Test func externalPluginsAreConfiguredPerModule() throws {
        let config = try PlatformConfig.parse(yaml: """
            modules:
              court-fees:
                external:
                  command: /opt/fawang/plugins/fawang-court-fees --verbose
                  deadline_ms: 800
                  breaker_failures: 3
              villages.external.address: 10.1.2.3:50070
              villages.external.tls.ca_file: /etc/fawang/plugins-ca.pem
            """)
        #expect(config.externalPlugins["court-fees"]?.command == ["/opt/fawang/plugins/fawang-court-fees", "--verbose"])
        #expect(config.externalPlugins["court-fees"]?.deadlineMilliseconds == 800)
        #expect(config.externalPlugins["court-fees"]?.maxInFlight == 64)
        #expect(config.externalPlugins["court-fees"]?.breakerFailures == 3)
        #expect(config.externalPlugins["court-fees"]?.breakerOpenMilliseconds == 5_000)
        #expect(config.externalPlugins["villages"]?.address == "10.1.2.3:50070")
        #expect(config.externalPlugins["villages"]?.tls == .init(caFile: "/etc/fawang/plugins-ca.pem"))
        #expect(config.externalPlugins["court-fees"]?.tls == nil)
        #expect(config.isModuleEnabled("court-fees"))
    }
}
