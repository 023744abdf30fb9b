import Domain

/// A handler of one command type: the same shape for every command. A
/// command is read from the body, its envelope checked, deduplicated by
/// its id and told from a conflicting reuse of that id by its digest; all
/// of that is written once, here. A command that needs more of its message
/// than the body says so in `command(from:)`.
public protocol CommandHandler: BatchHandler where Message: DomainCommand {
    func command(from message: InboundMessage) throws(InvalidMessage) -> Message
}

extension CommandHandler {
    public func command(from message: InboundMessage) throws(InvalidMessage) -> Message {
        try Message(body: message.body)
    }

    public func decode(_ message: InboundMessage) throws(InvalidMessage) -> Message {
        let command = try command(from: message)
        try CommandEnvelope.check(command, against: message)
        return command
    }

    public func id(of command: Message) -> String { command.commandId }

    public func digest(of command: Message) -> String? { command.digest }
}
