"""Status lists against independent implementations: PyPI ``token-status-list`` (IETF TSL) and
npm ``pako`` (the GZIP used by W3C Bitstring Status List implementations in JavaScript)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from token_status_list import BitArray  # type: ignore[import-untyped]

from sceau.core.status.bitstring_status_list import MIN_ENTRIES, BitstringStatusList
from sceau.core.status.token_status_list import StatusList

pytestmark = pytest.mark.interop
JS = Path(__file__).resolve().parent / "js"


@settings(max_examples=50, deadline=None)
@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    size_bytes=st.integers(1, 512),
    data=st.data(),
)
def test_token_status_list_encoding_matches_the_oracle(
    bits: int, size_bytes: int, data: st.DataObject
) -> None:
    size = size_bytes * (8 // bits)
    ours = StatusList(size, bits=bits)
    theirs = BitArray.of_size(bits, size)
    writes = data.draw(
        st.dictionaries(st.integers(0, size - 1), st.integers(0, (1 << bits) - 1), max_size=50)
    )
    for idx, value in writes.items():
        ours.set(idx, value)
        theirs.set(idx, value)
    assert ours.to_json() == theirs.dump()  # identical bytes, compression and base64url
    back = BitArray.load(ours.to_json())
    mine = StatusList.from_json(theirs.dump())
    for idx in range(size):
        assert back.get(idx) == mine.get(idx) == ours.get(idx)


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "pako").is_dir():
        pytest.fail("node and tests/interop/js/node_modules/pako are required for interop tests")
    return node


def _pako(op: str, payload: dict[str, object]) -> dict[str, object]:
    script = """
import pako from 'pako';
const input = JSON.parse(await new Promise(r => { let d=''; process.stdin.on('data', c => d += c);
  process.stdin.on('end', () => r(d)); }));
const b64 = (u8) => Buffer.from(u8).toString('base64url');
if (input.op === 'decode') {
  const bytes = pako.ungzip(Buffer.from(input.encoded.slice(1), 'base64url'));
  const bits = input.indices.map(i => (bytes[i >> 3] >> (7 - (i & 7))) & 1);
  console.log(JSON.stringify({length: bytes.length, bits}));
} else {
  const bytes = new Uint8Array(input.length);
  for (const i of input.indices) bytes[i >> 3] |= 0x80 >> (i & 7);
  console.log(JSON.stringify({encoded: 'u' + b64(pako.gzip(bytes))}));
}
"""
    out = subprocess.run(
        [_node(), "--input-type=module", "-e", script],
        input=json.dumps({"op": op, **payload}),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=30,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_bitstring_encoded_list_decodes_in_pako_with_left_most_bit_first() -> None:
    bsl = BitstringStatusList(MIN_ENTRIES)
    indices = [0, 7, 8, 94567, MIN_ENTRIES - 1]
    for i in indices:
        bsl.set(i, 1)
    result = _pako("decode", {"encoded": bsl.encode(), "indices": [*indices, 1, 94566]})
    assert result == {"length": MIN_ENTRIES // 8, "bits": [1, 1, 1, 1, 1, 0, 0]}


def test_pako_gzip_encoded_list_decodes_here() -> None:
    indices = [3, 1000, 131_000]
    result = _pako("encode", {"length": MIN_ENTRIES // 8, "indices": indices})
    bsl = BitstringStatusList.decode(result["encoded"])
    assert [bsl.get(i) for i in (*indices, 0, 4)] == [1, 1, 1, 0, 0]
