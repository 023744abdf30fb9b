/// The AMQP header names of the contract. The runtime writes the failure
/// headers when it sends a message to a retry tier or its dead-letter queue;
/// operators' tools read them back.
public enum MessageHeader {
    /// On every command and event: the version of its JSON Schema.
    public static let schemaVersion = "x-schema-version"
    /// On every command and event: when it was submitted (a command) or
    /// occurred (an event), in milliseconds since 1970: consumers measure
    /// their end-to-end latency from it. The AMQP timestamp has whole seconds only.
    public static let occurredAt = "x-occurred-at"
    /// On an event bundle: how many events it holds (a batch is filled by
    /// events, not deliveries).
    public static let eventCount = "x-events"
    /// On a command: who sent it, as its producer knows them (the API key's
    /// name, the CLI's user and host). Operators' commands put it on their
    /// events, and so in the audit log.
    public static let actor = "x-actor"
    /// On a command submitted over HTTP: the id of the API key that
    /// submitted it, kept in its inbox row and on its events (and so in the
    /// audit log): "who sent this" is answerable for every such command.
    public static let submittedBy = "x-submitted-by"

    /// Why the last attempt failed, its class (`invalid`, `transient`,
    /// `unexpected`), the queue it came from, failures so far, and when.
    public static let error = "x-error"
    public static let errorClass = "x-error-class"
    public static let originQueue = "x-origin-queue"
    public static let attempts = "x-attempts"
    public static let firstFailedAt = "x-first-failed-at"
    public static let lastFailedAt = "x-last-failed-at"
    /// host:pid of the worker that failed it.
    public static let worker = "x-worker"

    /// The dead letter's record (`dead_letters.letter_id`), on the copy in
    /// its dead-letter queue: the intake knows it is recorded already.
    public static let deadLetterId = "x-dead-letter-id"
    /// The broker's count of a quorum queue message's returns.
    public static let deliveryCount = "x-delivery-count"

    /// Set by `flexfin dlq replay`.
    public static let replayedAt = "x-replayed-at"
    public static let replayedBy = "x-replayed-by"

    /// RabbitMQ's own record of dead-lettering (a crash loop past the delivery limit).
    public static let death = "x-death"
}
