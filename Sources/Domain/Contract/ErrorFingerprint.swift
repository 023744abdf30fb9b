import Crypto

/// Groups dead letters that failed for the same reason: the error text with
/// what varies per message (quoted values, numbers, hex ids) taken out,
/// hashed with its class. `field 'amount': must be positive` is one group
/// whatever the amount; a deadlock on wallet w0007 and on w0012 is one too.
public enum ErrorFingerprint {
    public static func of(errorClass: String, error: String) -> String {
        let shape = normalized(error)
        return String(Hex.encode(SHA256.hash(data: Array("\(errorClass)\n\(shape)".utf8))).prefix(12))
    }

    /// The error's shape: quoted text becomes `"…"`, each run of digits `#`.
    public static func normalized(_ error: String) -> String {
        var out = ""
        var inQuote = false
        var lastWasDigit = false
        for character in error {
            if character == "\"" {
                if !inQuote { out += "\"…\"" }
                inQuote.toggle()
                continue
            }
            if inQuote { continue }
            if character.isNumber {
                if !lastWasDigit { out.append("#") }
                lastWasDigit = true
                continue
            }
            lastWasDigit = false
            out.append(character)
        }
        return out
    }
}
