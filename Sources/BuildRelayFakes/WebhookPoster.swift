import AsyncHTTPClient
import NIOCore

/// Posts a fake vendor's webhook deliveries to the pool's endpoints in turn, as a vendor posting to a load balancer
/// in front of every worker would; counts the deliveries not answered 2xx.
struct WebhookPoster {
    let targets: [String]
    let client: HTTPClient
    private(set) var failures = 0
    private var next = 0

    init(targets: [String], client: HTTPClient) {
        self.targets = targets
        self.client = client
    }

    mutating func post(_ webhook: VendorWebhook) async {
        var request = HTTPClientRequest(url: targets[next % targets.count])
        next += 1
        request.method = .POST
        for (name, value) in webhook.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: webhook.body))
        let answered = try? await client.execute(request, timeout: .seconds(5))
        if let answered { _ = try? await answered.body.collect(upTo: 1 << 16) }
        if !(200..<300).contains(answered?.status.code ?? 0) { failures += 1 }
    }
}
