// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "buildrelay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "buildrelay", targets: ["buildrelay"]),
        .executable(name: "buildrelay-bench", targets: ["BuildRelayBench"]),
        .executable(name: "buildrelay-chaos", targets: ["BuildRelayChaos"]),
        .library(name: "BuildRelayKafka", targets: ["BuildRelayKafka"]),
        .library(name: "BuildRelayCore", targets: ["BuildRelayCore"]),
        .library(name: "BuildRelayProviders", targets: ["BuildRelayProviders"]),
        .library(name: "BuildRelayWorker", targets: ["BuildRelayWorker"]),
        .library(name: "BuildManagerConformance", targets: ["BuildManagerConformance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // OTLP/HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // librdkafka 2.0.2 (Debian `librdkafka-dev`), including the mock cluster API.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The executables allocate through jemalloc (Debian `libjemalloc-dev`) instead of glibc's malloc, with the
        // options in malloc_conf.c. A worker's memory is mostly allocated on one thread and freed on another (a
        // command is consumed on one, its records acknowledged on librdkafka's), and glibc then serialised threads on
        // its arena locks: the drain benchmark ran about a third faster with jemalloc, on less CPU per command
        // (README, "The allocator"). Only executables depend on this target.
        .target(
            name: "CJemalloc",
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        // The only module that touches librdkafka.
        .target(
            name: "BuildRelayKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // BuildManager protocol, entities, errors, command/event codecs and the worker engine. Never imports Kafka.
        .target(
            name: "BuildRelayCore",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // One folder per CI provider, each a BuildManager; the vendor ones share one HTTP layer (Shared/HTTP).
        .target(
            name: "BuildRelayProviders",
            dependencies: [
                "BuildRelayCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The BuildManager guarantees as checks any provider package runs against its own manager.
        .target(
            name: "BuildManagerConformance",
            dependencies: ["BuildRelayCore"]
        ),
        // The worker over Kafka: the engine's transport, restores from the state topic, the group member service.
        .target(
            name: "BuildRelayWorker",
            dependencies: [
                "BuildRelayCore",
                "BuildRelayKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The application's wiring: configuration (file, environment, flags), queues and their providers, the worker.
        .target(
            name: "BuildRelayApp",
            dependencies: [
                "BuildRelayCore",
                "BuildRelayKafka",
                "BuildRelayProviders",
                "BuildRelayWorker",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(
            name: "buildrelay",
            dependencies: [
                "CJemalloc",
                "BuildRelayApp",
                "BuildRelayCore",
                "BuildRelayKafka",
                "BuildRelayProviders",
                "BuildRelayWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "BuildRelayBench",
            dependencies: [
                "CJemalloc",
                "BuildRelayCore",
                "BuildRelayFakes",  // the fake Buildkite of the vendor benchmark
                "BuildRelayKafka",
                "BuildRelayProviders",
                "BuildRelayWorker",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "BuildRelayChaos",
            dependencies: [
                "CJemalloc",
                "BuildRelayCore",
                "BuildRelayKafka",
                "BuildRelayFakes",  // the fake CI servers, for the provider-faults scenario
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fake CI servers that follow the vendors' documented APIs (Hummingbird on loopback), and a reader's view of
        // status events: used by the tests and by `buildrelay-chaos`.
        .target(
            name: "BuildRelayFakes",
            dependencies: [
                "BuildRelayCore",
                "BuildRelayProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Helpers shared by the test targets (the fakes included).
        .target(
            name: "BuildRelayTestSupport",
            dependencies: [
                "BuildRelayCore",
                "BuildRelayFakes",
                "BuildRelayKafka",
                "BuildRelayProviders",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/BuildRelayTestSupport"
        ),
        .testTarget(
            name: "BuildRelayCoreTests",
            dependencies: ["BuildRelayCore", "BuildRelayTestSupport"]
        ),
        .testTarget(
            name: "BuildRelayProvidersTests",
            dependencies: [
                "BuildManagerConformance",
                "BuildRelayCore",
                "BuildRelayProviders",
                "BuildRelayTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BuildRelayAppTests",
            dependencies: [
                "BuildRelayApp", "BuildRelayCore", "BuildRelayProviders", "BuildRelayTestSupport", "BuildRelayWorker",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "BuildRelayWorkerTests",
            dependencies: [
                "BuildRelayApp",
                "BuildRelayCore",
                "BuildRelayKafka",
                "BuildRelayProviders",
                "BuildRelayTestSupport",
                "BuildRelayWorker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "BuildRelayBenchTests",
            dependencies: ["BuildRelayTestSupport"]
        ),
        .testTarget(
            name: "BuildRelayChaosTests",
            dependencies: ["BuildRelayTestSupport"]
        ),
        .testTarget(
            name: "BuildRelayKafkaTests",
            dependencies: [
                "BuildRelayCore",
                "BuildRelayKafka",
                "BuildRelayTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
