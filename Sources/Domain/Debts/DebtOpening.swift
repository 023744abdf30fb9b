import Foundation

/// `debt.open` `{command_id, type, debt_id, borrower_id, account, lender,
/// currency, principal, annual_rate_bps, monthly_payment, due_day, business,
/// start_date?, disburse}` (queues/schemas/command.debt.open.json): a debt of
/// a user to a lender, whose account is `lender.<lender>.<currency>`.
/// `disburse` pays the principal from the lender's account into `account`;
/// without it the debt is owed for money lent elsewhere.
public struct DebtOpening: SingleTypeCommand, Equatable {
    public static let type = CommandType.debtOpen
    public let commandId: String
    public let debtId: String
    public let borrower: String
    /// The borrower's wallet: disbursed into, and repaid from by default.
    public let account: String
    public let lender: String
    public let principal: Money
    public let annualRateBasisPoints: Int64
    public let monthlyPayment: Int64
    public let dueDay: Int
    public let business: Bool
    /// As given; nil: the day the command was accepted (its AMQP timestamp).
    public let startDate: CalendarDay?
    public let disburse: Bool
    /// Interest accrues from here: the start date, else the day accepted.
    public let startsOn: CalendarDay

    public init(
        commandId: String, debtId: String, borrower: String, account: String, lender: String, principal: Money,
        annualRateBasisPoints: Int64, monthlyPayment: Int64, dueDay: Int, business: Bool, startDate: CalendarDay?, disburse: Bool,
        acceptedOn: CalendarDay
    ) {
        (self.commandId, self.debtId, self.borrower, self.account, self.lender, self.principal) = (
            commandId, debtId, borrower, account, lender, principal
        )
        (self.annualRateBasisPoints, self.monthlyPayment, self.dueDay, self.business) = (
            annualRateBasisPoints, monthlyPayment, dueDay, business
        )
        (self.startDate, self.disburse, self.startsOn) = (startDate, disburse, startDate ?? acceptedOn)
    }

    /// The body alone, at the door, before it has a timestamp: accepted today.
    public init(body: [UInt8]) throws(InvalidMessage) {
        try self.init(body: body, acceptedAt: Date())
    }

    public init(body: [UInt8], acceptedAt: Date) throws(InvalidMessage) {
        let fields = try MessageFields.command(
            body, Self.type,
            [
                "debt_id", "borrower_id", "account", "lender", "currency", "principal", "annual_rate_bps", "monthly_payment", "due_day",
                "business", "start_date", "disburse",
            ])
        let rate = try fields.nonNegativeAmount("annual_rate_bps")
        guard rate <= 100_000 else { throw fields.fault("annual_rate_bps", "must be 0 to 100000 basis points, got \(rate)") }
        let dueDay = try fields.amount("due_day")
        guard dueDay <= 31 else { throw fields.fault("due_day", "must be 1 to 31, got \(dueDay)") }
        var start: CalendarDay?
        if let text = try fields.optionalString("start_date", maxLength: 10) {
            guard let day = CalendarDay(iso: text) else { throw fields.fault("start_date", "\"\(text)\" is not a date (YYYY-MM-DD)") }
            start = day
        }
        self.init(
            commandId: try fields.id("command_id"), debtId: try fields.id("debt_id"), borrower: try fields.id("borrower_id"),
            account: try fields.id("account"), lender: try fields.systemAccountName("lender"),
            principal: Money(minorUnits: try fields.amount("principal"), currency: try fields.currency("currency")),
            annualRateBasisPoints: rate, monthlyPayment: try fields.amount("monthly_payment"), dueDay: Int(dueDay),
            business: try fields.bool("business"), startDate: start, disburse: try fields.bool("disburse"),
            acceptedOn: CalendarDay(acceptedAt))
    }

    /// The lender's account in the debt's currency.
    public var lenderAccount: String { SystemAccount.lender(lender, principal.currency.code) }

    /// The debt as it stands when opened.
    public var debt: Debt {
        Debt(
            id: debtId, borrower: borrower, lenderAccount: lenderAccount, currency: principal.currency, principal: principal.minorUnits,
            interestCarried: 0, interestFrom: startsOn, annualRateBasisPoints: annualRateBasisPoints, monthlyPayment: monthlyPayment,
            dueDay: dueDay, business: business, status: .active)
    }

    public var canonicalFields: JSONObject {
        var fields: JSONObject = [
            "debt_id": .string(debtId), "borrower_id": .string(borrower), "account": .string(account), "lender": .string(lender),
            "currency": .string(principal.currency.code), "principal": .integer(principal.minorUnits),
            "annual_rate_bps": .integer(annualRateBasisPoints), "monthly_payment": .integer(monthlyPayment),
            "due_day": .integer(Int64(dueDay)), "business": .bool(business), "disburse": .bool(disburse),
        ]
        fields["start_date"] = startDate.map { .string($0.iso) }
        return fields
    }
}
