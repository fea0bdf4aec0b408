// swift-tools-version: 6.2
// The Fawang plugin SDK: what a department's plugin running as its own process is built on, as a
// package of its own, so that a plugin depends on it and not on the platform (docs/plugin-authoring.md,
// "An external plugin"). The platform's host depends on it too: both sides speak one contract.
//
//   FawangPluginContract  the generated plugin contract (fawang/plugin/v1/plugin.proto: the
//                         handshake, the call stream, the host API) and the caller's identity
//                         (fawang/identity/v1/identity.proto, which it imports), from
//                         scripts/generate-protos.sh
//   FawangPluginSDK       the handshake, the verified caller, the plugin's server, the host API client
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "FawangPluginSDK",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FawangPluginSDK", targets: ["FawangPluginSDK"]),
        .library(name: "FawangPluginContract", targets: ["FawangPluginContract"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(
            name: "FawangPluginContract",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FawangPluginSDK",
            dependencies: [
                "FawangPluginContract",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
