"""A translated template as CloudFormation would create it for given parameter values.

Resolves what the tests read: conditions (Fn::If, Condition, Fn::Equals, Fn::Not, Fn::And, Fn::Or),
Ref AWS::NoValue (the key or list item goes), Ref and Fn::Sub of parameters and pseudo parameters,
Fn::Select and Fn::Split. What only exists once deployed (a resource's Ref, Fn::GetAtt, ${Resource}
in Fn::Sub) stays as written.
"""

import re
from typing import Any

PSEUDO_PARAMETERS = {
    "AWS::AccountId": "111122223333",
    "AWS::Partition": "aws",
    "AWS::Region": "us-west-2",
    "AWS::StackName": "coaching-sessions-test",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class DeployedTemplate:
    def __init__(self, translated: dict[str, Any], overrides: dict[str, str]) -> None:
        declared = translated.get("Parameters", {})
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        self.parameters.update(overrides)
        self.parameters.update(PSEUDO_PARAMETERS)
        self._conditions = translated.get("Conditions", {})
        self._decided: dict[str, bool] = {}
        self.resources: dict[str, Any] = {
            name: self.resolve(resource)
            for name, resource in translated["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def of_type(self, resource_type: str) -> dict[str, Any]:
        return {name: resource for name, resource in self.resources.items() if resource["Type"] == resource_type}

    def condition(self, name: str) -> bool:
        if name not in self._decided:
            self._decided[name] = self._truth(self._conditions[name])
        return self._decided[name]

    def resolve(self, value: Any) -> Any:
        resolved = self._resolve(value)
        return None if resolved is _NO_VALUE else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            [(function, argument)] = value.items()
            if function == "Fn::If":
                name, when_true, when_false = argument
                return self._resolve(when_true if self.condition(name) else when_false)
            if function == "Ref":
                if argument == "AWS::NoValue":
                    return _NO_VALUE
                return self.parameters.get(argument, value)
            if function == "Fn::Sub":
                return self._substitute(argument)
            if function == "Fn::Split":
                delimiter, text = self._resolve(argument)
                return text.split(delimiter) if isinstance(text, str) else {function: [delimiter, text]}
            if function == "Fn::Select":
                index, items = self._resolve(argument)
                return items[int(index)] if isinstance(items, list) else {function: [index, items]}
        entries = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in entries.items() if item is not _NO_VALUE}

    def _substitute(self, argument: Any) -> Any:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        known = {**self.parameters, **{name: self._resolve(item) for name, item in variables.items()}}

        def value_of(match: re.Match[str]) -> str:
            found = known.get(match.group(1))
            return found if isinstance(found, str) else match.group(0)

        return _SUB_VARIABLE.sub(value_of, text).replace("${!", "${")

    def _truth(self, value: Any) -> bool:
        [(function, argument)] = value.items()
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = (str(self._resolve(side)) for side in argument)
            return left == right
        if function == "Fn::Not":
            return not self._truth(argument[0])
        if function == "Fn::And":
            return all(self._truth(item) for item in argument)
        if function == "Fn::Or":
            return any(self._truth(item) for item in argument)
        raise ValueError(f"not a condition CloudFormation knows: {function}")
