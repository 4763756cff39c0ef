/// Defaults the vendor providers share, for the settings a queue may leave out.
public enum VendorDefaults {
    /// `queues.<name>.requestTimeout` when it is not set: how long one API request may take.
    public static let requestTimeout: Duration = .seconds(30)
}
