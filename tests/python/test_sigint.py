"""Ctrl-C: a long `stacksim run` interrupted by SIGINT stops between chunks, exits
130 and leaves complete, parseable output files (docs/outputs.md)."""

from conftest import check_interrupted_outputs, interrupt_run


def test_sigint_leaves_complete_parseable_outputs(tmp_path):
    out = tmp_path / "out"
    returncode, stderr = interrupt_run(out, [], once_csv_bytes=200_000)
    assert returncode == 130, stderr
    assert "interrupted" in stderr

    check_interrupted_outputs(out)
