# Thin wrapper around Meson: `make demo`, `make test`, `make bench` on a fresh Debian 12 machine.
BUILD      ?= build
BUILD_ASAN ?= build-asan

.PHONY: all deps build build-asan test test-unit demo bench fuzz format clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build-asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

# Every test twice: the normal build, then under AddressSanitizer + UndefinedBehaviorSanitizer.
test: build build-asan
	meson test -C $(BUILD) --print-errorlogs --num-processes 2
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(BUILD_ASAN) --print-errorlogs --num-processes 2 --timeout-multiplier 3

test-unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

demo: build
	bash scripts/demo.sh $(BUILD)

bench: build
	@bash scripts/deps.sh bench
	bash bench/run.sh $(BUILD)

fuzz:
	@bash scripts/deps.sh fuzz
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false >/dev/null 2>&1 || true
	ninja -C build-fuzz
	bash tests/fuzz/run.sh build-fuzz 30

# clang-format with the checked-in .clang-format (tables mark themselves clang-format off).
format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz
