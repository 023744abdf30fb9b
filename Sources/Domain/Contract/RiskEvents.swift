/// `risk.recalculated`: a user's new score, after every recalculation.
public struct RiskRecalculated: EventData {
    public let userId: String
    public let score: Int64
    public let band: RiskBand
    /// nil for the user's first score.
    public let previousBand: RiskBand?
    public let modelVersion: Int64
    /// The user's score sequence number (the cache keeps the highest).
    public let version: Int64
    /// How many requests (commands and triggering events) it answered.
    public let requests: Int64

    public init(userId: String, score: Int64, band: RiskBand, previousBand: RiskBand?, modelVersion: Int64, version: Int64, requests: Int) {
        (self.userId, self.score, self.band, self.previousBand) = (userId, score, band, previousBand)
        (self.modelVersion, self.version, self.requests) = (modelVersion, version, Int64(requests))
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        userId = try data.id("user_id")
        score = try data.nonNegativeAmount("score")
        band = try data.band("band")
        previousBand = try data.optionalString("previous_band", maxLength: 16) == nil ? nil : try data.band("previous_band")
        modelVersion = try data.amount("model_version")
        version = try data.amount("version")
        requests = try data.amount("requests")
    }

    public var fields: JSONObject {
        [
            "user_id": .string(userId), "score": .integer(score), "band": .string(band.rawValue),
            "previous_band": .optional(previousBand?.rawValue),
            "model_version": .integer(modelVersion), "version": .integer(version), "requests": .integer(requests),
        ]
    }

    public var users: [String] { [userId] }
}

/// `risk.changed`: a recalculation moved the user to another band; they are told.
public struct RiskChanged: EventData {
    public let userId: String
    public let fromBand: RiskBand
    public let toBand: RiskBand
    public let score: Int64

    public init(userId: String, fromBand: RiskBand, toBand: RiskBand, score: Int64) {
        (self.userId, self.fromBand, self.toBand, self.score) = (userId, fromBand, toBand, score)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        userId = try data.id("user_id")
        fromBand = try data.band("from_band")
        toBand = try data.band("to_band")
        score = try data.nonNegativeAmount("score")
    }

    public var fields: JSONObject {
        [
            "user_id": .string(userId), "from_band": .string(fromBand.rawValue), "to_band": .string(toBand.rawValue),
            "score": .integer(score),
        ]
    }

    public var users: [String] { [userId] }
}

extension MessageFields {
    func band(_ name: String) throws(InvalidMessage) -> RiskBand {
        let text = try string(name, maxLength: 16)
        guard let band = RiskBand(rawValue: text) else {
            throw fault(name, "\"\(text)\" is not a risk band (\(RiskBand.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return band
    }
}
