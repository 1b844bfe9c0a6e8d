"""JSON-LD → RDF → RDFC-1.0 canonical N-Quads, for Data Integrity ``*-rdfc-*`` cryptosuites.

pyoxigraph turns JSON-LD into RDF and canonicalizes it (RDFC-1.0); this module puts three guards
in front of it, because pyoxigraph has no document-loader hook, silently drops undefined terms and
has no work limit:

1. **Static contexts.** Every context reference (at any depth, including scoped contexts) is
   resolved through :class:`~sceau.core.vc.contexts.StaticDocumentLoader` and inlined; ``@import``
   is refused. Nothing is ever fetched (VC Data Integrity 1.0 §2.4, §5.14).
2. **Safe mode.** A walk of the document with a JSON-LD 1.1 active context (§4.1 Context
   Processing, §5.1 Expansion of the JSON-LD 1.1 Processing Algorithms, reduced to what decides
   whether a key expands) raises :class:`UndefinedTerm` for any property or type that would be
   dropped, and :class:`ProtectedTermRedefinition` when a ``@protected`` term is redefined
   (Data Integrity §4.6 and §5.13 require it: what is not in the RDF is not signed).
3. **Limits.** Size, depth and node count caps; explicit blank node identifiers (``_:x``) are
   refused, so the graph is a tree and RDFC-1.0 stays polynomial (RDF Canonicalization
   §"Dataset Poisoning"; SECURITY W-04).

``@direction`` is stripped before conversion to reproduce jsonld.js / pyld with
``rdfDirection: null`` (pyoxigraph would emit an RDF 1.2 directional literal and change the hash).

**Speed.** Re-processing the 10 KB credentials v2 context costs ~75 % of a naive call. Processed
contexts are cached process-wide (keyed on the identity of the shipped/registered documents), and
the walk itself emits the JSON-LD *expanded form* of the document, so pyoxigraph only turns
expanded JSON-LD into quads and canonicalizes (path ``expanded``). The quads are checked against
the predicate profile the walk predicts; on any difference — or when the document uses a feature
the walk does not expand itself (default ``@language``, term-level ``@language``/``@index``,
``@graph`` on a node) — the document goes to pyoxigraph with its contexts inlined, first pruned
to the terms used (``pruned``), then whole (``full``); if even that does not match the walk, the
document is refused rather than signed or verified with data silently dropped. Tests check every
path against the others and against pyld.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
import pyoxigraph as ox

from sceau.core.errors import InputTooLarge, InvalidInput, UnsupportedContext
from sceau.core.vc.contexts import StaticDocumentLoader

__all__ = [
    "JsonLdLimits",
    "ProtectedTermRedefinition",
    "UndefinedTerm",
    "canonicalize",
    "canonicalize_traced",
    "default_loader",
    "expand_check",
    "to_canonical_nquads",
]

_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_NOT_IRI_CHARS = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`\ud800-\udfff\ufffe\uffff]')


class UndefinedTerm(InvalidInput):
    """A property or type would not expand to an absolute IRI (JSON-LD safe mode)."""

    code = "undefined_term"


class ProtectedTermRedefinition(InvalidInput):
    """A ``@protected`` term is redefined (JSON-LD 1.1 §4.1.11)."""

    code = "protected_term_redefinition"


class InvalidJsonLd(InvalidInput):
    """JSON-LD that is not valid or uses features this layer refuses."""

    code = "invalid_jsonld"


@dataclass(frozen=True)
class JsonLdLimits:
    """Caps applied before RDF conversion (safe defaults for credentials and presentations)."""

    max_bytes: int = 256 * 1024
    max_depth: int = 32
    max_nodes: int = 2_000
    max_values: int = 20_000
    max_context_depth: int = 16


DEFAULT_LIMITS = JsonLdLimits()

_KEYWORDS = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = _RDF + "type"
_RDF_FIRST = _RDF + "first"
_RDF_REST = _RDF + "rest"


# --------------------------------------------------------------------------------------------------
# Active context


@dataclass(frozen=True)
class _Term:
    iri: str | None  # None: term explicitly mapped to null (using it drops data)
    type: str | None = None
    container: frozenset[str] = frozenset()
    context: Any = None  # scoped context (raw), _NO_CONTEXT when absent
    has_context: bool = False
    protected: bool = False
    prefix: bool = False
    raw: Any = None
    source: int = 0  # id() of the context object that defined the term (for pruning)
    stable: bool = (
        False  # defined by a shipped/registered context (its scoped context is cacheable)
    )
    deps: tuple[tuple[int, str], ...] = ()
    exotic: bool = False  # @language/@index/@direction in the definition: no expanded fast path


@dataclass
class _Context:
    terms: dict[str, _Term] = field(default_factory=dict)
    vocab: str | None = None
    previous: _Context | None = None
    stable: bool = False
    exotic: bool = False  # a default @language is set: no expanded fast path

    def copy(self) -> _Context:
        return _Context(dict(self.terms), self.vocab, self.previous, exotic=self.exotic)


def default_loader() -> StaticDocumentLoader:
    """A process-wide loader with only the shipped contexts (shared, read-only)."""
    return _DEFAULT_LOADER


_DEFAULT_LOADER = StaticDocumentLoader()


class _Walker:
    """One canonicalization call: processes contexts, checks terms, records which ones are used."""

    def __init__(self, loader: StaticDocumentLoader, limits: JsonLdLimits) -> None:
        self.loader = loader
        self.limits = limits
        self.used: set[tuple[int, str]] = set()
        self.nodes = 0
        self.values = 0
        self.expected: dict[str, int] = {}
        self.simple = True  # the expanded output covers every feature the document uses

    # ---- IRI expansion (JSON-LD 1.1 API §5.2), vocab-relative only

    def expand_vocab(self, ctx: _Context, value: str, *, mark: bool = True) -> str | None:
        if value.startswith("@"):
            return value if value in _KEYWORDS else None
        term = ctx.terms.get(value)
        if term is not None:
            if mark:
                self._mark(term, value)
            return term.iri
        if value in ctx.terms:  # pragma: no cover - defensive; terms map never holds None
            return None
        colon = value.find(":")
        if colon > 0:
            prefix, suffix = value[:colon], value[colon + 1 :]
            if prefix == "_":
                raise InvalidJsonLd("blank node identifiers are not accepted", value=value)
            if _IRI_SCHEME.fullmatch(prefix) is not None:
                if suffix.startswith("//"):
                    return value
                pterm = ctx.terms.get(prefix)
                if pterm is not None and pterm.prefix and pterm.iri is not None:
                    if mark:
                        self._mark(pterm, prefix)
                    return pterm.iri + suffix
                return value
            # JSON-LD 1.1 API §5.2.2 step 6-8: "0:x" has no IRI scheme, so it is not an absolute
            # IRI; it is vocabulary-relative like any other string.
        if ctx.vocab is not None:
            return ctx.vocab + value
        return None

    def _mark(self, term: _Term, name: str) -> None:
        key = (term.source, name)
        if key in self.used:
            return
        self.used.add(key)
        for dep in term.deps:
            self.used.add(dep)

    # ---- Context processing (JSON-LD 1.1 API §4.1), restricted

    def process(
        self,
        active: _Context,
        local: Any,
        *,
        override_protected: bool = False,
        propagate: bool = True,
        depth: int = 0,
        stable: bool = False,
    ) -> _Context:
        """Context Processing (JSON-LD 1.1 API §4.1). Results over shipped/registered contexts
        are cached process-wide, keyed on the identity of the (immutable) inputs."""
        if depth > self.limits.max_context_depth:
            raise InputTooLarge("contexts nested too deeply")
        cacheable = stable and active.stable
        key = (id(active), id(local), override_protected, propagate)
        if cacheable:
            cached = _GLOBAL_CTX_CACHE.get(key)
            if cached is not None:
                return cached
        result = active
        items = local if isinstance(local, list) else [local]
        for item in items:
            if item is None:
                if not override_protected and any(t.protected for t in result.terms.values()):
                    raise ProtectedTermRedefinition("context nullification with protected terms")
                result = _Context()
                continue
            if isinstance(item, str):
                document = self.loader.load(item)
                ctx_obj = document.get("@context") if isinstance(document, dict) else None
                if ctx_obj is None:
                    raise UnsupportedContext(f"context {item!r} has no @context")
                result = self.process(
                    result,
                    ctx_obj,
                    override_protected=override_protected,
                    depth=depth + 1,
                    stable=True,
                )
                continue
            if not isinstance(item, dict):
                raise InvalidJsonLd("a context must be a URL, an object or null")
            if result.stable and item.keys() == {"@vocab"} and isinstance(item["@vocab"], str):
                # An inline ``{"@vocab": IRI}`` (common in credentials, e.g. VC API bodies) is a
                # pure function of the active context and the IRI (JSON-LD 1.1 API §4.1.2 step
                # 5.8), defines no term, so its result is cached by value and stays stable: the
                # type-scoped contexts processed after it are cached too.
                result = self._process_vocab(result, item, override_protected)
                continue
            result = self._process_object(result, item, override_protected, stable)
        if not propagate:
            wrapped = result.copy()
            wrapped.previous = active.previous if active.previous is not None else active
            result = wrapped
        if cacheable:
            if len(_GLOBAL_CTX_CACHE) > _MAX_CACHE:
                _GLOBAL_CTX_CACHE.clear()
                _KEEP_ALIVE.clear()
            result.stable = True
            _GLOBAL_CTX_CACHE[key] = result
            # keep the key objects alive so their ids are never reused while cached
            _KEEP_ALIVE.append((active, local))
        return result

    def _process_vocab(
        self, active: _Context, item: dict[str, Any], override_protected: bool
    ) -> _Context:
        vocab = item["@vocab"]
        if len(vocab) > _MAX_CACHED_VOCAB_LENGTH:
            return self._process_object(active, item, override_protected, False)
        key = (id(active), vocab, override_protected)
        cached = _VOCAB_CACHE.get(key)
        if cached is not None:
            return cached
        result = self._process_object(active, item, override_protected, False)
        result.stable = True
        if len(_VOCAB_CACHE) > _MAX_CACHE:
            _VOCAB_CACHE.clear()
            _VOCAB_KEEP_ALIVE.clear()
        _VOCAB_CACHE[key] = result
        _VOCAB_KEEP_ALIVE.append(active)  # its id stays unique while cached
        return result

    def _process_object(
        self, active: _Context, item: dict[str, Any], override_protected: bool, stable: bool
    ) -> _Context:
        result = active.copy()
        if "@import" in item:
            raise UnsupportedContext("@import is not supported")
        version = item.get("@version")
        if version is not None and version != 1.1:
            raise InvalidJsonLd("unsupported @version")
        if "@base" in item and item["@base"] is not None:
            raise InvalidJsonLd("@base is not supported")
        if "@vocab" in item:
            vocab = item["@vocab"]
            if vocab is None:
                result.vocab = None
            elif isinstance(vocab, str) and ":" in vocab and not vocab.startswith("_:"):
                result.vocab = vocab
            else:
                raise InvalidJsonLd("@vocab must be an absolute IRI")
        if item.get("@language") is not None:
            result.exotic = True
        default_protected = item.get("@protected", False) is True
        for key, value in item.items():
            if key.startswith("@"):
                _check_keyword_entry(key, value)
                continue
            self._define(result, item, key, value, default_protected, override_protected, stable)
        return result

    def _define(
        self,
        ctx: _Context,
        local: dict[str, Any],
        term: str,
        value: Any,
        default_protected: bool,
        override_protected: bool,
        stable: bool,
    ) -> None:
        source = id(local)
        deps: list[tuple[int, str]] = []
        if value is None or (isinstance(value, dict) and "@id" in value and value["@id"] is None):
            new = _Term(iri=None, raw=value, source=source, protected=default_protected)
        else:
            if isinstance(value, str):
                definition: dict[str, Any] = {"@id": value}
                simple = True
            elif isinstance(value, dict):
                definition = value
                simple = False
            else:
                raise InvalidJsonLd("invalid term definition", term=term)
            for k in definition:
                if k not in {
                    "@id",
                    "@type",
                    "@container",
                    "@context",
                    "@protected",
                    "@language",
                    "@direction",
                    "@prefix",
                    "@index",
                    "@propagate",
                }:
                    raise InvalidJsonLd(f"unsupported term definition keyword {k}", term=term)
            iri_value = definition.get("@id")
            if iri_value is None:
                iri = self._expand_def_iri(ctx, local, term, deps)
                if iri is None:
                    raise InvalidJsonLd("term has no IRI mapping", term=term)
            elif isinstance(iri_value, str):
                if iri_value.startswith("@") and iri_value not in _KEYWORDS:
                    iri = None
                elif iri_value.startswith("@"):
                    iri = iri_value
                else:
                    iri = self._expand_def_iri(ctx, local, iri_value, deps)
                    if iri is None:
                        raise InvalidJsonLd("term IRI does not expand", term=term)
            else:
                raise InvalidJsonLd("@id must be a string", term=term)
            type_value = definition.get("@type")
            if type_value is not None:
                if not isinstance(type_value, str):
                    raise InvalidJsonLd("@type must be a string", term=term)
                if type_value not in ("@id", "@vocab", "@json", "@none"):
                    expanded = self._expand_def_iri(ctx, local, type_value, deps)
                    if expanded is None or ":" not in expanded:
                        raise InvalidJsonLd("term @type does not expand", term=term)
                    type_value = expanded
            container = definition.get("@container")
            if container is None:
                containers: frozenset[str] = frozenset()
            elif isinstance(container, str):
                containers = frozenset({container})
            elif isinstance(container, list) and all(isinstance(c, str) for c in container):
                containers = frozenset(container)
            else:
                raise InvalidJsonLd("invalid @container", term=term)
            if not containers <= {"@set", "@list", "@graph", "@language", "@index", "@id", "@type"}:
                raise InvalidJsonLd("unsupported @container", term=term)
            if containers & {"@id", "@type"}:
                raise InvalidJsonLd("@id and @type maps are not supported", term=term)
            protected = definition.get("@protected", default_protected) is True
            prefix = definition.get("@prefix")
            is_prefix = (
                prefix is True
                if prefix is not None
                else (simple and iri is not None and iri[-1:] in ":/?#[]@" and ":" not in term)
            )
            new = _Term(
                iri=iri,
                type=type_value,
                container=containers,
                context=definition.get("@context"),
                has_context="@context" in definition,
                protected=protected,
                prefix=is_prefix,
                raw=value,
                source=source,
                stable=stable,
                deps=tuple(deps),
                exotic=bool({"@language", "@index", "@direction"} & definition.keys()),
            )
        old = ctx.terms.get(term)
        if old is not None and old.protected and not override_protected:
            # §4.2.2 step 27: a protected term may only be "redefined" identically.
            if _strip_protected(old.raw) != _strip_protected(new.raw):
                raise ProtectedTermRedefinition(f"protected term {term!r} redefined", term=term)
            new = _replace_protected(new, old)
        ctx.terms[term] = new

    def _expand_def_iri(
        self, ctx: _Context, local: dict[str, Any], value: str, deps: list[tuple[int, str]]
    ) -> str | None:
        if value.startswith("@"):
            return value if value in _KEYWORDS else None
        colon = value.find(":")
        if colon > 0:
            prefix, suffix = value[:colon], value[colon + 1 :]
            if prefix == "_":
                raise InvalidJsonLd("blank node identifiers are not accepted in contexts")
            if suffix.startswith("//"):
                return value
            if prefix in local and prefix != value:
                pdef = local[prefix]
                piri = (
                    pdef
                    if isinstance(pdef, str)
                    else (pdef.get("@id") if isinstance(pdef, dict) else None)
                )
                if isinstance(piri, str):
                    deps.append((id(local), prefix))
                    return piri + suffix
            pterm = ctx.terms.get(prefix)
            if pterm is not None and pterm.iri is not None:
                deps.append((pterm.source, prefix))
                deps.extend(pterm.deps)
                return pterm.iri + suffix
            return value
        term = ctx.terms.get(value)
        if term is not None and value not in local:
            deps.append((term.source, value))
            return term.iri
        if ctx.vocab is not None:
            return ctx.vocab + value
        return None

    # ---- Document walk (JSON-LD 1.1 API §5.1 Expansion, the parts that decide expansion)

    def _expect(self, key: str) -> None:
        self.expected[key] = self.expected.get(key, 0) + 1

    def expand_id(self, ctx: _Context, value: str) -> str:
        """IRI expansion with documentRelative (JSON-LD 1.1 API §5.2): absolute IRIs only."""
        if value.startswith("_:"):
            raise InvalidJsonLd("blank node identifiers are not accepted", value=value)
        colon = value.find(":")
        if colon <= 0:
            # Relative IRIs have no base here and would be dropped from the RDF.
            raise InvalidJsonLd("relative IRIs are not accepted", value=value)
        prefix, suffix = value[:colon], value[colon + 1 :]
        if _IRI_SCHEME.fullmatch(prefix) is None:
            # RFC 3987 §2.2: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). "0:x" is no IRI;
            # RDF parsers drop it, which would make the signed graph differ from the JSON.
            raise InvalidJsonLd("IRIs must have a valid scheme", value=value)
        if not suffix.startswith("//"):
            pterm = ctx.terms.get(prefix)
            if pterm is not None and pterm.prefix and pterm.iri is not None:
                self._mark(pterm, prefix)
                value = pterm.iri + suffix
        return _check_iri(value)

    def walk_node(
        self, element: dict[str, Any], active: _Context, depth: int, scoped: _Term | None
    ) -> dict[str, Any]:
        """Check one node object and return its JSON-LD expanded form."""
        if depth > self.limits.max_depth:
            raise InputTooLarge("document nested too deeply")
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise InputTooLarge("too many nodes")
        # §5.1 step 7: a non-propagated (type-scoped) context does not reach nested node objects.
        if active.previous is not None and not (
            len(element) == 1 and _keyword(active, next(iter(element))) == "@id"
        ):
            active = active.previous
        # §5.1 step 8: property-scoped context, which may override protected terms.
        if scoped is not None and scoped.has_context:
            active = self.process(
                active, scoped.context, override_protected=True, stable=scoped.stable
            )
        if "@context" in element:  # step 9: embedded context
            active = self.process(active, element["@context"])
        # steps 10-11: type-scoped contexts, looked up in the context before any of them applies
        type_scoped = active
        type_values: list[str] = []
        for key in element:
            if _keyword(active, key) == "@type":
                self.expand_vocab(active, key)
                raw = element[key]
                for v in raw if isinstance(raw, list) else [raw]:
                    if not isinstance(v, str):
                        raise InvalidJsonLd("@type values must be strings")
                    type_values.append(v)
        for v in sorted(type_values):
            t = type_scoped.terms.get(v)
            if t is not None and t.has_context:
                self._mark(t, v)
                active = self.process(active, t.context, propagate=False, stable=t.stable)
        if active.exotic:
            self.simple = False
        out: dict[str, Any] = {}
        for key, value in element.items():
            if key == "@context":
                continue
            expanded = self.expand_vocab(active, key)
            if expanded is None or (":" not in expanded and not expanded.startswith("@")):
                raise UndefinedTerm(f"term {key!r} is not defined by the active context", term=key)
            if expanded.startswith("@"):
                if expanded == "@id":
                    if not isinstance(value, str):
                        raise InvalidJsonLd("@id must be a string")
                    out["@id"] = self.expand_id(active, value)
                elif expanded == "@type":
                    types = out.setdefault("@type", [])
                    for v in value if isinstance(value, list) else [value]:
                        iri = self.expand_vocab(type_scoped, v)
                        if iri is None or ":" not in iri or iri.startswith("@"):
                            raise UndefinedTerm(f"type {v!r} is not defined", term=v)
                        if iri.startswith("_:"):
                            raise InvalidJsonLd("blank node types are not accepted")
                        self._expect(f"{_RDF_TYPE} {iri}")
                        types.append(_check_iri(iri))
                elif expanded == "@graph":
                    self.simple = False  # named graphs at node level: use the context path
                    out["@graph"] = self._walk_values(value, active, depth + 1, None, None, None)
                else:
                    raise InvalidJsonLd(f"keyword {expanded} is not supported in a node object")
                continue
            if expanded.startswith("_:"):
                raise InvalidJsonLd("blank node predicates are not accepted")
            _check_iri(expanded)
            term = active.terms.get(key)
            values = self._walk_property(value, active, depth, term, expanded)
            if values:
                out.setdefault(expanded, []).extend(values)
        return out

    def _walk_value_object(
        self, element: dict[str, Any], active: _Context, pred: str | None
    ) -> list[Any]:
        out: dict[str, Any] = {}
        for key, item in element.items():
            expanded = self.expand_vocab(active, key)
            if expanded not in ("@value", "@type", "@language", "@direction", "@index"):
                raise InvalidJsonLd(f"invalid value object member {key!r}")
            if expanded == "@index" and not isinstance(item, str):
                raise InvalidJsonLd("@index must be a string")
            if expanded in ("@direction", "@index"):
                continue  # rdfDirection = null (jsonld.js default): direction is not in the RDF
            if expanded == "@type":
                if item == "@json":
                    out["@type"] = "@json"
                    continue
                iri = self.expand_vocab(active, item) if isinstance(item, str) else None
                if iri is None or ":" not in iri or iri.startswith(("@", "_:")):
                    raise UndefinedTerm(f"datatype {item!r} is not defined", term=str(item))
                out["@type"] = _check_iri(iri)
                continue
            if expanded == "@language" and not isinstance(item, str):
                raise InvalidJsonLd("@language must be a string")
            if (
                expanded == "@value"
                and isinstance(item, dict | list)
                and (element.get("@type") != "@json")
            ):
                raise InvalidJsonLd("@value must be a scalar")
            out[expanded] = item
        if out.get("@value") is None:
            return []
        if pred is not None:
            self._expect(pred)
        return [out]

    def _scalar(self, value: Any, active: _Context, term: _Term | None) -> dict[str, Any]:
        """Value Expansion (JSON-LD 1.1 API §5.3.2) of a scalar under ``term``."""
        ttype = term.type if term is not None else None
        if ttype in ("@id", "@vocab") and isinstance(value, str):
            if ttype == "@vocab":
                scoped = active
                if term is not None and term.has_context:
                    scoped = self.process(
                        active, term.context, override_protected=True, stable=term.stable
                    )
                iri = self.expand_vocab(scoped, value)
                if iri is None or ":" not in iri or iri.startswith("@"):
                    raise UndefinedTerm(f"value {value!r} is not defined", term=value)
                if iri.startswith("_:"):
                    raise InvalidJsonLd("blank node identifiers are not accepted", value=value)
                return {"@id": _check_iri(iri)}
            return {"@id": self.expand_id(active, value)}
        if ttype is not None and ttype not in ("@id", "@vocab", "@none"):
            return {"@value": value, "@type": ttype}
        return {"@value": value}

    def _walk_property(
        self, value: Any, active: _Context, depth: int, term: _Term | None, pred: str
    ) -> list[Any]:
        if term is not None and term.type == "@json":
            self._expect(pred)  # a JSON literal, even for null (JSON-LD 1.1 API §5.1 13.4.x)
            self.values += 1
            return [{"@value": value, "@type": "@json"}]
        if value is None:
            return []  # JSON-LD 1.1 API §5.1: null drops the property
        containers = term.container if term is not None else frozenset()
        if term is not None and term.exotic:
            self.simple = False
        if "@language" in containers and isinstance(value, dict):
            out: list[Any] = []
            for lang, v in value.items():
                for item in v if isinstance(v, list) else [v]:
                    if item is None:
                        continue
                    if not isinstance(item, str):
                        raise InvalidJsonLd("language map values must be strings")
                    self._expect(pred)
                    if lang == "@none" or self.expand_vocab(active, lang, mark=False) == "@none":
                        out.append({"@value": item})
                    else:
                        out.append({"@value": item, "@language": lang})
            return out
        if "@index" in containers and isinstance(value, dict):
            result: list[Any] = []
            for v in value.values():
                result.extend(self._walk_values(v, active, depth + 1, term, containers, pred))
            return result
        if "@list" in containers and not (
            isinstance(value, dict) and any(_keyword(active, k) == "@list" for k in value)
        ):
            items = value if isinstance(value, list) else [value]
            return [{"@list": self._walk_list(items, active, depth, term, pred)}]
        return self._walk_values(value, active, depth + 1, term, containers, pred)

    def _walk_list(
        self, items: list[Any], active: _Context, depth: int, term: _Term | None, pred: str | None
    ) -> list[Any]:
        result: list[Any] = []
        for item in items:
            if isinstance(item, list):
                raise InvalidJsonLd("lists of lists are not supported")
            walked = self._walk_values(item, active, depth + 1, term, frozenset(), _RDF_FIRST)
            if walked:
                self._expect(_RDF_REST)
            result.extend(walked)
        if pred is not None:
            self._expect(pred)  # the link to the list head, or to rdf:nil when empty
        return result

    def _walk_values(
        self,
        value: Any,
        active: _Context,
        depth: int,
        term: _Term | None,
        containers: frozenset[str] | None,
        pred: str | None,
    ) -> list[Any]:
        """Expanded values (always a list) of one property value."""
        self.values += 1
        if self.values > self.limits.max_values:
            raise InputTooLarge("too many values")
        if isinstance(value, list):
            result: list[Any] = []
            for v in value:
                result.extend(self._walk_values(v, active, depth, term, containers, pred))
            return result
        if value is None:
            return []
        if isinstance(value, dict):
            keys = {_keyword(active, k): k for k in value}
            if "@index" in keys and not isinstance(value[keys["@index"]], str):
                raise InvalidJsonLd("@index must be a string")
            if "@list" in keys:
                if set(keys) - {"@list", "@index"}:
                    raise InvalidJsonLd("invalid list object")
                lkey = keys["@list"]
                self.expand_vocab(active, lkey)
                items = value[lkey] if isinstance(value[lkey], list) else [value[lkey]]
                return [{"@list": self._walk_list(items, active, depth, term, pred)}]
            if "@set" in keys:
                if set(keys) - {"@set", "@index"}:
                    raise InvalidJsonLd("invalid set object")
                skey = keys["@set"]
                self.expand_vocab(active, skey)
                return self._walk_values(value[skey], active, depth, term, containers, pred)
            if "@value" in keys:
                return self._walk_value_object(value, active, pred)
            if pred is not None:
                self._expect(pred)  # the link from the subject (or a graph name) to this node
            node = self.walk_node(value, active, depth, term)
            if containers is not None and "@graph" in containers:
                return [{"@graph": [node]}]
            return [node]
        if not isinstance(value, str | bool | int | float):
            raise InvalidJsonLd("unsupported JSON value")
        if isinstance(value, float) and (value != value or value in (float("inf"), -float("inf"))):
            raise InvalidJsonLd("non-finite numbers are not JSON")
        expanded = self._scalar(value, active, term)
        if pred is not None:
            self._expect(pred)
        return [expanded]

    # ---- Output for pyoxigraph (the context paths)

    def inline(self, local: Any, prune: bool) -> Any:
        if isinstance(local, list):
            return [self.inline(c, prune) for c in local]
        if isinstance(local, str):
            document = self.loader.load(local)
            return self.inline(document["@context"], prune)
        if isinstance(local, dict):
            out: dict[str, Any] = {}
            src = id(local)
            for key, value in local.items():
                if key.startswith("@"):
                    if key != "@direction":
                        out[key] = value
                    continue
                if prune and (src, key) not in self.used:
                    continue
                if isinstance(value, dict):
                    value = {k: v for k, v in value.items() if k != "@direction"}
                    if "@context" in value:
                        value["@context"] = self.inline(value["@context"], prune)
                out[key] = value
            return out
        return local

    def rewrite(self, element: Any, prune: bool) -> Any:
        """The input document with contexts inlined and ``@direction`` dropped."""
        if isinstance(element, list):
            return [self.rewrite(e, prune) for e in element]
        if isinstance(element, dict):
            out = {}
            for k, v in element.items():
                if k == "@context":
                    out[k] = self.inline(v, prune)
                elif k != "@direction":
                    out[k] = self.rewrite(v, prune)
            return out
        return element


# JSON-LD 1.1 API §4.1.2 step 5.13: context entries that are not term definitions.
_CONTEXT_ENTRY_KEYWORDS = frozenset(
    {
        "@base",
        "@direction",
        "@import",
        "@language",
        "@propagate",
        "@protected",
        "@version",
        "@vocab",
    }
)
_KEYWORD_FORM = re.compile(r"@[A-Za-z]+")


def _check_keyword_entry(key: str, value: Any) -> None:
    """An ``@``-key in a local context that is not a term definition this layer makes.

    JSON-LD 1.1 API §4.2.2 (Create Term Definition) step 4: ``@type`` may only be given
    ``{"@container": "@set"}`` (plus ``@protected``), which changes no RDF; step 5: any other
    keyword is a *keyword redefinition* error; a key of the keyword form that is not a keyword
    is ignored. Other ``@``-terms (``@1``, ``@``) are refused: pyoxigraph and this walk must
    never disagree on what a document means (found by hypothesis: ``{"@id": null}`` was skipped
    here but refused by the RDF conversion).
    """
    if key in _CONTEXT_ENTRY_KEYWORDS:
        return
    if key == "@type":
        if (
            isinstance(value, dict)
            and value.get("@container") == "@set"
            and set(value) <= {"@container", "@protected"}
        ):
            return
        raise InvalidJsonLd("keyword redefinition of @type")
    if key in _KEYWORDS:
        raise InvalidJsonLd(f"keyword redefinition of {key}")
    if _KEYWORD_FORM.fullmatch(key):
        return
    raise InvalidJsonLd("terms starting with '@' are not supported")


def _check_iri(iri: str) -> str:
    """``iri`` unless it holds characters no IRI may hold (RFC 3987 §2.2: space, C0/C1 controls,
    ``<>"{}|\\^```, non-characters). RDF parsers silently drop such an "IRI", so the signed graph
    would lack what the JSON shows (found by hypothesis: ``'A:"'`` as an ``@id``/``@vocab``
    value)."""
    if _NOT_IRI_CHARS.search(iri) is not None:
        raise InvalidJsonLd("not a valid IRI", code="invalid_iri")
    return iri


def _keyword(ctx: _Context, key: str) -> str | None:
    """The keyword ``key`` stands for (itself or an alias such as ``type``), else ``None``."""
    if key[:1] == "@":
        return key if key in _KEYWORDS else None
    term = ctx.terms.get(key)
    if term is not None and term.iri is not None and term.iri[:1] == "@":
        return term.iri
    return None


def _strip_protected(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: v for k, v in raw.items() if k != "@protected"}
    if isinstance(raw, str):
        return {"@id": raw}
    return raw


def _replace_protected(new: _Term, old: _Term) -> _Term:
    return _Term(
        iri=new.iri,
        type=new.type,
        container=new.container,
        context=new.context,
        has_context=new.has_context,
        protected=True,
        prefix=new.prefix,
        raw=new.raw,
        source=new.source,
        stable=new.stable,
        deps=new.deps,
        exotic=new.exotic,
    )


_EMPTY = _Context(stable=True)
_MAX_CACHE = 4096
_GLOBAL_CTX_CACHE: dict[tuple[int, int, bool, bool], _Context] = {}
_KEEP_ALIVE: list[tuple[_Context, Any]] = []
# Inline {"@vocab": IRI} results, by (id(active context), IRI, override_protected).
_VOCAB_CACHE: dict[tuple[int, str, bool], _Context] = {}
_VOCAB_KEEP_ALIVE: list[_Context] = []
_MAX_CACHED_VOCAB_LENGTH = 2048


def _prepare(
    document: Mapping[str, Any], loader: StaticDocumentLoader, limits: JsonLdLimits
) -> tuple[_Walker, dict[str, Any]]:
    if not isinstance(document, Mapping):
        raise InvalidInput("a JSON-LD document must be a JSON object")
    walker = _Walker(loader, limits)
    expanded = walker.walk_node(dict(document), _EMPTY, 0, None)
    return walker, expanded


def expand_check(
    document: Mapping[str, Any],
    *,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> None:
    """Raise unless every context is available and every term of ``document`` is defined."""
    _prepare(document, loader or _DEFAULT_LOADER, limits)


_encode_json = msgspec.json.Encoder().encode


def _nquads(text: str | bytes, expected: dict[str, int] | None) -> str:
    """Canonical N-Quads; ``""`` when ``expected`` (predicate profile) does not match."""
    quads = list(ox.parse(text, format=ox.RdfFormat.JSON_LD))
    if expected is not None:
        seen: dict[str, int] = {}
        for q in quads:
            p = q.predicate.value
            key = p + " " + q.object.value if p == _RDF_TYPE else p
            seen[key] = seen.get(key, 0) + 1
        if seen != expected:
            return ""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert serialized is not None
    # split on "\n" only: U+2028 / U+0085 stay raw inside canonical literals
    lines = serialized.decode("utf-8").split("\n")
    lines.pop()  # the text ends with a newline
    lines.sort()  # RDFC-1.0: canonical N-Quads in code point order
    return "\n".join(lines) + "\n" if lines else ""


Path = Literal["auto", "expanded", "pruned", "full"]


def to_canonical_nquads(
    document: Mapping[str, Any],
    *,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
    path: Path = "auto",
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, with the guards described above.

    >>> doc = {"@context": "https://www.w3.org/ns/credentials/v2", "id": "urn:x",
    ...        "type": "VerifiableCredential", "issuer": "https://issuer.example"}
    >>> len(to_canonical_nquads(doc).splitlines())
    2
    """
    return canonicalize_traced(document, loader=loader, limits=limits, path=path)[0]


def canonicalize_traced(
    document: Mapping[str, Any],
    *,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
    path: Path = "auto",
) -> tuple[str, str]:
    """Like :func:`to_canonical_nquads`; also names the path that produced the result.

    ``expanded``: the walk's own expanded form (no context for pyoxigraph to process);
    ``pruned``: the document with contexts cut down to the terms it uses; ``full``: the document
    with every context inlined whole — the reference the other two are tested against. ``auto``
    takes the first that applies and whose quads match the walk's predicate profile.
    """
    walker, expanded = _prepare(document, loader or _DEFAULT_LOADER, limits)
    try:
        if path in ("auto", "expanded") and walker.simple:
            # msgspec: the same JSON as json.dumps(ensure_ascii=False), as UTF-8, 5x faster.
            text: str | bytes = _encode_json([expanded])
            if len(text) > limits.max_bytes:
                raise InputTooLarge("document too large")
            result = _nquads(text, walker.expected)
            if result or path == "expanded":
                return result, "expanded"
        if path in ("auto", "pruned", "expanded"):
            text = json.dumps(walker.rewrite(dict(document), True), ensure_ascii=False)
            if len(text) > limits.max_bytes:
                raise InputTooLarge("document too large")
            result = _nquads(text, walker.expected)
            if result or path == "pruned":
                return result, "pruned"
        text = json.dumps(walker.rewrite(dict(document), False), ensure_ascii=False)
        if path == "full":
            return _nquads(text, None), "full"
        result = _nquads(text, walker.expected)
        if not result:
            # Some value would be dropped or added by the RDF conversion: never sign or verify
            # something other than what the document says.
            raise InvalidJsonLd(
                "JSON-LD to RDF conversion does not match the document",
                code="jsonld_conversion_mismatch",
            )
        return result, "full"
    except SyntaxError as exc:
        raise InvalidJsonLd(f"JSON-LD to RDF failed: {exc}") from exc


canonicalize = to_canonical_nquads
