# Consign: run `make help` for the targets.
.DEFAULT_GOAL := help
GO ?= go

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## Run the offline demo (SQLite, fake Shopify, sample orders)
	$(GO) run . demo

.PHONY: test
test: ## Run every test (SQLite always, Postgres when reachable)
	$(GO) test ./...

.PHONY: ci
ci: ## Run what CI runs (Postgres required)
	bash .ci/run

.PHONY: lint
lint: generate ## gofmt, go vet and templ checks
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

.PHONY: generate
generate: ## Regenerate templ views
	$(GO) tool templ generate
	$(GO) tool templ fmt views

.PHONY: bench
bench: ## Measure webhook ingest against a plain insert loop
	$(GO) run . bench ingest -c 16 -d 10s

.PHONY: screenshots
screenshots: ## Refresh the README's screenshots from the browser tests (needs Chromium)
	CONSIGN_UPDATE_SCREENSHOTS=1 $(GO) test ./handlers/ -run 'InBrowser' -count=1

.PHONY: vulncheck
vulncheck: ## Check the module for known vulnerabilities (a release step: needs the vulnerability database online)
	$(GO) tool govulncheck ./...

.PHONY: build
build: ## Build a static binary ./consign
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o consign .

.PHONY: migrate
migrate: ## Apply database migrations to DATABASE_URL
	$(GO) run . migrate
