"""Claims path pointer processing (OpenID4VP 1.0 §7.1.1 for JSON, §7.2.1 for mso_mdoc).

Results carry the *concrete* path of every selected element (``null`` expanded to indices), which
is what a holder needs to decide which disclosures to release.

>>> select_claims({"degrees": [{"type": "BSc"}, {"type": "MSc"}]}, ("degrees", None, "type"))
[(('degrees', 0, 'type'), 'BSc'), (('degrees', 1, 'type'), 'MSc')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sceau.core.dcql.errors import ClaimsPathError
from sceau.core.dcql.query import PathComponent

__all__ = ["ConcretePath", "select_claims", "select_mdoc_claim"]

ConcretePath = tuple[str | int, ...]


def select_claims(
    credential: Mapping[str, Any], path: Sequence[PathComponent]
) -> list[tuple[ConcretePath, Any]]:
    """Apply a claims path pointer to a JSON credential; raises :class:`ClaimsPathError`."""
    if not path:
        raise ClaimsPathError("empty claims path")
    selection: list[tuple[ConcretePath, Any]] = [((), credential)]  # step 1: the root
    for comp in path:  # step 2
        nxt: list[tuple[ConcretePath, Any]] = []
        if isinstance(comp, str):  # 2.1
            for where, elem in selection:
                if not isinstance(elem, Mapping):
                    raise ClaimsPathError("path selects a key in a non-object")
                if comp in elem:
                    nxt.append(((*where, comp), elem[comp]))
        elif comp is None:  # 2.2
            for where, elem in selection:
                if not isinstance(elem, list):
                    raise ClaimsPathError("path selects all elements of a non-array")
                nxt.extend(((*where, i), v) for i, v in enumerate(elem))
        elif type(comp) is int and comp >= 0:  # 2.3
            for where, elem in selection:
                if not isinstance(elem, list):
                    raise ClaimsPathError("path selects an index in a non-array")
                if comp < len(elem):
                    nxt.append(((*where, comp), elem[comp]))
        else:  # 2.4
            raise ClaimsPathError("invalid claims path component")
        selection = nxt
    if not selection:  # step 3
        raise ClaimsPathError("claims path selects nothing")
    return selection


def select_mdoc_claim(
    namespaces: Mapping[str, Mapping[str, Any]], path: Sequence[PathComponent]
) -> list[tuple[ConcretePath, Any]]:
    """§7.2.1: ``[namespace, data element]`` into ``{namespace: {element: value}}``."""
    if len(path) != 2 or not all(isinstance(c, str) for c in path):
        raise ClaimsPathError("mso_mdoc claims path is [namespace, data element]")
    ns, element = str(path[0]), str(path[1])
    items = namespaces.get(ns)
    if not isinstance(items, Mapping) or element not in items:
        raise ClaimsPathError("data element not present")
    return [((ns, element), items[element])]
