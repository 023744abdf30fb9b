/// Where an account stands. An operator freezes a wallet (it keeps
/// receiving, pays nothing) or closes it (at a zero balance: nothing in,
/// nothing out, for ever).
public enum AccountStatus: String, Sendable, CaseIterable {
    case open, frozen, closed

    public var paysOut: Bool { self == .open }
    public var receives: Bool { self != .closed }
}

/// What a user says a wallet is for, given when it is opened. It decides
/// how tax counts a deposit (`TaxableAmount`).
public enum AccountPurpose: String, Sendable, CaseIterable {
    case personal, portfolio, business, savings

    /// Money a client paid in through a gateway is income; money a user
    /// tops up from their own account elsewhere is not. A business or
    /// portfolio wallet is where clients pay; a personal or savings wallet
    /// is topped up by its owner.
    public var depositsAreIncome: Bool {
        switch self {
        case .business, .portfolio: true
        case .personal, .savings: false
        }
    }
}

extension MessageFields {
    /// A payment gateway's or a lender's name: it names their accounts
    /// (`gateway.<name>.<currency>`, `lender.<name>.<currency>`), so it is
    /// short and plain.
    public func systemAccountName(_ name: String) throws(InvalidMessage) -> String {
        let value = try string(name, maxLength: 32)
        guard !value.isEmpty,
            value.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2D })
        else {
            throw fault(name, "\"\(value)\" must be 1 to 32 of a-z, 0-9, '_' and '-'")
        }
        return value
    }
}
