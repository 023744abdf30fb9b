/// One row of `notifications`: an event's notice to one of its users, or an
/// alert the event caused (`kind`, with the wallet as `subject`).
struct Notice {
    let eventId: String
    let user: String
    let eventType: String
    let kind: String
    let subject: String
    let text: String
}
