/// The fakes come with the test support, so a test imports one module.
@_exported import BuildRelayFakes
