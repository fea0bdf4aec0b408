#!/usr/bin/env python3
"""Benchmark: durable legal aid submissions against reads, on a running `fawang serve`.

    swift build -c release && .build/release/fawang serve --config bench.yaml &
    python3 scripts/bench-intake.py --server 127.0.0.1:50051 --calls 2000 --concurrency 8

bench.yaml must lift the per-caller limits (all calls come from one address), e.g.
`limits.public.burst: 10000` and `limits.public.calls_per_minute: 100000`; it logs in as the demo
admin to read.

Prints calls/s and latency percentiles for SubmitApplication (one fsync'd transaction each,
synchronous=FULL, which also rewrites the matter's rows of the deadline index) and for GetMatter (a
read), and their ratio measured in the same run: the machines are shared and noisy, so compare
ratios, not absolute figures. Then DeadlineService.ListAlerts before and after the submissions:
alerts read the deadline index (rows at or past their warning day), so their cost should follow the
number of alerts, not the number of matters — the after/before ratio should stay near 1. Needs
grpcio/grpcio-tools 1.85.1.
"""
import argparse
import concurrent.futures
import pathlib
import statistics
import sys
import tempfile
import time
import uuid

import grpc
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROTOS = ROOT / "Protocols" / "proto"


def stubs(out: pathlib.Path):
    files = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "fawang").rglob("*.proto"))
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    if protoc.main(["protoc", f"-I{PROTOS}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *files]) != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, str(out))


def run(label, calls, concurrency, one):
    latencies = []

    def timed(i):
        start = time.perf_counter()
        one(i)
        return time.perf_counter() - start

    begin = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(timed, range(calls)))
    elapsed = time.perf_counter() - begin
    latencies.sort()
    rate = calls / elapsed
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"{label:18} {calls:6d} calls  {rate:8.0f} calls/s  p50 {p(0.5):6.2f} ms  p99 {p(0.99):6.2f} ms  max {latencies[-1]*1000:6.2f} ms")
    return rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stubs(pathlib.Path(tmp))
        from fawang.legalaid.v1 import legal_aid_pb2 as la, legal_aid_pb2_grpc as la_grpc
        from fawang.matter.v1 import matter_pb2 as mt, matter_pb2_grpc as mt_grpc
        from fawang.identity.v1 import identity_pb2 as idn, identity_pb2_grpc as idn_grpc
        from fawang.deadline.v1 import deadline_pb2 as dl, deadline_pb2_grpc as dl_grpc

        channel = grpc.insecure_channel(options.server)
        legal_aid = la_grpc.LegalAidServiceStub(channel)
        matters = mt_grpc.MatterServiceStub(channel)
        session = idn_grpc.IdentityServiceStub(channel).Login(idn.LoginRequest(login="admin", password="Fawang@2026"))
        auth = (("authorization", f"Bearer {session.access_token}"),)
        template = la.SubmitApplicationRequest(
            context=mt.ChannelContext(channel=mt.CHANNEL_HOTLINE, operator_id="bench"),
            applicant=mt.Person(name="基准测试", id_number="11010519491231002X", phone="13951001234"),
            region_code="640104", case_category=la.CASE_CATEGORY_LABOUR_REMUNERATION,
            service_form=la.SERVICE_FORM_LITIGATION_AGENCY, case_summary="欠薪",
            hardship=la.HardshipStatement(household_size=3, monthly_income_per_capita_yuan=500, description="无",
                                          verification=la.HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT))
        numbers = []

        def submit(_):
            request = la.SubmitApplicationRequest()
            request.CopyFrom(template)
            request.request_id = str(uuid.uuid4())
            numbers.append(legal_aid.SubmitApplication(request).matter.tracking_number)

        def read(i):
            matters.GetMatter(mt.GetMatterRequest(tracking_number=numbers[i % len(numbers)]), metadata=auth)

        deadlines = dl_grpc.DeadlineServiceStub(channel)

        def alerts(_):
            deadlines.ListAlerts(dl.ListAlertsRequest(), metadata=auth)

        print(f"server {options.server}, concurrency {options.concurrency}")
        open_alerts = len(deadlines.ListAlerts(dl.ListAlertsRequest(), metadata=auth).alerts)
        alerts_before = run(f"ListAlerts ({open_alerts} al.)", options.calls, options.concurrency, alerts)
        run("warm-up", 50, options.concurrency, submit)
        writes = run("SubmitApplication", options.calls, options.concurrency, submit)
        reads = run("GetMatter", options.calls, options.concurrency, read)
        print(f"read/write ratio   {reads / writes:.1f}x")
        listed = len(matters.ListMatters(mt.ListMattersRequest(page_size=500), metadata=auth).matters)
        alerts_after = run(f"ListAlerts (+{options.calls + 50} m.)", options.calls, options.concurrency, alerts)
        print(f"ListAlerts rate after/before {alerts_after / alerts_before:.2f}x  ({listed}+ matters listed, {open_alerts} alerts)")


if __name__ == "__main__":
    main()
