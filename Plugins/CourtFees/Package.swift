// swift-tools-version: 6.2
// 诉讼费测算 (court-fees): the example external plugin, a package of its own on the plugin SDK. It
// builds, tests and ships without the platform: `swift test` here runs its own tests, and the host
// runs the `fawang-court-fees` executable (modules.court-fees.external.command) as its own process
// (docs/plugin-authoring.md, "An external plugin").
//
//   CourtFeesContract   its generated contract (proto/, scripts/generate-protos.sh): for the
//                       plugin and for its clients
//   CourtFees           the fee schedule of 《诉讼费用交纳办法》 and the service
//   fawang-court-fees   the process the host starts
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "CourtFees",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fawang-court-fees", targets: ["fawang-court-fees"]),
        .library(name: "CourtFeesContract", targets: ["CourtFeesContract"]),
    ],
    dependencies: [
        // A department outside this repository names the SDK by its URL and version instead.
        .package(path: "../../Protocols/FawangPluginSDK"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(
            name: "CourtFeesContract",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CourtFees",
            dependencies: [
                "CourtFeesContract",
                .product(name: "FawangPluginSDK", package: "FawangPluginSDK"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fawang-court-fees",
            dependencies: ["CourtFees", "CourtFeesContract", .product(name: "FawangPluginSDK", package: "FawangPluginSDK")],
            swiftSettings: strictSettings
        ),
        // Its own tests: the schedule against the regulation's articles, and the built process
        // served on a socket, called as the host calls it.
        .testTarget(
            name: "CourtFeesTests",
            dependencies: [
                "CourtFees", "CourtFeesContract", "fawang-court-fees",
                .product(name: "FawangPluginSDK", package: "FawangPluginSDK"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
