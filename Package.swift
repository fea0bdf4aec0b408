// swift-tools-version: 6.2
// Fawang (法网): the 12348 public legal service platform.
// Layout: Protocols/ (the shared contract), Core/ (what every plugin stands on),
// Plugins/<Department>/ (one target per department), Hosting/ (the `fawang` executable).
import Foundation
import PackageDescription

/// One block of strict settings for every target (the habit of grpc-swift-2's manifest).
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "fawang",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fawang", targets: ["fawang"]),
        .executable(name: "fawang-national-standin", targets: ["fawang-national-standin"]),
        .library(name: "FawangProto", targets: ["FawangProto"]),
        .library(name: "FawangPluginKit", targets: ["FawangPluginKit"]),
        .library(name: "FawangCore", targets: ["FawangCore"]),
    ],
    dependencies: [
        // The plugin SDK is a package of its own (a department's external plugin builds on it alone).
        .package(path: "Protocols/FawangPluginSDK"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        // MARK: Core — domain, workflow, deadlines, registry, storage interfaces. No transport, no protobuf.
        .target(
            name: "FawangCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Core/FawangCore",
            resources: [.copy("Deadlines/Resources/china-working-days.txt"), .copy("Search/Resources/laws")],
            swiftSettings: strictSettings
        ),
        // The embedded SQLite implementation of Core's storage interfaces (GRDB stays in here).
        .target(
            name: "FawangSQLite",
            dependencies: [
                "FawangCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/FawangSQLite",
            swiftSettings: strictSettings
        ),
        // The production engine: PostgreSQL through postgres-nio, the same stores' SQL as SQLite's
        // where the engines agree (SQLConnection), its own schema and full-text index where not.
        .target(
            name: "FawangPostgres",
            dependencies: [
                "FawangCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/FawangPostgres",
            swiftSettings: strictSettings
        ),
        // MARK: Protocols — the shared contract: the generated messages and stubs (with the descriptor
        // set their comments come from), and the hand-written plugin kit on top of them.
        .target(
            name: "FawangProto",
            dependencies: [
                .product(name: "FawangPluginContract", package: "FawangPluginSDK"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Protocols/FawangProto",
            resources: [.copy("Generated/fawang.binpb")],
            swiftSettings: strictSettings
        ),
        // zlib from the system (zlib1g-dev, which the Swift toolchain itself needs on Debian): the
        // plugin kit inflates an uploaded XLSX workbook's parts with it.
        .systemLibrary(name: "CZlib", path: "Core/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "FawangPluginKit",
            dependencies: [
                "FawangCore",
                "FawangProto",
                "CZlib",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Protocols/FawangPluginKit",
            swiftSettings: strictSettings
        ),
        // MARK: Plugins — one target per department (see `departments` below).
        // MARK: Hosting — config, transports, lifecycle, metrics, the plugin catalog, the CLI.
        .target(
            name: "FawangHost",
            dependencies: [
                "FawangPostgres",
                "FawangCore",
                "FawangSQLite",
                "FawangPluginKit", "FawangProto", .product(name: "FawangPluginSDK", package: "FawangPluginSDK"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Hosting/FawangHost",
            swiftSettings: strictSettings
        ),
        // Benchmarks print figures (never timed assertions): `swift run -c release law-search-bench DIR`.
        .executableTarget(
            name: "law-search-bench",
            dependencies: ["FawangCore", "FawangSQLite", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/LawSearch",
            swiftSettings: strictSettings
        ),
        // The RPC benchmark's baseline (Benchmarks/run): raw grpc-swift-2, a unary echo, no interceptors.
        .executableTarget(
            name: "bench-echo",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/Echo",
            swiftSettings: strictSettings
        ),
        // `swift run -c release statistics-bench [--matters 1000000]`: the dashboard's queries.
        .executableTarget(
            name: "statistics-bench",
            dependencies: [
                "FawangCore", "FawangSQLite", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Statistics",
            swiftSettings: strictSettings
        ),
        // The national platform's exchange endpoint as a test peer (docs/operations.md, National exchange).
        .executableTarget(
            name: "fawang-national-standin",
            dependencies: [
                "FawangCore", "FawangProto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Hosting/NationalStandin",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fawang",
            dependencies: [
                "FawangHost",
                "FawangCore",
                "FawangSQLite",
                "FawangPostgres",
                "FawangPluginKit", "FawangProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Hosting/fawang",
            swiftSettings: strictSettings
        ),
        // MARK: Tests mirror the targets; shared helpers live in FawangTestSupport.
        .target(
            name: "FawangTestSupport",
            dependencies: [
                "FawangHost",
                "FawangCore",
                "FawangPluginKit", "FawangProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/FawangTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FawangCoreTests",
            dependencies: [
                "FawangCore", "FawangSQLite", "FawangPostgres", "FawangTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/FawangCoreTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FawangHostTests",
            dependencies: [
                "FawangHost", "FawangCore", "FawangPluginKit", "FawangProto", "FawangTestSupport", "FawangSQLite", "FawangPostgres",
                .product(name: "FawangPluginSDK", package: "FawangPluginSDK"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/FawangHostTests",
            swiftSettings: strictSettings
        ),
    ]
)

/// The department plugins: every folder under `Plugins/` is one, target `<Folder>Plugin`, its tests
/// under `Tests/<Folder>PluginTests`. Adding a department adds no line here. A folder with a
/// Package.swift of its own is an external plugin: its own package on the plugin SDK, built and
/// tested on its own, whose program the host runs as a separate process. The platform's tests
/// call it through the host with its contract (`<Folder>Contract`), and build its program with
/// `swift build --product fawang-<folder-in-kebab-case>`.
let pluginsRoot = URL(fileURLWithPath: Context.packageDirectory).appendingPathComponent("Plugins")
let pluginFolders = ((try? FileManager.default.contentsOfDirectory(atPath: pluginsRoot.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
func isExternal(_ folder: String) -> Bool {
    FileManager.default.fileExists(atPath: pluginsRoot.appendingPathComponent(folder).appendingPathComponent("Package.swift").path)
}
let departments: [(target: String, folder: String)] = pluginFolders.filter { !isExternal($0) }.map { ($0 + "Plugin", $0) }

for folder in pluginFolders where isExternal(folder) {
    package.dependencies.append(.package(path: "Plugins/" + folder))
    package.targets.first { $0.name == "FawangHostTests" }!.dependencies.append(.product(name: folder + "Contract", package: folder))
}

for department in departments {
    package.targets.append(.target(
        name: department.target,
        dependencies: [
            "FawangCore",
            "FawangPluginKit", "FawangProto",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Plugins/\(department.folder)",
        swiftSettings: strictSettings))
    package.targets.append(.testTarget(
        name: department.target + "Tests",
        dependencies: [
            .target(name: department.target), "FawangCatalog", "FawangCore", "FawangPluginKit", "FawangProto", "FawangTestSupport",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ],
        path: "Tests/\(department.target)Tests",
        swiftSettings: strictSettings))
}

// The catalog of compiled-in plugins: the executable and the whole-platform tests use it; the host
// library and the test support do not depend on any plugin.
package.targets.append(.target(
    name: "FawangCatalog",
    dependencies: ["FawangPluginKit"] + departments.map { .target(name: $0.target) },
    path: "Hosting/FawangCatalog",
    swiftSettings: strictSettings))
for name in ["fawang", "FawangHostTests"] {
    package.targets.first { $0.name == name }!.dependencies.append("FawangCatalog")
}
// The statistics tests rebuild the store's monthly rollups and compare them with the kept ones.
package.targets.first { $0.name == "SupervisionPluginTests" }!.dependencies += ["FawangSQLite", "FawangPostgres", .product(name: "Logging", package: "swift-log")]
