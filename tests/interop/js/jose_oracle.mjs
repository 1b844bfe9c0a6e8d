// Oracle for tests/interop/test_jose_npm.py: npm `jose` verifies Sceau's JWS/JWE and makes its own.
// stdin: {"verify":[{token,jwk,alg}], "sign":[{jwk,alg,payload}], "decrypt":[{token,jwk}],
//         "encrypt":[{jwk,enc,plaintext}]}
import * as jose from "jose";

const input = JSON.parse(await new Promise((res) => {
  let d = ""; process.stdin.on("data", (c) => (d += c)); process.stdin.on("end", () => res(d));
}));
const out = { verify: [], sign: [], decrypt: [], encrypt: [] };
for (const v of input.verify ?? []) {
  try {
    const key = await jose.importJWK(v.jwk, v.alg);
    const r = await jose.compactVerify(v.token, key, { algorithms: [v.alg] });
    out.verify.push({ ok: true, payload: new TextDecoder().decode(r.payload) });
  } catch (e) { out.verify.push({ ok: false, error: String(e) }); }
}
for (const s of input.sign ?? []) {
  const key = await jose.importJWK(s.jwk, s.alg);
  out.sign.push(await new jose.CompactSign(new TextEncoder().encode(s.payload))
    .setProtectedHeader({ alg: s.alg, typ: "JWT" }).sign(key));
}
for (const d of input.decrypt ?? []) {
  const key = await jose.importJWK(d.jwk, "ECDH-ES");
  const r = await jose.compactDecrypt(d.token, key);
  out.decrypt.push(new TextDecoder().decode(r.plaintext));
}
for (const e of input.encrypt ?? []) {
  const key = await jose.importJWK(e.jwk, "ECDH-ES");
  out.encrypt.push(await new jose.CompactEncrypt(new TextEncoder().encode(e.plaintext))
    .setProtectedHeader({ alg: "ECDH-ES", enc: e.enc }).encrypt(key));
}
process.stdout.write(JSON.stringify(out));
