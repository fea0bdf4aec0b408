public import FawangCore
import FawangPluginSDK
import Foundation
import Yams

/// The host's configuration: one YAML file, every key optional (built-in defaults apply with no
/// file at all). Keys are dotted paths (`grpc.port`, `modules.legal-aid.enabled`); nested maps and
/// dotted keys are equivalent. Each key is listed in ``PlatformConfig/keys`` with its type,
/// default and meaning, and in `docs/configuration.md`.
///
/// Loading is strict: an unknown key, a wrong type or an out-of-range value is refused with the
/// key and the reason, so a typo never silently falls back to a default.
public struct PlatformConfig: Sendable, Equatable {
    public struct TLS: Sendable, Equatable {
        public var certificateChainPath: String
        public var privateKeyPath: String
        /// When set, clients must present a certificate signed by this CA (mutual TLS).
        public var clientCAPath: String?
    }

    /// `environment`: `development` (the default) or `production`. Production never seeds demo
    /// data (an explicit `demo.seed: true` is refused) and refuses to start while the database
    /// holds demo accounts, whose password is published (``StartupChecks``).
    public var environment = "development"
    public var grpcHost = "127.0.0.1"
    public var grpcPort = 50051
    public var tls: TLS?
    public var maxConcurrentStreams = 256
    /// `grpc.reflection`: who is served gRPC server reflection (``ReflectionService``).
    public var grpcReflection = "loopback"
    public var maxRequestBytes = 12 * 1024 * 1024
    public var keepaliveTimeSeconds = 300
    public var keepaliveTimeoutSeconds = 20
    public var minClientPingIntervalSeconds = 60
    public var maxConnectionIdleSeconds = 1800
    public var maxCallSeconds = 30
    public var accessTokenMinutes = 15
    public var refreshTokenDays = 30
    public var publicCallsPerMinute = 60
    public var publicBurst = 20
    /// Open watch streams (`Health/Watch`, `DeadlineService/WatchAlerts`) per client and per host.
    public var maxWatchersPerClient = 16
    public var maxWatchers = 1000
    public var maxCallsInFlightPerClient = 64
    public var maxCallsInFlight = 2000
    public var metricsEnabled = true
    /// `http.*`: the HTTP gateway (Connect, gRPC-Web, /openapi.json) over the same services.
    public var httpEnabled = true
    public var httpHost = "127.0.0.1"
    /// The WeChat official account's server token (微信公众号服务器配置的 Token); unset, `/wechat` is off.
    var wechatToken: String?
    /// The portal's public address, for the links in WeChat replies.
    public var publicURL = "http://127.0.0.1:8080"
    public var httpPort = 8080
    public var httpMaxRequestBytes = 16 * 1024 * 1024
    /// The one browser origin allowed cross-origin calls (CORS); nil keeps CORS off.
    public var httpCORSOrigin: String?
    /// `http.trusted_proxies`: reverse proxies whose `X-Forwarded-For` names the client.
    var httpTrustedProxies = TrustedProxies(ranges: [])
    /// `materials.*`: files handed in with a matter (PDF, JPEG, PNG).
    public var materials = MaterialLimits()
    public var metricsHost = "127.0.0.1"
    public var metricsPort = 9464
    public var sqlitePath = "./data/fawang.sqlite"
    /// `storage.engine`: `sqlite` (the embedded default) or `postgres` (`storage.postgres.*`).
    public var storageEngine = "sqlite"
    /// `storage.postgres.url`: postgres://user@host:port/database (password here, or
    /// FAWANG_POSTGRES_PASSWORD).
    public var postgresURL: String?
    public var postgresConnections = 16
    /// `storage.allow_loose_permissions`: start even if the database or a key file can be read by
    /// other users (logged as a warning instead of refused).
    public var allowLoosePermissions = false
    public var seedDemoData = true
    public var seedSampleMatters = true
    /// `demo.synthetic_matters`: how many generated matters a fresh demo database gets.
    public var syntheticMatters = 0
    /// Where the data keys live when `FAWANG_DATA_KEYS` is not set; nil means next to the database.
    public var dataKeyFile: String?
    /// `exchange.*`: the national exchange (off by default).
    public var exchangeEnabled = false
    public var exchangeNationalAddress = ""
    public var exchangeSource = "640000"
    public var exchangeSigningKeyFile: String?
    public var exchangeCallTimeoutSeconds = 10
    public var exchangeDailyStatistics = true
    /// `exchange.referrals`: also take the national platform's referrals, verified with
    /// `exchange.national_public_key` (base64 of its 32-byte Ed25519 public key).
    public var exchangeReferrals = false
    public var exchangeNationalPublicKey = ""
    public var exchangeReferralPollSeconds = 30
    /// `exchange.tls.*`: TLS to the national endpoint (trusting `caFile`), with this platform's
    /// client certificate when the endpoint asks for mutual TLS; nil is plaintext.
    public var exchangeTLS: ClientTLS?
    var exchangeTLSCA: String?
    var exchangeTLSChain: String?
    var exchangeTLSKey: String?

