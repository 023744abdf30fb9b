import Domain

/// What every command handler checks of the envelope, beyond the body.
public enum CommandEnvelope {
    /// The message's id, when set, is the command id: one id per command.
    public static func check(_ command: some DomainCommand, against message: InboundMessage) throws(InvalidMessage) {
        if let messageId = message.id, messageId != command.commandId {
            throw InvalidMessage(field: "command_id", "\"\(command.commandId)\" differs from the AMQP message_id \"\(messageId)\"")
        }
    }
}
