"""Context validation of a secured document (VC Data Integrity 1.0 §4.6, §2.4.1; SECURITY W-03).

A proof over RDF (``*-rdfc-*``) signs the *meaning* of a document, not its JSON: a different
``@context`` can map the same IRIs to other JSON keys, so the signature still verifies while the
JSON an application reads says something else (w3c/vc-data-integrity#272). A proof over JSON
(``*-jcs-*``) signs the JSON, but not what its keys mean. Either way an application must only act
on documents whose contexts it has approved — per credential type — and §2.4.1 requires this
check to run *after* proof verification (§4.4 / §4.5).

:func:`validate_contexts` is §4.6 without recompaction (``recompact`` false): the document's
``@context`` must deeply equal one of the known context lists, and no subtree may carry its own
``@context`` (step 3). With ``require_defined_terms`` it also refuses any property or type that
the approved contexts do not define (JSON-LD safe mode, VC DI §5.13 "data that is not signed"),
which matters for JCS proofs where nothing else expands the document.

>>> validate_contexts(
...     {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]},
...     [["https://www.w3.org/ns/credentials/v2"]],
...     require_defined_terms=False,
... )
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import msgspec

from sceau.core.errors import InputTooLarge, InvalidInput, VerificationFailed
from sceau.core.vc.contexts import StaticDocumentLoader
from sceau.core.vc.jsonld import DEFAULT_LIMITS, JsonLdLimits, expand_check

__all__ = [
    "MAX_KNOWN_CONTEXT_LISTS",
    "ContextNotAllowed",
    "EmbeddedContextNotAllowed",
    "validate_contexts",
]

# Allow-lists are configuration; a bound keeps a hostile policy from making each check costly.
MAX_KNOWN_CONTEXT_LISTS: Final = 64
_MAX_WALK_VALUES: Final = 100_000
_ENCODER: Final = msgspec.json.Encoder(order="sorted")


class ContextNotAllowed(VerificationFailed):
    """The document's ``@context`` is not one of the lists approved for it (VC DI §4.6 step 3)."""

    code = "context_not_allowed"


class EmbeddedContextNotAllowed(ContextNotAllowed):
    """A value inside the document carries its own ``@context`` (VC DI §4.6 step 3)."""

    code = "embedded_context_not_allowed"


def _as_list(value: Any) -> list[Any]:
    # JSON-LD allows a single context as a string or object; VCDM 2.0 §4.3 writes an ordered set.
    return value if isinstance(value, list) else [value]


def _canonical(value: Any) -> bytes:
    # Deep equality with JSON types kept apart (Python's == takes True for 1 and 1.0 for 1):
    # compare canonical JSON bytes, object members sorted.
    try:
        return _ENCODER.encode(value)
    except (TypeError, msgspec.EncodeError) as exc:
        raise InvalidInput("@context is not JSON", code="invalid_context") from exc


def _entries(value: Any) -> list[bytes]:
    return [_canonical(entry) for entry in _as_list(value)]


def _check_no_embedded_context(document: Mapping[str, Any], skip: Collection[str]) -> None:
    stack: list[Any] = [v for k, v in document.items() if k != "@context" and k not in skip]
    seen = 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > _MAX_WALK_VALUES:
            raise InputTooLarge("document has too many values to validate its contexts")
        if isinstance(value, Mapping):
            if "@context" in value:
                raise EmbeddedContextNotAllowed("a value inside the document carries a @context")
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def validate_contexts(
    document: Mapping[str, Any],
    known: Collection[Sequence[Any]],
    *,
    order_insensitive: bool = False,
    require_defined_terms: bool = True,
    skip: Collection[str] = ("proof",),
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> None:
    """Raise unless ``document``'s contexts are approved (VC DI §4.6, no recompaction).

    ``known``: the approved ``@context`` lists for this kind of document (for a credential, the
    lists allowed for its type). The document's ``@context`` must equal one of them exactly —
    same entries (URLs or inline objects, compared as JSON values) in the same order, or in any
    order when ``order_insensitive`` (SECURITY W-03: "order-insensitive only if the type's policy
    says so"). Members named in ``skip`` (default ``proof``: a JCS proof carries the document's
    context, checked by the cryptosuite) are not searched for embedded contexts; for a
    presentation, add ``verifiableCredential`` and validate each credential on its own.

    Raises :class:`ContextNotAllowed` (``context_not_allowed``),
    :class:`EmbeddedContextNotAllowed` (``embedded_context_not_allowed``) and, with
    ``require_defined_terms``, :class:`~sceau.core.vc.jsonld.UndefinedTerm` /
    :class:`~sceau.core.vc.jsonld.ProtectedTermRedefinition` for terms the contexts do not define
    or redefine.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("a secured document must be a JSON object", code="PARSING_ERROR")
    if len(known) > MAX_KNOWN_CONTEXT_LISTS:
        raise InputTooLarge("too many approved context lists")
    if "@context" not in document:
        raise ContextNotAllowed("the document has no @context")
    actual = _entries(document["@context"])
    if order_insensitive:
        allowed = any(sorted(actual) == sorted(_entries(k)) for k in known)
    else:
        allowed = any(actual == _entries(k) for k in known)
    if not allowed:
        # Never echo the contexts: they are attacker-controlled text.
        raise ContextNotAllowed("the document's @context is not approved for its type")
    _check_no_embedded_context(document, skip)
    if require_defined_terms:
        expand_check(
            {k: v for k, v in document.items() if k not in skip}, loader=loader, limits=limits
        )
