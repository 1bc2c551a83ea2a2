# kyodo — the two set-up commands and the developer targets.
#
#   make demo    install what is missing, build, create ./demo-data, serve on :8080
#   make check   install what is missing, build (release and ASan+UBSan), run every suite
#   make bench   benchmarks against their baselines (docs/performance.md)
#   make fuzz    libFuzzer targets for a bounded time (FUZZ_SECONDS each)
#
# Everything real happens in CMake, CTest and scripts/; this file only
# strings the steps together.

.POSIX:
.PHONY: all deps build build-asan demo check bench fuzz clean

BUILD      = build
BUILD_ASAN = build-asan
BUILD_FUZZ = build-fuzz
DEMO_DATA  = demo-data
DEMO_PORT  = 8080
FUZZ_SECONDS = 60

all: build

deps:
	scripts/install-deps
	scripts/install-node-modules

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKYODO_SANITIZE=ON

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

demo: deps
	$(MAKE) build
	$(BUILD)/kyodo demo --data $(DEMO_DATA) --url http://127.0.0.1:$(DEMO_PORT)/
	$(BUILD)/kyodo consortium import --data $(DEMO_DATA) --skip-existing data/consortium/agatsuma/*.tsv
	exec $(BUILD)/kyodo serve --data $(DEMO_DATA) --web web --listen 127.0.0.1 --port $(DEMO_PORT)

check: deps
	$(MAKE) build build-asan
	scripts/check $(BUILD) $(BUILD_ASAN)

bench: deps
	$(MAKE) build
	scripts/bench $(BUILD)
	scripts/bench-residents $(BUILD)
	scripts/bench-codec $(BUILD)
	scripts/bench-migration $(BUILD)
	scripts/bench-backup $(BUILD)
	scripts/bench-pg $(BUILD)
	scripts/bench-load $(BUILD)

fuzz: deps
	test -f $(BUILD_FUZZ)/build.ninja || CC=clang-14 cmake -S . -B $(BUILD_FUZZ) -G Ninja \
	  -DCMAKE_BUILD_TYPE=Debug -DKYODO_FUZZ=ON
	ninja -C $(BUILD_FUZZ)
	scripts/fuzz $(BUILD_FUZZ) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
