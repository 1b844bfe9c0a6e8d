"""DID documents: parsing with the checks a verifier needs, and building one for a key set.

Checks (DID Core §5, did:web §Read step 7, SECURITY.md W-05/D-02): the document ``id`` equals the
DID that was resolved, every DID URL is absolute and belongs to that DID, verification-method ids
are unique, JWKs carry no private members, and sizes are bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sceau.core.dids.errors import DidNotFound, InvalidDidDocument, UnsupportedPublicKeyType
from sceau.core.errors import InvalidKey
from sceau.core.jose import PublicKey, public_jwk, public_key_from_jwk
from sceau.core.multiformats import multikey_decode, multikey_encode

__all__ = [
    "RELATIONSHIPS",
    "DidDocument",
    "VerificationMethod",
    "build_did_document",
    "parse_did_document",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)
MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
JWK_TYPES = frozenset({"JsonWebKey2020", "JsonWebKey"})
MAX_METHODS = 64
MAX_ID_LENGTH = 4096
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True)
class VerificationMethod:
    """One verification method; ``public_key`` is None when its key type is not supported."""

    id: str
    type: str
    controller: str
    public_key: PublicKey | None
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class DidDocument:
    id: str
    methods: Mapping[str, VerificationMethod]
    relationships: Mapping[str, tuple[str, ...]]
    raw: Mapping[str, Any] = field(repr=False)

    def method(
        self, vm_id: str, relationship: str | None = "assertionMethod"
    ) -> VerificationMethod:
        """The verification method ``vm_id``, required to be listed under ``relationship``."""
        vm = self.methods.get(vm_id)
        if vm is None:
            raise DidNotFound("verification method not found in the DID document")
        if relationship is not None and vm_id not in self.relationships.get(relationship, ()):
            raise DidNotFound(f"verification method is not authorised for {relationship}")
        return vm

    def public_key(self, vm_id: str, relationship: str | None = "assertionMethod") -> PublicKey:
        vm = self.method(vm_id, relationship)
        if vm.public_key is None:
            raise UnsupportedPublicKeyType("verification method key type is not supported")
        return vm.public_key


def _did_of(url: str) -> str:
    return url.split("#", 1)[0]


def _absolute_id(value: object, did: str, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise InvalidDidDocument(f"{what} must be a string")
    if not value.startswith("did:"):
        raise InvalidDidDocument(f"{what} must be an absolute DID URL")
    if _did_of(value) != did:
        raise InvalidDidDocument(f"{what} belongs to another DID")
    return value


def _key_of(vm: Mapping[str, Any]) -> PublicKey | None:
    vm_type = vm.get("type")
    jwk = vm.get("publicKeyJwk")
    mb = vm.get("publicKeyMultibase")
    if jwk is not None and mb is not None:
        raise InvalidDidDocument("verification method has two key representations")
    if jwk is not None:
        if not isinstance(jwk, Mapping):
            raise InvalidDidDocument("publicKeyJwk must be an object")
        if _PRIVATE_JWK_MEMBERS.intersection(jwk):
            raise InvalidDidDocument("publicKeyJwk carries private key members")
        if vm_type not in JWK_TYPES:
            return None
        try:
            return public_key_from_jwk(jwk)
        except InvalidKey:
            return None
    if isinstance(mb, str) and vm_type in MULTIBASE_TYPES:
        try:
            return multikey_decode(mb)
        except InvalidKey:
            return None
    return None


def parse_did_document(doc: object, *, did: str) -> DidDocument:
    """Validate a resolved DID document for ``did`` (its ``id`` must equal ``did``)."""
    if not isinstance(doc, Mapping):
        raise InvalidDidDocument("DID document must be a JSON object")
    if doc.get("id") != did:  # did:web §Read step 7; SECURITY.md D-02
        raise InvalidDidDocument("DID document id does not match the DID")
    methods: dict[str, VerificationMethod] = {}

    def add(vm: object) -> str:
        if not isinstance(vm, Mapping):
            raise InvalidDidDocument("verification method must be an object")
        vm_id = _absolute_id(vm.get("id"), did, "verification method id")
        if vm_id in methods or "#" not in vm_id:
            raise InvalidDidDocument("verification method id is duplicated or has no fragment")
        controller = vm.get("controller")
        if not isinstance(controller, str) or not controller.startswith("did:"):
            raise InvalidDidDocument("verification method controller must be a DID")
        vm_type = vm.get("type")
        if not isinstance(vm_type, str):
            raise InvalidDidDocument("verification method type must be a string")
        if len(methods) >= MAX_METHODS:
            raise InvalidDidDocument("too many verification methods")
        methods[vm_id] = VerificationMethod(vm_id, vm_type, controller, _key_of(vm), vm)
        return vm_id

    vms = doc.get("verificationMethod", [])
    if not isinstance(vms, list):
        raise InvalidDidDocument("verificationMethod must be an array")
    for vm in vms:
        add(vm)
    relationships: dict[str, tuple[str, ...]] = {}
    for rel in RELATIONSHIPS:
        entries = doc.get(rel)
        if entries is None:
            continue
        if not isinstance(entries, list) or len(entries) > MAX_METHODS:
            raise InvalidDidDocument(f"{rel} must be an array")
        refs: list[str] = []
        for entry in entries:
            if isinstance(entry, str):
                refs.append(_absolute_id(entry, did, f"{rel} reference"))
            else:
                refs.append(add(entry))  # embedded verification method
        relationships[rel] = tuple(refs)
    for rel_refs in relationships.values():
        for ref in rel_refs:
            if ref not in methods:
                raise InvalidDidDocument("relationship refers to an unknown verification method")
    return DidDocument(id=did, methods=methods, relationships=relationships, raw=doc)


def build_did_document(
    did: str,
    keys: Sequence[tuple[str, PublicKey]],
    *,
    public_key_format: str = "Multikey",
    relationships: Sequence[str] = ("assertionMethod", "authentication"),
    controller: str | None = None,
) -> dict[str, Any]:
    """A DID document publishing ``keys`` (``(fragment, public key)`` pairs) for ``did``.

    >>> from sceau.core.jose import generate_private_key
    >>> key = generate_private_key().public_key()
    >>> doc = build_did_document("did:web:issuer.example", [("k1", key)])
    >>> doc["assertionMethod"]
    ['did:web:issuer.example#k1']
    """
    if not keys:
        raise InvalidDidDocument("a DID document needs at least one key")
    unknown = set(relationships) - set(RELATIONSHIPS)
    if unknown:
        raise InvalidDidDocument("unknown verification relationship")
    context = [DID_CONTEXT]
    if public_key_format == "Multikey":
        context.append(MULTIKEY_CONTEXT)
    elif public_key_format == "JsonWebKey2020":
        context.append(JWS_2020_CONTEXT)
    else:
        raise UnsupportedPublicKeyType("publicKeyFormat must be Multikey or JsonWebKey2020")
    vms: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fragment, key in keys:
        if not fragment or "#" in fragment or fragment in seen:
            raise InvalidDidDocument("key fragments must be unique and non-empty")
        seen.add(fragment)
        vm: dict[str, Any] = {
            "id": f"{did}#{fragment}",
            "type": public_key_format,
            "controller": controller or did,
        }
        if public_key_format == "Multikey":
            vm["publicKeyMultibase"] = multikey_encode(key)  # type: ignore[arg-type]
        else:
            vm["publicKeyJwk"] = public_jwk(key)
        vms.append(vm)
    doc: dict[str, Any] = {"@context": context, "id": did, "verificationMethod": vms}
    for rel in relationships:
        doc[rel] = [vm["id"] for vm in vms]
    parse_did_document(doc, did=did)  # what we publish must pass our own checks
    return doc
