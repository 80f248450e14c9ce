"""Prints what pytest's JUnit XML files say: counts, time and skips.

Usage: python tests/summarize_results.py RESULTS/BACKEND.xml ...

For each file (one backend): the counts and pytest's wall time, then every
skipped test with its reason, so that no skip is silent, and the five test
files that took longest. Exits non-zero if a file is missing, or any test
failed or errored.
"""

import collections
import pathlib
import sys
import xml.etree.ElementTree as ElementTree

SLOWEST_FILES = 5


def read(path):
    """`(suite element, [testcase elements])` of one JUnit XML file."""
    suite = ElementTree.parse(path).getroot()
    if suite.tag == "testsuites":
        suite = suite[0]
    return suite, suite.findall("testcase")


def counts(suite):
    total, skipped = int(suite.get("tests")), int(suite.get("skipped"))
    failed = int(suite.get("failures")) + int(suite.get("errors"))
    return total - failed - skipped, failed, skipped


def test_file(case):
    """`tests/a/b_test.py` from a test case's class name `tests.a.b_test`."""
    module = case.get("classname", "").split(".")
    while module and not module[-1].endswith("_test"):
        module.pop()  # a test class's name
    return "/".join(module) + ".py" if module else case.get("classname")


def skips(cases):
    """`[(test id, reason)]` of the skipped tests."""
    found = []
    for case in cases:
        skipped = case.find("skipped")
        if skipped is not None:
            name = f"{test_file(case)}::{case.get('name')}"
            found.append((name, skipped.get("message", "").strip()))
    return found


def slowest_files(cases, number=SLOWEST_FILES):
    seconds = collections.Counter()
    for case in cases:
        seconds[test_file(case)] += float(case.get("time", 0))
    return seconds.most_common(number)


def main(paths):
    totals = [0, 0, 0]
    for path in map(pathlib.Path, paths):
        suite, cases = read(path)
        passed, failed, skipped = counts(suite)
        totals = [passed + totals[0], failed + totals[1], skipped + totals[2]]
        print(
            f"{path.stem}: {passed} passed, {failed} failed, {skipped} "
            f"skipped in {float(suite.get('time')):.0f} s"
        )
        for name, reason in skips(cases):
            print(f"  skipped {name}: {reason}")
        files = ", ".join(
            f"{name} {seconds:.0f} s" for name, seconds in slowest_files(cases)
        )
        print(f"  slowest files: {files}")
    passed, failed, skipped = totals
    print(f"all: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
