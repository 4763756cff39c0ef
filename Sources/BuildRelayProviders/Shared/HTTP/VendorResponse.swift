import Foundation
import NIOHTTP1

/// A vendor's answer, body read whole.
struct VendorResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first(name: name) }

    var isSuccess: Bool { (200..<300).contains(status) }
}
