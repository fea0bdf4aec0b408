public import GRPCCore

/// Serialized messages passed through as they are: the gateway's calls, the host forwarding to
/// an external plugin, a plugin dispatching the calls of its stream, tests that put arbitrary
/// bytes on the wire.
public struct RawBytes: MessageSerializer, MessageDeserializer {
    public init() {}
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
