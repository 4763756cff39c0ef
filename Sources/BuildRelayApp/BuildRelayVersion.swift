/// This build of BuildRelay: what `buildrelay --version` prints, with the librdkafka it runs with.
public enum BuildRelayVersion {
    /// The release: bumped with the contract's features (`docs/contract.md`).
    public static let current = "0.9.0"
}
