#!/usr/bin/env bash
# The README's test command: installs what is missing, checks the generated code has not
# drifted from the .proto files, builds everything (the tests start the real `fawang`
# executable), runs every test, then the README's tour.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/generate-protos.sh --check
swift build --build-tests
swift test --skip-build
# The README's tour, start to finish, on a fresh ./data in another working directory.
scripts/readme-tour.sh
