import Domain
import Foundation

extension AuditKeyRing {
    /// The keys of `FLEXFIN_AUDIT_KEY_FILE` (see `AuditKeyRing`); without
    /// it, the public local key, in local mode only (`FLEXFIN_ENV=local`).
    public static func configured(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AuditKeyRing {
        guard let path = environment["FLEXFIN_AUDIT_KEY_FILE"], !path.isEmpty else {
            guard environment["FLEXFIN_ENV"] == "local" else {
                throw AuditKeyError(
                    line: 0, problem: "FLEXFIN_AUDIT_KEY_FILE is not set: outside FLEXFIN_ENV=local the audit log needs a key of its own")
            }
            return .local
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AuditKeyError(line: 0, problem: "FLEXFIN_AUDIT_KEY_FILE \(path) cannot be read: \(error.localizedDescription)")
        }
        let ring = try AuditKeyRing(text: text)
        guard ring.signing != nil else { throw AuditKeyError(line: 0, problem: "FLEXFIN_AUDIT_KEY_FILE \(path) holds no key") }
        return ring
    }

    /// `configured()`, or the process ends saying why: a process that
    /// would chain, or verify, under the wrong keys must not start.
    public static var configuredOrExit: AuditKeyRing {
        do { return try configured() } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(78)  // EX_CONFIG
        }
    }
}
