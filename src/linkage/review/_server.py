"""The review page's server: a local web server over one store, on 127.0.0.1 only.

Every request for data carries the session's random token (the page's URL holds it; the page
sends it back in the ``X-Linkage-Token`` header), the ``Host`` header must name this server
(no DNS rebinding), and every answer forbids scripts, styles and connections from anywhere but
the server itself (``Content-Security-Policy``): the page's script and style are files of this
package, nothing is fetched from the network. The page writes every value with ``textContent``,
never as HTML. Requests are logged at DEBUG without the token.

Routes: ``GET /`` (the page; needs ``?token=``), ``GET /static/review.js|review.css``,
``GET /api/queue``, ``GET /api/sample``, ``GET /api/item?l=&r=``, ``GET /api/decisions``,
``GET /api/precision``, ``POST /api/decide``, ``POST /api/apply``.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import secrets
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from linkage.review._item import review_item
from linkage.review._precision import precision_estimate
from linkage.review._queue import review_queue, sample_links
from linkage.store._schema import T

if TYPE_CHECKING:
    from pathlib import Path

    from linkage.store import Store

__all__ = ["HOST", "ReviewServer"]

logger = logging.getLogger("linkage")

#: The only address the page listens on.
HOST = "127.0.0.1"
#: How many sample links the "check a sample" tab draws at a time.
SAMPLE_SIZE = 200

_STATIC = {
    "review.js": "text/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def _static(name: str) -> bytes:
    return resources.files("linkage.review").joinpath("static", name).read_bytes()


def _plain(value: Any) -> Any:
    """A value JSON can carry (NaN and missing as null, numpy scalars as Python)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


@dataclass
class ReviewServer:
    """The review page of ``store``, served on ``127.0.0.1:port`` (``port=0``: any free port).

    ``decisions_file``: when given, every decision also rewrites this decisions file (the
    ``--out`` mode keeps ``OUT/decisions.csv`` beside a run's output). Use :meth:`start` and
    :meth:`stop`, or :meth:`serve_forever`; :attr:`url` holds the token.
    """

    store: Store
    port: int = 0
    decisions_file: Path | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _httpd: ThreadingHTTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _queue: pd.DataFrame | None = field(default=None, repr=False)
    _sample: pd.DataFrame | None = field(default=None, repr=False)

    # -- life ----------------------------------------------------------------------------------

    def bind(self) -> None:
        """Open the listening socket (on 127.0.0.1 only)."""
        if self._httpd is None:
            self._httpd = ThreadingHTTPServer((HOST, self.port), _handler(self))
            self._httpd.daemon_threads = True
            self.port = int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The page's address, with the session's token."""
        self.bind()
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def start(self) -> str:
        """Serve in a background thread; return the page's address."""
        self.bind()
        assert self._httpd is not None
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        self.bind()
        assert self._httpd is not None
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            logger.info("review page stopped")
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and release the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # -- answers -------------------------------------------------------------------------------

    def queue(self, *, refresh: bool = False) -> dict[str, Any]:
        with self._lock:
            if self._queue is None or refresh:
                self._queue = review_queue(self.store)
            return {"items": _rows(self._queue), **self._counts()}

    def sample(self, *, refresh: bool = False) -> dict[str, Any]:
        with self._lock:
            if self._sample is None or refresh:
                self._sample = sample_links(self.store, SAMPLE_SIZE)
            return {"items": _rows(self._sample), "precision": self._precision()}

    def item(self, left: str, right: str) -> dict[str, Any]:
        with self._lock:
            shown = review_item(self.store, left, right)
        shown["records"] = [{k: _plain(v) for k, v in r.items()} for r in shown["records"]]
        shown["waterfall"] = [{k: _plain(v) for k, v in r.items()} for r in shown["waterfall"]]
        shown["match_probability"] = _plain(shown["match_probability"])
        return shown

    def decisions(self) -> dict[str, Any]:
        with self._lock:
            frame = self.store.decisions()
        frame = frame.astype(object).where(frame.notna(), None)
        for column in frame.columns:
            if column.endswith("_at"):
                frame[column] = frame[column].map(lambda v: None if v is None else str(v)[:19])
        return {"decisions": _rows(frame)}

    def precision(self) -> dict[str, Any]:
        with self._lock:
            return self._precision()

    def decide(self, body: dict[str, Any]) -> dict[str, Any]:
        """Record a decision: ``unique_id_l, unique_id_r, decision`` and optionally
        ``reviewer, note, mode`` (``queue`` / ``sample``) and ``scope``: ``pair`` (default) or
        ``identity`` (the right record against the whole identity of the left one: *different*
        keeps it apart from every record of that identity)."""
        left, right = str(body.get("unique_id_l", "")), str(body.get("unique_id_r", ""))
        decision, mode = str(body.get("decision", "")), str(body.get("mode", "queue"))
        reviewer = str(body.get("reviewer") or "").strip() or None
        note = str(body.get("note") or "").strip() or None
        with self._lock:
            pairs = [(left, right)]
            if body.get("scope") == "identity" and decision == "different":
                pairs = self._against_identity(left, right)
            for a, b in pairs:
                self.store.decide(a, b, decision, reviewer=reviewer, note=note, mode=mode)
                self._forget(f"{min(a, b)}|{max(a, b)}")
            self._forget(f"{min(left, right)}|{max(left, right)}")
            if self.decisions_file is not None:
                self.store.export_decisions(self.decisions_file)
            return {"recorded": len(pairs), **self._counts(), "precision": self._precision()}

    def apply(self) -> dict[str, Any]:
        """Apply the decisions now (an update without data) and draw the queue again."""
        with self._lock:
            report = self.store.apply_decisions()
            changes = report.changes
            counts = {} if changes is None else changes.groupby("change").size().to_dict()
            self._queue, self._sample = None, None
        return {"changes": {str(k): int(v) for k, v in counts.items()}}

    # -- helpers (called under the lock) -------------------------------------------------------

    def _against_identity(self, left: str, right: str) -> list[tuple[str, str]]:
        rows = self.store.con.execute(
            f"""SELECT c.unique_id FROM {T.clusters} c
            WHERE c.identity_id = (SELECT identity_id FROM {T.clusters}
                                   WHERE unique_id = ?) AND c.unique_id <> ?
            ORDER BY c.unique_id""",
            [left, right],
        ).fetchall()
        return [(str(u), right) for (u,) in rows] or [(left, right)]

    def _forget(self, item_id: str) -> None:
        for name in ("_queue", "_sample"):
            frame = getattr(self, name)
            if frame is not None:
                setattr(self, name, frame[frame["item_id"] != item_id].reset_index(drop=True))

    def _counts(self) -> dict[str, Any]:
        left = 0 if self._queue is None else len(self._queue)
        decided = int(self.store.con.execute(f"SELECT count(*) FROM {T.decisions}")
                      .fetchall()[0][0])  # fmt: skip
        return {"left": left, "decided": decided}

    def _precision(self) -> dict[str, Any]:
        if self._queue is None:
            self._queue = review_queue(self.store)
        # the page's queue: decided items are dropped from it as they are decided, as
        # review_queue would, without drawing the whole queue again for every decision
        estimate = precision_estimate(self.store, queue=self._queue)
        return {k: _plain(v) for k, v in estimate.items()}


