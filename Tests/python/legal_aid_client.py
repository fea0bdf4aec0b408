#!/usr/bin/env python3
"""An independent client: Python grpcio with stubs generated from Fawang's .proto files runs
the legal aid path against a running server and checks every answer.

    python3 Tests/python/legal_aid_client.py --server 127.0.0.1:50051

Needs grpcio and grpcio-tools 1.85.1 (pip install grpcio==1.85.1 grpcio-tools==1.85.1).
Exits non-zero with the failed check on the first failure.
"""
import argparse
import pathlib
import sys
import tempfile
import uuid

try:
    import grpc
    from grpc_tools import protoc
except ImportError:
    sys.exit("grpcio / grpcio-tools missing: pip install grpcio==1.85.1 grpcio-tools==1.85.1")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTOS = ROOT / "Protocols" / "proto"


def generate_stubs(out_dir: pathlib.Path) -> None:
    # Only our own packages: generating grpc/health/v1 would shadow the grpc package itself.
    files = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "fawang").rglob("*.proto"))
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    args = ["protoc", f"-I{PROTOS}", f"-I{include}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", *files]
    if protoc.main(args) != 0:
        sys.exit("protoc failed to generate Python stubs from Protocols/proto")




def expect_code(call, code, what: str, field: str = ""):
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"{what}: expected {code}, got {error.code()} {error.details()}")
        if field:
            check(field in error.details(), f"{what}: message names {field}: {error.details()}")
        return error
    check(False, f"{what}: expected {code}, the call succeeded")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="127.0.0.1:50051")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        generate_stubs(pathlib.Path(tmp))
        sys.path.insert(0, tmp)
        from fawang.legalaid.v1 import legal_aid_pb2 as la, legal_aid_pb2_grpc as la_grpc
        from fawang.matter.v1 import matter_pb2 as mt, matter_pb2_grpc as mt_grpc
        from fawang.platform.v1 import platform_pb2 as pf, platform_pb2_grpc as pf_grpc

        channel = grpc.insecure_channel(options.server)
        legal_aid = la_grpc.LegalAidServiceStub(channel)
        matters = mt_grpc.MatterServiceStub(channel)
        platform = pf_grpc.PlatformServiceStub(channel)

        modules = platform.ListModules(pf.ListModulesRequest()).modules
        by_id = {m.id: m for m in modules}
        check("legal-aid" in by_id and len(by_id) == len(modules) >= 8, "ListModules lists legal-aid among every business line")
        check(by_id["legal-aid"].enabled and by_id["legal-aid"].name_zh == "法律援助", "legal-aid is enabled with its Chinese name")

        from fawang.identity.v1 import identity_pb2 as idn, identity_pb2_grpc as idn_grpc
        identity = idn_grpc.IdentityServiceStub(channel)
        session = identity.Login(idn.LoginRequest(login="staff-640300-reviewer", password="Fawang@2026"))
        check(session.principal.role == idn.ROLE_STAFF and session.principal.region_code == "640300", "Wuzhong staff logged in")
        auth = (("authorization", f"Bearer {session.access_token}"),)
        staff = mt.ChannelContext(channel=mt.CHANNEL_WALK_IN)
        request = la.SubmitApplicationRequest(
            request_id=f"py-{uuid.uuid4()}",
            context=mt.ChannelContext(channel=mt.CHANNEL_WECHAT),
            applicant=mt.Person(name="杨建军", id_number="11010519491231002X", phone="18995001234"),
            region_code="640302",
            case_category=la.CASE_CATEGORY_PERSONAL_INJURY,
            service_form=la.SERVICE_FORM_LITIGATION_AGENCY,
            case_summary="工地受伤，用人单位拒绝赔偿",
            verification_exemption=la.VERIFICATION_EXEMPTION_MIGRANT_WORKER_WAGES_OR_INJURY,
            hardship=la.HardshipStatement(household_size=3, monthly_income_per_capita_yuan=500, description="务工收入中断"),
            materials=["身份证", "务工证明"],
        )
        first = legal_aid.SubmitApplication(request)
        retry = legal_aid.SubmitApplication(request)
        number = first.matter.tracking_number
        check(not first.replayed and retry.replayed, "a retry is recognised as a replay")
        check(retry.matter.tracking_number == number, "a retry returns the same tracking number")
        check(first.matter.region_name == "利通区", "region name resolved")
        # The server decides the channel from who calls: an anonymous native gRPC client is the
        # app, whatever the request claims (here WeChat), and whatever metadata it sends.
        check(first.matter.channel == mt.CHANNEL_MOBILE, "the claimed channel is not believed")
        spoofed = la.SubmitApplicationRequest()
        spoofed.CopyFrom(request)
        spoofed.request_id = f"py-{uuid.uuid4()}"
        spoofed.applicant.phone = "18995001235"
        forged = legal_aid.SubmitApplication(spoofed, metadata=(("fawang-origin", "wechat"), ("fawang-forwarded-peer", "ipv4:10.9.9.9:1")))
        check(forged.matter.channel == mt.CHANNEL_MOBILE, "a network client cannot name its door in metadata")

        bad = la.SubmitApplicationRequest()
        bad.CopyFrom(request)
        bad.request_id = f"py-{uuid.uuid4()}"
        bad.applicant.phone = "123"
        expect_code(lambda: legal_aid.SubmitApplication(bad), grpc.StatusCode.INVALID_ARGUMENT, "bad phone", "applicant.phone")

        expect_code(lambda: legal_aid.Approve(la.ApproveRequest(tracking_number=number, context=staff)),
                    grpc.StatusCode.UNAUTHENTICATED, "a decision without signing in")
        m = legal_aid.RequestMaterials(la.RequestMaterialsRequest(tracking_number=number, missing_materials=["工伤认定书"], context=staff), metadata=auth)
        check(m.timeline[-1].actor == "staff-640300-reviewer", "steps are recorded under the signed-in account")
        check(m.timeline[-1].channel == mt.CHANNEL_WALK_IN, "staff act at their office's counter")
        check(m.status == "awaiting_materials", "materials requested")
        check(m.deadlines[0].state == mt.DEADLINE_STATE_PAUSED, "the decision clock pauses (Art. 43)")
        m = legal_aid.SupplyMaterials(la.SupplyMaterialsRequest(
            tracking_number=number, materials=["工伤认定书"], phone_last4="1234", context=mt.ChannelContext(channel=mt.CHANNEL_WECHAT)))
        check(m.status == "submitted", "materials supplied")
        m = legal_aid.Approve(la.ApproveRequest(tracking_number=number, context=staff), metadata=auth)
        check(m.status == "approved", "approved")
        providers = legal_aid.ListProviders(la.ListProvidersRequest(region_code="640302")).providers
        check(len(providers) > 0 and all(p.region_code.startswith("6403") for p in providers), "providers of Wuzhong")
        m = legal_aid.Assign(la.AssignRequest(tracking_number=number, provider_id=providers[0].id, context=staff), metadata=auth)
        check(m.status == "assigned", "assigned")
        m = legal_aid.Conclude(la.ConcludeRequest(tracking_number=number, outcome_summary="获赔八万元", context=staff), metadata=auth)
        check(m.status == "concluded", "concluded")
        m = legal_aid.Rate(la.RateRequest(tracking_number=number, phone_last4="1234", score=4, comment="满意",
                                          context=mt.ChannelContext(channel=mt.CHANNEL_WECHAT)))
        check([e.kind for e in m.timeline][-1] == "rated", "rated")

        report = matters.QueryProgress(mt.QueryProgressRequest(tracking_number=number, phone_last4="1234"))
        check(report.status_label == "已结案", "progress shows concluded")
        check(report.applicant_name_masked == "杨**", "the public sees a masked name")
        check(all(not e.actor for e in report.timeline), "the public sees no operator ids")
        check(all("第四十三条" in d.article for d in report.deadlines), "deadlines cite Art. 43")
        expect_code(lambda: matters.QueryProgress(mt.QueryProgressRequest(tracking_number=number, phone_last4="0000")),
                    grpc.StatusCode.NOT_FOUND, "wrong second factor")

    print(f"python grpcio client: {checks.count} checks passed")


if __name__ == "__main__":
    main()
