import ArgumentParser
import Domain
import Notifications
import Settings

struct NotificationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "A user's notifications and alerts, newest first, with the unread count; optionally marks them read.")
    @Argument(help: "The user id.") var user: String
    @Flag(help: "Only unread ones.") var unread = false
    @Option(help: "At most this many.") var limit = 50
    @Flag(help: "Mark the listed unread notifications read (the unread counter follows, in PostgreSQL and Redis).") var markRead = false
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let settings = try ServiceSettings.fromEnvironment()
        let database = try settings.connectDatabase()
        let listed = try UserNotification.list(user, unreadOnly: unread, limit: limit, in: database)
        var marked = 0
        if markRead {
            let result = try UnreadCounter.markRead(user, events: listed.filter { $0.readAt == nil }.map(\.eventId), in: database)
            marked = result.marked
            // Best effort, like every cache write: the counter in PostgreSQL is the truth.
            _ = try? settings.connectCache().pipeline(result.cache)
        }
        let unreadNow = try UserNotification.unread(user, in: database)
        if json {
            return print(
                JSONValue.object([
                    "user_id": .string(user), "unread": .integer(unreadNow), "marked_read": .integer(Int64(marked)),
                    "notifications": .array(listed.map(\.json)),
                ]).serialized)
        }
        print("\(user): \(unreadNow) unread\(markRead ? " (marked \(marked) read)" : "")")
        for notice in listed {
            print(
                "\(notice.readAt == nil ? "*" : " ") \(notice.createdAt)  [\(notice.kind == "event" ? notice.eventType : notice.kind)] \(notice.message)"
            )
        }
    }
}
