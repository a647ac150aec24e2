// test/types/readme.test.ts — README.md stays true: its first lines are the two set-up commands, and
// the torchlet code it shows beside the seed's PyTorch is quoted verbatim from
// examples/fashion_mnist.ts (which `npm run test:types` type-checks and which runs).
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

test('README opens with the two set-up commands', () => {
  expect(readme.split('\n').slice(0, 6)).toEqual([
    '# torchlet',
    '',
    '```sh',
    "bash scripts/setup.sh && npx torchlet train   # set up a fresh machine, then train the seed's Fashion-MNIST CNN",
    'bash scripts/setup.sh && npm test             # set up a fresh machine, then run the tests',
    '```',
  ]);
});

test("README's torchlet translation of the seed is examples/fashion_mnist.ts, verbatim", () => {
  const example = fs.readFileSync(path.join(root, 'examples', 'fashion_mnist.ts'), 'utf8');
  const section = readme.slice(readme.indexOf("## The seed's PyTorch"), readme.indexOf('\n## ', readme.indexOf("## The seed's PyTorch") + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThan(0);
  for (const b of blocks) expect(example).toContain(b);
  expect(blocks.join('')).toContain('class FashionCNN extends nn.Module');
});
