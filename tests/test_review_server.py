"""The review page's server without a browser: what it answers, and to whom (127.0.0.1, the
session's token, the right Host, no script or style from elsewhere)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pandas as pd
import pytest

from linkage import synthetic
from linkage.cli import main
from linkage.review._server import ReviewServer
from linkage.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ReviewServer]:
    store = Store.create(tmp_path_factory.mktemp("review") / "s.duckdb")
    store.update(synthetic.generate(600, seed=4).sources)
    review = ReviewServer(store)
    review.start()
    yield review
    review.stop()
    store.close()


def _ask(server: ReviewServer, method: str, path: str, *, token: str | None = "",
         host: str | None = None, body: object = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Host": host or f"127.0.0.1:{server.port}"}
    if token is not None:
        headers["X-Linkage-Token"] = token or server.token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    answer = conn.getresponse()
    out = answer.status, dict(answer.getheaders()), answer.read()
    conn.close()
    return out


def test_it_listens_on_127_0_0_1_only(server) -> None:
    assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")
    assert server._httpd.server_address[0] == "127.0.0.1"


def test_data_needs_the_token_and_the_right_host(server) -> None:
    assert _ask(server, "GET", "/api/queue")[0] == 200
    assert _ask(server, "GET", "/api/queue", token=None)[0] == 403
    assert _ask(server, "GET", "/api/queue", token="wrong")[0] == 403
    assert _ask(server, "GET", "/api/queue", host="attacker.example:80")[0] == 403
    assert _ask(server, "GET", "/", token=None)[0] == 403
    assert _ask(server, "GET", f"/?token={server.token}", token=None)[0] == 200
    item = json.loads(_ask(server, "GET", "/api/queue")[2])["items"][0]
    decision = {"unique_id_l": item["unique_id_l"], "unique_id_r": item["unique_id_r"],
                "decision": "same"}  # fmt: skip
    before = len(server.store.decisions())
    assert _ask(server, "POST", "/api/decide", token=None, body=decision)[0] == 403
    assert _ask(server, "POST", "/api/decide", token="wrong", body=decision)[0] == 403
    assert len(server.store.decisions()) == before


def test_every_answer_forbids_scripts_and_styles_from_elsewhere(server) -> None:
    for path in (f"/?token={server.token}", "/static/review.js", "/api/queue"):
        status, headers, _ = _ask(server, "GET", path)
        assert status == 200
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    page = _ask(server, "GET", f"/?token={server.token}")[2].decode()
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from the network
    script = _ask(server, "GET", "/static/review.js")[2].decode()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "eval(" not in script


def test_a_decision_is_recorded_and_leaves_the_queue(server) -> None:
    queue = json.loads(_ask(server, "GET", "/api/queue")[2])
    item = queue["items"][-1]
    shown = json.loads(_ask(server, "GET", f"/api/item?l={item['unique_id_l']}"
                                          f"&r={item['unique_id_r']}")[2])  # fmt: skip
    assert [r["unique_id"] for r in shown["records"]] == [item["unique_id_l"], item["unique_id_r"]]
    status, _, body = _ask(server, "POST", "/api/decide", body={
        "unique_id_l": item["unique_id_l"], "unique_id_r": item["unique_id_r"],
        "decision": "different", "reviewer": "ana", "note": "other mother"})  # fmt: skip
    assert status == 200 and json.loads(body)["left"] == queue["left"] - 1
    decisions = server.store.decisions()
    last = decisions.iloc[-1]
    assert (last["decision"], last["reviewer"], last["note"]) == (
        "different",
        "ana",
        "other mother",
    )
    after = json.loads(_ask(server, "GET", "/api/queue")[2])
    assert item["item_id"] not in {i["item_id"] for i in after["items"]}
    bad = _ask(server, "POST", "/api/decide", body={**item, "decision": "maybe"})
    assert bad[0] == 400 and b"decision must be one of" in bad[2]
    assert _ask(server, "GET", "/api/item?l=cbp:nope&r=hhs:nope")[0] == 404


def test_review_import_and_export_move_decisions_as_files(tmp_path) -> None:
    store_path = tmp_path / "s.duckdb"
    Store.create(store_path).close()
    decisions = tmp_path / "d.csv"
    decisions.write_text("source_l,record_id_l,source_r,record_id_r,decision\n"
                         "cbp,C1,hhs,H1,same\ncbp,C2,ice,I2,different\n")  # fmt: skip
    assert main(["--quiet", "review", "--store", str(store_path), "--import", str(decisions)]) == 0
    out = tmp_path / "out.csv"
    assert main(["--quiet", "review", "--store", str(store_path), "--export", str(out)]) == 0
    assert out.read_text().splitlines()[1:] == ["cbp,C1,hhs,H1,same", "cbp,C2,ice,I2,different"]


def test_review_of_a_run_without_a_store_keeps_decisions_beside_the_output(tmp_path) -> None:
    data = synthetic.write(synthetic.generate(400, seed=8), tmp_path / "data")
    out = tmp_path / "out"
    assert main(["--quiet", "run", str(data), "--out", str(out)]) == 0
    # Without the data the first time, it says what to give.
    assert main(["--quiet", "review", "--out", str(out), "--export", str(tmp_path / "x.csv")]) == 6
    assert main(["--quiet", "review", "--out", str(out), str(data), "--export",
                 str(tmp_path / "x.csv")]) == 0  # fmt: skip
    run = pd.read_csv(out / "clusters.csv", dtype=str)
    with Store.open(out / "review.duckdb") as store:
        kept = store.clusters()
        # The review store holds the run's identities (same model, same seed).
        assert _partition(
            kept["source"] + ":" + kept["record_id"], kept["identity_id"]
        ) == _partition(run["source"] + ":" + run["record_id"], run["identity_id"])
        review = ReviewServer(store, decisions_file=out / "decisions.csv")
        review.start()
        item = review.queue()["items"][0]
        review.stop()
        answer = review.decide(
            {
                "unique_id_l": item["unique_id_l"],
                "unique_id_r": item["unique_id_r"],
                "decision": "different",
            }
        )
        assert answer["recorded"] == 1
    beside = pd.read_csv(out / "decisions.csv", dtype=str)
    assert beside.iloc[0]["decision"] == "different"
    again = tmp_path / "again"
    code = main(["--quiet", "run", str(data), "--out", str(again), "--decisions",
                 str(out / "decisions.csv")])  # fmt: skip
    assert code == 0
    clusters = pd.read_csv(again / "clusters.csv", dtype=str)
    ids = dict(zip(clusters["source"] + ":" + clusters["record_id"], clusters["identity_id"],
                   strict=True))  # fmt: skip
    assert ids[item["unique_id_l"]] != ids[item["unique_id_r"]]


def _partition(keys: pd.Series, ids: pd.Series) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for key, identity in zip(keys, ids, strict=True):
        groups.setdefault(identity, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def test_applying_decisions_updates_the_store_and_items_still_show(server) -> None:
    # its own decision: the tests of this module may run apart (pytest -n)
    item = json.loads(_ask(server, "GET", "/api/queue")[2])["items"][0]
    decision = {"unique_id_l": item["unique_id_l"], "unique_id_r": item["unique_id_r"],
                "decision": "same"}  # fmt: skip
    assert _ask(server, "POST", "/api/decide", body=decision)[0] == 200
    status, _, body = _ask(server, "POST", "/api/apply", body={})
    assert status == 200 and "decision_applied" in json.loads(body)["changes"]
    item = json.loads(_ask(server, "GET", "/api/queue")[2])["items"][0]
    status, _, body = _ask(server, "GET", f"/api/item?l={item['unique_id_l']}"
                                          f"&r={item['unique_id_r']}")  # fmt: skip
    assert status == 200, body
    assert json.loads(body)["waterfall"][-1]["comparison"] == "final"
