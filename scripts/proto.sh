#!/usr/bin/env bash
# `make proto`: regenerates the Swift of every .proto under Sources/.
#
# A target keeps its contracts in a folder named Protos (its files named by
# their package path, as `import` sees them: Protos/mpim/bus/v1/bus.proto) and
# the generated Swift in Generated beside it (Generated/mpim/bus/v1/bus.pb.swift),
# which the target compiles and Package.swift's `exclude` keeps the Protos out
# of. Generated is emptied first, so a removed .proto takes its Swift along.
# Messages go through protoc-gen-swift; files that declare a service also through
# protoc-gen-grpc-swift-2. Everything generated is internal to its target.
#
# Building the plugins takes about ten minutes on two cores: PROTOC_PLUGINS_BIN
# names a folder that already holds protoc-gen-swift and protoc-gen-grpc-swift-2
# (built from scripts/protoc-plugins elsewhere), and then nothing is built.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || {
    echo "proto: protoc is missing (apt-get install protobuf-compiler)" >&2
    exit 1
}

if [[ -n "${PROTOC_PLUGINS_BIN:-}" ]]; then
    bin="$PROTOC_PLUGINS_BIN"
    for plugin in protoc-gen-swift protoc-gen-grpc-swift-2; do
        [[ -x "$bin/$plugin" ]] || { echo "proto: $bin/$plugin is missing (PROTOC_PLUGINS_BIN)" >&2; exit 1; }
    done
else
    plugins=(swift build -c release --package-path scripts/protoc-plugins --scratch-path .build-plugins)
    "${plugins[@]}" --product protoc-gen-swift
    "${plugins[@]}" --product protoc-gen-grpc-swift-2
    bin="$("${plugins[@]}" --show-bin-path)"
fi

stray="$(find Sources -name '*.proto' -not -path '*/Protos/*')"
if [[ -n "$stray" ]]; then
    echo "proto: every .proto lives under a Protos folder; these do not:" >&2
    echo "$stray" >&2
    exit 1
fi

find Sources -type d -name Protos | sort | while read -r protos; do
    generated="$(dirname "$protos")/Generated"
    mapfile -t files < <(cd "$protos" && find . -name '*.proto' | sed 's|^\./||' | sort)
    (( ${#files[@]} )) || continue
    mapfile -t services < <(cd "$protos" && grep -l '^service ' "${files[@]}" || true)
    rm -rf "$generated"
    mkdir -p "$generated"
    protoc --plugin=protoc-gen-swift="$bin/protoc-gen-swift" -I "$protos" \
        --swift_out="$generated" --swift_opt=Visibility=Internal "${files[@]}"
    if (( ${#services[@]} )); then
        protoc --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" -I "$protos" \
            --grpc-swift-2_out="$generated" --grpc-swift-2_opt=Visibility=Internal "${services[@]}"
    fi
    echo "proto: $protos → $generated (${#files[@]} files, ${#services[@]} with services)"
done
