# The two commands of the README: `make run` and `make test`. Both install what is missing first.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: run test build deps test-deps configure clean bench bench-compare bench-soak bench-scale bench-validation format \
        fuzz fuzz-deps fuzz-build fuzz-seeds test-asan test-tsan crash

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

# A local cluster (README "Running several instances"): PostgreSQL 15, three instances, HAProxy in
# front; Ctrl-C stops it. CLUSTER_ARGS="--tls-passthrough", "--instances 5", "-- --http-port 5002", ...
.PHONY: cluster
cluster: build
	scripts/cluster --bin $(BUILD_DIR)/cobble $(CLUSTER_ARGS)

# Benchmarks (not tests): Cobble against Debian's pebble on loopback; figures in bench/README.md.
# `make bench` (~20 min) runs all three of issue #7 and prints their tables:
#   bench-compare: complete ACME flows, Cobble vs Pebble (BENCH_ARGS="--rounds 1 --duration 5": quick)
#   bench-soak:    ten minutes at 256 workers: stalls, errors, RSS (SOAK_ARGS)
#   bench-scale:   latency, start-up, RSS from 10 k to 100 k accounts (SCALE_ARGS="--max": to 1 M)
# `make bench-validation`: API latency under 1,000+ hanging validations.
# Every performance target with its figures and ratios (~60 min; BENCH_ALL_ARGS=--quick: ~8 min).
bench: test-deps build
	bench/all.sh --build-dir $(BUILD_DIR) $(BENCH_ALL_ARGS)

bench-compare: test-deps build
	bench/compare.sh --build-dir $(BUILD_DIR) $(BENCH_ARGS)

bench-soak: build
	bench/soak.sh --build-dir $(BUILD_DIR) $(SOAK_ARGS)

bench-scale: build
	bench/scale.sh --build-dir $(BUILD_DIR) $(SCALE_ARGS)

bench-validation: test-deps build
	python3 bench/validation_load.py

# Checked runs, not part of `make test` (times in README.md):
#   test-asan / test-tsan: the whole suite (unit, e2e, fuzz corpus replay) built with ASan+UBSan / TSan
#   fuzz: every libFuzzer target for FUZZ_SECONDS each (FUZZ_TARGETS="jws csr" picks some)
#   crash: bench/crash.sh, kill -9 under load, CRASH_ARGS="--cycles 100"
FUZZ_SECONDS ?= 60
FUZZ_BUILD_DIR ?= build-fuzz
SANITIZER_TEST_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

test-asan: test-deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOBBLE_SANITIZE=address
	cmake --build build-asan -j $(JOBS)
	cd build-asan && $(SANITIZER_TEST_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1200

test-tsan: test-deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOBBLE_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && $(SANITIZER_TEST_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1200

fuzz-deps:
	@scripts/install-deps --with-fuzz

fuzz-build: fuzz-deps
	cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-16 -DCOBBLE_FUZZ=ON
	cmake --build $(FUZZ_BUILD_DIR) --target fuzzers -j $(JOBS)

fuzz: fuzz-build
	scripts/fuzz --build-dir $(FUZZ_BUILD_DIR) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Rewrites the seed corpora testdata/fuzz/*/ (inputs the fuzzers found stay as they are).
fuzz-seeds: build
	$(BUILD_DIR)/fuzz-seeds testdata/fuzz
	cp config/cobble.json config/staging.json testdata/fuzz/config/

crash: build
	bench/crash.sh --build-dir $(BUILD_DIR) $(CRASH_ARGS)

# Container images from the binaries already built (no recompiling) and their test, not in `make test`: README "Install".
.PHONY: image image-test
image:
	@scripts/install-deps --with-image
	deploy/build-image.sh --build-dir $(BUILD_DIR)

image-test: image
	@scripts/install-deps --with-tests --with-image
	tests/image/image_test.sh

# The Debian package (debian/) and its test, not in `make test`: README "Install". `make package`
# compiles in a staged copy (scripts/build-package) and leaves the .deb in PACKAGE_DIR;
# `make package-test` installs that .deb (building one first if there is none) in a systemd container.
PACKAGE_DIR ?= $(BUILD_DIR)/package
.PHONY: package package-test
package:
	@scripts/install-deps --with-package
	scripts/build-package --out $(PACKAGE_DIR) --jobs $(JOBS)

package-test:
	@scripts/install-deps --with-package
	@ls $(PACKAGE_DIR)/cobble_*.deb >/dev/null 2>&1 || $(MAKE) package
	tests/package/package_test.sh --deb-dir $(PACKAGE_DIR)

format:
	scripts/check-format --fix

clean:
	rm -rf $(BUILD_DIR)
