// An independent OpenID4VP 1.0 wallet (npm @openid4vc/openid4vp 0.4.6 for the protocol, npm
// @sd-jwt/sd-jwt-vc for the presentation, jose for JWS/JWE) driven by
// tests/integration/oid4vp/test_interop_npm.py against Sceau served on a local port.
//
// Input (stdin, JSON): {authorization_request_uri, credential (SD-JWT VC issued to the holder),
// holder_private_jwk, x509_anchor_pem (for x509_hash / x509_san_dns), tamper_nonce (optional: the KB-JWT
// carries this nonce instead of the request's), submit_twice (optional: replay the same response)}.
// The library parses the openid4vp:// URI, fetches the request object (request_uri_method as the
// verifier says), checks its signature through `verifyJwt` below and the client identifier
// prefix rules (§5.9.3), builds the Authorization Response (encrypted with `encryptJwe` for
// direct_post.jwt, §8.3) and submits it. Prints one JSON object.
import crypto from 'node:crypto'
import { Openid4vpClient } from '@openid4vc/openid4vp'
import { setGlobalConfig } from '@openid4vc/oauth2'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { ES256, digest } from '@sd-jwt/crypto-nodejs'
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey'
import * as jose from 'jose'

setGlobalConfig({ allowInsecureUrls: true }) // the test server listens on plain http://127.0.0.1

const input = JSON.parse(
  await new Promise((resolve) => {
    let data = ''
    process.stdin.on('data', (chunk) => (data += chunk))
    process.stdin.on('end', () => resolve(data))
  }),
)
const seen = { request_uri_requests: [] }
const walletNonce = jose.base64url.encode(crypto.randomBytes(16))
const walletMetadata = {
  vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } },
  client_id_prefixes_supported: ['x509_hash', 'x509_san_dns', 'decentralized_identifier'],
  request_object_signing_alg_values_supported: ['ES256'],
  authorization_encryption_alg_values_supported: ['ECDH-ES'],
  authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
}
let requestUri

// Library work-around (not a Sceau change): @openid4vc/openid4vp 0.4.6 fetchJarRequestObject
// builds {wallet_metadata, wallet_nonce} but then POSTs `objectToQueryParams(wallet.metadata)`,
// i.e. the metadata members flattened into the form and no wallet_nonce at all. OpenID4VP 1.0
// §5.10 (Request URI Method post) defines the body as `wallet_metadata` (a JSON string) and
// `wallet_nonce`. The fetch callback rewrites that one body to the spec's form; the library still
// enforces the §5.10.1 rule that the request object echoes the nonce (wallet.expectedNonce).
async function walletFetch(url, init = {}) {
  const href = String(url)
  if (href === requestUri) {
    seen.request_uri_requests.push({ method: init.method, body_from_library: init.body ?? null })
    if (String(init.method).toLowerCase() === 'post') {
      init = {
        ...init,
        method: 'POST',
        body: new URLSearchParams({
          wallet_metadata: JSON.stringify(walletMetadata),
          wallet_nonce: walletNonce,
        }).toString(),
      }
    }
  }
  return fetch(url, { ...init, redirect: 'manual' }) // §13.5: do not follow redirects
}

function certificateChainTrusted(x5c) {
  // §5.9.3 x509_hash / x509_san_dns: the Wallet MUST validate the signature and the trust chain
  // (the library itself compares the leaf's SHA-256 with an x509_hash client identifier).
  const anchor = new crypto.X509Certificate(input.x509_anchor_pem)
  const chain = x5c.map((der) => new crypto.X509Certificate(Buffer.from(der, 'base64')))
  const now = Date.now()
  for (const [i, cert] of chain.entries()) {
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) throw new Error(`x5c[${i}] not valid now`)
    const issuer = chain[i + 1] ?? anchor
    if (i > 0 && !cert.ca) throw new Error(`x5c[${i}] is not a CA`)
    if (cert.fingerprint256 === anchor.fingerprint256) return true
    if (!issuer.ca || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      throw new Error(`x5c[${i}] is not issued by the next certificate or the trust anchor`)
    }
    if (issuer === anchor) return true
  }
  throw new Error('x5c does not end at the trust anchor')
}

async function resolveDidKey(didUrl) {
  const [did, fragment] = didUrl.split('#')
  let doc
  if (did.startsWith('did:jwk:')) {
    const jwk = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8'))
    return jwk
  } else if (did.startsWith('did:web:')) {
    // did:web §3.2 (Read): host (port %3A-encoded) and path segments, then /did.json. The method
    // requires https; the test server is plain http on loopback, so loopback hosts use http.
    const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent)
    const scheme = /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host) ? 'http' : 'https'
    const url = `${scheme}://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`
    const response = await fetch(url, { redirect: 'manual' })
    if (!response.ok) throw new Error(`did:web resolution failed: ${response.status}`)
    doc = await response.json()
    if (doc.id !== did) throw new Error('DID document id differs from the DID')
  } else {
    throw new Error(`unsupported DID method: ${did}`)
  }
  const vm = (doc.verificationMethod ?? []).find((m) => m.id === didUrl || m.id === `#${fragment}`)
  if (!vm) throw new Error(`no verification method ${didUrl}`)
  if (vm.publicKeyJwk) return vm.publicKeyJwk
  const keyPair = await EcdsaMultikey.from({ ...vm, '@context': 'https://w3id.org/security/multikey/v1' })
  return await EcdsaMultikey.toJwk({ keyPair })
}

