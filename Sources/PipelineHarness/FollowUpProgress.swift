import PostgresClient

/// How far a workload's follow-up rows have come, for a run that did not
/// finish: each count says what it counts (audit rows of the workload's own
/// events apart from the risk events, whose number the scores imply,
/// `RiskInvariants.events`).
struct FollowUpProgress {
    let auditRows: Int
    let riskAuditRows: Int
    let notifications: Int
    let riskNotifications: Int
    let tax: Int
    let riskRequestsTaken: Int
    /// Of the workload, races counted.
    let riskRequests: Int
    /// Risk events the scores imply: recalculated, changed.
    let riskRecalculated: Int
    let riskChanged: Int
    let outbox: Int

    init(_ db: PostgresConnection, _ expected: FollowUpCounts) throws {
        let rows = try db.query(
            """
            SELECT (SELECT count(*) FROM audit_log WHERE event_type NOT LIKE 'risk.%'),
                   (SELECT count(*) FROM audit_log WHERE event_type LIKE 'risk.%'),
                   (SELECT count(*) FROM notifications WHERE kind = 'event' AND event_type NOT LIKE 'risk.%'),
                   (SELECT count(*) FROM notifications WHERE kind = 'event' AND event_type LIKE 'risk.%'),
                   (SELECT count(*) FROM tax_entries), (SELECT count(*) FROM inbox WHERE consumer = 'risk'),
                   (SELECT count(*) FROM outbox)
            """)
        (auditRows, riskAuditRows, notifications, riskNotifications) =
            (try rows.decode(0, 0), try rows.decode(0, 1), try rows.decode(0, 2), try rows.decode(0, 3))
        (tax, riskRequestsTaken, outbox) = (try rows.decode(0, 4), try rows.decode(0, 5), try rows.decode(0, 6))
        // Known only once every request is taken (and a scan of every score).
        riskRequests = try expected.riskRequests(in: db)
        (riskRecalculated, riskChanged) =
            expected.riskRequests > 0 && riskRequestsTaken >= riskRequests ? try RiskInvariants.events(in: db) : (0, 0)
    }

    func shortfall(_ expected: FollowUpCounts) -> String {
        "audit rows (risk events apart) \(auditRows) of \(expected.audit), risk events audited \(riskAuditRows) of "
            + "\(riskRecalculated + riskChanged) the scores imply, risk requests taken \(riskRequestsTaken) of \(riskRequests), "
            + "notifications (risk apart) \(notifications) of \(expected.notifications), risk notifications \(riskNotifications) of "
            + "\(riskChanged), tax \(tax) of \(expected.tax), outbox \(outbox)"
    }
}
