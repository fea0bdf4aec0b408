#!/usr/bin/env bash
# Installs what the tests need beyond the Swift toolchain, on a fresh Debian machine (as root):
#   protoc + well-known types   for the generated-code drift check
#   openssl                     for the TLS / mutual TLS tests' throwaway certificates
#   sqlite3                     for the audit tests, which tamper with the database directly
#   curl                        for scripts/readme-tour.sh (the metrics endpoint)
#   zlib1g-dev                  for reading uploaded XLSX files (usually there: the toolchain needs it)
#   grpcio, grpcio-tools,       for the independent Python client tests
#   grpcio-reflection 1.85.1    (reflection_client.py: a generic client that learns the contract from the host)
#   chromium, chromium-driver,  for the portal's browser test (Tests/python/portal_browser.py)
#   fonts-noto-cjk, selenium    (selenium 4.51.0: 4.52+ needs a certifi newer than PyPI's mirror here)
#   wkhtmltopdf                 for the supervision bulletins' PDF (a runtime dependency of the server too)
#   poppler-utils               for the bulletin tests, which read the PDF's text with pdftotext
#   postgresql-15               for the storage tests on PostgreSQL (scripts/postgres-cluster.sh
#                               starts a private cluster; the package's own is not used)
# Each step is skipped when already satisfied, so re-running is cheap.
set -euo pipefail

need_apt=()
command -v protoc >/dev/null || need_apt+=(protobuf-compiler)
[ -f /usr/include/google/protobuf/timestamp.proto ] || need_apt+=(libprotobuf-dev)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v curl >/dev/null || need_apt+=(curl)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
command -v wkhtmltopdf >/dev/null || need_apt+=(wkhtmltopdf)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql-15)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import grpc, grpc_tools, grpc_reflection, sys; sys.exit(0 if grpc.__version__ == "1.85.1" else 1)' 2>/dev/null; then
  echo "setup: installing grpcio, grpcio-tools and grpcio-reflection 1.85.1 from PyPI"
  # Together, so that grpcio-reflection does not pull in a newer grpcio.
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-reflection==1.85.1
fi

if ! python3 -c 'import selenium' 2>/dev/null; then
  echo "setup: installing selenium 4.51.0 from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore selenium==4.51.0
fi
