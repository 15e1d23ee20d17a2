# The two commands of the README: `make run` and `make test`. Both install what is missing first.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: run test build deps test-deps configure clean bench bench-compare bench-soak bench-scale bench-validation format

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --with-tests

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/cobble

test: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Benchmarks (not tests): Cobble against Debian's pebble on loopback; figures in bench/README.md.
# `make bench` (~20 min) runs all three of issue #7 and prints their tables:
#   bench-compare: complete ACME flows, Cobble vs Pebble (BENCH_ARGS="--rounds 1 --duration 5": quick)
#   bench-soak:    ten minutes at 256 workers: stalls, errors, RSS (SOAK_ARGS)
#   bench-scale:   latency, start-up, RSS from 10 k to 100 k accounts (SCALE_ARGS="--max": to 1 M)
# `make bench-validation`: API latency under 1,000+ hanging validations.
bench: bench-compare bench-soak bench-scale

bench-compare: test-deps build
	bench/compare.sh --build-dir $(BUILD_DIR) $(BENCH_ARGS)

bench-soak: build
	bench/soak.sh --build-dir $(BUILD_DIR) $(SOAK_ARGS)

bench-scale: build
	bench/scale.sh --build-dir $(BUILD_DIR) $(SCALE_ARGS)

bench-validation: test-deps build
	python3 bench/validation_load.py

format:
	scripts/check-format --fix

clean:
	rm -rf $(BUILD_DIR)
