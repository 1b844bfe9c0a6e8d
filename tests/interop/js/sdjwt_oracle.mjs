// Oracle for tests/interop/test_sdjwt_npm.py: npm @sd-jwt/sd-jwt-vc verifies Sceau's SD-JWT VCs
// (with KB-JWT) and issues/presents its own for Sceau to verify.
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { ES256, digest, generateSalt } from "@sd-jwt/crypto-nodejs";

const input = JSON.parse(await new Promise((res) => {
  let d = ""; process.stdin.on("data", (c) => (d += c)); process.stdin.on("end", () => res(d));
}));

const kbVerifier = async (data, sig, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, sig);
const verifierInstance = new SDJwtVcInstance({
  hasher: digest, hashAlg: "sha-256", verifier: await ES256.getVerifier(input.issuerPublicJwk), kbVerifier,
});
const out = { verify: [], issued: null, presented: null };
for (const v of input.verify ?? []) {
  try {
    const r = await verifierInstance.verify(v.token, v.nonce ? { keyBindingNonce: v.nonce } : {});
    out.verify.push({ ok: true, claims: r.payload, kb: r.kb ? r.kb.payload : null, typ: r.header.typ });
  } catch (e) { out.verify.push({ ok: false, error: String(e) }); }
}
if (input.issue) {
  const issuer = new SDJwtVcInstance({
    hasher: digest, hashAlg: "sha-256", saltGenerator: generateSalt,
    signer: await ES256.getSigner(input.issuerPrivateJwk), signAlg: "ES256",
    kbSigner: await ES256.getSigner(input.holderPrivateJwk), kbSignAlg: "ES256",
  });
  out.issued = await issuer.issue(input.issue.claims, input.issue.disclosureFrame, { header: { typ: "dc+sd-jwt" } });
  out.presented = await issuer.present(out.issued, input.issue.presentationFrame, {
    kb: { payload: { aud: input.issue.aud, nonce: input.issue.nonce, iat: input.issue.iat } },
  });
}
process.stdout.write(JSON.stringify(out));
