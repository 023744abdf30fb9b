/// Weights, thresholds and band limits: data (`risk_models`,
/// `risk_model_factors`), versioned, so every score names the model that
/// made it.
public struct RiskModel: Sendable, Equatable {
    /// One factor's part: a value at or better than `good` adds no points,
    /// at or worse than `bad` adds 100, linearly in between (truncated).
    /// `good` above `bad` means higher is better (liquidity).
    public struct Rule: Sendable, Equatable {
        public let factor: RiskFactor
        public let weight: Int64
        public let good: Int64
        public let bad: Int64

        public init(_ factor: RiskFactor, weight: Int64, good: Int64, bad: Int64) {
            (self.factor, self.weight, self.good, self.bad) = (factor, weight, good, bad)
        }

        public func points(_ value: Int64) -> Int64 {
            let (distance, span) = good < bad ? (value - good, bad - good) : (good - value, good - bad)
            return min(100, max(0, distance * 100 / span))
        }
    }

    /// The lowest score of each band above `low`.
    public struct BandLimits: Sendable, Equatable {
        public let medium: Int64
        public let high: Int64
        public let critical: Int64

        public init(medium: Int64, high: Int64, critical: Int64) {
            (self.medium, self.high, self.critical) = (medium, high, critical)
        }

        public func band(of score: Int64) -> RiskBand {
            score >= critical ? .critical : score >= high ? .high : score >= medium ? .medium : .low
        }
    }

    public let version: Int64
    /// The currency whose ledger rows the model reads (amounts of different
    /// currencies are never added).
    public let currency: Currency
    public let rules: [Rule]
    public let bands: BandLimits

    public init(version: Int64, currency: Currency, rules: [Rule], bands: BandLimits) {
        (self.version, self.currency, self.rules, self.bands) = (version, currency, rules, bands)
    }

    /// The score 0–100: the rules' points averaged by weight, rounded half up.
    public func score(_ values: [RiskFactor: Int64]) -> RiskScore {
        let totalWeight = max(1, rules.reduce(0) { $0 + $1.weight })
        let parts = rules.map { rule in
            let value = values[rule.factor] ?? 0
            let points = rule.points(value)
            return RiskScore.Part(
                factor: rule.factor, value: value, points: points, weight: rule.weight,
                contributionHundredths: points * rule.weight * 100 / totalWeight)
        }
        let weighted = parts.reduce(0) { $0 + $1.points * $1.weight }
        let score = (weighted * 2 + totalWeight) / (totalWeight * 2)
        return RiskScore(score: score, band: bands.band(of: score), parts: parts, modelVersion: version)
    }
}

/// A computed score with its breakdown.
public struct RiskScore: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public let factor: RiskFactor
        /// The factor's measured value (its unit: `RiskFactor`).
        public let value: Int64
        /// 0–100 by the rule's thresholds.
        public let points: Int64
        public let weight: Int64
        /// Its share of the score, in hundredths of a point (truncated).
        public let contributionHundredths: Int64
    }

    public let score: Int64
    public let band: RiskBand
    public let parts: [Part]
    public let modelVersion: Int64
}
