#!/usr/bin/env python3
"""A generic client that has none of Fawang's .proto files: it learns the contract from the host's
gRPC server reflection and calls the host with what it learnt, as grpcurl does.

    python3 Tests/python/reflection_client.py --server 127.0.0.1:50051 --expect-services a.B,c.D

- grpc.reflection.v1alpha through grpcio-reflection's own client (ProtoReflectionDescriptorDatabase):
  the services listed are exactly --expect-services; every method of every service resolves with
  its request and response types; two calls made with message classes built from the reflected
  descriptors only (Health/Check, PlatformService/ListModules).
- grpc.reflection.v1 with stubs generated from the standard reflection.proto: the same list, a
  file with its imports and then without them on the same stream, and the error answers.

Needs grpcio, grpcio-tools and grpcio-reflection 1.85.1. Exits non-zero on the first failed check.
"""
import argparse
import pathlib
import shutil
import sys
import tempfile

try:
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
    from grpc_tools import protoc
except ImportError:
    sys.exit("grpcio / grpcio-tools / grpcio-reflection missing: pip install grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-reflection==1.85.1")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import checks  # noqa: E402
from checks import check  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
REFLECTION_V1 = ROOT / "Protocols" / "proto" / "grpc" / "reflection" / "v1" / "reflection.proto"
NOT_FOUND, INVALID_ARGUMENT = 5, 3


def reflected_call(channel, pool, method_path: str, request_fields: dict):
    """Calls a unary method with request and response classes made from reflected descriptors."""
    service_name, method_name = method_path.rsplit("/", 1)
    method = pool.FindServiceByName(service_name).methods_by_name[method_name]
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    call = channel.unary_unary(
        "/" + method_path, request_serializer=request_class.SerializeToString, response_deserializer=response_class.FromString)
    return call(request_class(**request_fields), timeout=10)


def check_v1alpha(channel, expected):
    database = ProtoReflectionDescriptorDatabase(channel)
    services = sorted(database.get_services())
    check(services == expected, f"v1alpha lists exactly the served services: {services} != {expected}")
    pool = descriptor_pool.DescriptorPool(database)
    methods = 0
    for name in services:
        service = pool.FindServiceByName(name)
        for method in service.methods:
            check(method.input_type.full_name and method.output_type.full_name, f"{method.full_name} resolves its types")
            methods += 1
    check(methods >= 100, f"every method resolves ({methods})")
    get_matter = pool.FindMethodByName("fawang.matter.v1.MatterService.GetMatter")
    check(get_matter.input_type.full_name == "fawang.matter.v1.GetMatterRequest", "GetMatter takes GetMatterRequest")
    check("tracking_number" in get_matter.input_type.fields_by_name, "GetMatterRequest has tracking_number")
    check(pool.FindMessageTypeByName("google.protobuf.Timestamp").fields_by_name["seconds"].number == 1,
          "an imported well-known type resolves through reflection")

    health = reflected_call(channel, pool, "grpc.health.v1.Health/Check", {"service": ""})
    check(health.status == 1, f"Health/Check built from reflection answers SERVING: {health}")
    modules = reflected_call(channel, pool, "fawang.platform.v1.PlatformService/ListModules", {}).modules
    by_id = {module.id: module for module in modules}
    check(by_id.get("legal-aid") is not None and by_id["legal-aid"].name_zh == "法律援助",
          "ListModules built from reflection lists 法律援助")
    return services