    /// TLS of a connection the host makes (to the national endpoint, to an external plugin):
    /// trusting `caFile`, and presenting a client certificate when the peer asks for mutual TLS.
    public struct ClientTLS: Sendable, Equatable {
        public var caFile: String
        public var certificateChain: String?
        public var privateKey: String?

        /// From the three `<prefix>.*` keys: nil with none of them; the CA alone for TLS; all
        /// three for mutual TLS.
        static func from(caFile: String?, certificateChain: String?, privateKey: String?, prefix: String, peer: String) throws(ConfigError) -> ClientTLS? {
            switch (caFile, certificateChain, privateKey) {
            case (nil, nil, nil):
                return nil
            case (let ca?, nil, nil):
                return ClientTLS(caFile: ca)
            case (let ca?, let chain?, let key?):
                return ClientTLS(caFile: ca, certificateChain: chain, privateKey: key)
            case (nil, _, _):
                throw ConfigError(key: "\(prefix).ca_file", reason: "required for TLS to \(peer) (a client certificate alone does not turn TLS on)")
            case (_, nil, _):
                throw ConfigError(key: "\(prefix).certificate_chain", reason: "required when \(prefix).private_key is set")
            case (_, _, nil):
                throw ConfigError(key: "\(prefix).private_key", reason: "required when \(prefix).certificate_chain is set")
            }
        }
    }
    /// `audit.on_broken_chain`: what start-up does when the audit chain does not verify from its
    /// signed checkpoint. `refuse`: do not start, naming the first bad entry. `read_only`: start,
    /// serve reads only (``WriteGate``) and alert loudly.
    public var auditOnBrokenChain = "refuse"
    /// `audit.checkpoint_seconds`: how often the signed audit checkpoint moves to the verified
    /// head while running (and once at graceful shutdown).
    public var auditCheckpointSeconds = 300
    public var logLevel = "info"
    public var logFormat = "text"
    public var reloadIntervalMilliseconds = 1000
    public var shutdownGraceSeconds = 15
    /// `modules.<id>.enabled`, for the ids that appear in the file. Others default to on.
    public var moduleSwitches: [String: Bool] = [:]
    /// `modules.<id>.external.*`: modules served by a plugin in a process of its own.
    public var externalPlugins: [String: ExternalPluginSettings] = [:]
    /// `modules.<id>.regions.<division>.enabled`: module id → division code → switch. A county
    /// without its own switch follows its city's, then its province's, then the module's.
    public var moduleRegionSwitches: [String: [String: Bool]] = [:]
    /// Extra years of the working-day calendar (the built-in file's format).
    public var calendarFile: String?
    /// `deadlines.rule_days.<rule id>`: lengths of the Ministry's rules whose article is to be confirmed.
    public var ruleDays: [String: Int] = [:]
    public var deadlineScanSeconds = 60

    public init() {}

    public func isModuleEnabled(_ id: String) -> Bool { moduleSwitches[id] ?? true }

    // MARK: Keys

    public enum ValueType: String, Sendable { case string, int, bool }

    public struct Key: Sendable {
        public var path: String
        public var type: ValueType
        public var defaultValue: String
        /// Whether a change applies to a running host (others need a restart).
        public var live: Bool
        public var summary: String
        let apply: @Sendable (inout PlatformConfig, Any) throws(ConfigError) -> Void
        /// The key's value in a config, to tell whether a reload changed it.
        let current: @Sendable (PlatformConfig) -> String
    }

