# sipcapd top-level entry points. Every target that needs system packages
# installs them first (scripts/install-deps.sh is idempotent and fast when
# everything is present).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CFG        ?= cfg/capture-node.cfg
# FUZZ_SECONDS: unset = per-target durations from test/fuzz/durations (60 s default).
FUZZ_SECONDS ?=
CTEST_ARGS ?=

.PHONY: all deps build test run bench fuzz asan install clean check-format format

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

test: build
	@bash scripts/run-tests.sh $(BUILD) $(CTEST_ARGS)

run: build
	@bash scripts/run-node.sh $(BUILD) $(CFG)

bench: build
	@bash test/bench/run.sh $(BUILD)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSIPCAPD_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -L unit --output-on-failure -j$(JOBS)

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSIPCAPD_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	@bash test/fuzz/run.sh $(FUZZ_BUILD) $(strip $(FUZZ_SECONDS))

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

check-format:
	@files=$$(git ls-files '*.cpp' '*.h'); clang-format --dry-run --Werror $$files

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')
