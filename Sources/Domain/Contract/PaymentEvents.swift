/// `payment.completed`: what moved, between which accounts and users.
/// `payer_user`/`payee_user` are null for system accounts (an escrow).
public struct PaymentFacts: EventData {
    public let payer: String
    public let payee: String
    public let payerUser: String?
    public let payeeUser: String?
    public let amount: Money
    public let kind: String
    public let memo: String?
    public let reference: String?

    public init(_ command: PaymentCommand, users: [String: String]) {
        (payer, payee, amount, kind, memo, reference) = (
            command.payer, command.payee, command.amount, command.kind, command.memo, command.reference
        )
        (payerUser, payeeUser) = (users[command.payer], users[command.payee])
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        payer = try data.id("payer")
        payee = try data.id("payee")
        payerUser = try data.optionalString("payer_user", maxLength: MessageFields.maxIdLength)
        payeeUser = try data.optionalString("payee_user", maxLength: MessageFields.maxIdLength)
        amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        kind = try data.string("kind", maxLength: 32)
        memo = try data.optionalString("memo")
        reference = try data.optionalString("reference", maxLength: 128)
    }

    public var fields: JSONObject {
        [
            "payer": .string(payer), "payee": .string(payee), "payer_user": .optional(payerUser), "payee_user": .optional(payeeUser),
            "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code), "kind": .string(kind),
            "memo": .optional(memo), "reference": .optional(reference),
        ]
    }

    public var users: [String] { [payerUser, payeeUser].compactMap { $0 } }
}

/// `payment.rejected`: the payment and the rule that refused it; the payer is told.
public struct PaymentRejected: EventData {
    public let payment: PaymentFacts
    public let reason: String
    public let detail: String

    public init(payment: PaymentFacts, reason: String, detail: String) {
        (self.payment, self.reason, self.detail) = (payment, reason, detail)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        payment = try PaymentFacts(data)
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
    }

    public var fields: JSONObject { payment.fields.merging(["reason": .string(reason), "detail": .string(detail)]) }

    public var users: [String] { [payment.payerUser].compactMap { $0 } }
}
