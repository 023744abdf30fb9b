/// `debt.repaid`: a repayment split interest first, then principal.
public struct DebtRepaid: EventData {
    public let debtId: String
    public let borrower: String
    public let wallet: String
    public let lender: String
    public let split: RepaymentSplit
    /// The day interest was accrued to (the command's acceptance, UTC).
    public let accruedTo: CalendarDay
    /// A business debt's interest is the borrower's deductible interest.
    public let business: Bool

    public init(
        debtId: String, borrower: String, wallet: String, lender: String, split: RepaymentSplit,
        accruedTo: CalendarDay, business: Bool
    ) {
        (self.debtId, self.borrower, self.wallet, self.lender) = (debtId, borrower, wallet, lender)
        (self.split, self.accruedTo, self.business) = (split, accruedTo, business)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        debtId = try data.id("debt_id")
        borrower = try data.id("borrower")
        wallet = try data.id("wallet")
        lender = try data.id("lender")
        let currency = try data.currency("currency")
        split = RepaymentSplit(
            amount: Money(minorUnits: try data.amount("amount"), currency: currency),
            interest: try data.nonNegativeAmount("interest"), principal: try data.nonNegativeAmount("principal"),
            interestLeft: try data.nonNegativeAmount("interest_left"),
            remainingPrincipal: try data.nonNegativeAmount("remaining_principal"))
        guard split.interest + split.principal == split.amount.minorUnits else {
            throw data.fault("principal", "interest and principal do not add up to the amount")
        }
        let day = try data.string("accrued_to", maxLength: 10)
        guard let accruedTo = CalendarDay(iso: day) else { throw data.fault("accrued_to", "\"\(day)\" is not a date (YYYY-MM-DD)") }
        self.accruedTo = accruedTo
        business = try data.bool("business")
    }

    public var fields: JSONObject {
        [
            "debt_id": .string(debtId), "borrower": .string(borrower), "wallet": .string(wallet), "lender": .string(lender),
            "amount": .integer(split.amount.minorUnits), "currency": .string(split.amount.currency.code),
            "interest": .integer(split.interest), "principal": .integer(split.principal), "interest_left": .integer(split.interestLeft),
            "remaining_principal": .integer(split.remainingPrincipal), "accrued_to": .string(accruedTo.iso), "business": .bool(business),
        ]
    }

    public var users: [String] { [borrower] }
}

/// `debt.paid_off`: the repayment that brought the principal to zero.
public struct DebtPaidOff: EventData {
    public let debtId: String
    public let borrower: String
    public let currency: Currency

    public init(debtId: String, borrower: String, currency: Currency) {
        (self.debtId, self.borrower, self.currency) = (debtId, borrower, currency)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        debtId = try data.id("debt_id")
        borrower = try data.id("borrower")
        currency = try data.currency("currency")
    }

    public var fields: JSONObject {
        ["debt_id": .string(debtId), "borrower": .string(borrower), "currency": .string(currency.code)]
    }

    public var users: [String] { [borrower] }
}

/// `debt.repayment_rejected`: a repayment refused, with the rule; the
/// borrower is told when the debt is known.
public struct DebtRepaymentRejected: EventData {
    public let debtId: String
    public let wallet: String
    public let amount: Money
    public let borrower: String?
    public let reason: String
    public let detail: String

    public init(debtId: String, wallet: String, amount: Money, borrower: String?, reason: String, detail: String) {
        (self.debtId, self.wallet, self.amount, self.borrower, self.reason, self.detail) = (
            debtId, wallet, amount, borrower, reason, detail
        )
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        debtId = try data.id("debt_id")
        wallet = try data.id("wallet")
        amount = Money(minorUnits: try data.amount("amount"), currency: try data.currency("currency"))
        borrower = try data.optionalString("borrower", maxLength: MessageFields.maxIdLength)
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
    }

    public var fields: JSONObject {
        [
            "debt_id": .string(debtId), "wallet": .string(wallet), "amount": .integer(amount.minorUnits),
            "currency": .string(amount.currency.code), "borrower": .optional(borrower), "reason": .string(reason),
            "detail": .string(detail),
        ]
    }

    public var users: [String] { [borrower].compactMap { $0 } }
}

/// `debt.opened`: a debt's terms as opened; `disbursed` when the principal
/// was paid from the lender's account into the wallet.
public struct DebtOpened: EventData {
    public let debt: Debt
    public let account: String
    public let disbursed: Bool

    public init(_ command: DebtOpening) {
        (debt, account, disbursed) = (command.debt, command.account, command.disburse)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        let start = try data.string("start_date", maxLength: 10)
        guard let day = CalendarDay(iso: start) else { throw data.fault("start_date", "\"\(start)\" is not a date (YYYY-MM-DD)") }
        debt = Debt(
            id: try data.id("debt_id"), borrower: try data.id("borrower"), lenderAccount: try data.id("lender_account"),
            currency: try data.currency("currency"), principal: try data.amount("principal"), interestCarried: 0, interestFrom: day,
            annualRateBasisPoints: try data.nonNegativeAmount("annual_rate_bps"), monthlyPayment: try data.amount("monthly_payment"),
            dueDay: Int(try data.amount("due_day")), business: try data.bool("business"), status: .active)
        account = try data.id("account")
        disbursed = try data.bool("disbursed")
    }

    public var fields: JSONObject {
        [
            "debt_id": .string(debt.id), "borrower": .string(debt.borrower), "account": .string(account),
            "lender_account": .string(debt.lenderAccount), "currency": .string(debt.currency.code), "principal": .integer(debt.principal),
            "annual_rate_bps": .integer(debt.annualRateBasisPoints), "monthly_payment": .integer(debt.monthlyPayment),
            "due_day": .integer(Int64(debt.dueDay)), "business": .bool(debt.business), "start_date": .string(debt.interestFrom.iso),
            "disbursed": .bool(disbursed),
        ]
    }

    public var users: [String] { [debt.borrower] }
}

/// `debt.opening_rejected`: a `debt.open` refused, with the rule; the
/// borrower is told when a user.
public struct DebtOpeningRejected: EventData {
    public let debtId: String
    public let borrower: String?
    public let reason: String
    public let detail: String

    public init(debtId: String, borrower: String?, reason: String, detail: String) {
        (self.debtId, self.borrower, self.reason, self.detail) = (debtId, borrower, reason, detail)
    }

    public init(_ data: MessageFields) throws(InvalidMessage) {
        debtId = try data.id("debt_id")
        borrower = try data.optionalString("borrower", maxLength: MessageFields.maxIdLength)
        reason = try data.string("reason", maxLength: 64)
        detail = try data.string("detail")
    }

    public var fields: JSONObject {
        ["debt_id": .string(debtId), "borrower": .optional(borrower), "reason": .string(reason), "detail": .string(detail)]
    }

    public var users: [String] { [borrower].compactMap { $0 } }
}
