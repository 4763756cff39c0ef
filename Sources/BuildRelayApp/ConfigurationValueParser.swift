import Foundation

/// Parses the contract's textual values: durations (`250ms`, `5s`, `30m`, `6h`, `7d`) and sizes (`512KiB`, `1MiB`,
/// or a plain number of bytes).
public enum ConfigurationValueParser {
    public static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count)
            // `5ms` also ends in `s`: only accept a suffix when what precedes it is a number.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            return .milliseconds(Int64((value * unit.milliseconds).rounded()))
        }
        return nil
    }

    static func size(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, bytes: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("B", 1)]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            guard let value = Int(trimmed.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
            return value * unit.bytes
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }
}