def _handler(server: ReviewServer) -> type[BaseHTTPRequestHandler]:
    """The request handler class bound to ``server``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "linkage-review"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            logger.debug("review page: %s %s", self.command, urlsplit(self.path).path)

        # -- checks ----------------------------------------------------------------------------

        def _host_ok(self) -> bool:
            host = self.headers.get("Host", "")
            return host in {f"{HOST}:{server.port}", f"localhost:{server.port}"}

        def _token_ok(self, given: str | None) -> bool:
            return given is not None and hmac.compare_digest(given, server.token)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            for key, value in _HEADERS.items():
                self.send_header(key, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            body = json.dumps(payload, default=str).encode("utf-8")
            self._send(status, body, "application/json; charset=utf-8")

        def _refuse(self, status: HTTPStatus, why: str) -> None:
            self._json(status, {"error": why})

        # -- routes ----------------------------------------------------------------------------

        def do_GET(self) -> None:  # noqa: N802
            if not self._host_ok():
                return self._refuse(HTTPStatus.FORBIDDEN, "unknown host")
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path == "/":
                if not self._token_ok(query.get("token")):
                    return self._refuse(HTTPStatus.FORBIDDEN, "open the address the command "
                                        "printed: it holds the session's token")  # fmt: skip
                return self._send(HTTPStatus.OK, _static("review.html"), "text/html; charset=utf-8")
            if url.path.startswith("/static/") and url.path[8:] in _STATIC:
                name = url.path[8:]
                return self._send(HTTPStatus.OK, _static(name), _STATIC[name])
            if not url.path.startswith("/api/"):
                return self._refuse(HTTPStatus.NOT_FOUND, "no such page")
            if not self._token_ok(self.headers.get("X-Linkage-Token")):
                return self._refuse(HTTPStatus.FORBIDDEN, "missing or wrong token")
            self._answer(url.path, query)

        def _answer(self, path: str, query: dict[str, str]) -> None:
            refresh = query.get("refresh") == "1"
            routes = {
                "/api/queue": lambda: server.queue(refresh=refresh),
                "/api/sample": lambda: server.sample(refresh=refresh),
                "/api/decisions": server.decisions,
                "/api/precision": server.precision,
                "/api/item": lambda: server.item(query.get("l", ""), query.get("r", "")),
            }
            if path not in routes:
                return self._refuse(HTTPStatus.NOT_FOUND, "no such request")
            try:
                self._json(HTTPStatus.OK, routes[path]())
            except KeyError as error:
                self._refuse(HTTPStatus.NOT_FOUND, str(error.args[0] if error.args else error))
            except Exception:  # an answer, not a dropped connection; the traceback in the log
                logger.exception("review page: %s failed", path)
                self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error: see the log")

        def do_POST(self) -> None:  # noqa: N802
            if not self._host_ok():
                return self._refuse(HTTPStatus.FORBIDDEN, "unknown host")
            if not self._token_ok(self.headers.get("X-Linkage-Token")):
                return self._refuse(HTTPStatus.FORBIDDEN, "missing or wrong token")
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                return self._refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON")
            length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._refuse(HTTPStatus.BAD_REQUEST, "the body is not JSON")
            path = urlsplit(self.path).path
            try:
                if path == "/api/decide" and isinstance(body, dict):
                    return self._json(HTTPStatus.OK, server.decide(body))
                if path == "/api/apply":
                    return self._json(HTTPStatus.OK, server.apply())
            except ValueError as error:
                return self._refuse(HTTPStatus.BAD_REQUEST, str(error))
            except Exception:
                logger.exception("review page: %s failed", path)
                return self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error: see the log")
            self._refuse(HTTPStatus.NOT_FOUND, "no such request")

    return Handler
