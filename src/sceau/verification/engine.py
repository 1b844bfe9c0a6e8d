"""The verification engine: one credential or presentation against a tenant's trust policy.

Used by the OpenID4VP response endpoint and by the VC API verify routes. For every credential:
signature (issuer keys from the trust policy only — SECURITY.md J-03, never from the token),
issuer trusted *for that credential type*, format and algorithm accepted, validity period and
maximum age, status (shared status lists through :class:`StatusListCache`), holder binding.
Every rejection is a :class:`VerificationRejected` whose ``code`` is a stable machine reason.

>>> # engine = VerificationEngine(policy, status_cache, now=lambda: 1767225600)
>>> # verified = await engine.verify_sd_jwt_vc(token, audience=client_id, nonce=nonce)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sceau.core.dcql import HolderCredential
from sceau.core.dids import (
    public_key_from_did_jwk,
    public_key_from_did_key,
    resolve_verification_method,
    split_did_url,
)
from sceau.core.encoding import json_loads
from sceau.core.errors import InvalidInput, SceauError, VerificationFailed
from sceau.core.jose import PublicKey, decode_compact_unverified, public_key_from_jwk
from sceau.core.sdjwt import X5cIssuerResolver, verify_sd_jwt_vc
from sceau.core.status.bitstring_status_list import parse_status_list_entries, validate_status
from sceau.core.status.token_status_list import (
    StatusType,
    check_referenced_token_status,
    status_list_reference,
)
from sceau.core.vc import (
    parse_datetime_stamp,
    validate_contexts,
    verify_credential,
    verify_presentation,
)
from sceau.core.vc.jose import (
    enveloped_credentials_of,
    unwrap_enveloped,
    verify_vc_jwt,
    verify_vp_jwt,
)
from sceau.issuance.formats import VC_V2_CONTEXT, vc_context
from sceau.verification.models import TrustedIssuer, TrustPolicy
from sceau.verification.status import StatusListCache, StatusUnavailable

__all__ = [
    "REASONS",
    "VerificationEngine",
    "VerificationRejected",
    "VerifiedCredential",
    "VerifiedPresentation",
    "default_allowed_contexts",
]

# Core error codes → the engine's reason codes (the rest pass through unchanged).
REASONS: Final[Mapping[str, str]] = {
    "kb_nonce_mismatch": "wrong_nonce",
    "kb_aud_mismatch": "wrong_audience",
    "kb_required": "missing_key_binding",
    "missing_cnf": "missing_key_binding",
    "kb_sd_hash_mismatch": "invalid_key_binding",
    "kb_stale": "invalid_key_binding",
    "kb_iat_in_future": "invalid_key_binding",
    "expired": "expired",
    "credential_expired": "expired",
    "not_yet_valid": "not_yet_valid",
    "credential_not_yet_valid": "not_yet_valid",
    "invalid_signature": "invalid_signature",
    "PROOF_VERIFICATION_ERROR": "invalid_signature",
    "untrusted_issuer": "untrusted_issuer",
    "unknown_kid": "untrusted_issuer",
    "untrusted_x5c": "untrusted_issuer",
    "unknown_verification_method": "untrusted_issuer",
    "verification_method_not_controlled": "untrusted_issuer",
    "disclosure_repeated": "invalid_disclosure",
    "invalid_disclosure": "invalid_disclosure",
    "unknown_disclosure": "invalid_disclosure",
    "INVALID_CHALLENGE_ERROR": "wrong_nonce",
    "INVALID_DOMAIN_ERROR": "wrong_audience",
    "alg_not_allowed": "algorithm_not_accepted",
}
_ENGINE_IDS: Final = itertools.count(1)
_SD_JWT_FORMAT: Final = "dc+sd-jwt"
_LDP_FORMAT: Final = "ldp_vc"
_JWT_VC_FORMAT: Final = "jwt_vc_json"


class VerificationRejected(VerificationFailed):
    """A credential or presentation failed a check; ``code`` is the machine reason."""

    code = "verification_rejected"


def reason_of(exc: SceauError) -> str:
    """The engine's reason code for a core error (unknown digests are tampered disclosures)."""
    code = exc.code
    if code in REASONS:
        return REASONS[code]
    if "disclosure" in code or "digest" in code:
        return "invalid_disclosure"
    return code


