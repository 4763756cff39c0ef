# BuildRelay: two commands from a fresh clone.
#   make run    installs what is missing, builds, runs the embedded demo
#   make test   installs what is missing, builds, runs every test
#   make bench  release build, runs the benchmarks (never part of `make test`; a tiny run of each is):
#               BENCH="drain latency" picks scenarios, BENCH_ARGS adds options to each
#   make chaos  release build, runs the fault-injection suite against worker processes (a short run is in `make test`)

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BENCH ?= transport drain latency fleet soak
BENCH_ARGS ?=

.PHONY: all deps build test run broker bench chaos clean

all: build

# System packages: librdkafka (headers + mock cluster), jemalloc (the executables' allocator) and kcat (interop
# tests, benchmark reference); Python's jsonschema validates schemas/ and what the code publishes.
deps:
	@if ! pkg-config --exists rdkafka jemalloc 2>/dev/null || ! command -v kcat >/dev/null 2>&1; then \
		echo "installing librdkafka-dev, libjemalloc-dev, kcat and pkg-config with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq librdkafka-dev libjemalloc-dev kcat pkg-config >/dev/null; \
	fi
	@if ! python3 -c "import jsonschema" 2>/dev/null; then \
		echo "installing jsonschema with pip"; \
		python3 -m pip install -q "jsonschema>=4.18"; \
	fi

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest  # Swift Testing only: no empty XCTest summary

run: build
	$(SWIFT) run --skip-build buildrelay demo

broker: build
	$(SWIFT) run --skip-build buildrelay broker

bench: deps
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
