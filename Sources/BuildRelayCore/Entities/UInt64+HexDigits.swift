extension UInt64 {
    /// Writes the value as 16 lowercase hex digits into `buffer` from `start` (trace ids, content digests).
    func writeHexDigits(into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        for index in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: self >> UInt64(60 - 4 * index)) & 0xF
            buffer[start + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
        }
    }
}
