import Crypto

/// Lower-case hex of bytes, by table: `String(format:)` costs more than the
/// hash it prints (seen in profiles of the audit worker).
public enum Hex {
    /// The sixteen digits, for every writer of hex in this module.
    static let digits = Array("0123456789abcdef".utf8)

    public static func encode<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// SHA-256 of a command's canonical content, in hex. Stripe's rule for
/// idempotency keys: the same id with the same content is a duplicate, the
/// same id with other content a conflict.
public enum ContentDigest {
    public static func of(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }
}
