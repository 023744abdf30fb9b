import Domain
import Foundation
import PostgresClient
import RedisClient
import WorkerRuntime

/// Recalculates risk scores, for `risk.recalculate` commands and for the
/// events bound to the same queue as triggers. Coalesced: every user a
/// batch asks about is scored once, after all of the batch's requests, so a
/// burst of repayments is one recalculation that reflects all of them.
public struct RiskHandler: EventSubscriber {
    public let consumer = Consumer.risk
    /// Commands and triggers share the queue, so one batch coalesces both.
    public let queue = "commands.risk"
    /// Shared by the lanes for the worker's life.
    private let facts = LedgerFacts()

    public init() {}

    public static func key(_ userId: String) -> String { "flexfin:risk:\(userId)" }

    /// The body is read once, by the reader its AMQP `type` picks (the same
    /// rule `hasStatus` answers by); each reader checks the body's own `type`.
    public func decode(_ message: InboundMessage) throws(InvalidMessage) -> RiskRequest {
        if !hasStatus(type: message.type) { return .trigger(try DomainEvent(body: message.body)) }
        let command = try RiskRecalculation(body: message.body)
        try CommandEnvelope.check(command, against: message)
        return .command(command)
    }

    public func id(of request: RiskRequest) -> String { request.id }

    public func digest(of request: RiskRequest) -> String? {
        guard case .command(let command) = request else { return nil }
        return command.digest
    }

    /// Events come with their AMQP type set by the outbox; everything else
    /// on this queue is a command.
    public func hasStatus(type: String?) -> Bool {
        type.flatMap(EventType.init(rawValue:)) == nil
    }

    /// The events that may move a user's risk (which of them do: `riskSubjects`).
    public static func subscribes(to type: EventType) -> Bool {
        switch type {
        case .paymentCompleted, .milestoneCompleted, .debtRepaid, .debtPaidOff, .depositCompleted, .withdrawalRequested, .withdrawalFailed,
            .milestoneFunded, .milestoneCancelled, .debtOpened:
            true
        case .milestoneFundingRejected, .milestoneCancellationRejected, .debtOpeningRejected, .projectCreated, .projectRejected,
            .accountOpened, .accountFrozen, .accountUnfrozen, .accountClosed, .accountRejected,
            .depositRejected,
            .withdrawalSettled, .withdrawalRejected, .paymentRejected, .milestoneRejected,
            .debtRepaymentRejected,
            .riskRecalculated, .riskChanged,
            .deadLettersReplayed, .deadLettersReplayCompleted, .deadLettersPurged, .commandApproved, .commandDeclined:
            false
        }
    }

    public func apply(_ requests: [RiskRequest], in database: PostgresConnection) throws -> BatchEffects {
        let largePayment = try Self.largePayment(in: database)
        let known = try Self.knownUsers(requests.compactMap { if case .command(let c) = $0 { c.userId } else { nil } }, in: database)
        var effects = BatchEffects()
        var asked: [String: (requests: Int, commandId: String)] = [:]
        for request in requests {
            if case .command(let command) = request, !known.contains(command.userId) {
                effects.rejections[command.commandId] = RiskRecalculation.unknownUser
                continue
            }
            for user in Set(request.subjects(largePayment: largePayment)) {
                asked[user] = ((asked[user]?.requests ?? 0) + 1, request.commandId)
            }
        }
        guard !asked.isEmpty else { return effects }
        let scored = try RiskScoring.recalculate(asked, facts: facts, in: database)
        (effects.events, effects.cache) = (scored.events, scored.cache)
        return effects
    }

    /// Of the users commands name, those that exist (events name only real ones).
    private static func knownUsers(_ users: [String], in database: PostgresConnection) throws -> Set<String> {
        guard !users.isEmpty else { return [] }
        let rows = try database.execute(prepared: "SELECT id FROM users WHERE id = ANY($1::text[])", [Array(Set(users)).sorted()])
        return Set(try (0..<rows.count).map { try rows.decode($0, "id", as: String.self) })
    }

    /// A payment at or above this triggers a recalculation (platform_settings).
    static func largePayment(in database: PostgresConnection) throws -> Int64 {
        let rows = try database.execute(prepared: "SELECT value FROM platform_settings WHERE name = 'risk_trigger_payment_minor_units'")
        return rows.count == 1 ? try rows.decode(0, "value") : Int64.max
    }

    public func repairCache(for duplicates: [RiskRequest], in database: PostgresConnection) throws -> [RedisCommand] {
        try RiskCache.current(Set(duplicates.flatMap { $0.subjects(largePayment: 0) }), in: database)
    }

    public func cacheSnapshot(in database: PostgresConnection) throws -> [RedisCommand] {
        try RiskCache.current(nil, in: database)
    }
}
