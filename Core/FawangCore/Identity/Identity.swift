public import Foundation

/// What an account may be.
public enum Role: String, Sendable, Codable, CaseIterable {
    case citizen
    case professional
    case staff
    case departmentAdmin = "department_admin"
    case platformAdmin = "platform_admin"
    case service
}

/// The authenticated caller of an RPC, as the token says.
public struct Principal: Sendable, Equatable {
    public var accountID: String
    public var displayName: String
    public var role: Role
    /// The division the account acts within.
    public var regionCode: String
    public var organizationID: String
    /// Business line (module id) of staff and department admins; empty for all.
    public var department: String
    /// The channel the account works at, set by whoever creates the account: a hall window's
    /// clerk `walk_in`, a hotline agent or the hotline front end `hotline`, another system `api`.
    /// Nil leaves it to ``ChannelDecision`` (staff at their office's counter, citizens by the
    /// door they came in).
    public var channel: Channel?

    public init(
        accountID: String, displayName: String, role: Role, regionCode: String, organizationID: String = "", department: String = "",
        channel: Channel? = nil
    ) {
        self.accountID = accountID
        self.displayName = displayName
        self.role = role
        self.regionCode = regionCode
        self.organizationID = organizationID
        self.department = department
        self.channel = channel
    }

    /// The caller of the current RPC, set by the host's authentication interceptor; nil when the
    /// call carries no token.
    @TaskLocal public static var current: Principal?
}

/// A stored account.
public struct Account: Sendable, Equatable {
    public var principal: Principal
    /// Phone number for citizens, account name otherwise; unique.
    public var login: String
    public var passwordHash: String
    public var failedAttempts: Int
    public var lockedUntil: Date?

    public init(principal: Principal, login: String, passwordHash: String, failedAttempts: Int = 0, lockedUntil: Date? = nil) {
        self.principal = principal
        self.login = login
        self.passwordHash = passwordHash
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
    }
}

/// Outcome of checking a password against an account, decided and recorded in one transaction.
public enum LoginAttempt: Sendable, Equatable {
    case accepted(Principal)
    case unknownLogin
    case wrongPassword(remainingAttempts: Int)
    /// Too many failures: locked until the given time (this attempt may be the one that locked it).
    case locked(until: Date)
}

/// Accounts and refresh tokens. Every method is one durable transaction that also appends its
/// audit entry (logins, failures, lockouts, revocations).
public protocol IdentityStore: Sendable {
    func account(login: String) async throws -> Account?
    func save(_ account: Account) async throws
    /// Creates a citizen account with its real-name identity number (sealed at rest); throws
    /// `ALREADY_EXISTS` if the login is taken.
    func register(_ account: Account, identityNumber: String) async throws
    /// Verifies the password with `verify` (a slow hash: it runs before the write transaction,
    /// never inside it), then counts failures and locks the account after `maxFailures` in a row
    /// for `lockout`, in one transaction that rereads the account: a verdict reached on a password
    /// hash changed meanwhile is not used.
    func attemptLogin(
        login: String, at time: Date, maxFailures: Int, lockout: TimeInterval,
        verify: @escaping @Sendable (Account) async -> Bool
    ) async throws -> LoginAttempt
    /// Stores the SHA-256 of a new refresh token.
    func storeRefreshToken(hash: String, accountID: String, expiresAt: Date) async throws
    /// Marks the token used and returns its account if it was valid (unrevoked, unexpired):
    /// a refresh token works once.
    func consumeRefreshToken(hash: String, at time: Date) async throws -> Principal?
    func revokeRefreshToken(hash: String, at time: Date) async throws
    /// Refuses an access token (by its `jti`) until it would have expired anyway.
    func revokeAccessToken(id: String, expiresAt: Date) async throws
    func isAccessTokenRevoked(id: String) async throws -> Bool
}

/// Who may call an RPC method. Every method the host serves must have one (default deny): the
/// host refuses to start otherwise. Resource checks (a staff member's region, a citizen's own
/// matter) are the handler's, on top of this.
public enum AccessPolicy: Sendable, Equatable {
    /// Anyone, signed in or not (rate-limited per caller).
    case anyone
    /// Signed-in accounts of these roles.
    case roles(Set<Role>)

    /// Bureau staff and admins: the people who handle matters.
    public static let handlers = AccessPolicy.roles([.staff, .departmentAdmin, .platformAdmin])
}

extension Principal {
    /// Whether this staff member or admin may act on a matter of `businessLine` in `regionCode`:
    /// platform admins everywhere; staff and department admins within their division and
    /// department (an empty department means all).
    public func mayHandle(businessLine: String, regionCode: String) -> Bool {
        switch role {
        case .platformAdmin: true
        case .staff, .departmentAdmin:
            DivisionCode.contains(self.regionCode, regionCode) && (department.isEmpty || department == businessLine)
        default: false
        }
    }
}

extension Principal {
    /// Whether this account may see `matter`: admins and staff within their scope, the citizen who
    /// submitted it, the professional it is assigned to.
    public func mayRead(_ matter: Matter) -> Bool {
        switch role {
        case .platformAdmin, .staff, .departmentAdmin: mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode)
        case .citizen: !matter.ownerAccountID.isEmpty && matter.ownerAccountID == accountID
        case .professional: !matter.assigneeAccountID.isEmpty && matter.assigneeAccountID == accountID
        case .service: false
        }
    }

    /// Whether this account sees identity numbers and phones unmasked on `matter`.
    public func seesPersonalData(of matter: Matter) -> Bool {
        switch role {
        case .platformAdmin, .staff, .departmentAdmin: mayHandle(businessLine: matter.businessLine, regionCode: matter.regionCode)
        case .citizen: matter.ownerAccountID == accountID
        case .professional, .service: false
        }
    }
}
