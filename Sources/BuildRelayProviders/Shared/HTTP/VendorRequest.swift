import NIOHTTP1

/// One call to a vendor's REST API, relative to the client's base URL.
struct VendorRequest: Sendable {
    var method: HTTPMethod
    /// Path segments, each percent-encoded when the URL is built (`["job", "a b"]` → `/job/a%20b`).
    var path: [String]
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    /// A JSON body (sent as `application/json`), or form fields (`application/x-www-form-urlencoded`).
    var body: Body?
    /// Safe to send again after a timeout or a 5xx: reads, and writes the vendor applies at most once (a cancel).
    /// Any request is sent again after a 429, which the vendor did not process.
    var isIdempotent: Bool

    enum Body: Sendable {
        case json([UInt8])
        case form([(name: String, value: String)])
    }

    init(_ method: HTTPMethod, _ path: [String], query: [(name: String, value: String)] = [], body: Body? = nil, isIdempotent: Bool? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.isIdempotent = isIdempotent ?? (method == .GET || method == .HEAD)
    }

    /// `METHOD /path` as logs and error messages show it (no query, no headers).
    var summary: String { "\(method.rawValue) /\(path.joined(separator: "/"))" }

    func url(base: String) -> String {
        var url = base
        for segment in path { url += "/" + Self.percentEncoded(segment) }
        if !query.isEmpty {
            url += "?" + Self.formEncoded(query)
        }
        return url
    }

    static func formEncoded(_ fields: [(name: String, value: String)]) -> String {
        fields.map { "\(percentEncoded($0.name))=\(percentEncoded($0.value))" }.joined(separator: "&")
    }

    /// Everything but RFC 3986's unreserved characters is escaped.
    static func percentEncoded(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return output
    }
}
