"""`tests/summarize_results.py`: what `make test` prints at the end."""

from tests import summarize_results

JUNIT_XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1"
 tests="4" time="12.5">
<testcase classname="tests.models.vae_test" name="test_a" time="3.0"/>
<testcase classname="tests.models.vae_test.TestGroup" name="test_b"
 time="2.0"><failure message="boom"/></testcase>
<testcase classname="tests.presets_test" name="test_spot_check[vae]"
 time="0.1"><skipped type="pytest.skip" message="no offline TFDS copy"/>
</testcase>
<testcase classname="tests.cli_test" name="test_c" time="7.0"/>
</testsuite></testsuites>
"""


def test_prints_counts_time_every_skip_and_the_slowest_files(tmp_path, capsys):
    path = tmp_path / "jax.xml"
    path.write_text(JUNIT_XML)
    assert summarize_results.main([str(path)]) == 1  # one test failed
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "jax: 2 passed, 1 failed, 1 skipped in 12 s"
    assert lines[1] == (
        "  skipped tests/presets_test.py::test_spot_check[vae]: "
        "no offline TFDS copy"
    )
    assert lines[2] == (
        "  slowest files: tests/cli_test.py 7 s, tests/models/vae_test.py "
        "5 s, tests/presets_test.py 0 s"
    )
    assert lines[-1] == "all: 2 passed, 1 failed, 1 skipped"


def test_no_results_is_a_failure(capsys):
    assert summarize_results.main([]) == 1
