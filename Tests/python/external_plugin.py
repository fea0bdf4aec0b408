#!/usr/bin/env python3
"""An external plugin in another language: Python grpcio, speaking the handshake of
Protocols/proto/fawang/plugin/v1/plugin.proto and serving fawang.courtfees.v1.CourtFeeService's
GetSchedule on the address the host names in FAWANG_PLUGIN_LISTEN.

    --fault none            a correct plugin (id python-fees)
    --fault contract        declares contract version 99
    --fault no-policy       declares GetSchedule without an access policy
    --version V             the version it declares (a rolling update's new one: another V)
    --delay-ms N            GetSchedule takes N ms (calls surely in flight during an update)
    --tls-cert PEM, --tls-key PEM
                            serve TLS (a plugin at a host:port address, run by the test)
    --tls-client-ca PEM     and ask for the host's client certificate signed by this CA (mutual TLS)
    --port-file PATH        write the port it listens on there (FAWANG_PLUGIN_LISTEN host:0)
    --peek-file PATH        GetSchedule asks the host API for the matter whose tracking number
                            PATH holds (the test's: another line's, which the host must refuse)
                            and answers with the status it got

The host starts it (modules.<id>.external.command). Needs grpcio and grpcio-tools 1.85.1.
"""
import argparse
import os
import pathlib
import signal
import sys
import tempfile
import time
from concurrent import futures

import grpc
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTOS = ROOT / "Protocols" / "proto"
FEES = ROOT / "Plugins" / "CourtFees" / "proto"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fault", default="none", choices=["none", "contract", "no-policy"])
    parser.add_argument("--id", default="python-fees")
    parser.add_argument("--peek-file", default="")
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--tls-cert", default="")
    parser.add_argument("--tls-key", default="")
    parser.add_argument("--tls-client-ca", default="")
    parser.add_argument("--port-file", default="")
    options = parser.parse_args()

    tmp = tempfile.mkdtemp()
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    for root, files in ((PROTOS, ["fawang/plugin/v1/plugin.proto", "fawang/identity/v1/identity.proto"]),
                        (FEES, ["fawang/courtfees/v1/court_fees.proto"])):
        args = ["protoc", f"-I{root}", f"-I{include}", f"--python_out={tmp}", f"--grpc_python_out={tmp}", *files]
        if protoc.main(args) != 0:
            sys.exit("protoc failed")
    sys.path.insert(0, tmp)
    from fawang.plugin.v1 import plugin_pb2, plugin_pb2_grpc
    from fawang.courtfees.v1 import court_fees_pb2 as fees, court_fees_pb2_grpc as fees_grpc

    method = "fawang.courtfees.v1.CourtFeeService/GetSchedule"
    declaration = plugin_pb2.MethodDeclaration(method=method, help="诉讼费交纳标准")
    if options.fault != "no-policy":
        declaration.policy.anyone = True
    handshake = plugin_pb2.HandshakeResponse(
        id=options.id, name_zh="诉讼费标准（Python）", name_en="Court fee schedule (Python)", version=options.version,
        contract_version=99 if options.fault == "contract" else 1, methods=[declaration],
        file_descriptor_proto=[fees.DESCRIPTOR.serialized_pb])

    class Plugin(plugin_pb2_grpc.ExternalPluginServicer):
        def Handshake(self, request, context):
            return handshake

    class Fees(fees_grpc.CourtFeeServiceServicer):
        def GetSchedule(self, request, context):
            # Says who called, as the host forwarded it, in the article field.
            raw = dict(context.invocation_metadata()).get("fawang-caller-bin")
            caller = plugin_pb2.Caller.FromString(raw) if raw else plugin_pb2.Caller()
            if options.peek_file:
                number = pathlib.Path(options.peek_file).read_text().strip()
                host = plugin_pb2_grpc.PluginHostStub(grpc.insecure_channel(os.environ["FAWANG_PLUGIN_HOST"]))
                try:
                    matter = host.GetLineMatter(plugin_pb2.GetLineMatterRequest(
                        call_ticket=caller.call_ticket, tracking_number=number), timeout=5)
                    return fees.GetScheduleResponse(article=f"peek:OK:{matter.line}")
                except grpc.RpcError as error:
                    return fees.GetScheduleResponse(article=f"peek:{error.code().name}:{error.details()}")
            time.sleep(options.delay_ms / 1000)
            return fees.GetScheduleResponse(
                article=f"python:{caller.principal.account_id or 'anonymous'}@{options.version}")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    plugin_pb2_grpc.add_ExternalPluginServicer_to_server(Plugin(), server)
    fees_grpc.add_CourtFeeServiceServicer_to_server(Fees(), server)
    listen = os.environ["FAWANG_PLUGIN_LISTEN"]
    if options.tls_cert:
        read = lambda path: pathlib.Path(path).read_bytes()
        credentials = grpc.ssl_server_credentials(
            [(read(options.tls_key), read(options.tls_cert))],
            root_certificates=read(options.tls_client_ca) if options.tls_client_ca else None,
            require_client_auth=bool(options.tls_client_ca))
        port = server.add_secure_port(listen, credentials)
    else:
        port = server.add_insecure_port(listen)
    server.start()
    if options.port_file:
        pathlib.Path(options.port_file + ".tmp").write_text(str(port))
        os.replace(options.port_file + ".tmp", options.port_file)
    # Asked to stop (after a rolling update, or at the host's shutdown): calls in flight finish.
    signal.signal(signal.SIGTERM, lambda *_: server.stop(5))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
