/// The `actions` of a Jenkins queue item or build, as far as BuildRelay reads them: the parameters it was started
/// with (`hudson.model.ParametersAction`; other actions have none).
struct JenkinsParameterActions: Decodable {
    struct Action: Decodable {
        struct Parameter: Decodable {
            var name: String
            /// `null` for parameter types without a string value.
            var value: String?

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decode(String.self, forKey: .name)
                value = try? container.decodeIfPresent(String.self, forKey: .value)
            }

            private enum CodingKeys: String, CodingKey { case name, value }
        }

        var parameters: [Parameter]?
    }

    var actions: [Action?]

    init(from decoder: any Decoder) throws {
        actions = try decoder.singleValueContainer().decode([Action?].self)
    }

    /// The value of the parameter `name`, if it was given.
    func value(of name: String) -> String? {
        for case let action? in actions {
            if let parameter = action.parameters?.first(where: { $0.name == name }) { return parameter.value }
        }
        return nil
    }
}
