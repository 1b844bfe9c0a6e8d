// Independent VC-JOSE oracle on npm `jose`: verify a vc+jwt/vp+jwt made by Sceau, or sign one
// for Sceau to verify. Input: one JSON object on stdin; output: one JSON object on stdout.
import * as jose from 'jose';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

try {
  if (input.op === 'verify') {
    const key = await jose.importJWK(input.jwk, input.alg);
    const { payload, protectedHeader } = await jose.jwtVerify(input.token, key, {
      typ: input.typ,
      algorithms: [input.alg],
      currentDate: new Date(input.now * 1000),
    });
    console.log(JSON.stringify({ ok: true, header: protectedHeader, payload }));
  } else if (input.op === 'sign') {
    const { publicKey, privateKey } = await jose.generateKeyPair(input.alg, input.crv ? { crv: input.crv } : {});
    const token = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(input.payload)))
      .setProtectedHeader(input.header)
      .sign(privateKey);
    console.log(JSON.stringify({ ok: true, token, jwk: await jose.exportJWK(publicKey) }));
  } else {
    throw new Error('unknown op');
  }
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.code ?? 'error' }));
}
