import AMQPClient
import Accounts
import Audit
import Milestones
import Notifications
import Payments
import PostgresClient
import Repayments
import Risk
import Tax
import WorkerRuntime

/// The handler behind each work queue that has a worker: what a dry-run
/// replay evaluates dead letters with.
public enum WorkerHandlers {
    static let all: [any BatchHandler] = [
        PaymentHandler(), MilestoneHandler(), RepaymentHandler(), RiskHandler(), AccountHandler(), AuditHandler(), NotificationHandler(),
        TaxHandler(),
    ]

    /// Nil when no worker consumes `queue` (nothing to evaluate with).
    public static func evaluate(
        _ messages: [AMQPMessage], forQueue queue: String,
        in database: PostgresConnection
    ) throws -> [ReplayEvaluation.Verdict]? {
        guard let handler = all.first(where: { $0.queue == queue }) else { return nil }
        return try ReplayEvaluation.evaluate(messages, with: handler, in: database)
    }
}
