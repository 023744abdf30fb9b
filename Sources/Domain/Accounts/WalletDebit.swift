/// Why a wallet cannot pay an amount out: one set of rules for every
/// command that debits a wallet the user chose (a withdrawal, a milestone
/// funding). The raw values are the rejection reasons the commands share.
public enum WalletDebitRefusal: String, Sendable {
    case unknownWallet = "unknown_wallet"
    case walletClosed = "wallet_closed"
    case accountFrozen = "account_frozen"
    case currencyMismatch = "currency_mismatch"
    case insufficientFunds = "insufficient_funds"

    /// nil when `account` (as the batch sees it, `balance` included) can pay
    /// `amount`; else the refusal and its detail. `what` names the command
    /// in the detail ("the withdrawal").
    public static func check(_ account: AccountState?, id: String, pays amount: Money, for what: String) -> (Self, String)? {
        guard let account, account.isWallet else { return (.unknownWallet, "no wallet \(id)") }
        guard account.status.receives else { return (.walletClosed, "wallet \(id) is closed") }
        guard account.status.paysOut else {
            return (.accountFrozen, "wallet \(id) is frozen: it pays nothing out until an operator unfreezes it")
        }
        guard account.currency == amount.currency.code else {
            return (.currencyMismatch, "wallet \(id) holds \(account.currency), \(what) is in \(amount.currency)")
        }
        guard account.balance >= amount.minorUnits else {
            return (.insufficientFunds, "wallet \(id) holds \(amount.currency.text(account.balance)), \(what) needs \(amount.text)")
        }
        return nil
    }
}
