// test/fuzz.test.ts — the CI version of the seeded API fuzzer (bench/fuzz.js, issue 12 item 6): a
// fixed seed, 1,500 calls over the exports in 2 child processes (about 30-40 s here), and 0 crashes,
// 0 hangs, 0 uncoded errors and 0 silent accepts required. The full run (>= 20,000 calls) is
// recorded in bench/results/reliability-fuzz-2026-11-30.md. A selftest checks that the classifier
// can fail: a call that accepts an unknown option key, one that throws a plain TypeError and one that
// kills its process are each counted where they belong.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fuzz } = require('../bench/fuzz.js') as { fuzz: (o: Record<string, unknown>) => Promise<Summary> };

interface Finding {
  kind: string;
  i: number;
  desc: string;
  detail?: string;
}
interface Summary {
  calls: number;
  targets: number;
  targetsCalled: number;
  ok: number;
  coded: number;
  other: number;
  crash: number;
  hang: number;
  silent: number;
  findings: Finding[];
}

const show = (s: Summary) => s.findings.map((f) => `${f.kind}: call ${f.i}: ${f.desc} ${f.detail ?? ''}`);

test('1,500 seeded fuzzed calls over the whole API: 0 crashes, 0 hangs, 0 uncoded errors, 0 silent accepts', async () => {
  const s = await fuzz({ calls: 1500, seed: 20261130, workers: 2, batch: 250, timeoutMs: 60000, maxFindings: 40, quiet: true });
  expect(show(s)).toEqual([]);
  expect(s.calls).toBe(1500);
  expect({ crash: s.crash, hang: s.hang, other: s.other, silent: s.silent }).toEqual({ crash: 0, hang: 0, other: 0, silent: 0 });
  // the calls reach the API: most targets called, both outcomes present
  expect(s.targets).toBeGreaterThan(500);
  expect(s.targetsCalled).toBeGreaterThan(s.targets * 0.5);
  expect(s.ok).toBeGreaterThan(100);
  expect(s.coded).toBeGreaterThan(300);
}, 600000);

test('the classifier counts a silent accept, an uncoded error and a crash (this test can fail)', async () => {
  // FUZZ_SELFTEST makes the child replace three targets with broken stand-ins (bench/fuzz_child.js)
  process.env.FUZZ_SELFTEST = '1';
  try {
    const s = await fuzz({ calls: 24, seed: 7, workers: 1, batch: 24, timeoutMs: 60000, maxFindings: 400, quiet: true });
    const kinds = new Set(s.findings.map((f) => f.kind.split(' ')[0]));
    expect(kinds).toEqual(new Set(['silent', 'other', 'crash']));
    expect(s.crash).toBeGreaterThan(0);
    expect(s.calls).toBe(24); // the crashed child was replaced and the run went on
  } finally {
    delete process.env.FUZZ_SELFTEST;
  }
}, 600000);
