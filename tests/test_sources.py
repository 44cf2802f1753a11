"""read_sources: every way data comes in, every problem reported at once, no row lost."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage import tables
from linkage.errors import InputError, LinkageError, RecordError, SchemaError, SourceError
from linkage.sources import ROW_NUMBER_COLUMN, TRIM_CHARACTERS, Sources, read_sources


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def column_types(sources: Sources, source: str) -> dict[str, str]:
    return {name: str(kind) for name, kind in zip(*_describe(sources, source), strict=True)}


def _describe(sources: Sources, source: str) -> tuple[list[str], list[str]]:
    relation = sources.table(source)
    return relation.columns, [str(t) for t in relation.types]


def rows(sources: Sources, source: str) -> pd.DataFrame:
    return sources.table(source).order(ROW_NUMBER_COLUMN).df()


CBP_HEADER = "record_id,first_name,last_name,event_date\n"


# --- the happy paths ---------------------------------------------------------------------------


def test_folder_of_csvs_reads_all_four_sources_as_text(csv_folder, layout_frames):
    sources = read_sources(csv_folder)

    assert sources.names == ("cbp", "ice", "hhs", "eoir")
    assert sources.tables == {s: tables.source(s) for s in sources.names}
    assert sources.counts() == {s: len(f) for s, f in layout_frames.items()}
    assert sources.rejects().empty
    for source, frame in layout_frames.items():
        types = column_types(sources, source)
        assert types.pop(ROW_NUMBER_COLUMN) == "BIGINT"
        assert set(types.values()) == {"VARCHAR"}
        assert set(types) == set(frame.columns)
    cbp = rows(sources, "cbp")
    assert cbp["first_name"].tolist() == ["María José", "Luis", "Ana"]
    assert cbp[ROW_NUMBER_COLUMN].tolist() == [1, 2, 3]
    # '' and missing become NULL, never the empty string
    assert rows(sources, "eoir")["a_number"].isna().tolist() == [False, True, False]


def test_folder_of_parquet_with_any_case_names_and_gz_csv(tmp_path, layout_frames):
    pq.write_table(pa.Table.from_pandas(layout_frames["cbp"]), tmp_path / "CBP.Parquet")
    pq.write_table(pa.Table.from_pandas(layout_frames["ice"]), tmp_path / "ice.pq")
    with gzip.open(tmp_path / "Hhs.csv.gz", "wt", encoding="utf-8") as handle:
        layout_frames["hhs"].to_csv(handle, index=False)
    write(tmp_path / "notes.txt", "not data")

    sources = read_sources(tmp_path)

    assert sources.names == ("cbp", "ice", "hhs")
    assert sources.counts() == {"cbp": 3, "ice": 3, "hhs": 3}
    assert rows(sources, "hhs")["sponsor_zip"].tolist()[2] == "33101-1234"
    ignored = [w for w in sources.warnings if "ignored" in w.message]
    assert ignored and "notes.txt" in ignored[0].examples


def _as_polars(frame):
    return pl.from_pandas(frame)


def _as_arrow(frame):
    return pa.Table.from_pandas(frame, preserve_index=False)


def _as_relation_elsewhere(frame):
    other = duckdb.connect()
    other.register("f", frame)
    return other.sql("SELECT * FROM f")


@pytest.mark.parametrize(
    "convert",
    [lambda f: f, _as_polars, _as_arrow, _as_relation_elsewhere],
    ids=["pandas", "polars", "arrow", "duckdb"],
)
def test_in_memory_tables_of_every_kind(convert, layout_frames):
    data = {s: convert(f) for s, f in layout_frames.items()}
    sources = read_sources(data)
    assert sources.counts() == {s: 3 for s in layout_frames}
    assert rows(sources, "ice")["full_name"].tolist()[0] == "LOPEZ CHUB, MARIA JOSE"
    assert rows(sources, "ice")[ROW_NUMBER_COLUMN].tolist() == [1, 2, 3]


def test_relation_on_the_same_connection_and_a_given_connection(layout_frames):
    con = duckdb.connect()
    con.register("hhs_frame", layout_frames["hhs"])
    relation = con.sql("SELECT * FROM hhs_frame WHERE record_id <> 'h2'")
    sources = read_sources({"hhs": relation}, con=con)
    assert sources.con is con
    assert con.sql(f"SELECT count(*) FROM {tables.source('hhs')}").fetchall() == [(2,)]


def test_subset_of_sources_keeps_layout_order(layout_frames):
    sources = read_sources({"eoir": layout_frames["eoir"], "cbp": layout_frames["cbp"]})
    assert sources.names == ("cbp", "eoir")
    assert set(sources.counts()) == {"cbp", "eoir"}
    with pytest.raises(SourceError, match="did you mean 'eoir'"):
        sources.table("eior")
    with pytest.raises(SourceError, match="no source 'hhs' was read"):
        sources.table("hhs")


def test_a_sources_object_is_returned_unchanged(layout_frames):
    sources = read_sources({"cbp": layout_frames["cbp"]})
    assert read_sources(sources) is sources
    with pytest.raises(SourceError):
        read_sources(sources, columns={"cbp": {}})


def test_single_file_named_after_its_source(csv_folder):
    sources = read_sources(csv_folder / "ice.csv")
    assert sources.names == ("ice",)


def test_repr_and_html_show_rows_and_rejects(tmp_path):
    path = write(tmp_path / "cbp.csv", CBP_HEADER + "1,Ana,Lopez,2021-01-01\n2,Bob\n")
    sources = read_sources(tmp_path)
    assert repr(sources) == "Sources(cbp=1 rows; rejected=1; warnings=1)"
    page = sources._repr_html_()
    assert "<table" in page and tables.source("cbp") in page and "could not be read" in page
    assert path.exists()


# --- columns -----------------------------------------------------------------------------------


def test_column_mapping_renames_and_carries_extra_columns(layout_frames):
    cbp = layout_frames["cbp"].rename(columns={"a_number": "ALIEN_NBR", "first_name": "FNAME"})
    cbp["agent_note"] = ["x", None, "  spaced  "]

    sources = read_sources(
        {"cbp": cbp}, columns={"cbp": {"ALIEN_NBR": "a_number", "FNAME": "first_name"}}
    )

    table = rows(sources, "cbp")
    assert "ALIEN_NBR" not in table and table["a_number"].tolist()[0] == "A012-345-678"
    assert table["first_name"].tolist()[1] == "Luis"
    note = table["agent_note"]
    assert note[0] == "x" and pd.isna(note[1]) and note[2] == "  spaced  "  # carried as it was
    carried = [w for w in sources.warnings if "carried through" in w.message]
    assert carried and carried[0].examples == ("agent_note",)


def test_mapping_an_absent_column_names_it_and_lists_what_exists(layout_frames):
    with pytest.raises(SchemaError) as info:
        read_sources({"cbp": layout_frames["cbp"]}, columns={"cbp": {"ALIEN_NUMBR": "a_number"}})
    text = str(info.value)
    assert "'ALIEN_NUMBR'" in text and "'record_id'" in text and "'a_number'" in text


def test_mapping_onto_a_name_outside_the_layout(layout_frames):
    with pytest.raises(SchemaError) as info:
        read_sources({"cbp": layout_frames["cbp"]}, columns={"cbp": {"dob": "birth_date"}})
    assert "'birth_date'" in str(info.value) and "not a column of the cbp layout" in str(info.value)
    with pytest.raises(SchemaError, match="belongs to eoir"):
        read_sources({"cbp": layout_frames["cbp"]}, columns={"cbp": {"dob": "hearing_date"}})


def test_headers_match_whatever_their_case_and_spaces(tmp_path):
    write(tmp_path / "cbp.csv", " Record_ID ,FIRST_NAME,Last_Name, EVENT_DATE\n1,Ana,Lopez,x\n")
    sources = read_sources(tmp_path)
    assert sources.table("cbp").columns == [
        "record_id",
        "event_date",
        "first_name",
        "last_name",
        ROW_NUMBER_COLUMN,
    ]


def test_two_columns_onto_one_layout_name_is_an_error(layout_frames):
    cbp = layout_frames["cbp"].assign(CASE_ID=["a", "b", "c"])
    with pytest.raises(SchemaError, match="2 columns would become 'record_id'"):
        read_sources({"cbp": cbp}, columns={"cbp": {"CASE_ID": "record_id"}})


# --- encodings and broken files ----------------------------------------------------------------


def test_utf8_bom_does_not_reach_the_first_column_name(tmp_path):
    write(tmp_path / "cbp.csv", "\ufeff" + CBP_HEADER + "1,Ana,López,2021-01-01\n")
    sources = read_sources(tmp_path)
    assert sources.table("cbp").columns[0] == "record_id"
    assert rows(sources, "cbp")["last_name"].tolist() == ["López"]


def test_latin1_file_is_read_right_with_a_warning(tmp_path):
    text = CBP_HEADER + "1,José,Núñez,2021-01-01\n2,María,Peña \u201cla\u201d,2021-01-02\n"
    write(tmp_path / "cbp.csv", text, encoding="cp1252")

    sources = read_sources(tmp_path)

    table = rows(sources, "cbp")
    assert table["first_name"].tolist() == ["José", "María"]
    assert table["last_name"].tolist() == ["Núñez", "Peña \u201cla\u201d"]  # cp1252 quotes too
    assert any("Latin-1" in w.message for w in sources.warnings)
    assert sources.rejects().empty


def test_latin1_bytes_past_the_first_block_are_still_read_right(tmp_path):
    filler = "".join(f"{i},Ana,Lopez,2021-01-01\n" for i in range(1, 6000))
    write(tmp_path / "cbp.csv", CBP_HEADER + filler + "6000,José,Núñez,2021-01-01\n", "latin-1")
    sources = read_sources(tmp_path)
    assert sources.counts() == {"cbp": 6000}
    assert rows(sources, "cbp")["last_name"].tolist()[-1] == "Núñez"


def test_a_utf8_file_with_one_broken_line_keeps_its_accents(tmp_path):
    data = (CBP_HEADER + "1,José,Núñez,2021-01-01\n").encode() + b"2,Mar\xeda,X,2021-01-02\n"
    (tmp_path / "cbp.csv").write_bytes(data)
    sources = read_sources(tmp_path)
    assert rows(sources, "cbp")["first_name"].tolist() == ["José"]
    rejects = sources.rejects()
    assert rejects["row_number"].tolist() == [2]
    assert rejects["detail"].str.startswith("line 3").all()


def test_ragged_rows_go_to_rejects_and_the_rest_loads(tmp_path):
    lines = [
        "1,Ana,Lopez,2021-01-01",
        "2,Bob,Perez,2021-01-02,EXTRA",
        '3,"Cruz, Jr",Diaz,2021-01-03',
        "4,Dan",
        "5,Eva,Ruiz,2021-01-05",
    ]
    write(tmp_path / "cbp.csv", CBP_HEADER + "\n".join(lines) + "\n")

    sources = read_sources(tmp_path)

    table = rows(sources, "cbp")
    rejects = sources.rejects()
    assert len(table) + len(rejects) == len(lines)
    assert table["record_id"].tolist() == ["1", "3", "5"]
    assert table["first_name"].tolist()[1] == "Cruz, Jr"
    assert table[ROW_NUMBER_COLUMN].tolist() == [1, 3, 5]
    assert rejects["reason"].tolist() == ["unreadable_row", "unreadable_row"]
    assert rejects["row_number"].tolist() == [2, 4]
    assert rejects["record_id"].isna().all()
    assert rejects["detail"].tolist()[0].startswith("line 3: too many columns")
    assert rejects["detail"].tolist()[1].startswith("line 5: missing columns")


def test_header_only_file_is_a_source_with_no_rows(tmp_path):
    write(tmp_path / "cbp.csv", CBP_HEADER)
    sources = read_sources(tmp_path)
    assert sources.counts() == {"cbp": 0}
    assert any("no rows" in w.message for w in sources.warnings)


def test_zero_byte_file_is_a_source_error(tmp_path, csv_folder):
    (csv_folder / "hhs.csv").write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        read_sources(csv_folder)


def test_missing_path_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no file or folder"):
        read_sources(tmp_path / "nowhere")
    with pytest.raises(SourceError, match="missing.csv"):
        read_sources({"cbp": tmp_path / "missing.csv"})


def test_folder_problems(tmp_path, layout_frames):
    write(tmp_path / "readme.md", "hello")
    with pytest.raises(SourceError, match=r"holds no source file \(found: readme.md\)"):
        read_sources(tmp_path)
    layout_frames["cbp"].to_csv(tmp_path / "cbp.csv", index=False)
    pq.write_table(pa.Table.from_pandas(layout_frames["cbp"]), tmp_path / "cbp.parquet")
    with pytest.raises(SourceError, match="2 files in the folder could be source 'cbp'"):
        read_sources(tmp_path)


def test_unknown_source_name_suggests_the_right_one(layout_frames):
    with pytest.raises(SourceError) as info:
        read_sources({"cpb": layout_frames["cbp"], "hhs": layout_frames["hhs"]})
    text = str(info.value)
    assert "unknown source 'cpb'" in text and "did you mean 'cbp'" in text
    assert "cbp, ice, hhs, eoir" in text
    with pytest.raises(SourceError, match="no sources"):
        read_sources({})


# --- validation: every problem at once ---------------------------------------------------------


def test_missing_required_columns_in_two_sources_are_reported_together(layout_frames):
    cbp = layout_frames["cbp"].rename(columns={"event_date": "EventDate"})
    ice = layout_frames["ice"].drop(columns=["record_id"])

    with pytest.raises(SchemaError) as info:
        read_sources({"cbp": cbp, "ice": ice, "hhs": layout_frames["hhs"]})

    problems = info.value.problems
    assert [(p.source, p.column) for p in problems] == [("cbp", "event_date"), ("ice", "record_id")]
    assert "{'cbp': {'EventDate': 'event_date'}}" in problems[0].fix  # a suggested mapping
    assert "'EventDate'" in problems[0].message  # and the columns that exist
    assert "2 problems" in str(info.value)


def test_no_name_column(layout_frames):
    hhs = layout_frames["hhs"].rename(columns={"first_name": "FName", "last_name": "LName"})
    with pytest.raises(SchemaError, match="no name column") as info:
        read_sources({"hhs": hhs})
    assert "'LName': 'last_name'" in info.value.problems[0].fix


def test_problems_of_different_kinds_are_reported_together(tmp_path, layout_frames):
    cbp = layout_frames["cbp"].drop(columns=["event_date"])
    with pytest.raises(InputError) as info:
        read_sources({"cbp": cbp, "ice": tmp_path / "gone.csv", "hhs": layout_frames["hhs"]})
    assert {p.kind for p in info.value.problems} == {"schema", "source"}
    assert not isinstance(info.value, (SchemaError, SourceError))


def _bad_ids_csv(tmp_path: Path) -> Path:
    lines = [
        "a,Ana,Lopez,2021-01-01",
        ",Bob,Perez,2021-01-02",
        "b,Cy,Diaz,2021-01-03",
        "a,Ana,Lopez,2021-01-04",
        "  ,Dan,Ruiz,2021-01-05",
        "b,Cy,Diaz,2021-01-06",
        "a,Ana,Lopez,2021-01-07",
    ]
    return write(tmp_path / "cbp.csv", CBP_HEADER + "\n".join(lines) + "\n")


def test_empty_and_duplicated_record_ids_raise_with_lines_and_ids(tmp_path):
    _bad_ids_csv(tmp_path)
    with pytest.raises(RecordError) as info:
        read_sources(tmp_path)
    empty, dup = info.value.problems
    assert empty.examples == ("line 3", "line 6")
    assert dup.examples == ("a", "b")
    assert "on_bad_record='reject'" in empty.fix


def test_reject_mode_sets_bad_ids_aside_and_keeps_the_first(tmp_path):
    _bad_ids_csv(tmp_path)
    sources = read_sources(tmp_path, on_bad_record="reject")

    table = rows(sources, "cbp")
    rejects = sources.rejects()
    assert table["record_id"].tolist() == ["a", "b"]
    assert table["event_date"].tolist() == ["2021-01-01", "2021-01-03"]  # the first of each
    assert len(table) + len(rejects) == 7
    assert rejects["reason"].tolist() == [
        "empty_record_id",
        "duplicate_record_id",
        "empty_record_id",
        "duplicate_record_id",
        "duplicate_record_id",
    ]
    assert rejects["row_number"].tolist() == [2, 4, 5, 6, 7]
    assert rejects["detail"].tolist()[1] == "line 5: record_id a already on line 2"


def test_reject_mode_still_raises_schema_problems(tmp_path, layout_frames):
    _bad_ids_csv(tmp_path)
    with pytest.raises(SchemaError):
        read_sources(
            {"cbp": tmp_path / "cbp.csv", "ice": layout_frames["ice"].drop(columns="event_date")},
            on_bad_record="reject",
        )


def test_frame_record_problems_name_rows(layout_frames):
    cbp = layout_frames["cbp"].assign(record_id=["c1", None, "c1"])
    with pytest.raises(RecordError) as info:
        read_sources({"cbp": cbp})
    assert info.value.problems[0].examples == ("row 2",)


# --- types -------------------------------------------------------------------------------------


def test_parquet_dates_timestamps_and_ints_become_plain_strings(tmp_path):
    table = pa.table(
        {
            "record_id": pa.array([1, 2], pa.int64()),
            "a_number": pa.array([12345678, None], pa.int64()),
            "dob": pa.array([dt.date(2009, 4, 19), None], pa.date32()),
            "event_date": pa.array([dt.datetime(2021, 3, 1), dt.datetime(2021, 3, 2, 14, 5)]),
            "full_name": ["LOPEZ, ANA", "PEREZ, LUIS"],
            "age": pa.array([12.5, None]),
        }
    )
    pq.write_table(table, tmp_path / "ice.parquet")

    got = rows(read_sources(tmp_path), "ice")

    assert got["record_id"].tolist() == ["1", "2"]
    assert got["a_number"].tolist()[0] == "12345678" and pd.isna(got["a_number"].tolist()[1])
    assert got["dob"].tolist()[0] == "2009-04-19"
    assert got["event_date"].tolist() == ["2021-03-01 00:00:00", "2021-03-02 14:05:00"]
    assert got["age"].tolist()[0] == "12.5"


def test_named_index_and_mixed_object_columns(layout_frames):
    cbp = layout_frames["cbp"].set_index("record_id")
    cbp["a_number"] = pd.Series([12345678, "A-1", None], index=cbp.index, dtype=object)
    got = rows(read_sources({"cbp": cbp}), "cbp")
    assert got["record_id"].tolist() == ["c1", "c2", "c3"]
    assert got["a_number"].tolist()[:2] == ["12345678", "A-1"]


# --- nothing is ever lost ----------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8"), max_size=12)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_text, _text), min_size=1, max_size=8))
def test_any_unicode_in_name_columns_round_trips(names):
    frame = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(len(names))],
            "first_name": [n[0] for n in names],
            "last_name": [n[1] for n in names],
            "event_date": "2021-01-01",
        }
    )
    try:
        sources = read_sources({"hhs": frame})
    except LinkageError:
        return  # refused with our own error: acceptable, nothing silently lost
    got = rows(sources, "hhs")
    expected_first = [n[0].strip(TRIM_CHARACTERS) or None for n in names]
    expected_last = [n[1].strip(TRIM_CHARACTERS) or None for n in names]
    assert [None if pd.isna(v) else v for v in got["first_name"]] == expected_first
    assert [None if pd.isna(v) else v for v in got["last_name"]] == expected_last


_field = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=6)
# Well-formed rows first, as in any real extract, so DuckDB's dialect guess has evidence to go on.
_GUIDE_ROWS = [[f"g{i}", "Lopez, Ana", "2021-01-01", 'a "b"'] for i in range(1, 4)]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_field, min_size=1, max_size=6), min_size=1, max_size=12))
def test_every_csv_row_is_in_a_table_or_in_rejects(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["record_id", "full_name", "event_date", "note"])
    writer.writerows(_GUIDE_ROWS)
    for i, fields in enumerate(records, 1):
        writer.writerow([f"id{i}", *fields])  # 2 to 7 fields: some rows ragged
    write(folder / "ice.csv", buffer.getvalue())

    try:
        sources = read_sources(folder, on_bad_record="reject")
    except LinkageError:
        return
    table = rows(sources, "ice")
    rejects = sources.rejects()
    n_rows = len(_GUIDE_ROWS) + len(records)
    assert len(table) + len(rejects) == n_rows
    assert sorted(table[ROW_NUMBER_COLUMN].tolist() + rejects["row_number"].tolist()) == list(
        range(1, n_rows + 1)
    )
    read = dict(zip(table["record_id"], table[ROW_NUMBER_COLUMN], strict=True))
    assert all(read.pop(f"g{i}") == i for i in range(1, 4))
    assert all(rid == f"id{n - len(_GUIDE_ROWS)}" for rid, n in read.items())  # right line
    fits = {f"id{i}" for i, fields in enumerate(records, 1) if len(fields) == 3}
    # DuckDB also accepts trailing empty fields (trailing delimiters): nothing is lost.
    trailing = {f"id{i}" for i, f in enumerate(records, 1) if len(f) > 3 and not any(f[3:])}
    assert fits <= set(read) <= fits | trailing
