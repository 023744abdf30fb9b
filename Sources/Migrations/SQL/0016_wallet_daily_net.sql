-- Each user wallet's net movement per UTC day, added to by the statement
-- that applies a batch's balance changes (once per wallet per batch, under
-- the wallet's row lock). The low-balance rule's 30-day average reads at
-- most 31 rows per wallet here, where it summed every ledger entry of 31
-- days, a cost that grew with the ledger. Derived data: `flexfin ledger
-- verify` checks it against the entries.
CREATE TABLE wallet_daily_net (
    wallet  text NOT NULL,
    day     date NOT NULL,
    net     bigint NOT NULL,
    PRIMARY KEY (wallet, day)
);
INSERT INTO wallet_daily_net (wallet, day, net)
SELECT e.account_id, (e.created_at AT TIME ZONE 'UTC')::date, sum(e.amount)
FROM ledger_entries e JOIN accounts a ON a.id = e.account_id AND a.kind = 'wallet'
WHERE e.created_at >= ((now() AT TIME ZONE 'UTC')::date - 31)::timestamp AT TIME ZONE 'UTC'
GROUP BY 1, 2;
