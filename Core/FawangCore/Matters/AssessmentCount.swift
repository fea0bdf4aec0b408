/// What the monthly assessment (考核) counts of one county and line over a span, from the facts
/// index (``MatterFacts``) and the matters' applicant records: see ``MatterStore/assessmentCounts(from:to:today:regionCode:businessLines:onlineChannels:)``.
public struct AssessmentCount: Sendable, Equatable {
    /// The county (the division a matter is filed in).
    public var regionCode: String
    public var businessLine: String
    /// Matters received in the span.
    public var received = 0
    /// Of those, with a limit met late or still running past its last day on the day asked.
    public var late = 0
    /// Of those, received through one of the online channels.
    public var online = 0
    /// Of those, whose applicant record holds a name, a phone number and an identity number.
    public var complete = 0
    /// Satisfaction ratings (1–5) given in the span: how many and their sum.
    public var ratings = 0
    public var ratingSum = 0

    public init(regionCode: String, businessLine: String) {
        self.regionCode = regionCode
        self.businessLine = businessLine
    }

    /// Adds another count's figures to this one's (a county's into its city's).
    public mutating func add(_ other: AssessmentCount) {
        received += other.received
        late += other.late
        online += other.online
        complete += other.complete
        ratings += other.ratings
        ratingSum += other.ratingSum
    }
}
