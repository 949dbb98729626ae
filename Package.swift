// swift-tools-version: 6.2
// DataCollector: a Swift engine for data-collection pipelines scripted in Lua 5.4.
// No package dependencies: the toolchain and Debian's C libraries only.
// Tools 6.2: the sources use `nonisolated(nonsending)` (SE-0461), which 6.0 and 6.1 do not have.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "DataCollector",
    products: [
        .library(name: "CollectorValues", targets: ["CollectorValues"]),
        .library(name: "LuaRuntime", targets: ["LuaRuntime"]),
        .library(name: "Collectors", targets: ["Collectors"]),
        .library(name: "CollectorScripting", targets: ["CollectorScripting"]),
        .library(name: "CollectorCoreConnectors", targets: ["CollectorCoreConnectors"]),
        .library(name: "CollectorConnectors", targets: ["CollectorConnectors"]),
        .library(name: "CollectorHTTPConnectors", targets: ["CollectorHTTPConnectors"]),
        .library(name: "CollectorSQLiteConnectors", targets: ["CollectorSQLiteConnectors"]),
        .library(name: "CollectorPostgresConnectors", targets: ["CollectorPostgresConnectors"]),
        .library(name: "CollectorKafkaConnectors", targets: ["CollectorKafkaConnectors"]),
        .library(name: "CollectorMQTTConnectors", targets: ["CollectorMQTTConnectors"]),
        .library(name: "CollectorGzip", targets: ["CollectorGzip"]),
        // MARK: products
        .library(name: "CollectorSources", targets: ["CollectorSources"]),
        .library(name: "CollectorHTTPSources", targets: ["CollectorHTTPSources"]),
        .library(name: "CollectorWebSocket", targets: ["CollectorWebSocket"]),
        .library(name: "CollectorHTTPOutput", targets: ["CollectorHTTPOutput"]),
        .library(name: "CollectorKafka", targets: ["CollectorKafka"]),
        .library(name: "CollectorStorage", targets: ["CollectorStorage"]),
        .library(name: "CollectorSQLite", targets: ["CollectorSQLite"]),
        .library(name: "CollectorPostgres", targets: ["CollectorPostgres"]),
        .library(name: "CollectorMQTT", targets: ["CollectorMQTT"]),
        .library(name: "CollectorMocks", targets: ["CollectorMocks"]),
        .library(name: "CollectorConformance", targets: ["CollectorConformance"]),
        .library(name: "CollectorMetricsServer", targets: ["CollectorMetricsServer"]),
        .executable(name: "collector", targets: ["collector"]),
        .executable(name: "collector-bench", targets: ["collector-bench"]),
    ],
    targets: [
        // C: the system Lua 5.4 and a shim of its function-like macros.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // C: what must be C at the Lua boundary (trampoline, hooks, allocator, message handler).
        .target(
            name: "CLuaSupport",
            dependencies: ["CLua"]
        ),
        // Record values (JSON-like, type-faithful) and their JSON codec.
        .target(name: "CollectorValues", swiftSettings: strict),
        // The core: models, protocols, pipeline, managers, events, errors, retry. No C, no Lua.
        .target(name: "Collectors", dependencies: ["CollectorValues"], swiftSettings: strict),
        // The Swift face of Lua: states, values, refs, errors, limits.
        .target(
            name: "LuaRuntime",
            dependencies: ["CLua", "CLuaSupport", "CollectorValues"],
            swiftSettings: strict
        ),
        // MARK: core targets (Collectors, CollectorMocks)
        // Mocks and test clocks of the core's protocols, for users' tests and ours.
        .target(name: "CollectorMocks", dependencies: ["Collectors", "CollectorValues"], swiftSettings: strict),
        // The conformance kit: the checks every source and backend passes, as named results
        // an embedder's tests assert on (XCTest or Swift Testing alike).
        .target(name: "CollectorConformance", dependencies: ["Collectors", "CollectorValues"], swiftSettings: strict),

        // The HTTP endpoint of the metrics and health: /metrics, /health, /ready, over POSIX sockets.
        .target(
            name: "CollectorMetricsServer",
            dependencies: ["Collectors"],
            swiftSettings: strict
        ),

        // MARK: source targets
        // C: the system OpenSSL, for https:// and wss:// (and SHA-1 of the WebSocket handshake).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // The network layer the sources share: non-blocking sockets waited on by one
        // poll thread, DNS off the cooperative pool, TLS through OpenSSL, an HTTP/1.1 client.
        .target(
            name: "CollectorNetwork",
            dependencies: ["COpenSSL", "Collectors"],
            swiftSettings: strict
        ),
        // Native sources without C: generator, files (followed too), stdin, command output.
        // Gzip files are read through a `Decompression` a program passes (CollectorGzip).
        .target(
            name: "CollectorSources",
            dependencies: ["Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // The gzip decompression of the file sources, over the system zlib.
        .target(
            name: "CollectorGzip",
            dependencies: ["CZlib", "CollectorSources"],
            swiftSettings: strict
        ),
        // The sources over the network layer: HTTP polling and SSE.
        .target(
            name: "CollectorHTTPSources",
            dependencies: ["CollectorNetwork", "CollectorSources", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // The RFC 6455 client and the WebSocket source.
        .target(
            name: "CollectorWebSocket",
            dependencies: ["CollectorNetwork", "COpenSSL", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // C: the system zlib, for gzip request bodies and gzip files read by the file sources.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The HTTP output backend (storage.http): batches POSTed over the sources'
        // network layer; a target of its own so that only its users link zlib.
        .target(
            name: "CollectorHTTPOutput",
            dependencies: ["CollectorNetwork", "CZlib", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // C: the system librdkafka (Kafka's C client) and its mock cluster.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // source.kafka and storage.kafka over librdkafka, and the in-process mock cluster.
        .target(
            name: "CollectorKafka",
            dependencies: ["CRdKafka", "CollectorStorage", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // Benchmarks of the sources (file line splitting, generator, WebSocket messages/s).
        .executableTarget(
            name: "collector-sources-bench",
            dependencies: ["CollectorSources", "CollectorHTTPSources", "CollectorWebSocket", "Collectors"],
            swiftSettings: strict
        ),

        // MARK: storage targets (CSQLite, CPostgres, CollectorStorage, CollectorSQLite, CollectorPostgres)
        // C: the system SQLite 3 and a shim of what Swift cannot import (SQLITE_TRANSIENT).
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // C: the system libpq (PostgreSQL's client library).
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Backends without C: memory and JSON-lines files; the table layouts and
        // identifier rules the SQL backends share.
        .target(
            name: "CollectorStorage",
            dependencies: ["Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // SQLite backend: its own target, so an embedder links libsqlite3 only when it uses it.
        .target(
            name: "CollectorSQLite",
            dependencies: ["CSQLite", "CollectorStorage", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // PostgreSQL backend over libpq.
        .target(
            name: "CollectorPostgres",
            dependencies: ["CPostgres", "CollectorStorage", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),

        // MARK: MQTT targets
        // C: the system libmosquitto (MQTT 5 client).
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // The MQTT source and backend over libmosquitto, whose network loop runs on a thread of its own.
        .target(
            name: "CollectorMQTT",
            dependencies: ["CMosquitto", "CollectorStorage", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorMQTTTests",
            dependencies: ["CollectorMQTT", "CollectorConformance", "CollectorStorage", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),

        // MARK: scripting targets
        // C: libedit, for the REPL's line editing and history.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // The Lua API of the engine: Lua processors, bindings, reload, the test
        // runner, the REPL's evaluator and the connector seam. Lua and the core
        // only: the connectors a program installs bring their own C libraries.
        .target(
            name: "CollectorScripting",
            dependencies: ["LuaRuntime", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        // MARK: connector targets: the Lua side of each family of sources and backends,
        // linking that family's C library only.
        // The C-free connectors: source.generator, file, follow, stdin, command;
        // storage.memory, jsonl, null, console; and the option kits the families share.
        .target(
            name: "CollectorCoreConnectors",
            dependencies: ["CollectorScripting", "CollectorSources", "CollectorStorage", "Collectors", "CollectorValues", "LuaRuntime"],
            swiftSettings: strict
        ),
        // source.http, source.sse, source.websocket, storage.http: OpenSSL and zlib.
        .target(
            name: "CollectorHTTPConnectors",
            dependencies: [
                "CollectorCoreConnectors", "CollectorScripting", "CollectorHTTPSources", "CollectorHTTPOutput", "CollectorWebSocket",
                "CollectorNetwork", "Collectors", "CollectorValues", "LuaRuntime",
            ],
            swiftSettings: strict
        ),
        // storage.sqlite and the SQLite spool: libsqlite3.
        .target(
            name: "CollectorSQLiteConnectors",
            dependencies: ["CollectorCoreConnectors", "CollectorScripting", "CollectorSQLite", "Collectors"],
            swiftSettings: strict
        ),
        // storage.postgres: libpq.
        .target(
            name: "CollectorPostgresConnectors",
            dependencies: ["CollectorCoreConnectors", "CollectorScripting", "CollectorPostgres", "Collectors"],
            swiftSettings: strict
        ),
        // source.kafka, storage.kafka: librdkafka.
        .target(
            name: "CollectorKafkaConnectors",
            dependencies: ["CollectorCoreConnectors", "CollectorScripting", "CollectorKafka", "Collectors"],
            swiftSettings: strict
        ),
        // source.mqtt, storage.mqtt: libmosquitto.
        .target(
            name: "CollectorMQTTConnectors",
            dependencies: ["CollectorCoreConnectors", "CollectorScripting", "CollectorMQTT", "Collectors"],
            swiftSettings: strict
        ),
        // Every family assembled (`BuiltinConnectors`), as the `collector` program installs them.
        .target(
            name: "CollectorConnectors",
            dependencies: [
                "CollectorScripting", "CollectorCoreConnectors", "CollectorGzip", "CollectorHTTPConnectors",
                "CollectorSQLiteConnectors", "CollectorPostgresConnectors", "CollectorKafkaConnectors", "CollectorMQTTConnectors",
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "collector",
            dependencies: [
                "LuaRuntime", "Collectors", "CollectorScripting", "CollectorConnectors", "CollectorMetricsServer", "CEditLine",
                "CollectorKafka", "CollectorPostgres",
            ],
            swiftSettings: strict
        ),
        // The program docs/embedding.md shows: the engine embedded in a Swift program
        // that adds a source and a backend of its own to the Lua API.
        .executableTarget(
            name: "embedding-example",
            dependencies: ["CollectorScripting", "Collectors", "CollectorValues", "LuaRuntime"],
            path: "examples/embedding",
            swiftSettings: strict
        ),
        // The embedder's tests docs/embedding.md shows: the conformance kit run against
        // the example's own source and backend.
        .testTarget(
            name: "EmbeddingExampleTests",
            dependencies: ["embedding-example", "CollectorConformance", "Collectors"],
            path: "examples/embedding-tests",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "collector-bench",
            dependencies: [
                "LuaRuntime", "CollectorValues", "CollectorSQLite", "CollectorPostgres", "CollectorScripting", "CollectorSources",
                "CollectorStorage", "Collectors",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorValuesTests",
            dependencies: ["CollectorValues"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LuaRuntimeTests",
            dependencies: ["LuaRuntime", "CollectorValues"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorScriptingTests",
            dependencies: [
                "CollectorScripting", "CollectorConnectors", "CollectorCoreConnectors", "LuaRuntime", "Collectors",
                "CollectorValues", "CollectorSQLite", "CollectorMocks",
            ],
            swiftSettings: strict
        ),
        // The engine's Lua side embedded with the core and the C-free connectors
        // only; CollectorCLITests checks with ldd that it links no connector's C library.
        .executableTarget(
            name: "lua-processors-only",
            dependencies: ["CollectorScripting", "CollectorCoreConnectors", "Collectors", "LuaRuntime"],
            path: "Tests/LuaProcessorsOnly",
            swiftSettings: strict
        ),
        // The C-free connectors and the SQLite family: CollectorCLITests checks with
        // ldd that it links libsqlite3 and no other family's C library.
        .executableTarget(
            name: "sqlite-connectors-only",
            dependencies: ["CollectorScripting", "CollectorCoreConnectors", "CollectorSQLiteConnectors", "LuaRuntime"],
            path: "Tests/SQLiteConnectorsOnly",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorCLITests",
            dependencies: ["collector", "lua-processors-only", "sqlite-connectors-only"],
            swiftSettings: strict
        ),
        // MARK: core test targets
        .testTarget(
            name: "CollectorsTests",
            dependencies: ["Collectors", "CollectorMocks", "CollectorValues"],
            swiftSettings: strict
        ),
        // The conformance kit run against every source and backend the package ships, and the mocks.
        .testTarget(
            name: "CollectorConformanceTests",
            dependencies: [
                "CollectorConformance", "Collectors", "CollectorValues", "CollectorMocks", "CollectorSources", "CollectorHTTPSources",
                "CollectorWebSocket", "CollectorStorage", "CollectorSQLite", "CSQLite", "CollectorPostgres",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorMocksTests",
            dependencies: ["CollectorMocks", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),

        // The metrics server over loopback sockets, promtool, a real Prometheus, a pipeline into SQLite.
        .testTarget(
            name: "CollectorMetricsServerTests",
            dependencies: [
                "CollectorMetricsServer", "Collectors", "CollectorValues", "CollectorMocks", "CollectorSources",
                "CollectorSQLite", "CollectorStorage",
            ],
            swiftSettings: strict
        ),

        // MARK: source test targets
        .testTarget(
            name: "CollectorSourcesTests",
            dependencies: ["CollectorSources", "CollectorHTTPSources", "CollectorGzip", "CollectorNetwork", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorHTTPOutputTests",
            dependencies: ["CollectorHTTPOutput", "CollectorConformance", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorKafkaTests",
            dependencies: [
                "CollectorKafka", "CollectorConformance", "CollectorConnectors", "CollectorScripting", "CollectorSQLite",
                "Collectors", "CollectorValues",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorWebSocketTests",
            dependencies: ["CollectorWebSocket", "CollectorSources", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),

        // MARK: storage test targets
        .testTarget(
            name: "CollectorStorageTests",
            dependencies: ["CollectorStorage", "Collectors", "CollectorValues"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorSQLiteTests",
            dependencies: ["CollectorSQLite", "CSQLite", "CollectorStorage", "Collectors", "CollectorValues", "CollectorMocks"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorPostgresTests",
            dependencies: [
                "CollectorPostgres", "CPostgres", "CollectorStorage", "Collectors", "CollectorValues", "CollectorSources",
                "CollectorSQLite",
            ],
            swiftSettings: strict
        ),
    ]
)
