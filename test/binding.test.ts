// binding.d.ts is the one declaration of the native addon's exports: every export is declared and
// every declared member exists (so the typed layer never calls something the addon lacks).
import * as fs from 'fs';
import * as path from 'path';
import { native } from '../lib/binding';

test('binding.d.ts declares exactly the native exports', () => {
  const src = fs.readFileSync(path.join(__dirname, '..', 'binding.d.ts'), 'utf8');
  const body = src.slice(src.indexOf('export interface Binding {'));
  const declared = new Set(
    body
      .split('\n')
      .map((l) => /^ {2}([A-Za-z_][A-Za-z0-9_]*)\s*[(:]/.exec(l)?.[1])
      .filter((n): n is string => !!n),
  );
  const exported = new Set(Object.keys(native));
  expect(declared.size).toBeGreaterThan(20);
  expect([...exported].filter((n) => !declared.has(n))).toEqual([]); // exported but not declared
  expect([...declared].filter((n) => !exported.has(n))).toEqual([]); // declared but missing
});
