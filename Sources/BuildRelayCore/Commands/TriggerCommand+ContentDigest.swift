extension TriggerCommand {
    /// A fingerprint of what the trigger asks for (queue, changes in order, metadata), kept in the build's state
    /// record so that a later trigger of the same request id with different content is noticed and reported.
    /// FNV-1a (64 bits) over the fields with separators, as 16 hex digits: stable across workers and releases.
    public var contentDigest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            var text = text
            text.withUTF8 { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            }
            hash = (hash ^ 0x1F) &* 0x0000_0100_0000_01b3  // a separator no field contains
        }
        add(queue)
        for change in changes {
            add(change.action.rawValue)
            for uri in change.uris { add(uri) }
            add("\u{1E}")
        }
        for key in metadata.entries.keys.sorted() {
            add(key)
            add(metadata.entries[key] ?? "")
        }
        return String(unsafeUninitializedCapacity: 16) { buffer in
            hash.writeHexDigits(into: buffer, at: 0)
            return 16
        }
    }
}