    public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var reason: String
        public var description: String { "\(key): \(reason)" }
    }

    /// Every accepted key. `modules.<id>.enabled` is matched by pattern.
    public static let keys: [Key] = [
        choice("environment", \.environment, ["development", "production"], live: false, "production never seeds demo data (demo.seed: true is refused) and refuses to start while the database holds the demo accounts, whose password is published."),
        string("grpc.host", \.grpcHost, "127.0.0.1", "Address the gRPC (HTTP/2) listener binds to."),
        int("grpc.port", \.grpcPort, 0...65535, "gRPC port; 0 picks a free port (tests)."),
        choice("grpc.reflection", \.grpcReflection, ["loopback", "everyone", "off"], live: false, offValue: "off", "gRPC server reflection (v1 and v1alpha: grpcurl list/describe): loopback answers callers on this machine (a loopback address or a Unix socket) and refuses others PERMISSION_DENIED; everyone answers any caller; off does not serve it (UNIMPLEMENTED)."),
        int("grpc.max_concurrent_streams", \.maxConcurrentStreams, 1...10_000, "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection."),
        int("grpc.max_request_bytes", \.maxRequestBytes, 1024...64 * 1024 * 1024, "Largest accepted request message; larger ones fail RESOURCE_EXHAUSTED."),
        int("grpc.keepalive.time_seconds", \.keepaliveTimeSeconds, 10...86_400, "Idle time after which the server pings a client."),
        int("grpc.keepalive.timeout_seconds", \.keepaliveTimeoutSeconds, 1...600, "How long a ping may go unanswered before the connection closes."),
        int("grpc.keepalive.min_client_ping_interval_seconds", \.minClientPingIntervalSeconds, 1...86_400, "Clients pinging more often than this are sent GOAWAY."),
        int("grpc.max_connection_idle_seconds", \.maxConnectionIdleSeconds, 1...86_400, "Connections with no calls for this long are closed gracefully."),
        int("grpc.max_call_seconds", \.maxCallSeconds, 1...3600, "Longest a unary call may run on the server before DEADLINE_EXCEEDED, whatever the client's deadline."),
        optionalString("grpc.tls.certificate_chain", \.tlsChain, "PEM certificate chain; with grpc.tls.private_key turns TLS on."),
        optionalString("grpc.tls.private_key", \.tlsKey, "PEM private key of the certificate chain."),
        optionalString("grpc.tls.client_ca", \.tlsClientCA, "PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)."),
        int("security.access_token_minutes", \.accessTokenMinutes, 1...1440, "Lifetime of an access token (JWT) from Login or Refresh."),
        int("security.refresh_token_days", \.refreshTokenDays, 1...365, "Lifetime of a refresh token; each works once (Refresh returns a new one)."),
        int("limits.public.calls_per_minute", \.publicCallsPerMinute, 1...10_000_000, "Sustained rate of public calls (submit, progress query, supply materials, rate) per caller; more answer RESOURCE_EXHAUSTED."),
        int("limits.public.burst", \.publicBurst, 1...1_000_000, "Public calls a caller may make at once before the rate applies."),
        int("limits.watchers.per_client", \.maxWatchersPerClient, 1...10_000, "Watch streams (Health/Watch, DeadlineService/WatchAlerts, plugin subscriptions such as PublicityService/Subscribe) one client may hold open at once: an account, or an address for anonymous callers; more answer RESOURCE_EXHAUSTED."),
        int("limits.watchers.total", \.maxWatchers, 1...1_000_000, "Watch streams the host holds open at once, all clients together; more answer RESOURCE_EXHAUSTED."),
        int("limits.calls_in_flight.per_client", \.maxCallsInFlightPerClient, 1...100_000, "Calls (streams) one client may have in flight at once over gRPC: a signed-in session (its bearer token), or an address for anonymous callers; more answer RESOURCE_EXHAUSTED at once, before any handler runs."),
        int("limits.calls_in_flight.total", \.maxCallsInFlight, 1...1_000_000, "Calls in flight over gRPC, all clients together; more answer RESOURCE_EXHAUSTED at once."),
        bool("http.enabled", \.httpEnabled, true, "Serve the HTTP gateway: every gRPC method over Connect (POST /<package.Service>/<Method>, JSON or protobuf) and gRPC-Web, and GET /openapi.json."),
        string("http.host", \.httpHost, "127.0.0.1", "Address the HTTP gateway binds to."),
        string("http.public_url", \.publicURL, "http://127.0.0.1:8080", "The portal's address as the public reaches it (behind the proxy), for links sent out of the portal, e.g. in WeChat replies."),
        Key(
            path: "wechat.token", type: .string, defaultValue: "(unset)", live: false,
            summary: "The Token of the WeChat official account's server configuration (宁夏掌上12348): /wechat verifies every message's signature with it. Unset, /wechat answers 404.",
            apply: { (config, value) throws(ConfigError) in
                guard let text = value as? String, (3...32).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw ConfigError(key: "wechat.token", reason: "expected 3 to 32 letters or digits (as WeChat requires), found \(describe(value))")
                }
                config.wechatToken = text
            }, current: { $0.wechatToken == nil ? "" : "(set)" }),
        int("http.port", \.httpPort, 0...65535, "HTTP gateway port; 0 picks a free port (tests)."),
        int("http.max_request_bytes", \.httpMaxRequestBytes, 1024...64 * 1024 * 1024, "Largest accepted HTTP request body; a larger one is refused with 413 and resource_exhausted before it reaches a service."),
        Key(
            path: "http.trusted_proxies", type: .string, defaultValue: "unset", live: false,
            summary: "Reverse proxies (addresses or CIDR ranges, comma-separated: 10.0.0.1, 10.1.0.0/16) whose X-Forwarded-For names the client; the client is the right-most address in it that is not one of them. Unset, the header is ignored and the TCP peer is the client.",
            apply: { (config, value) throws(ConfigError) in
                guard let text = value as? String else {
                    throw ConfigError(key: "http.trusted_proxies", reason: "expected comma-separated addresses (\"10.0.0.1, 10.1.0.0/16\"), found \(describe(value))")
                }
                switch TrustedProxies.parse(text) {
                case .success(let proxies): config.httpTrustedProxies = proxies
                case .failure(let bad): throw ConfigError(key: "http.trusted_proxies", reason: bad.reason)
                }
            },
            current: { $0.httpTrustedProxies.ranges.map { "\($0.network)/\($0.prefix)" }.joined(separator: ",") }),
        optionalString("http.cors_origin", \.httpCORSOrigin, "The one browser origin (https://portal.example.cn) allowed to call the gateway cross-origin; unset, CORS is off."),
        int("materials.max_bytes", \.materials.maxBytes, 1024...32 * 1024 * 1024, "Largest file a matter takes as a material (PDF, JPEG or PNG, the type judged by content); a larger one is refused INVALID_ARGUMENT on content. grpc.max_request_bytes must exceed it by 4 KiB, http.max_request_bytes its base64 size (4/3) by 4 KiB."),
        int("materials.max_per_matter", \.materials.maxPerMatter, 1...1000, "Files one matter holds at most; more are refused FAILED_PRECONDITION."),
        bool("metrics.enabled", \.metricsEnabled, true, "Serve Prometheus metrics over HTTP."),
        string("metrics.host", \.metricsHost, "127.0.0.1", "Address of the metrics endpoint."),
        int("metrics.port", \.metricsPort, 0...65535, "Port of the metrics endpoint (GET /metrics)."),
        string("storage.sqlite.path", \.sqlitePath, "./data/fawang.sqlite", "SQLite database file; its folder is created on first run. Its folder is the data folder: the key files beside it (data, token, audit, exchange keys) are used with either engine."),
        choice("storage.engine", \.storageEngine, ["sqlite", "postgres"], live: false, "Where the platform keeps its data: sqlite (one file, one host) or postgres (storage.postgres.url; several hosts on one database)."),
        optionalString("storage.postgres.url", \.postgresURL, "postgres://user@host:port/database of storage.engine: postgres (the password may be given by FAWANG_POSTGRES_PASSWORD instead)."),
        int("storage.postgres.connections", \.postgresConnections, 1...500, "Connections this host keeps to PostgreSQL; each runs one transaction at a time."),
        bool("storage.allow_loose_permissions", \.allowLoosePermissions, false, "Start even if the database, its -wal/-shm files or a key file can be read or written by other users (mode looser than 0600); otherwise the host refuses and names the chmod to run."),
        optionalString("security.data_key_file", \.dataKeyFile, "File of AES-256 data keys (id:base64 per line, the active key first) sealing identity numbers at rest; default fawang.keys next to the database, created on first run. FAWANG_DATA_KEYS overrides it."),
        bool("demo.seed", \.seedDemoData, true, "Seed Ningxia's divisions, legal aid centres, staff and aid providers into an empty database."),
        bool("demo.sample_matters", \.seedSampleMatters, true, "With demo.seed, also seed sample matters, some submitted days ago, so deadline alerts and escalation show at once."),
        int("demo.synthetic_matters", \.syntheticMatters, 0...1_000_000, "With demo.seed, also this many generated matters across every line, county and channel over the past year, walked through their workflows at random (fixed seed): figures for the supervision dashboard. 0 for none."),
        choice("audit.on_broken_chain", \.auditOnBrokenChain, ["refuse", "read_only"], live: false, "What start-up does when the audit chain does not verify from its last signed checkpoint (an entry edited, removed or cut from the end): `refuse` to start, naming the first bad entry and what to do, or start `read_only`: queries are served, changes refused, and a critical alert is logged and exported (fawang_read_only) until the database is restored."),
        bool("exchange.enabled", \.exchangeEnabled, false, "Send every new matter and status change to the national 12348 platform: written to an outbox in the change's own transaction, signed (Ed25519) and pushed in order with retry until acknowledged (docs/operations.md, National exchange). Needs exchange.national_address."),
        string("exchange.national_address", \.exchangeNationalAddress, "", "host:port of the national platform's exchange endpoint (gRPC national.exchange.v1.NationalExchange)."),
        string("exchange.source", \.exchangeSource, "640000", "This platform's division code as the national platform knows it (a province: 640000), sent as every envelope's source."),
        optionalString("exchange.signing_key_file", \.exchangeSigningKeyFile, "File of the Ed25519 key that signs envelopes (one base64 line); default fawang.exchange-key next to the database, created on first run, its public key logged at start-up for the national side to register. FAWANG_EXCHANGE_KEY overrides it."),
        optionalString("exchange.tls.ca_file", \.exchangeTLSCA, "PEM file of the certificate authorities trusted for the national endpoint: set, deliveries go over TLS (the endpoint's certificate must name the host of exchange.national_address); unset, plaintext (a loopback test peer or a private line only)."),
        optionalString("exchange.tls.certificate_chain", \.exchangeTLSChain, "PEM certificate chain this platform presents when the national endpoint asks for mutual TLS (with exchange.tls.private_key and exchange.tls.ca_file)."),
        optionalString("exchange.tls.private_key", \.exchangeTLSKey, "PEM private key of exchange.tls.certificate_chain."),
        bool("exchange.daily_statistics", \.exchangeDailyStatistics, true, "Also send each day's figures by county and line (received, accepted, ended, rated, satisfied) once the day has ended, China time (statistics.daily); days missed while no host ran are made up, up to 7 back."),
        int("exchange.call_timeout_seconds", \.exchangeCallTimeoutSeconds, 1...300, "How long one delivery (or one fetch of referrals) may take before it counts as failed and is retried later."),
        bool("exchange.referrals", \.exchangeReferrals, false, "Also take the national platform's referrals (转办): fetched over the same connection, each signature checked with exchange.national_public_key, each filed once as a matter of its line with channel api, or refused with the reason; the answer goes back through the outbox (docs/operations.md, National exchange). Needs exchange.enabled."),
        string("exchange.national_public_key", \.exchangeNationalPublicKey, "", "The national platform's Ed25519 public key (base64 of 32 bytes), as it publishes it: referrals signed otherwise are refused."),
        int("exchange.referral_poll_seconds", \.exchangeReferralPollSeconds, 1...3600, "How long to wait before asking for referrals again after a fetch that brought none."),
        int("audit.checkpoint_seconds", \.auditCheckpointSeconds, 1...86_400, "How often the signed audit checkpoint (table audit_checkpoint, key fawang.audit-key) moves to the verified head while running; also at graceful shutdown."),
        choice("log.level", \.logLevel, ["trace", "debug", "info", "notice", "warning", "error", "critical"], live: true, "Lowest level logged."),
        choice("log.format", \.logFormat, ["text", "json"], live: false, "text (key=value) or json (one object per line)."),
        int("config.reload_interval_ms", \.reloadIntervalMilliseconds, 100...60_000, "How often the config file is checked for changes (SIGHUP checks at once)."),
        int("shutdown.grace_seconds", \.shutdownGraceSeconds, 1...600, "On SIGTERM/SIGINT, how long in-flight calls may take before the host stops anyway."),
        optionalString("deadlines.calendar_file", \.calendarFile, live: true, "More years of the working-day calendar (holidays and make-up working days), in the format of Core/FawangCore/Deadlines/Resources/china-working-days.txt; a year listed there replaces the built-in one. Re-read on every config reload and on SIGHUP."),
        int("deadlines.scan_seconds", \.deadlineScanSeconds, 1...3600, "How often overdue matters are escalated to the supervising bureau and alert watchers re-check the day."),
    ]

    // Assembled after all keys are read (a half-given TLS pair is an error).
    var tlsChain: String?
    var tlsKey: String?
    var tlsClientCA: String?

    // MARK: Loading

    /// Parses and validates YAML text. Throws the first problem, naming its key. With
    /// `allowEmpty: false`, a text without any key (empty, blank or comments only) is refused
    /// instead of meaning "all defaults".
    public static func parse(yaml text: String, allowEmpty: Bool = true) throws(ConfigError) -> PlatformConfig {
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw ConfigError(key: "(file)", reason: "not valid YAML: \(error)")
        }
        if root == nil, !allowEmpty {
            throw ConfigError(
                key: "(file)",
                reason: "the file is empty (truncated, or emptied by mistake); write {} to return to the built-in defaults")
        }
        var flat: [(String, Any)] = []
        if let root {
            guard let map = root as? [String: Any] else {
                throw ConfigError(key: "(file)", reason: "the top level must be a map of keys")
            }
            try flatten(map, prefix: "", into: &flat)
        }
        var config = PlatformConfig()
        let byPath = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })
        for (path, value) in flat.sorted(by: { $0.0 < $1.0 }) {
            if let key = byPath[path] {
                try key.apply(&config, value)
            } else if let ruleID = ruleID(inRuleDays: path) {
                guard let days = value as? Int, (1...365).contains(days) else {
                    throw ConfigError(key: path, reason: "expected a number of days from 1 to 365, found \(describe(value))")
                }
                config.ruleDays[ruleID] = days
            } else if let (moduleID, division) = moduleRegion(inSwitch: path) {
                guard DivisionCode.isWellFormed(division) else {
                    throw ConfigError(key: path, reason: "\(division) is not a 6-digit division code (e.g. modules.legal-aid.regions.640104.enabled)")
                }
                guard let enabled = value as? Bool else {
                    throw ConfigError(key: path, reason: "expected true or false, found \(describe(value))")
                }
                config.moduleRegionSwitches[moduleID, default: [:]][division] = enabled
            } else if let (moduleID, setting) = moduleExternal(path) {
                try config.externalPlugins[moduleID, default: ExternalPluginSettings()].apply(setting, value, key: path)
            } else if let moduleID = moduleID(inSwitch: path) {
                guard let enabled = value as? Bool else {
                    throw ConfigError(key: path, reason: "expected true or false, found \(describe(value))")
                }
                config.moduleSwitches[moduleID] = enabled
            } else {
                throw ConfigError(key: path, reason: "unknown key (see docs/configuration.md)")
            }
        }
        for id in config.externalPlugins.keys where !ModuleManifest.isValidID(id) {
            throw ConfigError(key: "modules.\(id).external", reason: "\(id) is not a module id: lower-case words joined by '-' (court-fees)")
        }
        for (id, plugin) in config.externalPlugins.sorted(by: { $0.key < $1.key }) {
            guard (plugin.command == nil) != (plugin.address == nil) else {
                throw ConfigError(
                    key: "modules.\(id).external",
                    reason: "give either command (the host starts and supervises the plugin) or address (unix:/path or host:port of one run elsewhere), not both or neither")
            }
            let prefix = "modules.\(id).external.tls"
            config.externalPlugins[id]?.tls = try ClientTLS.from(
                caFile: plugin.tlsCA, certificateChain: plugin.tlsChain, privateKey: plugin.tlsKey, prefix: prefix, peer: "the plugin")
            var overTCP = false
            if case .host? = plugin.address.flatMap(PluginAddress.init) { overTCP = true }
            if config.externalPlugins[id]?.tls != nil, !overTCP {
                throw ConfigError(key: "\(prefix).ca_file", reason: "TLS is for a plugin at a host:port address; a Unix socket is guarded by its folder's permissions")
            }
        }
        if config.environment == "production" {
            if config.seedDemoData, flat.contains(where: { $0.0 == "demo.seed" }) {
                throw ConfigError(
                    key: "demo.seed",
                    reason: "must not be true with environment: production: the demo accounts share the published password Fawang@2026 (remove the key or set it to false)")
            }
            // The default (true) is for a developer's first run, never for production.
            config.seedDemoData = false
        }
        // One upload of the largest allowed file is one request message (a Connect JSON call
        // carries it in base64): a limit below that would refuse what the materials rule accepts.
        let overhead = 4 * 1024
        if config.maxRequestBytes < config.materials.maxBytes + overhead {
            throw ConfigError(
                key: "grpc.max_request_bytes",
                reason: "\(config.maxRequestBytes) is too small for materials.max_bytes (\(config.materials.maxBytes)): raise it to at least \(config.materials.maxBytes + overhead) or lower materials.max_bytes")
        }
        if config.httpEnabled, config.httpMaxRequestBytes < (config.materials.maxBytes + 2) / 3 * 4 + overhead {
            throw ConfigError(
                key: "http.max_request_bytes",
                reason: "\(config.httpMaxRequestBytes) is too small for materials.max_bytes (\(config.materials.maxBytes)) sent as base64 in Connect JSON: raise it to at least \((config.materials.maxBytes + 2) / 3 * 4 + overhead) or lower materials.max_bytes")
        }
        if config.exchangeEnabled {
            guard ExchangeAddress(config.exchangeNationalAddress) != nil else {
                throw ConfigError(
                    key: "exchange.national_address",
                    reason: "exchange.enabled needs the national endpoint as host:port (e.g. 10.1.2.3:50061), found \"\(config.exchangeNationalAddress)\"")
            }
        }
        if config.storageEngine == "postgres" {
            guard let url = config.postgresURL else {
                throw ConfigError(key: "storage.postgres.url", reason: "storage.engine: postgres needs the database, e.g. postgres://fawang@10.1.2.3:5432/fawang")
            }
            let parts = URLComponents(string: url)
            guard ["postgres", "postgresql"].contains(parts?.scheme ?? ""), !(parts?.host ?? "").isEmpty, !(parts?.user ?? "").isEmpty,
                (parts?.path.count ?? 0) > 1
            else {
                throw ConfigError(key: "storage.postgres.url", reason: "expected postgres://user@host:port/database")
            }
        }
        if config.exchangeReferrals {
            guard config.exchangeEnabled else {
                throw ConfigError(key: "exchange.referrals", reason: "needs exchange.enabled: referrals are fetched over the exchange's connection and answered through its outbox")
            }
            guard let raw = Data(base64Encoded: config.exchangeNationalPublicKey), raw.count == 32 else {
                throw ConfigError(
                    key: "exchange.national_public_key",
                    reason: "exchange.referrals needs the national platform's Ed25519 public key as base64 of 32 bytes, found \"\(config.exchangeNationalPublicKey.prefix(60))\"")
            }
        }
        config.exchangeTLS = try ClientTLS.from(
            caFile: config.exchangeTLSCA, certificateChain: config.exchangeTLSChain, privateKey: config.exchangeTLSKey, prefix: "exchange.tls",
            peer: "the national endpoint")
        guard config.exchangeSource.count == 6, config.exchangeSource.allSatisfy(\.isASCII), config.exchangeSource.allSatisfy(\.isNumber) else {
            throw ConfigError(key: "exchange.source", reason: "expected a 6-digit division code (a province: 640000), found \"\(config.exchangeSource)\"")
        }
        switch (config.tlsChain, config.tlsKey) {
        case (nil, nil):
            if config.tlsClientCA != nil {
                throw ConfigError(key: "grpc.tls.client_ca", reason: "mutual TLS needs grpc.tls.certificate_chain and grpc.tls.private_key too")
            }
        case (let chain?, let key?):
            config.tls = TLS(certificateChainPath: chain, privateKeyPath: key, clientCAPath: config.tlsClientCA)
        case (nil, _):
            throw ConfigError(key: "grpc.tls.certificate_chain", reason: "required when grpc.tls.private_key is set")
        case (_, nil):
            throw ConfigError(key: "grpc.tls.private_key", reason: "required when grpc.tls.certificate_chain is set")
        }
        return config
    }

    /// The data key file to use when `FAWANG_DATA_KEYS` is not set.
    public var resolvedDataKeyFile: String {
        dataKeyFile ?? SecretSource.besideDatabase(sqlitePath, named: "fawang.keys")
    }

    /// Reads the file at `path` at start-up (it must exist); nil means the built-in defaults.
    public static func load(path: String?) throws(ConfigError) -> PlatformConfig {
        guard let path else { return PlatformConfig() }
        // A path that names no file is a typo or a missing mount, not "use the defaults": running
        // on defaults would switch back on every module the file switches off.
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(key: "(file)", reason: "\(path) does not exist; give the path of an existing config file, or leave out --config to run on the built-in defaults")
        }
        return try parse(yaml: read(path), allowEmpty: true)
    }

    /// Reads the file at `path` again while the host runs. Unlike at start-up, an empty file is
    /// refused too: it is far more likely a half-written save than a wish to return to the
    /// defaults (which would switch disabled modules back on). `{}` means the defaults.
    public static func reload(path: String) throws(ConfigError) -> PlatformConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(key: "(file)", reason: "the file is missing (deleted or moved); restore it to change the running config")
        }
        return try parse(yaml: read(path), allowEmpty: false)
    }

    private static func read(_ path: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(key: "(file)", reason: "cannot read \(path) as UTF-8 text")
        }
        return text
    }

    static func ruleID(inRuleDays path: String) -> String? {
        let prefix = "deadlines.rule_days."
        guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// `modules.<id>.regions.<division>.enabled` → (id, division).
    static func moduleRegion(inSwitch path: String) -> (String, String)? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "modules", parts[2] == "regions", parts[4] == "enabled", !parts[1].isEmpty else { return nil }
        return (String(parts[1]), String(parts[3]))
    }

    /// `modules.<id>.external.<setting>` → (id, setting).
    static func moduleExternal(_ path: String) -> (String, String)? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0] == "modules", parts[2] == "external", !parts[1].isEmpty else { return nil }
        return (String(parts[1]), parts[3...].joined(separator: "."))
    }

    static func moduleID(inSwitch path: String) -> String? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "modules", parts[2] == "enabled", !parts[1].isEmpty else { return nil }
        return String(parts[1])
    }

    private static func flatten(_ map: [String: Any], prefix: String, into flat: inout [(String, Any)]) throws(ConfigError) {
        for (name, value) in map {
            let path = prefix.isEmpty ? name : prefix + "." + name
            if let nested = value as? [String: Any] {
                try flatten(nested, prefix: path, into: &flat)
            } else if let nested = value as? [AnyHashable: Any] {
                // A map with a number for a key, e.g. a division code: regions: {640104: …}.
                try flatten(Dictionary(uniqueKeysWithValues: nested.map { ("\($0.key.base)", $0.value) }), prefix: path, into: &flat)
            } else if value is [Any] {
                throw ConfigError(key: path, reason: "lists are not accepted; key entries by name (e.g. modules.legal-aid.enabled)")
            } else {
                flat.append((path, value))
            }
        }
    }

    private static func describe(_ value: Any) -> String {
        if value is NSNull { return "an empty value" }
        return "\"\(value)\""
    }

    private static func string(_ path: String, _ field: any WritableKeyPath<PlatformConfig, String> & Sendable, _ defaultValue: String, _ summary: String) -> Key {
        Key(path: path, type: .string, defaultValue: defaultValue, live: false, summary: summary, apply: { (config, value) throws(ConfigError) in
            guard let text = value as? String, !text.isEmpty else {
                throw ConfigError(key: path, reason: "expected a non-empty string, found \(describe(value))")
            }
            config[keyPath: field] = text
        }, current: { $0[keyPath: field] })
    }

    private static func optionalString(_ path: String, _ field: any WritableKeyPath<PlatformConfig, String?> & Sendable, live: Bool = false, _ summary: String) -> Key {
        Key(path: path, type: .string, defaultValue: "(unset)", live: live, summary: summary, apply: { (config, value) throws(ConfigError) in
            guard let text = value as? String, !text.isEmpty else {
                throw ConfigError(key: path, reason: "expected a file path, found \(describe(value))")
            }
            config[keyPath: field] = text
        }, current: { $0[keyPath: field] ?? "" })
    }

    /// `offValue`: the choice a YAML `off`, `no` or `false` means (YAML 1.1 reads those as false).
    private static func choice(
        _ path: String, _ field: any WritableKeyPath<PlatformConfig, String> & Sendable, _ allowed: [String], live: Bool,
        offValue: String? = nil, _ summary: String
    ) -> Key {
        Key(path: path, type: .string, defaultValue: PlatformConfig()[keyPath: field], live: live, summary: summary + " One of: " + allowed.joined(separator: ", ") + ".", apply: { (config, value) throws(ConfigError) in
            if let offValue, value as? Bool == false {
                config[keyPath: field] = offValue
                return
            }
            guard let text = value as? String, allowed.contains(text) else {
                throw ConfigError(key: path, reason: "expected one of \(allowed.joined(separator: ", ")), found \(describe(value))")
            }
            config[keyPath: field] = text
        }, current: { $0[keyPath: field] })
    }

    private static func int(_ path: String, _ field: any WritableKeyPath<PlatformConfig, Int> & Sendable, _ range: ClosedRange<Int>, _ summary: String) -> Key {
        Key(path: path, type: .int, defaultValue: String(PlatformConfig()[keyPath: field]), live: false, summary: summary + " Range \(range.lowerBound)–\(range.upperBound).", apply: { (config, value) throws(ConfigError) in
            guard let number = value as? Int else {
                throw ConfigError(key: path, reason: "expected an integer, found \(describe(value))")
            }
            guard range.contains(number) else {
                throw ConfigError(key: path, reason: "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
            }
            config[keyPath: field] = number
        }, current: { String($0[keyPath: field]) })
    }

    private static func bool(_ path: String, _ field: any WritableKeyPath<PlatformConfig, Bool> & Sendable, _ defaultValue: Bool, _ summary: String) -> Key {
        Key(path: path, type: .bool, defaultValue: String(defaultValue), live: false, summary: summary, apply: { (config, value) throws(ConfigError) in
            guard let flag = value as? Bool else {
                throw ConfigError(key: path, reason: "expected true or false, found \(describe(value))")
            }
            config[keyPath: field] = flag
        }, current: { String($0[keyPath: field]) })
    }
}

