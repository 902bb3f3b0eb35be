# Thin wrapper over scripts/setup, CMake and CTest. `make run` and `make test` are the two
# commands of README.md; both install what is missing first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# `make test` also builds with clang under ASan+UBSan and TSan (with -Wthread-safety) and runs
# every test there; SANITIZERS=0 skips that for a quick local run.
SANITIZERS ?= 1

.PHONY: setup build run test unit docs asan tsan clean

setup:
	@scripts/setup

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j $(JOBS)

# Starts the server on :4040 with data under ./data (Ctrl-C stops it gracefully).
run: build
	$(BUILD_DIR)/bin/flamedb -storage.filesystem.dir=./data

# Every test: unit tests of each component, the config doc check and the end-to-end suite, in
# the release build and (unless SANITIZERS=0) in the sanitizer builds.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
ifeq ($(SANITIZERS),1)
	$(MAKE) asan tsan
endif

# Unit tests only (fast).
unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -E '^integration$$'

# Regenerates docs/configuration.md from the flag definitions.
docs: build
	$(BUILD_DIR)/bin/flamedb -help-markdown > docs/configuration.md

# clang builds with sanitizers and -Wthread-safety; each runs every test.
asan: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	  -DFLAMEDB_SANITIZE=address
	ninja -C build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

tsan: setup
	cmake -S . -B build-tsan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	  -DFLAMEDB_SANITIZE=thread
	ninja -C build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan
