# l0lex — see README.md. `make run` runs the service, `make test` the tests.
SHELL := /bin/bash
GO ?= go
# The SIMD kernel path is built with Go's simd experiment (simd/archsimd).
# On a machine whose CPU has the x86-64-v3 level (AVX2, BMI1/2, LZCNT, FMA,
# MOVBE, F16C; the SIMD path needs AVX2 anyway), the build also targets it:
# bit counts and scans compile to single instructions (TZCNT, LZCNT,
# POPCNT) instead of BSF/CMOV pairs and feature-checked calls, which makes
# the kernel about 20 % faster. Such binaries run only on v3 CPUs (Go says
# so at start); set GOAMD64=v1 to build for any x86-64 CPU.
GOAMD64 ?= $(shell [ "$$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ] && \
	for f in avx avx2 bmi1 bmi2 fma abm movbe f16c; do grep -qw $$f /proc/cpuinfo || exit 0; done && echo v3)
SIMD_ENV := GOEXPERIMENT=simd $(if $(GOAMD64),GOAMD64=$(GOAMD64))
BIN := bin
FILE ?= ../shared/corpus/perf_smoke_big.tex
OUT ?= /tmp/latencies_ms.txt
TAIL_CSV ?= /tmp/l0_service_tail.csv
THREADS ?= 4
NREQ ?= 100000
DURATION ?= 1h
L0_SOCK ?= /tmp/l0_lex_svc.sock
PIDFILE ?= /tmp/l0d.pid
# System programs some tests drive for real (Debian package names).
SYSTEM_DEPS := texlive-luatex nginx libnginx-mod-stream haproxy prometheus shellcheck strace systemd

.PHONY: all build run test test-kernel test-deps test-e2e test-actors vet bench service-run \
	service-stop oracle golden verify gate ci soak chaos fuzz fuzz-proto ops-check clean

all: build

build:
	$(SIMD_ENV) $(GO) build -o $(BIN)/l0d ./cmd/l0d
	$(SIMD_ENV) $(GO) build -o $(BIN)/l0ctl ./cmd/l0ctl

run: build
	$(BIN)/l0d

# Installs the system programs the tests use when this is a Debian machine and
# we are root; elsewhere the tests that need them skip with a message.
test-deps:
	@missing=""; \
	command -v luatex >/dev/null || missing="$$missing texlive-luatex"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || missing="$$missing libnginx-mod-stream"; \
	command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	command -v strace >/dev/null || missing="$$missing strace"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "[test-deps] installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "[test-deps] not installed:$$missing (tests that need them will skip)"; \
	  fi; \
	fi

vet:
	$(GO) vet ./...
	$(SIMD_ENV) $(GO) vet ./...
	$(GO) vet -tags purego ./...

# Every test with the SIMD build; the kernel again with the pure-Go path, and
# with the SIMD path compiled for baseline x86-64 (GOAMD64=v1, as a plain
# GOEXPERIMENT=simd build is); the concurrent packages under the race
# detector; and short fuzz runs that hold the SIMD and pure-Go kernels to the
# reference and the frame decoder to its invariants (TEST_FUZZTIME each).
TEST_FUZZTIME ?= 20s
test: test-deps vet
	$(SIMD_ENV) $(GO) test -count=1 -timeout 15m ./...
	$(GO) test -count=1 -tags purego -timeout 10m ./kernel/...
	GOEXPERIMENT=simd GOAMD64=v1 $(GO) test -count=1 -timeout 10m ./kernel/
	$(SIMD_ENV) $(GO) test -count=1 -race -timeout 10m ./actors/ ./eventloop/ ./client/ ./telemetry/ ./bench/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzFastVsRef$$' -fuzztime $(TEST_FUZZTIME) ./kernel/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzLex$$' -fuzztime $(TEST_FUZZTIME) ./kernel/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(TEST_FUZZTIME) ./proto/

# End-to-end tests: build the real l0d and talk to it over both sockets.
test-e2e:
	$(SIMD_ENV) $(GO) test -count=1 -run 'E2E' -v ./cmd/l0d/

# Actor pool under the race detector (hedging, rotation, crashes, exactly-once).
test-actors:
	$(SIMD_ENV) $(GO) test -count=1 -race -timeout 10m ./actors/

bench: build
	$(SIMD_ENV) $(GO) test -run '^$$' -bench . -benchmem ./kernel/

# Differential test of the kernel against LuaTeX (texdump) on many random
# hostile documents and a fresh 1 MiB corpus; ORACLE_N documents.
ORACLE_N ?= 1000
oracle:
	set -o pipefail; $(SIMD_ENV) L0_ORACLE_N=$(ORACLE_N) L0_ORACLE_SECONDS=600 $(GO) test -count=1 -timeout 20m -v \
	  -run 'TestOracleRandom|TestCorpusLive' ./kernel/ | grep -v '^=== RUN'

# Rewrites the corpus golden files of the kernel tests (needs luatex).
golden:
	kernel/testdata/gen_golden.sh

fuzz:
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz FuzzLex -fuzztime 60s ./kernel/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzFastVsRef$$' -fuzztime 60s ./kernel/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz FuzzDecoder -fuzztime 60s ./proto/

# Every wire-protocol fuzz target (FUZZTIME each).
FUZZTIME ?= 60s
fuzz-proto:
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(FUZZTIME) ./proto/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzParseFullReply$$' -fuzztime $(FUZZTIME) ./proto/
	$(SIMD_ENV) $(GO) test -run '^$$' -fuzz '^FuzzFullReplyArena$$' -fuzztime $(FUZZTIME) ./proto/

service-run: build
	@if [ -f $(PIDFILE) ] && kill -0 $$(cat $(PIDFILE)) 2>/dev/null; then \
	  echo "[service-run] l0d already running (pid $$(cat $(PIDFILE)))"; exit 1; fi
	@L0_PROM=$${L0_PROM:-1} L0_SOCK=$(L0_SOCK) L0_PID_FILE=$(PIDFILE) L0_TAIL_CSV=$(TAIL_CSV) \
	  nohup $(BIN)/l0d > /tmp/l0d.log 2>&1 & \
	for i in $$(seq 50); do [ -f $(PIDFILE) ] && [ -S $(L0_SOCK) ] && break; sleep 0.1; done; \
	if ! [ -S $(L0_SOCK) ]; then echo "[service-run] l0d did not start:"; cat /tmp/l0d.log; exit 1; fi; \
	echo "[service-run] l0d pid $$(cat $(PIDFILE)) on $(L0_SOCK) (log /tmp/l0d.log)"

service-stop:
	@if [ -f $(PIDFILE) ]; then \
	  pid=$$(cat $(PIDFILE)); kill -TERM $$pid 2>/dev/null || true; \
	  for i in $$(seq 100); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	  rm -f $(PIDFILE); echo "[service-stop] stopped pid $$pid"; \
	else echo "[service-stop] no pid file $(PIDFILE)"; fi

# Load, gate, soak and chaos (l0ctl bench/gate/soak/chaos). Each target that
# starts the service stops it again, by its PID file, whatever the run's
# outcome, and exits with the run's status.
METRICS_URL ?= http://127.0.0.1:9109/metrics
VERIFY_N ?= 10000
ONESHOT_N ?= 4000
CHAOS_DURATION ?= 60s
LOAD_FLAGS = --sock $(L0_SOCK) --conns $(THREADS)

verify: build
	@test -f "$(FILE)" || { echo "[verify] no document $(FILE): set FILE=<perf_smoke_big.tex>"; exit 2; }
	$(BIN)/l0ctl microbench --file "$(FILE)"
	@$(MAKE) --no-print-directory service-run
	@rc=0; \
	$(BIN)/l0ctl bench keepalive --file "$(FILE)" --n $(VERIFY_N) $(LOAD_FLAGS) --out "$(OUT)" || rc=1; \
	$(BIN)/l0ctl bench oneshot --file "$(FILE)" --n $(ONESHOT_N) $(LOAD_FLAGS) || rc=1; \
	echo "[verify] tail CSV (slowest):"; tail -n 10 "$(TAIL_CSV)" 2>/dev/null || true; \
	$(MAKE) --no-print-directory service-stop; exit $$rc

# The gate on a finished run; METRICS may be the live URL or a saved scrape.
METRICS ?= $(METRICS_URL)
gate: build
	$(BIN)/l0ctl gate --latencies "$(OUT)" --tail-csv "$(TAIL_CSV)" --metrics $(METRICS)

ci: build
	@$(MAKE) --no-print-directory service-run
	@rc=0; echo "[ci] $(NREQ) keep-alive requests on $(THREADS) connections"; \
	$(BIN)/l0ctl bench keepalive --file "$(FILE)" --n $(NREQ) $(LOAD_FLAGS) --out "$(OUT)" || rc=1; \
	curl -sf $(METRICS_URL) > "$(OUT).prom" || rc=1; \
	$(MAKE) --no-print-directory service-stop; \
	$(BIN)/l0ctl gate --latencies "$(OUT)" --tail-csv "$(TAIL_CSV)" --metrics "$(OUT).prom" || rc=1; \
	exit $$rc

soak: build
	@$(MAKE) --no-print-directory service-run
	@rc=0; echo "[soak] $(DURATION) of keep-alive rounds"; \
	$(BIN)/l0ctl soak --duration $(DURATION) --file "$(FILE)" $(LOAD_FLAGS) --pid-file $(PIDFILE) || rc=$$?; \
	$(MAKE) --no-print-directory service-stop; exit $$rc

chaos: build
	@L0_FAULT_CONTROL=1 $(MAKE) --no-print-directory service-run
	@rc=0; \
	$(BIN)/l0ctl chaos --duration $(CHAOS_DURATION) --file "$(FILE)" $(LOAD_FLAGS) || rc=$$?; \
	$(MAKE) --no-print-directory service-stop; exit $$rc

# The ops/ files checked by their real tools: systemd-analyze, shellcheck,
# promtool, Prometheus, nginx, haproxy, strace (docs/operations.md).
ops-check:
	$(SIMD_ENV) $(GO) test -count=1 -v ./ops/

clean:
	rm -rf $(BIN)
