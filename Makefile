# keel: the two commands of the README, and a few more for development.
#   make run    installs what is missing, builds Release, starts keel (SQLite by default)
#   make test   installs what is missing, builds, runs the suite (SQLite, a throwaway PostgreSQL 15
#               and a throwaway RabbitMQ broker), then again under ASan+UBSan
.PHONY: run build test test-release test-asan bench deps clean

BUILD   ?= build/release
ASAN    ?= build/asan
JOBS    ?= $(shell nproc)
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=Release
# ccache keys on paths relative to the checkout, so a fresh clone (CI's) reuses what another
# clone of the same commit compiled.
export CCACHE_BASEDIR ?= $(CURDIR)

build:
	@scripts/deps.sh build
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DKEEL_TESTS=OFF -DKEEL_BENCH=OFF >/dev/null
	@cmake --build $(BUILD) --target keel -j $(JOBS)

run: build
	@exec scripts/run.sh $(BUILD)/keel

test: test-release test-asan

test-release:
	@scripts/deps.sh test
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DKEEL_TESTS=ON -DKEEL_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ../../scripts/with-postgres.sh ../../scripts/with-rabbitmq.sh ../../scripts/with-redis.sh ../../scripts/with-smtp.sh ctest --output-on-failure -j $(JOBS)

test-asan:
	@scripts/deps.sh test
	@cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKEEL_SANITIZE=ON -DKEEL_BENCH=OFF >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ../../scripts/with-postgres.sh ../../scripts/with-rabbitmq.sh ../../scripts/with-redis.sh ../../scripts/with-smtp.sh ctest --output-on-failure -j $(JOBS)

bench:
	@scripts/deps.sh bench
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DKEEL_TESTS=OFF -DKEEL_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@scripts/with-postgres.sh bench/run.sh $(BUILD)

deps:
	@scripts/deps.sh bench

clean:
	rm -rf build
