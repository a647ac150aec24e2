// test/examples/mnist_main.test.ts — PyTorch's examples/mnist/main.py ported line by line (one
// torchlet line per PyTorch line: Net with conv1/conv2/dropout1/dropout2/fc1/fc2, log_softmax,
// nll_loss, Adadelta(lr=1.0), StepLR(step_size=1, gamma=0.7), train() and test()), run for 2 epochs
// of 2 steps on 8 + 5 in-memory 28 x 28 images, against PyTorch's losses, test results, learning
// rate and trained weights from test/fixtures/gen_examples_port_fixtures.py (which runs the original
// script with the same fixed weights, data and dropout masks: see test/examples/ports.ts).
// The argparse block is replaced by a plain `args` object, the print calls by `log.push`.
import * as torch from '../../lib';
import { detInit, expectState, portFixture, FixedDropout, pixels } from './ports';

const { nn, F, optim } = torch;
const { transforms } = torch.data;
const StepLR = optim.lrScheduler.StepLR;
type Tensor = torch.Tensor;

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new nn.Conv2d(32, 64, 3, { stride: 1 });
  dropout1: torch.nn.Module = new nn.Dropout(0.25);
  dropout2: torch.nn.Module = new nn.Dropout(0.5);
  fc1 = new nn.Linear(9216, 128);
  fc2 = new nn.Linear(128, 10);

  forward(x: Tensor): Tensor {
    x = this.conv1.forward(x);
    x = F.relu(x);
    x = this.conv2.forward(x);
    x = F.relu(x);
    x = F.maxPool2d(x, 2) as Tensor;
    x = this.dropout1.forward(x) as Tensor;
    x = torch.flatten(x, 1);
    x = this.fc1.forward(x);
    x = F.relu(x);
    x = this.dropout2.forward(x) as Tensor;
    x = this.fc2.forward(x);
    const output = F.logSoftmax(x, 1);
    return output;
  }
}

interface Args {
  batchSize: number;
  testBatchSize: number;
  epochs: number;
  lr: number;
  gamma: number;
  logInterval: number;
  dryRun: boolean;
}
const LOG: number[] = [];

function train(args: Args, model: Net, device: string, trainLoader: torch.data.DataLoader<[Tensor, number]>, optimizer: torch.optim.Adadelta, epoch: number): void {
  model.train();
  for (const [batchIdx, batch] of [...(trainLoader as Iterable<[Tensor, Tensor]>)].entries()) {
    const [data, target] = batch.map((t) => t.to(device));
    optimizer.zeroGrad();
    const output = model.forward(data);
    const loss = F.nllLoss(output, target);
    loss.backward();
    optimizer.step();
    LOG.push(loss.item());
    if (batchIdx % args.logInterval === 0) {
      void epoch;
      if (args.dryRun) break;
    }
  }
}

function test(model: Net, device: string, testLoader: torch.data.DataLoader<[Tensor, number]>): [number, number] {
  model.eval();
  let testLoss = 0;
  let correct = 0;
  torch.noGrad(() => {
    for (let [data, target] of testLoader as Iterable<[Tensor, Tensor]>) {
      [data, target] = [data.to(device), target.to(device)];
      const output = model.forward(data);
      testLoss += F.nllLoss(output, target, { reduction: 'sum' }).item(); // sum up batch loss
      const pred = output.argmax(1, true); // get the index of the max log-probability
      correct += pred.eq(target.viewAs(pred)).sum().item();
    }
  });
  testLoss /= testLoader.dataset.length;
  return [testLoss, correct];
}

/** n 28 x 28 'L' images (the stand-in for datasets.MNIST). */
class Digits implements torch.data.Dataset<[Tensor, number]> {
  readonly dtypes = [null, 'int64'] as const;
  px: Uint8Array;
  labels: number[];
  constructor(n: number, seed: number, readonly transform: torch.data.transforms.Compose) {
    this.px = pixels(n * 784, seed);
    this.labels = Array.from({ length: n }, (_v, i) => (3 * i + seed) % 10);
  }
  get length(): number {
    return this.labels.length;
  }
  get(i: number): [Tensor, number] {
    return [this.transform.forward(new torch.data.Image(this.px.slice(i * 784, (i + 1) * 784), 28, 28, 'L')) as Tensor, this.labels[i]];
  }
}

function main() {
  const args: Args = { batchSize: 4, testBatchSize: 5, epochs: 2, lr: 1.0, gamma: 0.7, logInterval: 1, dryRun: false };
  const device = 'cpu';
  const trainKwargs = { batchSize: args.batchSize };
  const testKwargs = { batchSize: args.testBatchSize };
  const transform = new transforms.Compose([
    new transforms.ToTensor(),
    new transforms.Normalize([0.1307], [0.3081]),
  ]);
  const dataset1 = new Digits(8, 1, transform);
  const dataset2 = new Digits(5, 2, transform);
  const trainLoader = new torch.data.DataLoader(dataset1, trainKwargs);
  const testLoader = new torch.data.DataLoader(dataset2, testKwargs);

  const model = new Net().to(device) as Net;
  detInit(model);
  [model.dropout1, model.dropout2] = [new FixedDropout(0.25, 1), new FixedDropout(0.5, 2)];
  const optimizer = new optim.Adadelta(model.parameters(), { lr: args.lr });

  const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: args.gamma });
  const tests: [number, number][] = [];
  for (let epoch = 1; epoch < args.epochs + 1; epoch++) {
    train(args, model, device, trainLoader, optimizer, epoch);
    tests.push(test(model, device, testLoader));
    scheduler.step();
  }
  return { losses: LOG.slice(), tests, lr: scheduler.getLastLr(), model };
}

interface Ref {
  losses: number[];
  tests: [number, number][];
  lr: number[];
  state: Record<string, { sum: number; abs: number; at: number[] }>;
}

// `it`: the port's own test() shadows jest's `test` in this file
it("PyTorch's examples/mnist/main.py, line by line: 2 epochs x 2 steps match PyTorch's losses, test results and weights", () => {
  const ref = portFixture<Ref>('mnist');
  const r = torch.tidy(() => main());
  expect(r.losses.length).toBe(4);
  r.losses.forEach((l, i) => expect(Math.abs(l - ref.losses[i])).toBeLessThanOrEqual(1e-3 * Math.abs(ref.losses[i]) + 1e-4));
  r.tests.forEach(([loss, correct], i) => {
    expect(Math.abs(loss - ref.tests[i][0])).toBeLessThanOrEqual(1e-3 * Math.abs(ref.tests[i][0]) + 1e-4);
    expect(correct).toBe(ref.tests[i][1]);
  });
  expect(r.lr[0]).toBeCloseTo(ref.lr[0], 12);
  expectState(r.model, ref.state, 1e-3);
});
