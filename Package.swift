// swift-tools-version: 6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let deque = Target.Dependency.product(name: "DequeModule", package: "swift-collections")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")

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
        .target(name: "FerryServer", dependencies: ["Ferry", hummingbird, logging]),
        .executableTarget(name: "pgferry", dependencies: ["Ferry", "FerryServer", argumentParser, logging]),
        .target(name: "FerryTestSupport", dependencies: ["PGClient"]),
        .testTarget(name: "FerryCoreTests", dependencies: ["FerryCore"]),
        .testTarget(name: "PGClientTests", dependencies: ["PGClient", "FerryTestSupport"]),
        .testTarget(name: "FerryTests", dependencies: ["Ferry", "FerryTestSupport"]),
        .testTarget(name: "FerryServerTests", dependencies: ["FerryServer", "FerryTestSupport", hummingbird]),
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
