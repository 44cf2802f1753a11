"""linkage: follow one child across CBP, ICE, HHS/ORR and immigration-court records.

The stages, each callable alone::

    read_sources  ->  normalize  ->  link  ->  handoff_report  ->  HandoffReport.write
    (validate)        (records)      (pairs,     (statuses,          (Parquet, CSV,
                                      clusters)   summary)            JSON, HTML)

``run`` chains them; ``evaluate`` scores clusters against known truth; ``synthetic.generate``
makes four-agency data with truth.
"""

from linkage._version import __version__
from linkage.diagnosis import ErrorAnalysis, explain_errors
from linkage.errors import (
    BlockingError,
    EvaluationError,
    InputError,
    LinkageError,
    ModelError,
    OutputError,
    Problem,
    RecordError,
    ResourceError,
    SchemaError,
    SourceError,
    StoreError,
    StrictInputError,
)
from linkage.evaluation import Evaluation, StatusScores, evaluate
from linkage.handoff import HandoffReport, handoff_report, identity_statuses
from linkage.linking import LinkageResult, link
from linkage.model import Model, TrainingConfig
from linkage.normalization import Records, normalize, profile
from linkage.pipeline import run
from linkage.report import write_report
from linkage.sources import Sources, read_sources
from linkage.store import Store
from linkage.thresholds import Thresholds

__all__ = [
    "BlockingError",
    "ResourceError",
    "Evaluation",
    "ErrorAnalysis",
    "EvaluationError",
    "HandoffReport",
    "InputError",
    "LinkageError",
    "LinkageResult",
    "Model",
    "ModelError",
    "OutputError",
    "Problem",
    "RecordError",
    "Records",
    "SchemaError",
    "SourceError",
    "Sources",
    "StatusScores",
    "Store",
    "StoreError",
    "StrictInputError",
    "Thresholds",
    "TrainingConfig",
    "__version__",
    "evaluate",
    "explain_errors",
    "handoff_report",
    "identity_statuses",
    "link",
    "normalize",
    "profile",
    "read_sources",
    "run",
    "write_report",
]
