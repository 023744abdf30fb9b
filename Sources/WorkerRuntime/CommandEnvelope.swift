import AMQPClient
import Domain

/// What every command handler checks of the AMQP envelope, beyond the body.
public enum CommandEnvelope {
    /// The AMQP `message_id`, when set, is the command id: one id per command.
    public static func check(_ command: some DomainCommand, against message: AMQPMessage) throws(InvalidMessage) {
        if let messageId = message.properties.messageId, messageId != command.commandId {
            throw InvalidMessage(field: "command_id", "\"\(command.commandId)\" differs from the AMQP message_id \"\(messageId)\"")
        }
    }
}
