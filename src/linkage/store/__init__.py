"""Continuous linking: a store that monthly extracts are added to, with identity ids that last.

:class:`Store` keeps the records, the model, the scored pairs and the identities in one DuckDB
file; :meth:`Store.update` blocks and scores only the new and revised records against it and
clusters again only the identities their links touch; every identity keeps its id as it grows,
merges and splits follow written rules, and each update writes a change log
(``docs/store.md``).

Inside the package, data flows down this list: ``_schema`` (the tables, the version), ``_ids``
(which id each identity carries), ``_delta`` (what an update scores and clusters again),
``_changes`` (the change log), ``_commit`` (the one transaction that writes an update),
``_store`` (:class:`Store`).
"""

from __future__ import annotations

from linkage.store._changes import CHANGE_COLUMNS
from linkage.store._schema import SCHEMA_VERSION
from linkage.store._store import Store

__all__ = ["CHANGE_COLUMNS", "SCHEMA_VERSION", "Store"]