/// `exchange.national_address`: host and port.
public struct ExchangeAddress: Sendable, Equatable {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return nil }
        (self.host, self.port) = (host, port)
    }
}

/// `modules.<id>.external.*`: a module whose plugin runs as a process of its own
/// (``ExternalPlugins``). Either `command`, which the host starts and restarts, or `address`.
public struct ExternalPluginSettings: Sendable, Equatable {
    /// The program and its arguments, split on spaces (`/opt/fawang/plugins/fawang-court-fees`).
    public var command: [String]?
    /// `unix:/path` or `host:port` of a plugin that runs elsewhere.
    public var address: String?
    /// Longest a call to the plugin may take before `DEADLINE_EXCEEDED`.
    public var deadlineMilliseconds = 5_000
    /// Calls in flight to the plugin at once; past it `RESOURCE_EXHAUSTED`.
    public var maxInFlight = 64
    /// Calls in a row that fail (`UNAVAILABLE`) or time out before the circuit breaker opens.
    public var breakerFailures = 5
    /// How long the open breaker answers `UNAVAILABLE` at once before it asks the plugin again.
    public var breakerOpenMilliseconds = 5_000
    /// `tls.*`: TLS to a plugin at a host:port address; nil is plaintext.
    public var tls: PlatformConfig.ClientTLS?
    var tlsCA: String?
    var tlsChain: String?
    var tlsKey: String?