def check_v1(channel, expected, tmp: pathlib.Path):
    # Generated under another file name: grpc/reflection/... would shadow the grpc package.
    source = tmp / "src"
    source.mkdir()
    shutil.copy(REFLECTION_V1, source / "reflection_v1.proto")
    if protoc.main(["protoc", f"-I{source}", f"--python_out={tmp}", f"--grpc_python_out={tmp}", "reflection_v1.proto"]) != 0:
        sys.exit("protoc failed to generate Python stubs from reflection/v1/reflection.proto")
    sys.path.insert(0, str(tmp))
    import reflection_v1_pb2 as pb
    import reflection_v1_pb2_grpc as pb_grpc

    symbol = "fawang.matter.v1.MatterService.GetMatter"
    requests = [
        pb.ServerReflectionRequest(host="fawang.test", list_services=""),
        pb.ServerReflectionRequest(file_containing_symbol=symbol),
        pb.ServerReflectionRequest(file_containing_symbol="." + symbol),
        pb.ServerReflectionRequest(file_by_filename="google/protobuf/timestamp.proto"),
        pb.ServerReflectionRequest(file_by_filename="no/such/file.proto"),
        pb.ServerReflectionRequest(file_containing_symbol="fawang.matter.v1.NoSuchThing"),
        pb.ServerReflectionRequest(file_containing_symbol="fawang.matter.v1.Channel.CHANNEL_WALK_IN"),
        pb.ServerReflectionRequest(file_containing_symbol="fawang.matter.v1.CHANNEL_WALK_IN"),
        pb.ServerReflectionRequest(all_extension_numbers_of_type="fawang.matter.v1.GetMatterRequest"),
        pb.ServerReflectionRequest(),
    ]
    stub = pb_grpc.ServerReflectionStub(channel)
    answers = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
    check(len(answers) == len(requests), f"one answer per request ({len(answers)})")
    listed, first, again, timestamp, no_file, no_symbol, scoped_value, sibling_value, extensions, empty = answers

    check(listed.valid_host == "fawang.test" and listed.original_request == requests[0], "the answer echoes host and request")
    check(sorted(s.name for s in listed.list_services_response.service) == expected, "v1 lists the same services")

    files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in first.file_descriptor_response.file_descriptor_proto]
    names = [f.name for f in files]
    check(names[0] == "fawang/matter/v1/matter.proto", f"the file declaring GetMatter comes first: {names}")
    check("google/protobuf/timestamp.proto" in names, f"with the files it imports: {names}")
    check(all(dep in names for f in files for dep in f.dependency), f"every import of every file sent is sent: {names}")
    check(any(m.name == "GetMatterRequest" for m in files[0].message_type), "matter.proto declares GetMatterRequest")
    check(files[0].source_code_info.location, "the file keeps its comments (source info) for describe")

    names_again = [descriptor_pb2.FileDescriptorProto.FromString(b).name for b in again.file_descriptor_response.file_descriptor_proto]
    check(names_again == ["fawang/matter/v1/matter.proto"], f"asked again on the same stream: the file, not its imports again: {names_again}")
    ts = [descriptor_pb2.FileDescriptorProto.FromString(b).name for b in timestamp.file_descriptor_response.file_descriptor_proto]
    check(ts == ["google/protobuf/timestamp.proto"], f"a file by name, even one sent before: {ts}")

    check(no_file.error_response.error_code == NOT_FOUND and "no/such/file.proto" in no_file.error_response.error_message,
          f"an unknown file is NOT_FOUND naming it: {no_file.error_response}")
    check(no_symbol.error_response.error_code == NOT_FOUND and "NoSuchThing" in no_symbol.error_response.error_message,
          f"an unknown symbol is NOT_FOUND naming it: {no_symbol.error_response}")
    check(scoped_value.error_response.error_code == NOT_FOUND, "an enum value is not scoped inside its enum")
    check(sibling_value.HasField("file_descriptor_response"), "an enum value is found beside its enum, as in C++ and Go")
    check(extensions.all_extension_numbers_response.base_type_name == "fawang.matter.v1.GetMatterRequest"
          and list(extensions.all_extension_numbers_response.extension_number) == [], "a message without extensions has none")
    check(empty.error_response.error_code == INVALID_ARGUMENT, f"a request asking nothing is INVALID_ARGUMENT: {empty}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--expect-services", required=True, help="comma-separated full service names")
    options = parser.parse_args()
    expected = sorted(options.expect_services.split(","))

    with grpc.insecure_channel(options.server) as channel, tempfile.TemporaryDirectory() as tmp:
        check_v1alpha(channel, expected)
        check_v1(channel, expected, pathlib.Path(tmp))
    print(f"python reflection client: {checks.count} checks passed")


if __name__ == "__main__":
    main()
