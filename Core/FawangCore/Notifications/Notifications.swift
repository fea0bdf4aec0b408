import Foundation
public import Logging

/// A message to a member of the public (an SMS or a WeChat template message): an appointment's
/// confirmation and reminder, a callback. Lines write them to their outbox in the transaction of
/// the change they announce; a sender delivers them later, so a failed delivery never undoes
/// the change and a crash never loses a message.
public struct OutboundMessage: Sendable, Equatable {
    /// The outbox row's id, for the log and retries.
    public var id: String
    /// A mobile phone number.
    public var recipient: String
    public var text: String

    public init(id: String, recipient: String, text: String) {
        self.id = id
        self.recipient = recipient
        self.text = text
    }
}

/// Delivers outbound messages: an SMS gateway, WeChat's template messages. Throwing leaves the
/// message in the outbox to be tried again.
public protocol NotificationSender: Sendable {
    func send(_ message: OutboundMessage) async throws
}

/// The default sender: writes each message to the log (the recipient masked), so a demo or a
/// deployment without a gateway shows what would have been sent.
public struct LoggingSender: NotificationSender {
    let logger: Logger

    public init(logger: Logger = Logger(label: "fawang.notifications")) {
        self.logger = logger
    }

    public func send(_ message: OutboundMessage) async throws {
        logger.info("notification", metadata: [
            "id": "\(message.id)", "to": "\(PhoneNumber.masked(message.recipient))", "text": "\(message.text)",
        ])
    }
}
