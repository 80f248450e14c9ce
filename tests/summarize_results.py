"""Prints one line per backend and a total from pytest's JUnit XML files.

Usage: python tests/summarize_results.py RESULTS/BACKEND.xml ...
Exits non-zero if a file is missing, or any test failed or errored.
"""

import pathlib
import sys
import xml.etree.ElementTree as ElementTree


def counts(path):
    suite = ElementTree.parse(path).getroot()
    if suite.tag == "testsuites":
        suite = suite[0]
    total, skipped = int(suite.get("tests")), int(suite.get("skipped"))
    failed = int(suite.get("failures")) + int(suite.get("errors"))
    return total - failed - skipped, failed, skipped


def main(paths):
    totals = [0, 0, 0]
    for path in map(pathlib.Path, paths):
        passed, failed, skipped = counts(path)
        totals = [passed + totals[0], failed + totals[1], skipped + totals[2]]
        print(
            f"{path.stem}: {passed} passed, {failed} failed, {skipped} skipped"
        )
    passed, failed, skipped = totals
    print(f"all: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
