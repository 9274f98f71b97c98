#!/usr/bin/python3
"""metrics-families.py [<exposition file> [<json file>]]

Parses Prometheus text exposition (the file, or stdin) with prometheus_client,
the reference parser, and writes its metric families as JSON (to the file,
or stdout): a list of {"name", "type", "help", "samples": [{"name", "labels",
"value"}]}. A malformed exposition makes the parser raise: exit status 1.

The /metrics end-to-end test runs it (scripts/ensure-deps.sh installs the
module for /usr/bin/python3). Note the parser names a counter family
without its _total suffix; its samples keep it.
"""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def value(number):
    # JSON has no NaN or infinity: null (none is expected; the test says so).
    return number if math.isfinite(number) else None


families = [
    {
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "samples": [
            {"name": sample.name, "labels": sample.labels, "value": value(sample.value)}
            for sample in family.samples
        ],
    }
    for family in text_string_to_metric_families(
        open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    )
]
if len(sys.argv) > 2:
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(families, out)
else:
    json.dump(families, sys.stdout)
