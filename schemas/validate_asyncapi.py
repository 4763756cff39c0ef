#!/usr/bin/env python3
"""Validates schemas/asyncapi.yaml: the AsyncAPI 3.0 object model of PyPI's `asyncapi3` (pydantic), then every
`$ref` in it: a local one must resolve inside the document, a file one must name a schema beside it.

usage: validate_asyncapi.py [FILE]    (default: asyncapi.yaml next to this script)
Exit 0 when valid; otherwise prints each problem and exits 1.
"""
import os
import sys
import warnings

import yaml

warnings.simplefilter("ignore")  # asyncapi3 warns about its own field names
from asyncapi3 import AsyncAPI3  # noqa: E402


def references(node, path="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from references(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from references(value, f"{path}/{index}")


def resolve(document, pointer):
    node = document
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "asyncapi.yaml")
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    problems = []
    try:
        AsyncAPI3.model_validate(document)
    except Exception as error:  # pydantic.ValidationError, with every field at fault
        problems.append(str(error))
    directory = os.path.dirname(os.path.abspath(path))
    for where, target in references(document):
        if target.startswith("#"):
            if resolve(document, target) is None:
                problems.append(f"{where}: $ref {target} does not resolve")
        elif not os.path.isfile(os.path.join(directory, target)):
            problems.append(f"{where}: $ref {target} names no file beside {os.path.basename(path)}")
    for problem in problems:
        print(problem)
    print(f"{path}: {'valid' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
