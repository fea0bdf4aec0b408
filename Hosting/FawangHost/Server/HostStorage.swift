import FawangCore
import FawangPostgres
import FawangSQLite
import Foundation
import Logging

/// What the host runs on: the platform's storage on either engine (`storage.engine`), with what
/// the host needs beyond ``PlatformStorage``.
protocol HostStorage: PlatformStorage {
    var laws: any LawIndex { get }
    var exchange: any ExchangeOutbox { get }
    var referrals: any ExchangeInbox { get }
    /// Signalled after each commit that added to the outbox (nil when the exchange is off).
    var exchangeSignal: ChangeSignal? { get }
    /// Closed, every change but sign-in, read audits and the deadline index is refused.
    var writes: WriteGate { get }
    func checkDataKeys() async throws
    /// Lets go of the database (a host stopping).
    func close() async
}

extension SQLiteStorage: HostStorage {
    func close() async {}
}

extension PostgresStorage: HostStorage {}
