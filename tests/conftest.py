"""Shared fixtures: small, valid extracts of the four sources in the standard input layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture
def layout_frames() -> dict[str, pd.DataFrame]:
    """Three records per source, in each source's usual layout (all values as text)."""
    return {
        "cbp": pd.DataFrame(
            {
                "record_id": ["c1", "c2", "c3"],
                "first_name": ["María José", "Luis", "Ana"],
                "middle_name": [None, "Alberto", None],
                "last_name": ["López Chub", "PEREZ", "Gómez"],
                "a_number": ["A012-345-678", None, "12345679"],
                "dob": ["04/19/2009", "01/01/2008", "12/03/2010"],
                "sex": ["F", "M", "F"],
                "country": ["Guatemala", "HN", "SLV"],
                "event_date": ["03/01/2021", "03/02/2021", "03/05/2021"],
            }
        ),
        "ice": pd.DataFrame(
            {
                "record_id": ["i1", "i2", "i3"],
                "full_name": ["LOPEZ CHUB, MARIA JOSE", "PEREZ, LUIS", "GOMEZ, ANA"],
                "a_number": ["012345678", None, "A12345679"],
                "dob": ["2009-04-19", "2008-01-01", "2010-12-03"],
                "sex": ["F", "M", "F"],
                "country": ["GT", "HN", "SV"],
                "event_date": ["2021-03-02", "2021-03-03", "2021-03-06"],
                "nta_issued_date": ["2021-03-10", None, "2021-03-12"],
            }
        ),
        "hhs": pd.DataFrame(
            {
                "record_id": ["h1", "h2", "h3"],
                "first_name": ["Maria Jose", "Luis", "Ana"],
                "last_name": ["Lopez", "Perez", "Gomez"],
                "dob": ["04/19/2009", "01/01/2008", "12/03/2010"],
                "event_date": ["03/04/2021", "03/05/2021", "03/08/2021"],
                "release_date": ["04/01/2021", None, "04/20/2021"],
                "sponsor_name": ["Rosa Chub", None, "Pedro Gomez"],
                "sponsor_address": ["12 Main St, Houston TX", None, "9 Oak Ave, Miami FL"],
                "sponsor_zip": ["77001", None, "33101-1234"],
            }
        ),
        "eoir": pd.DataFrame(
            {
                "record_id": ["e1", "e2", "e3"],
                "first_name": ["MARIA", "LUIS", "ANA"],
                "last_name": ["LOPEZ CHUB", "PEREZ", "GOMEZ"],
                "a_number": ["012345678", "", "012345679"],
                "event_date": ["20210315", "20210316", "20210318"],
                "hearing_date": ["20210601", "20210602", "20210603"],
                "absentia": ["Y", "N", "N"],
                "address": ["12 Main St", None, "9 Oak Ave"],
                "zip": ["77001", None, "33101"],
                "country": ["GT", "HO", "ES"],
            }
        ),
    }


@pytest.fixture
def csv_folder(tmp_path: Path, layout_frames: dict[str, pd.DataFrame]) -> Path:
    """A folder holding cbp.csv, ice.csv, hhs.csv and eoir.csv written from ``layout_frames``."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    for source, frame in layout_frames.items():
        frame.to_csv(folder / f"{source}.csv", index=False)
    return folder
