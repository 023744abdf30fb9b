/// A gross amount split into the platform's fee and the rest. The fee is
/// rounded down to the minor unit, so a fraction of a cent always stays with
/// the freelancer: 999 at 250 bps is a fee of 24 (24.975), net 975.
public struct FeeSplit: Sendable, Equatable {
    public let gross: Money
    /// 0 to 10,000 (100 %).
    public let basisPoints: Int64
    public let fee: Int64
    public var net: Int64 { gross.minorUnits - fee }

    public init(gross: Money, basisPoints: Int64) {
        precondition((0...10_000).contains(basisPoints) && gross.minorUnits >= 0, "basis points are 0 to 10,000")
        self.gross = gross
        self.basisPoints = basisPoints
        // floor(gross × bps / 10,000) without overflow: split gross at 10,000.
        let (whole, rest) = gross.minorUnits.quotientAndRemainder(dividingBy: 10_000)
        self.fee = whole * basisPoints + rest * basisPoints / 10_000
    }
}
