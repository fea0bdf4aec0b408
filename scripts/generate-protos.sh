#!/usr/bin/env bash
# Regenerates the committed Swift for every .proto under Protocols/proto.
#
# protoc comes from Debian (protobuf-compiler, libprotobuf-dev for the well-known types); the two
# Swift plugins are built from this package's resolved dependencies, so the generated code always
# matches the runtime libraries we link. Output: Protocols/FawangProto/Generated/ — the Swift, and
# fawang.binpb, the descriptor set with comments that the plugin kit's ProtoSchema reads (the
# command line's flags, the start-up check of every declared RPC, docs/rpc-reference.md) and
# server reflection serves (with the well-known types the contract imports), and
# fawang_methods.swift (scripts/method-table.py), the gateway's table of every method's types.
#
#   scripts/generate-protos.sh            regenerate in place
#   scripts/generate-protos.sh --check    fail if the committed code differs (used by CI)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler libprotobuf-dev" >&2; exit 1; }

scratch="${FAWANG_PROTOC_PLUGIN_SCRATCH:-.build}"
swift build --scratch-path "$scratch" --product protoc-gen-swift >&2
swift build --scratch-path "$scratch" --product protoc-gen-grpc-swift-2 >&2
bin="$(swift build --scratch-path "$scratch" --show-bin-path)"

out_dir="Protocols/FawangProto/Generated"
# Generated into a scratch folder first: a .proto that does not compile leaves the committed code alone.
target="$(mktemp -d)"
trap 'rm -rf "$target"' EXIT

protos=$(cd Protocols/proto && find . -name '*.proto' | sed 's|^\./||' | sort)
include_wkt=/usr/include
(cd Protocols/proto && protoc \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
  -I . -I "$include_wkt" \
  --swift_out="$target" \
  --swift_opt=Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true \
  --grpc-swift_out="$target" \
  --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true,Server=true,Client=true \
  --include_source_info --include_imports --descriptor_set_out="$target/fawang.binpb" \
  $protos)
# The method table the HTTP gateway transcodes with (every method's request and response types).
python3 scripts/method-table.py "$target"

if [[ "${1:-}" == "--check" ]]; then
  if ! diff -ru "$out_dir" "$target"; then
    echo "Generated Swift under $out_dir is out of date: run scripts/generate-protos.sh and commit the result." >&2
    exit 1
  fi
  echo "Generated Swift is up to date."
else
  mkdir -p "$out_dir"
  rm -f "$out_dir"/*.swift "$out_dir"/fawang.binpb
  cp "$target"/*.swift "$target"/fawang.binpb "$out_dir"/
  echo "Regenerated $(ls "$out_dir" | wc -l) files in $out_dir."
fi
