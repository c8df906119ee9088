#!/usr/bin/env python3
"""Writes what real Ansible selects for random host patterns on one inventory, for fleet's selection test.

    python3 scripts/ansible-patterns.py > test/fixtures/inventory/ansible-patterns.json

Needs `ansible` (Debian: apt-get install ansible-core). Each pattern is generated from the inventory's
group and host names (plain, globs, ~regex, subscripts [i], [-1], [i:j], [i:], joined by ':' or ',' with
'&' and '!' terms), run through `ansible -i INV PATTERN --list-hosts`, and kept only when Ansible matched
every term (no "Could not match" warning) and selected at least one host: fleet refuses patterns naming
nothing, where Ansible warns. Seeded, so the same Ansible gives the same file.
"""
import json
import random
import re
import subprocess
import sys

INV = "test/fixtures/inventory/ini/patterns.ini"
GROUPS = ["web", "db", "cache", "eu", "us", "backend", "prod", "edge", "ungrouped", "all"]
HOSTS = ["lb1", "lb2"] + [f"web0{i}" for i in range(1, 7)] + ["db-a", "db-b", "db-c", "cache1", "cache2"]
GLOBS = ["web*", "*1", "db-?", "cache*", "*-b", "lb?", "*a*"]
REGEXES = ["~web0[1-3]", "~(db|cache)", "~.*2$", "~lb", "~web0[4-6]|db-c", "~c.*e"]


def term(rng):
    kind = rng.choice(["group", "group", "host", "glob", "regex", "subscript"])
    if kind == "group":
        return rng.choice(GROUPS)
    if kind == "host":
        return rng.choice(HOSTS)
    if kind == "glob":
        return rng.choice(GLOBS)
    if kind == "regex":
        return rng.choice(REGEXES)
    base = rng.choice(["web", "db", "eu", "us", "prod", "edge", "backend"])
    sub = rng.choice(["[0]", "[1]", "[-1]", "[0:1]", "[1:3]", "[2:]", "[-2]"])
    return base + sub


def pattern(rng):
    parts = [term(rng) for _ in range(rng.choice([1, 1, 2, 2, 3, 4]))]
    ops = [""] + [rng.choice(["", "", "&", "!"]) for _ in parts[1:]]
    if rng.random() < 0.15:
        ops[0] = rng.choice(["&", "!"])
    sep = rng.choice([":", ","])
    return sep.join(op + p for op, p in zip(ops, parts))


def ansible(p):
    run = subprocess.run(["ansible", "-i", INV, p, "--list-hosts"], capture_output=True, text=True)
    if run.returncode != 0 or "Could not match" in run.stderr or "No hosts matched" in run.stderr:
        return None
    lines = run.stdout.strip().splitlines()
    if not lines or not re.match(r"^\s*hosts \(\d+\):$", lines[0]):
        return None
    return [line.strip() for line in lines[1:]]


def main():
    rng = random.Random(18)
    version = subprocess.run(["ansible", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    cases, seen = [], set()
    while len(cases) < 50:
        p = pattern(rng)
        if p in seen:
            continue
        seen.add(p)
        hosts = ansible(p)
        if hosts:
            cases.append({"pattern": p, "hosts": hosts})
            print(f"{len(cases):2} {p} -> {len(hosts)}", file=sys.stderr)
    json.dump({"inventory": INV, "ansible": version, "patterns": cases}, sys.stdout, indent=1)
    print()


main()
