# mpim: `make run` to chat, `make test` to prove it.
.PHONY: all deps build release run test conformance bench proto clean

all: build

deps:
	@scripts/ensure-deps.sh

build: deps
	swift build

release: deps
	swift build -c release --product mpimd

run: release
	scripts/run.sh

# The whole suite (the gRPC client tests on their own: beside the 400 other
# tests of one process, loopback connections took past their deadlines),
# the terminal client driven through tmux (skipped when
# tmux is missing), the web client in headless Chromium (screenshots in
# .test-artifacts/browser/), a cluster across hosts made of network
# namespaces (gateways, Redis and PostgreSQL, nginx; logs of a failing run in
# .test-artifacts/multihost/), then the end-to-end scenarios again with the
# Redis Streams transport ([redis_queue] mode = stream), again on
# PostgreSQL ([storage] backend = postgres, a private server the tests start),
# and again split: Users and Groups in a services process of their own per
# cluster (`mpimd --serve users,groups`) that the gateways call over gRPC.
test: deps
	swift test --skip ServicesRPCTests
	swift test --skip-build --filter ServicesRPCTests
	scripts/tmux-client-test.sh
	MPIMD="$$(swift build --show-bin-path)/mpimd" scripts/browser-test.py
	MPIMD="$$(swift build --show-bin-path)/mpimd" scripts/multihost-test.py
	MPIM_E2E_QUEUE_MODE=stream swift test --skip-build --filter EndToEndTests
	MPIM_E2E_BACKEND=postgres swift test --skip-build --filter EndToEndTests
	MPIM_E2E_SPLIT=1 swift test --skip-build --filter EndToEndTests

# The independent protocol checks in ../shared (builds the release daemon).
conformance: release
	python3 ../shared/conformance/run.py

# The standard benchmark table (release build, a private Redis and two
# gateways), written into Docs/BENCHMARKS.md.
bench: deps
	scripts/bench.sh

# Regenerates the Swift of every .proto under Sources/ (each Protos folder into
# the Generated folder beside it), building the protoc plugins first into
# .build-plugins (scripts/protoc-plugins; about ten minutes) unless
# PROTOC_PLUGINS_BIN names a folder holding them already. Needs protoc; the
# generated Swift is committed, so nothing else does.
proto:
	scripts/proto.sh

clean:
	rm -rf .build .build-plugins .run .test-artifacts
