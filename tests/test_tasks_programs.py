"""Running external programs: a failure is one line naming the error the program printed."""

import pytest

from supatasks import programs


def test_a_failure_names_the_error_line_not_a_closing_remark():
    script = 'echo "initdb: error: could not access directory: Permission denied" >&2; ' \
             'echo "initdb: removing contents of data directory" >&2; exit 1'
    with pytest.raises(programs.ProgramFailed) as failed:
        programs.run("sh", ["-c", script])
    assert str(failed.value) == "sh failed: initdb: error: could not access directory: Permission denied"


def test_without_an_error_line_the_last_line_is_shown():
    with pytest.raises(programs.ProgramFailed) as failed:
        programs.run("sh", ["-c", 'echo first >&2; echo "the end" >&2; exit 3'])
    assert str(failed.value) == "sh failed: the end"
