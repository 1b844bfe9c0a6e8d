// Data Integrity oracle: signs and verifies with Digital Bazaar's implementations
// (jsonld-signatures + data-integrity + cryptosuites). Reads one JSON request on stdin:
//   {contexts: {url: filePath}, keys: [{id, controller, publicKeyMultibase, secretKeyMultibase?}],
//    items: [{op: "sign"|"verify", suite, doc, keyId?, purpose?, challenge?, domain?, created?}]}
// Writes {results: [...]} on stdout. The documentLoader serves only the given context files and
// the given keys/controllers; everything else throws (no network).
import {readFileSync} from 'node:fs';
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createSignCryptosuite, createVerifyCryptosuite} from
  '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const {purposes: {AssertionProofPurpose, AuthenticationProofPurpose}} = jsigs;
const request = JSON.parse(readFileSync(0, 'utf8'));

const documents = new Map();
for(const [url, path] of Object.entries(request.contexts)) {
  documents.set(url, JSON.parse(readFileSync(path, 'utf8')));
}
for(const k of request.keys) {
  documents.set(k.id, {
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey', id: k.id, controller: k.controller,
    publicKeyMultibase: k.publicKeyMultibase,
  });
  const ctrl = documents.get(k.controller) ?? {
    '@context': 'https://www.w3.org/ns/did/v1', id: k.controller,
    assertionMethod: [], authentication: [],
  };
  ctrl.assertionMethod.push(k.id);
  ctrl.authentication.push(k.id);
  documents.set(k.controller, ctrl);
}
const documentLoader = async url => {
  if(!documents.has(url)) {
    throw new Error(`documentLoader refused ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
};

async function keyPair(k) {
  const pub = k.publicKeyMultibase;
  const lib = pub.startsWith('z6Mk') ? Ed25519Multikey : EcdsaMultikey;
  return lib.from({
    '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey',
    id: k.id, controller: k.controller, publicKeyMultibase: pub,
    ...(k.secretKeyMultibase ? {secretKeyMultibase: k.secretKeyMultibase} : {}),
  });
}

function cryptosuiteFor(name, op) {
  if(name === 'ecdsa-rdfc-2019') return ecdsaRdfc2019;
  if(name === 'eddsa-rdfc-2022') return eddsaRdfc2022;
  if(name === 'ecdsa-jcs-2019') {
    return op === 'sign' ? createSignCryptosuite() : createVerifyCryptosuite();
  }
  if(name === 'eddsa-jcs-2022') {
    return op === 'sign' ? eddsaJcs2022.createSignCryptosuite() :
      eddsaJcs2022.createVerifyCryptosuite();
  }
  throw new Error(`unknown suite ${name}`);
}

function purposeFor(item) {
  if(item.purpose === 'authentication') {
    return new AuthenticationProofPurpose({
      challenge: item.challenge, domain: item.domain,
    });
  }
  return new AssertionProofPurpose();
}

const results = [];
for(const item of request.items) {
  try {
    if(item.op === 'sign') {
      const k = request.keys.find(x => x.id === item.keyId);
      const signer = (await keyPair(k)).signer();
      const suite = new DataIntegrityProof({
        signer, cryptosuite: cryptosuiteFor(item.suite, 'sign'),
        date: item.created,
      });
      const signed = await jsigs.sign(structuredClone(item.doc),
        {suite, purpose: purposeFor(item), documentLoader});
      results.push({ok: true, doc: signed});
    } else {
      const suite = new DataIntegrityProof({cryptosuite: cryptosuiteFor(item.suite, 'verify')});
      const r = await jsigs.verify(structuredClone(item.doc),
        {suite, purpose: purposeFor(item), documentLoader});
      results.push({ok: true, verified: r.verified,
        error: r.error ? String(r.error.errors?.[0]?.message ?? r.error.message ?? r.error) : null});
    }
  } catch(e) {
    results.push({ok: false, error: String(e && e.stack || e)});
  }
}
process.stdout.write(JSON.stringify({results}));
