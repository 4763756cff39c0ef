#!/usr/bin/env python3
"""Validates JSON documents against a BuildRelay schema with the `jsonschema` package (draft 2020-12).

usage: validate.py SCHEMA FILE...    (FILE '-' reads one document per line from standard input)
Exit 0 when every document is valid; otherwise prints each error and exits 1.
"""
import json
import sys

import jsonschema


def main() -> int:
    schema_path, *paths = sys.argv[1:]
    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    documents = []
    for path in paths:
        if path == "-":
            documents += [(f"stdin:{number}", json.loads(line)) for number, line in enumerate(sys.stdin, 1) if line.strip()]
        else:
            with open(path, encoding="utf-8") as handle:
                documents.append((path, json.load(handle)))
    invalid = 0
    for name, document in documents:
        errors = list(validator.iter_errors(document))
        invalid += 1 if errors else 0
        for error in errors:
            print(f"{name}: {error.json_path}: {error.message}")
    print(f"{len(documents) - invalid} documents valid, {invalid} invalid")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
