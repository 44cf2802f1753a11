"""The error tree: one root, each class also the builtin it refines, messages that say how to fix."""

import pytest

import linkage
from linkage.errors import Problem, raise_problems


def test_every_public_error_is_a_linkage_error():
    for name in (
        "InputError",
        "SourceError",
        "SchemaError",
        "RecordError",
        "ModelError",
        "BlockingError",
        "EvaluationError",
        "ResourceError",
        "OutputError",
        "StrictInputError",
    ):
        assert issubclass(getattr(linkage, name), linkage.LinkageError)
    assert issubclass(linkage.SchemaError, ValueError)
    assert issubclass(linkage.BlockingError, RuntimeError)
    assert issubclass(linkage.OutputError, OSError)
    assert issubclass(linkage.StrictInputError, linkage.InputError)


def test_all_problems_reported_at_once_with_examples_and_fix():
    problems = [
        Problem(
            source="cbp",
            column="record_id",
            message="3 empty values",
            fix="fill them",
            examples=("line 2", "line 5", "line 9", "line 11", "line 12", "line 13"),
            kind="record",
        ),
        Problem(
            source="ice", column="event_date", message="column missing", fix="map it", kind="schema"
        ),
    ]
    with pytest.raises(linkage.InputError) as info:
        raise_problems(problems)
    text = str(info.value)
    assert "2 problems" in text
    assert "source 'cbp'" in text and "column 'event_date'" in text
    assert "line 12" in text and "line 13" not in text  # at most five examples
    assert "Fix: map it" in text
    assert len(info.value.problems) == 2


def test_single_kind_raises_the_specific_class():
    with pytest.raises(linkage.RecordError):
        raise_problems(
            [Problem(source="hhs", column="record_id", message="dup", fix="dedupe", kind="record")]
        )
    raise_problems([])  # nothing to raise
