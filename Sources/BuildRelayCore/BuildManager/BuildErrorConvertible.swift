/// An error that knows its classification. A provider module makes the transport errors of the libraries it uses
/// conform (BuildRelayProviders does it for AsyncHTTPClient's and SwiftNIO's), so ``BuildErrorClassifier`` can
/// classify them without the core importing those libraries.
public protocol BuildErrorConvertible: Error {
    /// What this error means for the build.
    var buildError: BuildError { get }
}
