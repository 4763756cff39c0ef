/// Where a provider credential is read from: the environment variable a `*Env` key names, or the file a `*File`
/// key names (a mounted Kubernetes secret, say). Only this is printed, never the value.
public enum SecretSource: Sendable, Hashable {
    case environment(String)
    case file(String)
}