const callbacks = {
  fetch: walletFetch,
  hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
  getX509CertificateMetadata: (certificate) => {
    const cert = new crypto.X509Certificate(Buffer.from(certificate, 'base64'))
    const names = (cert.subjectAltName ?? '').split(', ')
    return {
      sanDnsNames: names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
      sanUriNames: names.filter((n) => n.startsWith('URI:')).map((n) => n.slice(4)),
    }
  },
  verifyJwt: async (signer, { compact }) => {
    seen.request_signer_method = signer.method
    let publicKey
    if (signer.method === 'x5c') {
      certificateChainTrusted(signer.x5c)
      publicKey = new crypto.X509Certificate(Buffer.from(signer.x5c[0], 'base64')).publicKey
    } else if (signer.method === 'did') {
      seen.request_signer_did_url = signer.didUrl
      publicKey = await jose.importJWK(await resolveDidKey(signer.didUrl), 'ES256')
    } else {
      return { verified: false }
    }
    try {
      await jose.compactVerify(compact, publicKey, { algorithms: ['ES256'] })
    } catch {
      return { verified: false }
    }
    const signerJwk = publicKey instanceof crypto.KeyObject ? publicKey.export({ format: 'jwk' }) : await jose.exportJWK(publicKey)
    return { verified: true, signerJwk }
  },
  encryptJwe: async (encryptor, data) => {
    // §8.3: ECDH-ES to the verifier's key, `kid` copied from the selected JWK.
    const key = await jose.importJWK(encryptor.publicJwk, encryptor.alg)
    const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data))
      .setProtectedHeader({ alg: encryptor.alg, enc: encryptor.enc, kid: encryptor.publicJwk.kid })
      .setKeyManagementParameters({
        apu: encryptor.apu ? jose.base64url.decode(encryptor.apu) : undefined,
        apv: encryptor.apv ? jose.base64url.decode(encryptor.apv) : undefined,
      })
      .encrypt(key)
    seen.jwe_header = jose.decodeProtectedHeader(jwe)
    return { encryptionJwk: encryptor.publicJwk, jwe }
  },
}

const client = new Openid4vpClient({ callbacks })
const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: input.authorization_request_uri })
requestUri = parsed.params.request_uri
const resolved = await client.resolveOpenId4vpAuthorizationRequest({
  authorizationRequestPayload: parsed.params,
  wallet: { expectedNonce: walletNonce, metadata: walletMetadata },
})
const request = resolved.authorizationRequestPayload

// DCQL (§6): the first credential query; present exactly the claims it lists (no wildcards here).
const [query] = resolved.dcql.query.credentials
if (query.format !== 'dc+sd-jwt') throw new Error(`this wallet holds only dc+sd-jwt, not ${query.format}`)
const frame = {}
for (const { path } of query.claims) {
  let node = frame
  for (const [i, step] of path.entries()) {
    if (typeof step !== 'string') throw new Error('this wallet supports only named claim paths')
    node[step] = i === path.length - 1 ? true : (node[step] ?? {})
    node = node[step]
  }
}
const sdjwt = new SDJwtVcInstance({
  hasher: digest,
  hashAlg: 'sha-256',
  kbSigner: await ES256.getSigner(input.holder_private_jwk),
  kbSignAlg: 'ES256',
})
const kbNonce = input.tamper_nonce ?? request.nonce
const presentation = await sdjwt.present(input.credential, frame, {
  // §B.3.6 (SD-JWT VC): KB-JWT aud = the client identifier (with its prefix), nonce = request nonce.
  kb: { payload: { aud: resolved.client.effective, nonce: kbNonce, iat: Math.floor(Date.now() / 1000) } },
})

const encrypted = request.response_mode === 'direct_post.jwt'
const response = await client.createOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
  jarm: encrypted
    ? {
        encryption: { nonce: walletNonce },
        serverMetadata: {
          authorization_signing_alg_values_supported: [],
          authorization_encryption_alg_values_supported: ['ECDH-ES'],
          authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
        },
      }
    : undefined,
})
const submitted = await client.submitOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload: response.authorizationResponsePayload,
  jarm: response.jarm ? { responseJwt: response.jarm.responseJwt } : undefined,
})
const text = await submitted.response.text()
if (input.submit_twice) {
  const replay = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm ? { responseJwt: response.jarm.responseJwt } : undefined,
  })
  seen.replay_status = replay.response.status
  seen.replay_body = await replay.response.json()
}
console.log(
  JSON.stringify({
    ...seen,
    client: { prefix: resolved.client.prefix, identifier: resolved.client.identifier, effective: resolved.client.effective },
    version: resolved.version,
    signed_request: resolved.jar !== undefined,
    response_mode: request.response_mode,
    wallet_nonce_echoed: request.wallet_nonce === walletNonce,
    dcql_query_id: query.id,
    presented_claims: Object.keys(frame),
    disclosures: presentation.split('~').length - 2,
    kb_nonce_is_request_nonce: kbNonce === request.nonce,
    submitted_mode: submitted.responseMode,
    status: submitted.response.status,
    body: text ? JSON.parse(text) : null,
  }),
)
