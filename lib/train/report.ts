// lib/train/report.ts — a training run's written record, rewritten after every epoch (so it exists
// even when the run is interrupted) into the run directory, each file atomically (serialize.ts's
// writeFileAtomic: temp + fsync + rename, never onto a link or a non-regular file):
//   metrics.csv  `epoch,train_loss,train_acc,val_loss,val_acc,seconds`, one row per epoch
//   curves.svg   two panels, loss and accuracy per epoch, train and validation series (vega-lite,
//                rendered headless to SVG; each point carries an aria-label "epoch: 1; loss: ...;
//                split: train")
//   report.html  self-contained (no scripts, no external files): the run's options, its status, the
//                final test accuracy/loss once known, the curves inline and the per-epoch table.
// vega/vega-lite are loaded lazily, on the first report.
import * as path from 'path';
import type { EpochRecord } from './checkpoint';
import { withIo } from '../errors';
import { makeDirs, writeFileAtomic } from '../serialize';

export interface ReportInput {
  title?: string;
  options: Record<string, unknown>;
  history: EpochRecord[];
  bestEpoch: number;
  /** e.g. "running (epoch 3 of 50)", "finished", "early stopped at epoch 12". */
  status: string;
  test?: { acc: number; loss: number };
}

function writeAtomic(file: string, text: string): void {
  writeFileAtomic(file, Buffer.from(text, 'utf8')); // never onto a link; fsync; stale temporaries removed
}

export function metricsCsv(history: EpochRecord[]): string {
  return (
    'epoch,train_loss,train_acc,val_loss,val_acc,seconds\n' +
    history.map((m) => `${m.epoch},${m.trainLoss},${m.trainAcc},${m.valLoss},${m.valAcc},${m.seconds.toFixed(3)}\n`).join('')
  );
}

/** The vega-lite spec of the curves: loss and accuracy side by side, train vs validation. */
export function curvesSpec(history: EpochRecord[]): Record<string, unknown> {
  const values = history.flatMap((m) => [
    { epoch: m.epoch, split: 'train', loss: m.trainLoss, accuracy: m.trainAcc },
    { epoch: m.epoch, split: 'validation', loss: m.valLoss, accuracy: m.valAcc },
  ]);
  const maxEpoch = Math.max(2, ...history.map((m) => m.epoch));
  // integer epoch ticks: every epoch on short runs, otherwise vega's choice of whole numbers
  const axis = maxEpoch <= 12 ? { values: Array.from({ length: maxEpoch }, (_, i) => i + 1), format: 'd' } : { tickMinStep: 1, format: 'd' };
  const panel = (field: 'loss' | 'accuracy', title: string) => ({
    title,
    width: 320,
    height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', scale: { domain: [1, maxEpoch] }, axis },
      y: { field, type: 'quantitative', scale: { zero: false } },
      color: { field: 'split', type: 'nominal', sort: ['train', 'validation'], title: null },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    hconcat: [panel('loss', 'loss (cross-entropy)'), panel('accuracy', 'accuracy')],
    config: { font: 'sans-serif' },
  };
}

/** Renders the curves to an SVG string (headless, no canvas). */
export async function renderCurvesSvg(history: EpochRecord[]): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const compiled = vl.compile(curvesSpec(history) as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

export function reportHtml(r: ReportInput, svg: string): string {
  const opts = Object.entries(r.options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v === null ? '-' : v)}</td></tr>`)
    .join('\n');
  const rows = r.history
    .map(
      (m) =>
        `<tr${m.epoch === r.bestEpoch ? ' class="best"' : ''}><td>${m.epoch}</td><td>${f4(m.trainLoss)}</td><td>${f4(m.trainAcc)}</td>` +
        `<td>${f4(m.valLoss)}</td><td>${f4(m.valAcc)}</td><td>${m.seconds.toFixed(1)}</td><td>${m.improved ? '*' : ''}</td></tr>`,
    )
    .join('\n');
  const test = r.test
    ? `<p class="test">Test (best model, epoch ${r.bestEpoch}): accuracy <b>${f4(r.test.acc)}</b>, loss <b>${f4(r.test.loss)}</b></p>`
    : '<p class="test">Test accuracy: not yet known (evaluated when the run ends).</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>${esc(r.title ?? 'torchlet training report')}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}
table.options th,table.options td{text-align:left}tr.best{background:#eef7ee}
</style></head><body>
<h1>${esc(r.title ?? 'torchlet training report')}</h1>
<p class="status">Status: ${esc(r.status)}; ${r.history.length} epoch(s); best validation loss at epoch ${r.bestEpoch || '-'}.</p>
${test}
<h2>Curves</h2>
<figure>${svg.replace(/^<\?xml[^>]*>\s*/, '')}</figure>
<h2>Epochs</h2>
<table class="epochs">
<thead><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th><th>val acc</th><th>seconds</th><th>best so far</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Options</h2>
<table class="options">
${opts}
</table>
</body></html>
`;
}

/** Writes metrics.csv alone (runs without the curves and the HTML report). */
export function writeMetrics(dir: string, history: EpochRecord[]): string {
  withIo(`cannot create ${dir}`, () => makeDirs(dir));
  const file = path.join(dir, 'metrics.csv');
  writeAtomic(file, metricsCsv(history));
  return file;
}

/** Writes metrics.csv, curves.svg and report.html into `dir`. */
export async function writeReport(dir: string, r: ReportInput): Promise<{ csv: string; svg: string; html: string }> {
  withIo(`cannot create ${dir}`, () => makeDirs(dir));
  const files = { csv: writeMetrics(dir, r.history), svg: path.join(dir, 'curves.svg'), html: path.join(dir, 'report.html') };
  const svg = await renderCurvesSvg(r.history);
  writeAtomic(files.svg, svg);
  writeAtomic(files.html, reportHtml(r, svg));
  return files;
}
