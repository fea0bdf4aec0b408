#!/usr/bin/env python3
"""An independent HTTP client of the gateway: plain urllib/http.client (no Fawang code), with
protobuf classes generated from Fawang's .proto files, speaks Connect (JSON and protobuf,
unary and streaming) and gRPC-Web (binary and text) to a running server and checks every answer.

    python3 Tests/python/gateway_client.py --http 127.0.0.1:8080

The server must run with limits.public.burst: 3 (the rate-limit checks count on it) and a clean
rate-limit state for 127.0.0.2 and 127.0.0.3. Exits non-zero with the failed check.
"""
import argparse
import base64
import hashlib
import http.client
import json
import pathlib
import struct
import sys
import tempfile
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import checks  # noqa: E402
from checks import check  # noqa: E402
from legal_aid_client import generate_stubs  # noqa: E402



def post(server, path, body, content_type, headers=None, source="127.0.0.1"):
    host, port = server.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    connection.request("POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    result = (response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    connection.close()
    return result


def connect_json(server, method, message, token=None, source="127.0.0.1"):
    headers = {"Connect-Protocol-Version": "1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, headers, data = post(server, "/" + method, json.dumps(message).encode(), "application/json", headers, source)
    return status, headers, json.loads(data) if data else None


def envelopes(data):
    out = []
    while data:
        flags, length = struct.unpack(">BI", data[:5])
        out.append((flags, data[5:5 + length]))
        data = data[5 + length:]
    return out


def envelope(message_bytes, flags=0):
    return struct.pack(">BI", flags, len(message_bytes)) + message_bytes


def trailers(payload):
    fields = {}
    for line in payload.decode().split("\r\n"):
        if line:
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
    return fields


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", default="127.0.0.1:8080")
    server = parser.parse_args().http

    with tempfile.TemporaryDirectory() as tmp:
        generate_stubs(pathlib.Path(tmp))
        sys.path.insert(0, tmp)
        from fawang.matter.v1 import matter_pb2 as mt

        # Connect JSON: a public read, with the security headers and no CORS grant.
        status, headers, body = connect_json(server, "fawang.platform.v1.PlatformService/ListModules", {})
        check(status == 200, f"ListModules over Connect JSON answers 200, got {status}")
        check(any(m["id"] == "legal-aid" and m["nameZh"] == "法律援助" for m in body["modules"]), "legal-aid listed in proto3 JSON (camelCase)")
        for header, value in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("cache-control", "no-store")]:
            check(headers.get(header) == value, f"{header}: {value}")
        check("frame-ancestors 'none'" in headers.get("content-security-policy", ""), "a CSP that forbids framing")
        _, cors, _ = post(server, "/fawang.platform.v1.PlatformService/ListModules", b"{}", "application/json", {"Origin": "https://evil.example"})
        check("access-control-allow-origin" not in cors, "CORS is off by default")

        # An invalid application: 400, invalid_argument, a google.rpc.BadRequest naming each field.
        status, _, error = connect_json(server, "fawang.legalaid.v1.LegalAidService/SubmitApplication", {"requestId": f"gw-{uuid.uuid4()}"})
        check(status == 400 and error["code"] == "invalid_argument", f"invalid application: 400 invalid_argument, got {status} {error}")
        detail = error["details"][0]
        check(detail["type"] == "google.rpc.BadRequest", "the detail is a google.rpc.BadRequest")
        fields = {v["field"]: v["description"] for v in detail["debug"]["fieldViolations"]}
        check("applicant.id_number" in fields and "身份证号" in fields["applicant.id_number"], f"the id number is named, in Chinese: {fields}")
        check(len(base64.b64decode(detail["value"] + "=" * (-len(detail["value"]) % 4))) > 0, "the detail's value is base64 protobuf")
        status, _, error = connect_json(server, "fawang.legalaid.v1.LegalAidService/SubmitApplication", {"requestId": "x", "noSuchField": 1})
        check(status == 400 and error["code"] == "invalid_argument" and "noSuchField" in error["message"], f"an unknown JSON field is refused by name: {error}")

        # A valid application over Connect JSON, then the progress query three ways.
        application = {
            "requestId": f"gw-{uuid.uuid4()}",
            "context": {"channel": "CHANNEL_WEB"},
            "applicant": {"name": "马小花", "idNumber": "11010519491231002X", "phone": "13951001234"},
            "regionCode": "640104",
            "caseCategory": "CASE_CATEGORY_LABOUR_REMUNERATION",
            "serviceForm": "SERVICE_FORM_LITIGATION_AGENCY",
            "caseSummary": "在工地务工六个月，被拖欠工资两万四千元。",
            "hardship": {"householdSize": 4, "monthlyIncomePerCapitaYuan": 600, "description": "家庭无其他收入来源", "verification": "HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT"},
            "materials": ["身份证复印件"],
        }
        status, _, submitted = connect_json(server, "fawang.legalaid.v1.LegalAidService/SubmitApplication", application, source="127.0.0.3")
        check(status == 200, f"a valid application is accepted, got {status} {submitted}")
        number = submitted["matter"]["trackingNumber"]
        status, _, progress = connect_json(server, "fawang.matter.v1.MatterService/QueryProgress", {"trackingNumber": number, "phoneLast4": "1234"}, source="127.0.0.3")
        check(status == 200 and progress["status"] == "submitted", f"progress over Connect JSON: {progress}")

        query = mt.QueryProgressRequest(tracking_number=number, phone_last4="1234").SerializeToString()
        status, headers, data = post(server, "/fawang.matter.v1.MatterService/QueryProgress", query, "application/proto", source="127.0.0.3")
        report = mt.ProgressReport()
        report.ParseFromString(data)
        check(status == 200 and headers["content-type"] == "application/proto" and report.status == "submitted", "progress over Connect protobuf")

        # gRPC-Web, binary and text: one message frame, then the trailers with grpc-status 0.
        for content_type in ["application/grpc-web+proto", "application/grpc-web-text+proto"]:
            text = "text" in content_type
            request = envelope(query)
            status, headers, data = post(server, "/fawang.matter.v1.MatterService/QueryProgress",
                                         base64.b64encode(request) if text else request, content_type, {"X-Grpc-Web": "1"}, source="127.0.0.6")
            frames = envelopes(base64.b64decode(data) if text else data)
            check(status == 200 and len(frames) == 2, f"{content_type}: a message and a trailer frame, got {len(frames)}")
            report = mt.ProgressReport()
            report.ParseFromString(frames[0][1])
            check(frames[0][0] == 0 and report.tracking_number == number, f"{content_type}: the ProgressReport")
            check(frames[1][0] & 0x80 and trailers(frames[1][1])["grpc-status"] == "0", f"{content_type}: grpc-status 0 in the trailers")

        # Access is the gRPC gate's: anonymous staff read refused, signed-in staff allowed.
        get = {"trackingNumber": number}
        status, _, error = connect_json(server, "fawang.matter.v1.MatterService/GetMatter", get)
        check(status == 401 and error["code"] == "unauthenticated", f"GetMatter without a token: 401 unauthenticated, got {status} {error}")
        request = envelope(mt.GetMatterRequest(tracking_number=number).SerializeToString())
        _, _, data = post(server, "/fawang.matter.v1.MatterService/GetMatter", request, "application/grpc-web+proto")
        fields = trailers(envelopes(data)[-1][1])
        check(fields["grpc-status"] == "16" and "%E8%AF%B7%E5%85%88%E7%99%BB%E5%BD%95" in fields["grpc-message"], f"gRPC-Web: UNAUTHENTICATED with the Chinese message percent-encoded: {fields}")
        status, _, session = connect_json(server, "fawang.identity.v1.IdentityService/Login", {"login": "staff-640100-reviewer", "password": "Fawang@2026"}, source="127.0.0.4")
        check(status == 200 and session["accessToken"], "staff log in over Connect JSON")
        status, _, matter = connect_json(server, "fawang.matter.v1.MatterService/GetMatter", get, token=session["accessToken"])
        check(status == 200 and matter["trackingNumber"] == number, f"staff read the matter: {status}")
        check(matter["applicant"]["idNumber"] == "11010519491231002X", "staff see the unmasked identity number")

        # A material over Connect JSON (bytes as base64): hashed as sent, refused by content, not name.
        pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        upload = {"trackingNumber": number, "phoneLast4": "1234", "fileName": "hardship.pdf", "title": "经济困难证明",
                  "content": base64.b64encode(pdf).decode(), "context": {"channel": "CHANNEL_WEB"}}
        status, _, material = connect_json(server, "fawang.matter.v1.MaterialService/UploadMaterial", upload, source="127.0.0.7")
        check(status == 200 and material["sha256"] == hashlib.sha256(pdf).hexdigest(), f"an upload is stored with the SHA-256 of what was sent: {material}")
        check(material["type"] == "MATERIAL_TYPE_PDF" and int(material["sizeBytes"]) == len(pdf), "type from the content, size in bytes (int64 as a string)")
        status, _, error = connect_json(server, "fawang.matter.v1.MaterialService/UploadMaterial",
                                        {**upload, "content": base64.b64encode(b"MZ not a pdf").decode()}, source="127.0.0.7")
        fields = [v["field"] for v in error["details"][0]["debug"]["fieldViolations"]] if status == 400 else []
        check(status == 400 and fields == ["content"], f"a file that is not PDF, JPEG or PNG: 400 naming content, got {status} {fields}")
        status, _, download = connect_json(server, "fawang.matter.v1.MaterialService/DownloadMaterial", {"id": material["id"]}, token=session["accessToken"])
        check(status == 200 and base64.b64decode(download["content"]) == pdf, "staff download the same bytes")
        status, _, _ = connect_json(server, "fawang.matter.v1.MaterialService/DownloadMaterial", {"id": material["id"]})
        check(status == 401, "no download without signing in")

        # Connect streaming: Health/Watch sends SERVING, then the deadline ends it (3 s: a loaded CI
        # machine once took over half a second to send the first message).
        status, headers, data = post(server, "/grpc.health.v1.Health/Watch", envelope(b"{}"), "application/connect+json", {"Connect-Timeout-Ms": "3000"})
        frames = envelopes(data)
        check(status == 200 and headers["content-type"] == "application/connect+json", "Watch over Connect streaming")
        check(frames[0][0] == 0 and json.loads(frames[0][1]) == {"status": "SERVING"}, f"the first message is SERVING: {frames[0]}")
        end = json.loads(frames[-1][1])
        check(frames[-1][0] & 0x02 and end["error"]["code"] == "deadline_exceeded", f"the stream ends at the client's deadline: {end}")

        # Rate limits count the HTTP client's own address: 127.0.0.2 runs out, 127.0.0.5 does not.
        codes = [connect_json(server, "fawang.matter.v1.MatterService/QueryProgress", {"trackingNumber": number, "phoneLast4": "1234"}, source="127.0.0.2")[0] for _ in range(4)]
        check(codes == [200, 200, 200, 429], f"burst 3 per caller: {codes}")
        status, headers, error = connect_json(server, "fawang.matter.v1.MatterService/QueryProgress", {"trackingNumber": number, "phoneLast4": "1234"}, source="127.0.0.2")
        check(error["code"] == "resource_exhausted" and int(headers.get("retry-after", "0")) >= 1, f"429 with Retry-After: {headers.get('retry-after')}")
        status, _, _ = connect_json(server, "fawang.matter.v1.MatterService/QueryProgress", {"trackingNumber": number, "phoneLast4": "1234"}, source="127.0.0.5")
        check(status == 200, "another address is not limited by the first")

        # What the gateway refuses before any service sees it.
        status, _, error = connect_json(server, "fawang.nothing.v1.NoService/Nothing", {})
        check(status == 404 and error["code"] == "unimplemented", "an unknown method: 404 unimplemented")
        status, _, data = post(server, "/fawang.matter.v1.MatterService/QueryProgress", b"tracking=1", "application/x-www-form-urlencoded")
        check(status == 415, "an unsupported content type: 415")
        status, _, data = post(server, "/fawang.matter.v1.MatterService/QueryProgress", b"{" + b" " * (17 * 1024 * 1024) + b"}", "application/json")
        check(status == 413 and json.loads(data)["code"] == "resource_exhausted", "a body over http.max_request_bytes: 413 resource_exhausted")

    print(f"gateway client: {checks.count} checks passed")


if __name__ == "__main__":
    main()
