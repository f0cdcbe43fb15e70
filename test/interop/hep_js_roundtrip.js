// hep-js <-> our codec, field for field (run by hep_js_roundtrip.sh).
//   node hep_js_roundtrip.js HEP_TOOL [COUNT] [SEED]
// 1. COUNT random packets encapsulated by hep-js are decoded by
//    `HEP_TOOL decode`; every field hep-js was given must come back equal.
// 2. The same field sets encoded by `HEP_TOOL encode` are decapsulated by
//    hep-js; every field must come back equal.
// Exit 0 when both directions match for every packet, 1 otherwise (the
// first mismatches are printed).
'use strict';
const { execFileSync } = require('child_process');
const HEPjs = require('hep-js');

const tool = process.argv[2];
const count = parseInt(process.argv[3] || '3000', 10);
let seed = parseInt(process.argv[4] || '12345', 10) >>> 0;
if (!tool) { console.error('usage: hep_js_roundtrip.js HEP_TOOL [COUNT] [SEED]'); process.exit(2); }

function rnd() {  // mulberry32: reproducible from SEED
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
// Printable ASCII only: hep-js sizes chunks by JS string length.
function ascii(maxLen, minLen = 0) {
  const n = minLen + int(maxLen - minLen + 1);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(32 + int(95));
  return s;
}
function sipLike() {
  const m = pick(['INVITE', 'BYE', 'OPTIONS', 'REGISTER', 'SIP/2.0 200 OK', '']);
  return m + (m ? ' ' : '') + ascii(1400) + (rnd() < 0.5 ? '\r\n\r\n' : '');
}
const ip4 = () => [int(256), int(256), int(256), int(256)].join('.');

function randomFields() {
  const f = {
    protocolFamily: 2,
    protocol: pick([6, 17, 22, 50, 132]),
    srcIp: ip4(), dstIp: ip4(),
    srcPort: int(65536), dstPort: int(65536),
    timeSeconds: int(4294967296), timeUseconds: int(1000000),
    payloadType: pick([1, 1, 1, 5, 34, 100]),
    captureId: int(4294967296),
  };
  // hep-js always sends a node name (default: String(captureId)).
  f.hepNodeName = rnd() < 0.5 ? ascii(30, 1) : String(f.captureId);
  if (rnd() < 0.4) f.capturePass = ascii(20, 1);
  const r = rnd();
  if (r < 0.15) {            // MOS: hep-js emits it for proto_type 32/35 with a correlation id
    f.payloadType = pick([32, 35]);
    f.correlation_id = ascii(40, 1);
    f.mos = int(65536);
  } else if (r < 0.35) {
    f.correlation_id = ascii(40, 1);
    f.transaction_type = pick(['call', 'registration', 'ab']);
  } else if (r < 0.6) {
    f.correlation_id = ascii(60, 1);
  }
  return f;
}
const FIELDS = ['protocolFamily', 'protocol', 'srcIp', 'dstIp', 'srcPort', 'dstPort',
  'timeSeconds', 'timeUseconds', 'payloadType', 'captureId', 'hepNodeName', 'capturePass',
  'correlation_id', 'mos', 'transaction_type'];

const packets = [];
for (let i = 0; i < count; i++) packets.push({ fields: randomFields(), payload: sipLike() });

let failures = 0;
function fail(msg) {
  if (++failures <= 10) console.error('MISMATCH ' + msg);
}

// 1. hep-js encapsulates, we decode.
const hexIn = packets.map((p) => {
  const rc = Object.assign({}, p.fields);
  if (rc.mos !== undefined) rc.proto_type = rc.payloadType;  // hep-js reads the old key there
  return HEPjs.encapsulate(p.payload, rc).toString('hex');
}).join('\n') + '\n';
const decoded = execFileSync(tool, ['decode'], { input: hexIn, maxBuffer: 1 << 28 })
  .toString().trimEnd().split('\n').map((l) => JSON.parse(l));
if (decoded.length !== count) fail(`decode: ${decoded.length} lines for ${count} packets`);
let checked1 = 0;
packets.forEach((p, i) => {
  const d = decoded[i] || {};
  if (d.error) return fail(`#${i} hep-js -> ours: decode error ${d.error}`);
  for (const k of FIELDS) {
    if (p.fields[k] !== undefined && d[k] !== p.fields[k])
      fail(`#${i} hep-js -> ours: ${k} sent ${JSON.stringify(p.fields[k])} got ${JSON.stringify(d[k])}`);
  }
  if (d.payload !== p.payload) fail(`#${i} hep-js -> ours: payload differs`);
  if (d.version !== 3) fail(`#${i} hep-js -> ours: version ${d.version}`);
  if (d.extraChunks !== 0) fail(`#${i} hep-js -> ours: ${d.extraChunks} unexpected extra chunks`);
  checked1++;
});

// 2. We encode, hep-js decapsulates.
const jsonIn = packets.map((p) => JSON.stringify(Object.assign({ payload: p.payload }, p.fields)))
  .join('\n') + '\n';
const encoded = execFileSync(tool, ['encode'], { input: jsonIn, maxBuffer: 1 << 28 })
  .toString().trimEnd().split('\n');
if (encoded.length !== count) fail(`encode: ${encoded.length} lines for ${count} packets`);
let checked2 = 0;
packets.forEach((p, i) => {
  const line = encoded[i] || 'error missing';
  if (line.startsWith('error')) return fail(`#${i} ours -> hep-js: ${line}`);
  const r = HEPjs.decapsulate(Buffer.from(line, 'hex'));
  if (!r) return fail(`#${i} ours -> hep-js: decapsulate failed`);
  for (const k of FIELDS) {
    if (p.fields[k] === undefined) continue;
    // hep-js 1.0.22 reads chunk 0x0024 as a uint16 (its bug): compare that.
    const want = k === 'transaction_type' ? Buffer.from(p.fields[k]).readUInt16BE(0)
      : p.fields[k];
    if (k === 'transaction_type' && p.fields[k].length < 2) continue;  // its read overruns
    if (r.rcinfo[k] !== want)
      fail(`#${i} ours -> hep-js: ${k} sent ${JSON.stringify(want)} got ${JSON.stringify(r.rcinfo[k])}`);
  }
  if (r.payload !== p.payload) fail(`#${i} ours -> hep-js: payload differs`);
  checked2++;
});

console.log(`hep-js -> ours: ${checked1}/${count} decoded; ours -> hep-js: ${checked2}/${count} ` +
  `decapsulated; ${failures} field mismatches`);
process.exit(failures === 0 && checked1 === count && checked2 === count ? 0 : 1);
