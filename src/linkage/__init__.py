"""linkage: follow one child across CBP, ICE, HHS/ORR and immigration-court records."""

from linkage.errors import (
    BlockingError,
    EvaluationError,
    InputError,
    LinkageError,
    ModelError,
    RecordError,
    SchemaError,
    SourceError,
)

__version__ = "0.1.0"

__all__ = [
    "BlockingError",
    "EvaluationError",
    "InputError",
    "LinkageError",
    "ModelError",
    "RecordError",
    "SchemaError",
    "SourceError",
    "__version__",
]
