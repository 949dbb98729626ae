// swift-tools-version: 6.0
// The fuzz target of DataCollector, a package of its own so that the main
// package's `swift build` never sees it: it only builds with libFuzzer's
// flags, through scripts/fuzz.sh. It uses the main package by path (no other
// dependency), and only its public API.
import PackageDescription

let package = Package(
    name: "DataCollectorFuzz",
    dependencies: [
        .package(name: "DataCollector", path: "..")
    ],
    targets: [
        // JSON readers and values crossing the Lua boundary, under libFuzzer.
        .executableTarget(
            name: "collector-fuzz",
            dependencies: [
                .product(name: "CollectorValues", package: "DataCollector"),
                .product(name: "LuaRuntime", package: "DataCollector"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)],
            // Main.swift finds libFuzzer's driver with dlsym: make the linker
            // pull it in from the fuzzer runtime and export it.
            linkerSettings: [
                .unsafeFlags([
                    "-Xlinker", "--undefined=LLVMFuzzerRunDriver",
                    "-Xlinker", "--export-dynamic-symbol=LLVMFuzzerRunDriver",
                ])
            ]
        )
    ]
)
