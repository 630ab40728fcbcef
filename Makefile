# The two commands a newcomer needs (see README.md):
#   make demo   build datalab and run the main job on synthetic data
#   make test   run every test (what .ci/run calls)
GO        ?= go
BIN       := bin/datalab
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo dev)
DEMO_DIR  ?= out/demo
DEMO_N    ?= 100000

.PHONY: assets build demo test bench bench-large replication clean

# GOV.UK Frontend (and axe-core for the browser tests) from the npm registry,
# copied into web/static/govuk for go:embed; see web/static/README.md.
assets:
	./scripts/assets.sh

build: assets
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/datalab

demo: build
	./scripts/demo.sh $(BIN) $(DEMO_DIR) $(DEMO_N)

test: assets
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# Large benchmarks (1M-person spine; the world is cached under /tmp).
bench-large:
	DATALAB_BENCH_LARGE=1 $(GO) test -run '^$$' -bench 'Evaluation1M' -benchtime=1x -count=3 -timeout 60m ./internal/evaluation
	DATALAB_BENCH_LARGE=1 $(GO) test -run '^$$' -bench '/10000x' -benchmem -count=3 -timeout 60m ./internal/matching

# Replication study: 50 synthetic worlds through the whole flow; 95% CI
# coverage of the true ATT per headline outcome (about 11 minutes).
replication:
	DATALAB_REPLICATION=1 $(GO) test -run 'TestReplicationCoverage' -count=1 -v -timeout 90m ./internal/pipeline

clean:
	rm -rf bin out
