import BuildRelayKafka
import Foundation
import Testing

/// The lane runs on the librdkafka it asks for: `make test` sets `BUILDRELAY_TEST_LIBRDKAFKA` for the Tansu lane,
/// which loads librdkafka 2.16 through `LD_LIBRARY_PATH`, so a lane that silently ran on 2.0.2 fails here.
struct LibrdkafkaVersionTests {
    @Test("the process runs with the librdkafka the test lane asks for (Debian's 2.0.2 by default)")
    func runsWithTheExpectedLibrdkafka() {
        let expected = ProcessInfo.processInfo.environment["BUILDRELAY_TEST_LIBRDKAFKA"] ?? "2.0.2"
        #expect(Librdkafka.version == expected)
    }
}
