public import Foundation

/// The serialized `google.protobuf.FileDescriptorSet` of every `.proto` under `Protocols/proto`,
/// with source info (comments), written by `scripts/generate-protos.sh` beside the generated code.
/// The plugin kit reads it as `ProtoSchema.current`.
public enum FawangDescriptorSet {
    public static let bytes: Data = {
        guard let url = Bundle.module.url(forResource: "fawang", withExtension: "binpb"),
              let data = try? Data(contentsOf: url) else {
            fatalError("Generated/fawang.binpb is missing from the FawangProto resources: run scripts/generate-protos.sh")
        }
        return data
    }()
}
