// swift-tools-version: 6.1
// A server that embeds pgferry's engine: depends on the `Ferry` library by path, as an
// application would by URL. `.ci/run` builds and runs it against the test servers.
import PackageDescription

let package = Package(
    name: "EmbedFerry",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "pgferry", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "EmbedFerry", dependencies: [.product(name: "Ferry", package: "pgferry")]),
    ]
)
