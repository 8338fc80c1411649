# takt's build. duckdb-go's Arrow interface needs the duckdb_arrow build tag,
# and the chart pages embed the ECharts script from the pinned npm package;
# these targets take care of both.
GO   ?= go
TAGS := duckdb_arrow
ECHARTS := reports/assets/echarts.min.js

.PHONY: demo test build assets bench vet clean

## demo: build takt and run the demo company end to end into ./takt-demo
demo: build
	./bin/takt demo --dir takt-demo

## test: run the whole test suite (needs Chromium for the chart page tests)
test: assets
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -timeout 20m ./...

## build: compile bin/takt
build: assets
	$(GO) build -tags $(TAGS) -o bin/takt ./cmd/takt

## assets: install the pinned ECharts package and place its script for embedding
assets: $(ECHARTS)

$(ECHARTS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	cp node_modules/echarts/dist/echarts.min.js $@

## bench: the load and report benchmarks quoted in the README
bench: assets
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -benchtime 3x ./load/ ./reports/

clean:
	rm -rf bin takt-demo node_modules $(ECHARTS)
