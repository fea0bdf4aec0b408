/// Which channel a request came in by, decided by the server from who is calling — never from
/// what the client claims, so statistics by channel can be believed.
///
/// In order:
/// 1. an account bound to a channel (``Principal/channel``): a hall window's clerk is `walk_in`,
///    the hotline front end and its agents `hotline`, another system's service account `api`;
/// 2. other staff and admins act at their office's counter: `walk_in`; other service accounts
///    are systems: `api`;
/// 3. a citizen, a professional or an anonymous caller comes in by a door the host itself serves:
///    the portal and the HTTP gateway are `web`, the WeChat endpoint is `wechat`
///    (``origin``, set by the host only on its own in-process calls);
/// 4. anything else reached the native gRPC port, which browsers cannot speak: `mobile`, the app.
///
/// Rows an office imports (`ImportService`) are `import`: the import sets ``current`` itself for
/// the intakes it calls.
///
/// The host sets ``current`` for every call; `ChannelContext.channel` in a request is then ignored.
/// Code run outside a host (unit tests of a line's rules) sees nil and falls back to the claim.
public enum ChannelDecision {
    @TaskLocal public static var current: Channel?

    public static func decide(principal: Principal?, origin: Channel?) -> Channel {
        if let bound = principal?.channel { return bound }
        switch principal?.role {
        case .staff?, .departmentAdmin?, .platformAdmin?: return .walkIn
        case .service?: return .api
        case .citizen?, .professional?, nil: return origin ?? .mobile
        }
    }

    /// The doors the host serves in-process and may name as a call's origin.
    public static let origins: Set<Channel> = [.web, .wechat]
}
