"""Progress a person can watch: bars on a terminal or in a notebook, nothing in a pipe.

A bar shows only where someone looks at it: ``sys.stderr`` is a terminal, or the code runs in a
Jupyter kernel (a widget there with ipywidgets installed, else a text bar). ``quiet=True`` (``--quiet``)
turns every bar off; a pipeline (stderr not a terminal) gets the plain log lines only.

Three kinds of bars: the stages of the job (:func:`stages`: normalise, train, predict, cluster,
then report and write), with counts, elapsed and remaining time; under it, the steps of one long
stage (:func:`steps`: each slice of predict, with the time left; each conflict-check round of
clustering, counted as it goes, their number unknown in advance); and DuckDB's own bar for a long
query (percent and time left, e.g. scoring the pairs of one slice), switched on a connection
with :func:`configure` under the same rule, so a pipe never receives DuckDB's bar either.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["configure", "quiet", "stages", "steps", "wanted"]

_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("linkage_quiet", default=False)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    get = getattr(shell, "get_ipython", None)
    instance = get() if get is not None else None
    return instance is not None and "IPKernelApp" in getattr(instance, "config", {})


def wanted() -> bool:
    """Whether bars show here: not quiet, and a terminal or a notebook to show them on."""
    if _QUIET.get():
        return False
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) or _in_notebook()


@contextmanager
def quiet(value: bool) -> Iterator[None]:
    """Within the block, bars are off when ``value`` (``quiet=True`` of the public verbs)."""
    token = _QUIET.set(value or _QUIET.get())
    try:
        yield
    finally:
        _QUIET.reset(token)


def _on_terminal() -> bool:
    return not _QUIET.get() and bool(getattr(sys.stderr, "isatty", lambda: False)())


def configure(con: Any) -> None:
    """DuckDB's own progress bar on ``con`` only on a terminal (DuckDB prints it by default,
    even into a pipe; in a notebook it needs ipywidgets, and the stage bar is enough there)."""
    if _in_notebook():
        return  # DuckDB refuses to change the setting in Jupyter without ipywidgets
    on = "true" if _on_terminal() else "false"
    con.execute(f"SET enable_progress_bar = {on}")


def _tqdm() -> Any:
    """The notebook widget where Jupyter can draw it (ipywidgets installed), else text."""
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as widget

            return widget
        except ImportError:
            pass
    from tqdm.std import tqdm as text

    return text


@contextmanager
def stages(names: Sequence[str], *, desc: str) -> Iterator[Callable[[str], None]]:
    """A bar over the named stages of a job; call the yielded function with each stage's name
    as it starts (the bar counts the stages done and estimates the time left)."""
    if not wanted():
        yield lambda name: None
        return
    tqdm = _tqdm()
    bar = tqdm(total=len(names), desc=desc, unit="stage", file=sys.stderr, leave=False)
    started = [False]

    def begin(name: str) -> None:
        if started[0]:
            bar.update(1)
        started[0] = True
        bar.set_postfix_str(name)

    try:
        yield begin
        if started[0]:
            bar.update(1)
    finally:
        bar.close()


@contextmanager
def steps(
    desc: str, *, total: int | None = None, unit: str = "step"
) -> Iterator[Callable[[], None]]:
    """A bar over the steps of one long stage (shown under the stages' bar while that is open);
    call the yielded function as each step ends. With ``total`` the bar shows the steps done of
    ``total`` and the time left; without, it counts the steps and the time they took."""
    if not wanted():
        yield lambda: None
        return
    tqdm = _tqdm()
    # a counter says what it counts: "clustering round: 2 done [00:03, 1.52s/round]"
    counter = "{desc}: {n_fmt} done [{elapsed}, {rate_fmt}]" if total is None else None
    bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, bar_format=counter)

    def advance() -> None:
        bar.update(1)

    try:
        yield advance
    finally:
        bar.close()
