// swift-tools-version: 6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let deque = Target.Dependency.product(name: "DequeModule", package: "swift-collections")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
// JWTs and constant-time comparison: FerryServer only (swift-crypto brings BoringSSL's C code).
let jwtKit = Target.Dependency.product(name: "JWTKit", package: "jwt-kit")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
// `GET /metrics`: FerryServer only; the server owns its registry (no global bootstrap).
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

let package = Package(
    name: "pgferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pgferry", targets: ["pgferry"]),
        .library(name: "Ferry", targets: ["Ferry"]),
        .library(name: "FerryServer", targets: ["FerryServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // No traits: drops swift-configuration and the FullFoundation switch (swift-style.md §3.1).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `swift package generate-documentation --target Ferry` (Sources/Ferry/Ferry.docc); a plugin, never linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(name: "PGClient", dependencies: ["CLibPQ"]),
        .target(name: "FerryCore", dependencies: [deque]),
        .target(name: "Ferry", dependencies: ["PGClient", "FerryCore", logging]),
        .target(name: "FerryServer", dependencies: ["Ferry", hummingbird, serviceLifecycle, unixSignals, jwtKit, crypto, prometheus, logging],
                // The dashboard's files, compiled into the binary as byte arrays (`PackageResources`).
                resources: [.embedInCode("Dashboard/Assets/dashboard.html"), .embedInCode("Dashboard/Assets/dashboard.css"),
                            .embedInCode("Dashboard/Assets/dashboard.js")]),
        .executableTarget(name: "pgferry", dependencies: ["Ferry", "FerryServer", argumentParser, logging, serviceLifecycle, unixSignals]),
        .target(name: "FerryTestSupport", dependencies: ["PGClient"]),
        .testTarget(name: "FerryCoreTests", dependencies: ["FerryCore"]),
        .testTarget(name: "PGClientTests", dependencies: ["PGClient", "FerryTestSupport"]),
        .testTarget(name: "FerryTests", dependencies: ["Ferry", "FerryTestSupport"]),
        .testTarget(name: "FerryServerTests", dependencies: ["FerryServer", "FerryTestSupport", hummingbird, jwtKit, crypto, serviceLifecycle]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}

// Micro benchmarks (package-benchmark) only when asked, so `swift build` / `swift test` never
// fetch or compile them:  PGFERRY_BENCHMARKS=1 swift package benchmark --target FerryBenchmarks
if Context.environment["PGFERRY_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "FerryBenchmarks",
            dependencies: ["FerryCore", "PGClient", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/FerryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
