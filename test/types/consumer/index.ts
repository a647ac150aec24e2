// test/types/consumer/index.ts — compiled against the emitted typings (dist/lib/*.d.ts) the way a
// package user's code is: `npm run build:ts && npx tsc -p test/types/consumer`. Checks that the
// public .d.ts files resolve every import and type-check under strict with skipLibCheck off.
import * as torch from 'torchlet';
const { nn, F, optim } = torch;

class Net extends nn.Module {
  conv = new nn.Conv2d(1, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(8);
  fc = new nn.Linear(8, 10);
  forward(x: torch.Tensor): torch.Tensor {
    const h = F.adaptiveAvgPool2d(F.relu(this.bn.forward(this.conv.forward(x))), 1);
    return this.fc.forward(h.flatten(1));
  }
}

export function main(): number {
  const model = new Net();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = torch.randn([4, 1, 28, 28]);
  const y = torch.tensor([1, 2, 3, 4]);
  const loss = torch.tidy(() => F.crossEntropy(model.forward(x), y));
  loss.backward();
  opt.step();
  torch.save(model.stateDict(), 'model.safetensors');
  model.loadStateDict(torch.load('model.safetensors'), { strict: true });
  const fashion: torch.nn.Module = torch.models.fashionCnn();
  void fashion;
  // @ts-expect-error the typings must stay precise: item() is a number
  const s: string = loss.item();
  void s;
  return loss.item();
}