def _reject(code: str, detail: str = "") -> VerificationRejected:
    return VerificationRejected(detail or code, code=code)


@dataclass(frozen=True)
class VerifiedCredential:
    """A credential that passed every check. ``claims`` feed DCQL; never store them."""

    format: str
    types: tuple[str, ...]
    issuer: str
    claims: dict[str, Any]
    holder_binding: bool
    status_checked: bool
    warnings: tuple[str, ...] = ()

    def as_holder_credential(self, credential_id: str) -> HolderCredential:
        return HolderCredential(
            id=credential_id,
            format=self.format,
            claims=self.claims,
            types=self.types if self.format == _SD_JWT_FORMAT else (),
            holder_binding=self.holder_binding,
        )


@dataclass(frozen=True)
class VerifiedPresentation:
    holder: str | None
    credentials: tuple[VerifiedCredential, ...]
    warnings: tuple[str, ...] = field(default=())


def _epoch(now: int | float | datetime) -> int:
    return int(now.timestamp()) if isinstance(now, datetime) else int(now)


def _types_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for t in value if isinstance(t, str)]
    return []


def _party(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _issuer_urls(issuer: str) -> list[str]:
    """The Credential Issuer URLs a Sceau issuer identifier stands for: the URL itself, or for a
    tenant's ``did:web`` both schemes of its did:web URL mapping (did:web §3.1 step 3; the DID
    does not say whether the deployment is served over http in development)."""
    if issuer.startswith(("https://", "http://")):
        return [issuer.rstrip("/")]
    if not issuer.startswith("did:web:"):
        return []
    host, *path = issuer[len("did:web:") :].split(":")
    host = host.replace("%3A", ":").replace("%3a", ":")
    if not host or "/" in host or any(not seg or "/" in seg for seg in path):
        return []
    suffix = "".join(f"/{seg}" for seg in path)
    return [f"https://{host}{suffix}", f"http://{host}{suffix}"]


def default_allowed_contexts(issuer: str) -> list[list[Any]]:
    """The ``@context`` lists Sceau's own issuance writes for ``issuer``: VCDM 2.0 alone, or
    with the inline ``@vocab`` under the Credential Issuer URL (``issuance.formats.vc_context``).
    The default allow-list of a trusted issuer entry without ``allowed_contexts`` (VC DI §4.6)."""
    return [[VC_V2_CONTEXT], *(list(vc_context(url)) for url in _issuer_urls(issuer))]


class _TrustIndex:
    """The trust policy, indexed: issuer id → entries, and their keys by ``kid``."""

    def __init__(self, policy: TrustPolicy) -> None:
        self.by_issuer: dict[str, list[TrustedIssuer]] = {}
        self.keys: dict[str, dict[str, PublicKey]] = {}
        self.anchors: dict[str, list[x509.Certificate]] = {}
        for entry in policy.trusted_issuers:
            self.by_issuer.setdefault(entry.issuer, []).append(entry)
            keys = self.keys.setdefault(entry.issuer, {})
            if entry.jwks is not None:
                raw = entry.jwks.get("keys")
                if not isinstance(raw, list):
                    raise InvalidInput("jwks needs a keys array", code="invalid_trust_policy")
                for i, jwk in enumerate(raw):
                    if not isinstance(jwk, dict):
                        raise InvalidInput(
                            "jwks key must be an object", code="invalid_trust_policy"
                        )
                    kid = jwk.get("kid") if isinstance(jwk.get("kid"), str) else f"#{i}"
                    keys[str(kid)] = public_key_from_jwk(jwk)
            if entry.x509_anchors_pem:
                certs = self.anchors.setdefault(entry.issuer, [])
                for pem in entry.x509_anchors_pem:
                    certs.extend(x509.load_pem_x509_certificates(pem.encode()))

    def trusted_types(self, issuer: str) -> set[str]:
        return {e.credential_type for e in self.by_issuer.get(issuer, ())}

    def check_contexts(
        self,
        issuer: str,
        types: Sequence[str],
        document: Mapping[str, Any],
        *,
        terms_checked: bool = False,
    ) -> None:
        """VC DI §4.6 (after the proofs verified): the credential's ``@context`` must be a list
        allowed for one of its trusted types (SECURITY W-03); then every term must be defined.

        ``terms_checked``: every proof was verified over the RDFC-1.0 canonical form, whose
        expansion of the unsecured document already refused undefined terms and protected-term
        redefinitions (the same walk as :func:`~sceau.core.vc.jsonld.expand_check`)."""
        entries = [e for e in self.by_issuer.get(issuer, ()) if e.credential_type in types]
        first: SceauError | None = None
        for entry in entries:
            known = (
                entry.allowed_contexts
                if entry.allowed_contexts is not None
                else default_allowed_contexts(issuer)
            )
            try:
                validate_contexts(
                    document,
                    known,
                    order_insensitive=entry.contexts_order_insensitive,
                    require_defined_terms=False,
                )
            except SceauError as exc:
                if first is None:
                    first = exc
                continue
            if not terms_checked:
                # Terms are checked once, against the contexts just approved (JSON-LD safe mode).
                validate_contexts(document, [document["@context"]], require_defined_terms=True)
            return
        raise first or _reject("context_not_allowed", "no context list for this type")

    def dids(self, issuer: str) -> set[str]:
        return {e.did for e in self.by_issuer.get(issuer, ()) if e.did}

    def jose_key(self, issuer: Any, header: Mapping[str, Any], now: int) -> PublicKey:
        """The issuer's key for a JOSE-secured credential: JWKS by ``kid``, or ``x5c`` to a
        configured anchor, or the issuer's configured DID (did:key / did:jwk)."""
        if not isinstance(issuer, str) or issuer not in self.by_issuer:
            raise _reject("untrusted_issuer", f"issuer {issuer!r} is not in the trust policy")
        keys = self.keys.get(issuer, {})
        if "x5c" in header and issuer in self.anchors:
            resolver = X5cIssuerResolver(
                self.anchors[issuer], now=datetime.fromtimestamp(now).astimezone()
            )
            return resolver.resolve(issuer, header)
        kid = header.get("kid")
        if keys:
            if isinstance(kid, str) and kid in keys:
                return keys[kid]
            if kid is None and len(keys) == 1:
                return next(iter(keys.values()))
        for did in self.dids(issuer):
            # did:key / did:jwk carry their one key: no resolution, no I/O.
            if kid is not None and (not isinstance(kid, str) or kid.split("#", 1)[0] != did):
                continue
            if did.startswith("did:key:"):
                return public_key_from_did_key(did)
            if did.startswith("did:jwk:"):
                return public_key_from_did_jwk(did)
        raise _reject("untrusted_issuer", "no trusted key for this issuer and kid")


DataIntegrityKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def _di_key(key: PublicKey) -> DataIntegrityKey:
    if not isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
        raise _reject("algorithm_not_accepted", "Data Integrity needs an EC or Ed25519 key")
    return key


_RDFC_SUITES: Final = frozenset({"ecdsa-rdfc-2019", "eddsa-rdfc-2022"})


def _all_rdfc(doc: Mapping[str, Any]) -> bool:
    """Every proof is an RDFC-1.0 cryptosuite (so its verification expanded the document)."""
    proofs = doc.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    return bool(proofs) and all(
        isinstance(p, Mapping) and p.get("cryptosuite") in _RDFC_SUITES for p in proofs
    )


class _PolicyResolver:
    """Data Integrity verification methods: issuers' from the trust policy (``assertionMethod``),
    holders' from their did:key / did:jwk (``authentication``)."""

    def __init__(self, trust: _TrustIndex) -> None:
        self._trust = trust

    async def resolve(self, method_id: str, purpose: str) -> DataIntegrityKey:
        return _di_key(await self._resolve(method_id, purpose))

    async def _resolve(self, method_id: str, purpose: str) -> PublicKey:
        controller = method_id.split("#", 1)[0]
        if purpose == "authentication":
            return await resolve_verification_method(method_id, relationship="authentication")
        entries = self._trust.by_issuer.get(controller)
        if not entries:
            raise _reject("untrusted_issuer", f"{controller!r} is not a trusted issuer")
        keys = self._trust.keys.get(controller, {})
        fragment = method_id.split("#", 1)[1] if "#" in method_id else None
        for kid in (method_id, fragment, f"#{fragment}"):
            if kid is not None and kid in keys:
                return keys[kid]
        if controller.startswith("did:"):
            did, _ = split_did_url(method_id)
            if did in self._trust.dids(controller) or did == controller:
                return await resolve_verification_method(method_id, relationship=purpose)
        raise _reject("untrusted_issuer", "verification method is not in the trust policy")


class VerificationEngine:
    """Verifies against one tenant's :class:`TrustPolicy`. Cheap to build; build one per policy
    version (the trust index is computed once)."""

    def __init__(
        self,
        policy: TrustPolicy,
        status: StatusListCache,
        *,
        clock: Callable[[], float] = time.time,
        leeway_s: int = 60,
        # A KB-JWT may be this old beyond the leeway: 0, so one older than the leeway (60 s) is
        # refused (SECURITY R-06; RFC 9901 §7.3 step 5 leaves the window to the verifier).
        kb_max_age_s: int = 0,
    ) -> None:
        self.policy = policy
        self.status = status
        self._clock = clock
        self._leeway = leeway_s
        self._kb_max_age = kb_max_age_s
        self._trust = _TrustIndex(policy)
        self._resolver = _PolicyResolver(self._trust)
        self._algorithms = tuple(policy.accepted_algorithms)
        # Cache scope of lists verified under this policy (a new policy re-verifies them).
        self._scope = f"policy:{next(_ENGINE_IDS)}"

    # --- shared checks -------------------------------------------------------------------

    def _format_accepted(self, fmt: str) -> None:
        if fmt not in self.policy.accepted_formats:
            raise _reject("format_not_accepted", f"format {fmt} is not accepted")

    def _type_trusted(self, issuer: str, types: Sequence[str]) -> None:
        # An issuer is trusted per credential type: a trusted university is not a trusted
        # driving-licence authority.
        if not self._trust.trusted_types(issuer) & set(types):
            raise _reject("untrusted_issuer", "issuer is not trusted for this credential type")

    def _age(self, issued_at: int | None, now: int) -> None:
        limit = self.policy.max_credential_age_s
        if limit is not None and issued_at is not None and now - issued_at > limit:
            raise _reject("credential_too_old", "credential is older than the policy allows")

    async def _token_status(self, issuer: str, claims: Mapping[str, Any], now: int) -> bool:
        """Token Status List check; False when the credential carries no status."""
        if "status" not in claims:
            if self.policy.require_status:
                raise _reject("status_missing", "the policy requires a status reference")
            return False
        try:
            ref = status_list_reference(claims)
        except SceauError as exc:
            raise _reject("status_invalid", str(exc)) from exc

        def key(header: Mapping[str, Any]) -> PublicKey:
            # The status list is signed by the credential's (trusted) issuer.
            return self._trust.jose_key(issuer, header, now)

        token = await self.status.status_list_token(
            ref.uri, key, now=now, algorithms=self._algorithms, trust_scope=issuer
        )
        try:
            value = check_referenced_token_status(claims, token)
        except SceauError as exc:
            raise StatusUnavailable(str(exc)) from exc
        if value == StatusType.INVALID:
            raise _reject("revoked", "the credential is revoked")
        if value == StatusType.SUSPENDED:
            raise _reject("suspended", "the credential is suspended")
        if value != StatusType.VALID:
            raise _reject("status_invalid", f"status value {value}")
        return True

    async def _bitstring_status(self, credential: Mapping[str, Any], now: int) -> bool:
        try:
            entries = parse_status_list_entries(credential)
        except SceauError as exc:
            raise _reject("status_invalid", str(exc)) from exc
        if not entries:
            if self.policy.require_status:
                raise _reject("status_missing", "the policy requires a status entry")
            return False
        for entry in entries:
            url = entry.status_list_credential

            async def verify(content: bytes, url: str = url) -> tuple[Any, int | None]:
                return await self._verify_status_list_credential(content, url, now), None

            list_credential = await self.status.get(
                url,
                accept="application/vc+jwt, application/vc+ld+json",
                verify=verify,
                # Any trusted issuer may sign a list (Bitstring Status List §2.2): scope by policy.
                trust_scope=self._scope,
            )
            try:
                result = validate_status(entry, list_credential)
            except SceauError as exc:
                raise StatusUnavailable(str(exc)) from exc
            if not result.valid and entry.status_purpose == "revocation":
                raise _reject("revoked", "the credential is revoked")
            if not result.valid and entry.status_purpose == "suspension":
                raise _reject("suspended", "the credential is suspended")
        return True

    async def _verify_status_list_credential(
        self, content: bytes, url: str, now: int
    ) -> dict[str, Any]:
        import msgspec

        text = content.strip()
        try:
            if text.startswith(b"{"):
                doc = json_loads(text, max_bytes=len(text))  # the fetch already bounded it
                if not isinstance(doc, dict):
                    raise StatusUnavailable("status list credential is not an object")
                await verify_credential(
                    doc,
                    self._resolver,
                    now=now,
                    cryptosuites=self.policy.accepted_cryptosuites,
                    leeway=self._leeway,
                )
                return doc
            token = text.decode("ascii")
            _, payload = decode_compact_unverified(token)
            issuer = _party(json_loads(payload, max_bytes=len(payload)).get("issuer"))
            verified = verify_vc_jwt(
                token,
                lambda header: self._trust.jose_key(issuer, header, now),
                now=now,
                algorithms=self._algorithms,
            )
            return verified.document
        except StatusUnavailable:
            raise
        except (SceauError, ValueError, msgspec.DecodeError) as exc:
            raise StatusUnavailable(f"status list credential at {url} does not verify") from exc

    # --- SD-JWT VC ------------------------------------------------------------------------

    async def verify_sd_jwt_vc(
        self,
        token: str,
        *,
        audience: str | None,
        nonce: str | None,
        require_key_binding: bool = True,
    ) -> VerifiedCredential:
        """An SD-JWT VC presentation (SD-JWT VC §"Verification", RFC 9901 §7.1/§7.3)."""
        self._format_accepted(_SD_JWT_FORMAT)
        now = _epoch(self._clock())
        try:
            verified = verify_sd_jwt_vc(
                token,
                _TrustLookup(self._trust, now),
                audience=audience,
                nonce=nonce,
                require_key_binding=require_key_binding,
                now=now,
                algorithms=self._algorithms,
                kb_algorithms=self._algorithms,
                leeway=self._leeway,
                kb_max_age=self._kb_max_age,
            )
        except VerificationRejected:
            raise
        except SceauError as exc:
            raise _reject(reason_of(exc), str(exc)) from exc
        issuer = verified.iss or ""
        self._type_trusted(issuer, (verified.vct,))
        iat = verified.sd_jwt.issuer_payload.get("iat")
        self._age(iat if type(iat) is int else None, now)
        plain = verified.sd_jwt.issuer_payload
        status_checked = await self._token_status(issuer, plain, now)
        return VerifiedCredential(
            format=_SD_JWT_FORMAT,
            types=(verified.vct,),
            issuer=issuer,
            claims=verified.claims,
            holder_binding=verified.sd_jwt.kb_claims is not None,
            status_checked=status_checked,
        )

    # --- W3C VC 2.0: Data Integrity -------------------------------------------------------

    def _vc_types(self, doc: Mapping[str, Any]) -> list[str]:
        return _types_list(doc.get("type"))

    def _valid_from_epoch(self, doc: Mapping[str, Any]) -> int | None:
        value = doc.get("validFrom")
        if not isinstance(value, str):
            return None
        try:
            return int(parse_datetime_stamp(value).timestamp())
        except (SceauError, ValueError):
            return None

    async def verify_data_integrity_credential(
        self, credential: Mapping[str, Any], *, check_validity: bool = True
    ) -> VerifiedCredential:
        """A Data Integrity secured credential (VC DI §4.4, VCDM §4.9)."""
        self._format_accepted(_LDP_FORMAT)
        now = _epoch(self._clock())
        issuer = _party(credential.get("issuer")) or ""
        if issuer not in self._trust.by_issuer:
            raise _reject("untrusted_issuer", f"issuer {issuer!r} is not in the trust policy")
        try:
            await verify_credential(
                credential,
                self._resolver,
                now=now if check_validity else self._valid_now(credential, now),
                cryptosuites=self.policy.accepted_cryptosuites,
                leeway=self._leeway,
            )
        except VerificationRejected:
            raise
        except SceauError as exc:
            raise _reject(reason_of(exc), str(exc)) from exc
        return await self._finish_w3c(_LDP_FORMAT, credential, issuer, now)

    def _valid_now(self, credential: Mapping[str, Any], now: int) -> int:
        # VC API: an expired credential is a warning. Check proofs at a time inside the
        # validity period; the expiry itself is reported by the caller.
        until = credential.get("validUntil")
        if isinstance(until, str):
            try:
                end = int(parse_datetime_stamp(until).timestamp())
            except (SceauError, ValueError):
                return now
            return min(now, end - 1)
        return now

    async def _finish_w3c(
        self, fmt: str, doc: Mapping[str, Any], issuer: str, now: int
    ) -> VerifiedCredential:
        types = self._vc_types(doc)
        self._type_trusted(issuer, types)
        if fmt == _LDP_FORMAT:
            try:
                self._trust.check_contexts(issuer, types, doc, terms_checked=_all_rdfc(doc))
            except VerificationRejected:
                raise
            except SceauError as exc:
                raise _reject(reason_of(exc), str(exc)) from exc
        self._age(self._valid_from_epoch(doc), now)
        status_checked = await self._bitstring_status(doc, now)
        subject = doc.get("credentialSubject")
        return VerifiedCredential(
            format=fmt,
            types=tuple(types),
            issuer=issuer,
            claims=dict(doc),
            holder_binding=isinstance(subject, Mapping) and isinstance(subject.get("id"), str),
            status_checked=status_checked,
        )

    async def verify_data_integrity_presentation(
        self, presentation: Mapping[str, Any], *, challenge: str, domain: str | None
    ) -> VerifiedPresentation:
        """A DI presentation: its ``authentication`` proof with ``challenge``/``domain``
        (OpenID4VP §B.1.3.2: challenge = nonce, domain = client_id), then each credential, each
        bound to the holder (credentialSubject.id = holder)."""
        self._format_accepted(_LDP_FORMAT)
        now = _epoch(self._clock())
        try:
            result = await verify_presentation(
                presentation,
                self._resolver,
                challenge=challenge,
                domain=domain,
                now=now,
                cryptosuites=self.policy.accepted_cryptosuites,
                leeway=self._leeway,
            )
        except VerificationRejected:
            raise
        except SceauError as exc:
            raise _reject(reason_of(exc), str(exc)) from exc
        holder = _party(presentation.get("holder"))
        if holder is None and result.presentation.proofs:
            method = result.presentation.proofs[0].verification_method or ""
            holder = method.split("#", 1)[0] or None
        embedded = presentation.get("verifiableCredential", [])
        creds = embedded if isinstance(embedded, list) else [embedded]
        out = []
        for cred in creds:
            if "EnvelopedVerifiableCredential" in _types_list(cred.get("type")):
                raise _reject("format_not_accepted", "enveloped credential in an ldp_vp")
            issuer = _party(cred.get("issuer")) or ""
            if issuer not in self._trust.by_issuer:
                raise _reject("untrusted_issuer", f"issuer {issuer!r} is not trusted")
            verified = await self._finish_w3c(_LDP_FORMAT, cred, issuer, now)
            self._bound_to_holder(cred, holder)
            out.append(verified)
        return VerifiedPresentation(holder=holder, credentials=tuple(out))

    @staticmethod
    def _bound_to_holder(credential: Mapping[str, Any], holder: str | None) -> None:
        subject = credential.get("credentialSubject")
        subjects = subject if isinstance(subject, list) else [subject]
        ids = {s.get("id") for s in subjects if isinstance(s, Mapping)} - {None}
        if not ids or holder is None or holder not in ids:
            raise _reject("holder_binding_mismatch", "the credential is not bound to the holder")

    # --- W3C VC 2.0: VC-JOSE --------------------------------------------------------------

    async def verify_vc_jwt(self, token: str, *, check_validity: bool = True) -> VerifiedCredential:
        """An ``application/vc+jwt`` credential (VC-JOSE-COSE §3.1.1)."""
        self._format_accepted(_JWT_VC_FORMAT)
        now = _epoch(self._clock())
        import msgspec

        try:
            _, payload = decode_compact_unverified(token)
            doc = json_loads(payload, max_bytes=len(payload))  # strict; size bounded by the token
            issuer = _party(doc.get("issuer")) if isinstance(doc, dict) else None
            verified = verify_vc_jwt(
                token,
                lambda header: self._trust.jose_key(issuer, header, now),
                now=now,
                algorithms=self._algorithms,
                leeway=self._leeway,
                check_validity=check_validity,
            )
        except VerificationRejected:
            raise
        except SceauError as exc:
            raise _reject(reason_of(exc), str(exc)) from exc
        except (ValueError, msgspec.DecodeError) as exc:
            raise _reject("invalid_credential", "vc+jwt payload is not JSON") from exc
        return await self._finish_w3c(_JWT_VC_FORMAT, verified.document, issuer or "", now)

    async def verify_vp_jwt(self, token: str, *, nonce: str, audience: str) -> VerifiedPresentation:
        """An ``application/vp+jwt`` with enveloped vc+jwt credentials (OpenID4VP §B.1.3.1:
        ``nonce`` and ``aud`` = client_id); the holder key comes from its did:key/did:jwk."""
        self._format_accepted(_JWT_VC_FORMAT)
        now = _epoch(self._clock())
        try:
            header, _ = decode_compact_unverified(token)
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid.startswith("did:"):
                raise _reject("missing_key_binding", "vp+jwt kid must be the holder's DID URL")
            holder_key = await resolve_verification_method(kid, relationship="authentication")
            verified = verify_vp_jwt(
                token,
                holder_key,
                now=now,
                nonce=nonce,
                audience=audience,
                algorithms=self._algorithms,
                leeway=self._leeway,
            )
        except VerificationRejected:
            raise
        except SceauError as exc:
            reason = reason_of(exc)
            if "nonce" in str(exc):
                reason = "wrong_nonce"
            elif "audience" in str(exc):
                reason = "wrong_audience"
            raise _reject(reason, str(exc)) from exc
        holder = _party(verified.document.get("holder")) or kid.split("#", 1)[0]
        if kid.split("#", 1)[0] != holder:
            raise _reject("holder_binding_mismatch", "vp+jwt not signed by its holder")
        out = []
        for inner in enveloped_credentials_of(verified.document):
            credential = await self.verify_vc_jwt(inner)
            self._bound_to_holder(credential.claims, holder)
            out.append(credential)
        return VerifiedPresentation(holder=holder, credentials=tuple(out))

    # --- VC API entry points ----------------------------------------------------------------

    async def verify_any_credential(
        self, credential: Mapping[str, Any] | str
    ) -> VerifiedCredential:
        """A credential as the VC API receives it: DI object, enveloped/compact vc+jwt, or an
        SD-JWT VC (without key binding: there is no verifier nonce in a credential check)."""
        if isinstance(credential, str):
            if "~" in credential:
                return await self.verify_sd_jwt_vc(
                    credential, audience=None, nonce=None, require_key_binding=False
                )
            return await self.verify_vc_jwt(credential, check_validity=False)
        if "EnvelopedVerifiableCredential" in _types_list(credential.get("type")):
            try:
                token = unwrap_enveloped(credential, "vc")
            except SceauError as exc:
                raise _reject("invalid_credential", str(exc)) from exc
            return await self.verify_vc_jwt(token, check_validity=False)
        return await self.verify_data_integrity_credential(credential, check_validity=False)


class _TrustLookup:
    """SD-JWT VC issuer-key lookup over the trust index (``IssuerKeyResolver``)."""

    def __init__(self, trust: _TrustIndex, now: int) -> None:
        self._trust = trust
        self._now = now

    def resolve(self, iss: Any, header: Mapping[str, Any]) -> PublicKey:
        return self._trust.jose_key(iss, header, self._now)
