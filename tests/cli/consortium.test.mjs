// `kyodo consortium …`: the seed's tables from data/consortium/agatsuma/ on
// the command line, the flagged figure (exit 1), the PDF report, import for
// the screens, and bad sheets named by line and item (exit 2).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kyodoCli, SOURCE_DIR } from '../lib/harness.mjs';

const SEED = join(SOURCE_DIR, 'data', 'consortium', 'agatsuma');
let dir;
let data;
const cli = (args, opts) => kyodoCli([...args, '--data', data], opts);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyodo-cons-cli-'));
  data = join(dir, 'data');
  for (const [code, name] of [['104213', '中之条町'], ['104248', '長野原町'], ['104256', '嬬恋村'],
    ['104264', '草津町'], ['104281', '高山村'], ['104299', '東吾妻町']]) {
    const r = kyodoCli(['tenant', 'add', '--code', code, '--name', name, '--data', data]);
    assert.equal(r.status, 0, r.stderr);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('usage', () => {
  const r = kyodoCli(['consortium', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: kyodo consortium show FILE/);
  assert.equal(kyodoCli(['consortium']).status, 2);
  assert.equal(kyodoCli(['consortium', 'show']).status, 2);
  assert.equal(kyodoCli(['consortium', 'frob', 'x']).status, 2);
  assert.equal(cli(['consortium', 'show', join(SEED, 'costs.tsv'), '--format', 'pdf']).status, 2, 'pdf needs --output');
  assert.equal(cli(['consortium', 'show', join(SEED, 'costs.tsv'), '--format', 'xls']).status, 2);
  assert.match(kyodoCli(['--help']).stdout, /consortium show\|import\|list\|export\|delete/);
});

test('the proposal table: A社\'s 1次評価点 flagged, exit 1', () => {
  const r = cli(['consortium', 'show', join(SEED, 'proposal.tsv')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /1 printed figure\(s\) do not follow from the inputs/);
  assert.match(r.stdout, /A社 +1次 +住民 +65\.62 +67\.13 +40% +26\.85 ※資料 28\.85 +64\.76 +2位/);
  assert.match(r.stdout, /B社 +1次 +住民 +64\.85 +69\.55 +40% +27\.82 +74\.17 +1位/);
  assert.match(r.stdout, /9件中 8件一致、1件不一致/);
  assert.match(r.stdout, /2次 のうち経費に係る配点：50\.00%/);
});

test('the cost comparison and the joint procurement: every printed figure, exit 0', () => {
  let r = cli(['consortium', 'show', join(SEED, 'costs.tsv')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /長野原町 +A→B +121,093 +241,731 +120,638 +49\.91% +37,220 +158,313 +83,418 +34\.51%/);
  assert.match(r.stdout, /合計 +836,000 +1,279,834 +443,834 +34\.68% +180,360 +1,016,360 +263,474 +20\.59%/);
  assert.match(r.stdout, /38件中 38件一致、0件不一致/);
  r = cli(['consortium', 'show', join(SEED, 'procurement.tsv'), '--format', 'csv']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes('9,草津町,デスクトップ型PC,8,"100,000","800,000","715,000","-85,000",減,10.62%\r\n'), r.stdout);
  assert.ok(r.stdout.includes(',合計,,337,,"28,390,500","24,207,550","-4,182,950",減,14.73%\r\n'));
  r = cli(['consortium', 'show', join(SEED, 'allocation.tsv'), '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.kind, 'allocation');
  assert.equal(res.tables[0].rows.at(-1).cells[5].text, '14,000,000');
});

test('the PDF report of each seed table', () => {
  for (const name of ['proposal', 'costs', 'procurement', 'allocation']) {
    const out = join(dir, `${name}.pdf`);
    const r = cli(['consortium', 'show', join(SEED, `${name}.tsv`), '--format', 'pdf', '--output', out]);
    assert.equal(r.status, name === 'proposal' ? 1 : 0, r.stderr);
    const text = spawnSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' }).stdout;
    const expect = { proposal: /26\.85 ※資料 28\.85/, costs: /1,279,834/, procurement: /24,207,550/, allocation: /14,000,000/ };
    assert.match(text, expect[name], name);
    const fonts = spawnSync('pdffonts', [out], { encoding: 'utf8' }).stdout;
    assert.match(fonts, /[A-Z]{6}\+IPAexGothic/);
    assert.doesNotMatch(fonts.split('\n').slice(2).join('\n'), / no /, 'every font embedded and subset');
  }
});

test('import stores sheets for the screens; list, export, delete', () => {
  const files = ['proposal', 'costs', 'procurement', 'allocation'].map((n) => join(SEED, `${n}.tsv`));
  let r = cli(['consortium', 'import', ...files, '--skip-existing']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stdout.match(/stored as sheet \d+/g) ?? []).length, 4);
  r = cli(['consortium', 'import', ...files, '--skip-existing']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stdout.match(/is already stored/g) ?? []).length, 4, 'a second run stores nothing');
  r = cli(['consortium', 'list']);
  assert.equal(r.stdout.trim().split('\n').length, 4);
  assert.match(r.stdout, /^1\tproposal\t基幹系システムプロポーザル集計結果\t\S+\tcli$/m);
  r = cli(['consortium', 'export', '--id', '2', '--format', 'sheet']);
  assert.equal(r.stdout, readFileSync(join(SEED, 'costs.tsv'), 'utf8'));
  r = cli(['consortium', 'export', '--id', '1']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /※資料 28\.85/);
  assert.equal(cli(['consortium', 'delete', '--id', '4']).status, 0);
  r = cli(['consortium', 'delete', '--id', '4']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no such sheet/);
  assert.equal(cli(['consortium', 'export', '--id', 'x']).status, 2);
});

test('a bad sheet names the file, line and item; exit 2', () => {
  const bad = join(dir, 'bad.tsv');
  writeFileSync(bad, readFileSync(join(SEED, 'costs.tsv'), 'utf8').replace('178,919', '-178,919'));
  let r = cli(['consortium', 'show', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kyodo: 高山村\/B: .*bad\.tsv line 13: B of 高山村 must be more than 0, not -178,919$/m);
  writeFileSync(bad, readFileSync(join(SEED, 'costs.tsv'), 'utf8').replace('104281\t高山村', '104272\t川場村'));
  r = cli(['consortium', 'import', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kyodo: 川場村: .*bad\.tsv line 13: unknown town: 川場村 \(104272\) is not a member/m);
  assert.equal(cli(['consortium', 'show', join(dir, 'missing.tsv')]).status, 2);
});
