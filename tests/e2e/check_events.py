#!/usr/bin/env python3
"""Checks every line of an events file against docs/events.schema.json.

Usage: check_events.py EVENTS_FILE SCHEMA [EVENT...]
Exit 0 when every line is a JSON object the schema accepts and every EVENT
named occurs; otherwise prints each failure and exits 1.
"""
import json
import sys

import jsonschema


def main():
    path, schema_path, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
    schema = json.load(open(schema_path))
    validator = jsonschema.Draft7Validator(schema)
    seen, bad = set(), 0
    for number, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError as e:
            print(f"{path}:{number}: not JSON: {e}: {line.strip()[:200]}")
            bad += 1
            continue
        errors = list(validator.iter_errors(event))
        if errors:
            # oneOf hides which branch failed: check against the event's own.
            name = event.get("event")
            for branch in schema["oneOf"]:
                if branch["properties"]["event"].get("const") == name:
                    errors = list(jsonschema.Draft7Validator(branch).iter_errors(event))
            for e in errors or ["no schema for this event"]:
                print(f"{path}:{number}: {name}: {getattr(e, 'message', e)}")
            bad += 1
        seen.add(event.get("event"))
    for name in wanted:
        if name not in seen:
            print(f"{path}: no {name} event (seen: {sorted(seen)})")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