    private static func path(_ value: Any, key: String) throws(PlatformConfig.ConfigError) -> String {
        guard let text = value as? String, !text.isEmpty else {
            throw PlatformConfig.ConfigError(key: key, reason: "expected the path of a PEM file, found \(value)")
        }
        return text
    }

    private static func number(_ value: Any, in range: ClosedRange<Int>, of unit: String, key: String) throws(PlatformConfig.ConfigError) -> Int {
        guard let number = value as? Int, range.contains(number) else {
            throw PlatformConfig.ConfigError(key: key, reason: "expected \(unit) from \(range.lowerBound) to \(range.upperBound), found \(value)")
        }
        return number
    }

    mutating func apply(_ setting: String, _ value: Any, key: String) throws(PlatformConfig.ConfigError) {
        switch setting {
        case "command":
            guard let text = value as? String, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw PlatformConfig.ConfigError(key: key, reason: "expected the plugin's program and arguments, e.g. /opt/fawang/plugins/fawang-court-fees")
            }
            command = text.split(separator: " ").map(String.init)
        case "address":
            guard let text = value as? String, PluginAddress(text) != nil else {
                throw PlatformConfig.ConfigError(key: key, reason: "expected unix:/path or host:port, found \(value)")
            }
            address = text
        case "tls.ca_file": tlsCA = try Self.path(value, key: key)
        case "tls.certificate_chain": tlsChain = try Self.path(value, key: key)
        case "tls.private_key": tlsKey = try Self.path(value, key: key)
        case "deadline_ms": deadlineMilliseconds = try Self.number(value, in: 10...600_000, of: "milliseconds", key: key)
        case "max_in_flight": maxInFlight = try Self.number(value, in: 1...10_000, of: "calls", key: key)
        case "breaker_failures": breakerFailures = try Self.number(value, in: 1...1_000, of: "calls", key: key)
        case "breaker_open_ms": breakerOpenMilliseconds = try Self.number(value, in: 100...600_000, of: "milliseconds", key: key)
        default:
            throw PlatformConfig.ConfigError(
                key: key,
                reason: "unknown key: an external plugin takes command, address, tls.ca_file, tls.certificate_chain, tls.private_key, deadline_ms, max_in_flight, breaker_failures and breaker_open_ms")
        }
    }
}
