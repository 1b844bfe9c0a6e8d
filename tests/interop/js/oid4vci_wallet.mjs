// An independent OpenID4VCI wallet (npm @openid4vc/openid4vci 0.4.6) driven by
// tests/integration/oid4vci/test_interop_npm.py: resolves the offer by reference, reads the issuer
// metadata, redeems the pre-authorized code with DPoP, gets a c_nonce, sends a jwt key proof,
// retrieves the credential and sends a notification. Prints one JSON object.
import crypto from 'node:crypto'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { clientAuthenticationAnonymous, setGlobalConfig } from '@openid4vc/oauth2'
import * as jose from 'jose'

setGlobalConfig({ allowInsecureUrls: true }) // the test server listens on plain http://127.0.0.1

const offerUri = process.argv[2]
const txCode = process.argv[3] || undefined

async function keyPair() {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  return { privateKey, publicJwk: await jose.exportJWK(publicKey) }
}
const dpopKey = await keyPair()
const holderKey = await keyPair()
const byThumbprint = new Map()
for (const k of [dpopKey, holderKey]) byThumbprint.set(await jose.calculateJwkThumbprint(k.publicJwk), k)

const callbacks = {
  fetch,
  hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '')).update(data).digest()),
  generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (signer, { header, payload }) => {
    const key = byThumbprint.get(await jose.calculateJwkThumbprint(signer.publicJwk))
    const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(key.privateKey)
    return { jwt, signerJwk: key.publicJwk }
  },
}

const client = new Openid4vciClient({ callbacks })
const offer = await client.resolveCredentialOffer(offerUri)
const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer)
const { accessTokenResponse, dpop } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer: offer,
  issuerMetadata,
  txCode,
  dpop: { signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } },
})
const { c_nonce } = await client.requestNonce({ issuerMetadata })
const configurationId = offer.credential_configuration_ids[0]
const { jwt } = await client.createCredentialRequestJwtProof({
  issuerMetadata,
  credentialConfigurationId: configurationId,
  nonce: c_nonce,
  signer: { method: 'jwk', alg: 'ES256', publicJwk: holderKey.publicJwk },
})
const response = await client.retrieveCredentials({
  issuerMetadata,
  accessToken: accessTokenResponse.access_token,
  credentialConfigurationId: configurationId,
  proofs: { jwt: [jwt] },
  dpop: { ...dpop, signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } },
})
const body = response.credentialResponse
await client.sendNotification({
  issuerMetadata,
  accessToken: accessTokenResponse.access_token,
  notification: { notificationId: body.notification_id, event: 'credential_accepted' },
  dpop: { ...(response.dpop ?? dpop), signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } },
})
console.log(
  JSON.stringify({
    token_type: accessTokenResponse.token_type,
    credentials: body.credentials,
    notification_id: body.notification_id,
    holder_jwk: holderKey.publicJwk,
  }),
)
