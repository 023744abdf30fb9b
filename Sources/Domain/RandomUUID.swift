/// A random (version 4) UUID as lower-case text: the form of every id
/// FlexFin mints (event ids, bundle ids). Foundation's `UUID()` on Linux
/// opens, reads and closes /dev/urandom for each one (a twelfth of the
/// payments worker's CPU in W1); the standard library's generator asks the
/// kernel with getrandom(2), no file involved.
public enum RandomUUID {
    public static func lowercased() -> String {
        var random = SystemRandomNumberGenerator()
        // RFC 9562: the version (4) in the high nibble of byte 6, the
        // variant (binary 10) in the top bits of byte 8.
        let high = (random.next() as UInt64) & ~0xF000 | 0x4000
        let low = (random.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for index in 0..<32 {
            if [8, 12, 16, 20].contains(index) { text.append(UInt8(ascii: "-")) }
            let word = index < 16 ? high : low
            text.append(Hex.digits[Int(word >> UInt64(60 - 4 * (index % 16)) & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
