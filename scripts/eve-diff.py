#!/usr/bin/env python3
"""Compare two eve.json files record by record, ignoring key order.

Usage: scripts/eve-diff.py A/eve.json B/eve.json

Each line is parsed as JSON and compared with the line at the same
position in the other file (objects compare as dicts, so key order does
not matter; list order does). Reports the first differing record, with
the members that differ, and exits 1; exits 0 when both files hold the
same records in the same order.
"""

import json
import sys
from itertools import zip_longest


def differences(a, b, path=""):
    """Paths (and values) at which a and b differ, at most a few."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append((f"{path}.{k}", a.get(k, "<missing>"), b.get(k, "<missing>")))
            elif a[k] != b[k]:
                out.extend(differences(a[k], b[k], f"{path}.{k}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                out.extend(differences(x, y, f"{path}[{i}]"))
        return out
    return [(path or ".", a, b)]


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path_a, path_b = sys.argv[1], sys.argv[2]
    records = 0
    with open(path_a, encoding="utf-8") as fa, open(path_b, encoding="utf-8") as fb:
        for n, (la, lb) in enumerate(zip_longest(fa, fb), start=1):
            if la is None or lb is None:
                short = path_a if la is None else path_b
                print(f"line {n}: {short} ends here; the other file has more records")
                return 1
            try:
                a, b = json.loads(la), json.loads(lb)
            except json.JSONDecodeError as e:
                print(f"line {n}: not JSON: {e}")
                return 1
            if a != b:
                kind = a.get("event_type") if isinstance(a, dict) else None
                print(f"line {n}: records differ (event_type {kind!r})")
                for p, x, y in differences(a, b)[:20]:
                    print(f"  {p}: {json.dumps(x)[:200]} != {json.dumps(y)[:200]}")
                return 1
            records = n
    print(f"identical: {records} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
