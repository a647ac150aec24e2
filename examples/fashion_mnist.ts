// examples/fashion_mnist.ts — the seed tutorial's (003) PyTorch Fashion-MNIST CNN and its training
// loop, translated line by line into torchlet: data (ToTensor + Normalize(0.5, 0.5), a 48,000 /
// 12,000 random split, batch 256), FashionCNN with Kaiming-normal (fan_out, relu) init, Adam (lr 1e-3,
// weight decay 1e-4), cross-entropy, up to 50 epochs with early stopping (patience 10 on the
// validation loss), the best weights saved with torch.save (safetensors, which PyTorch loads), then
// the official test set. README.md shows this file (from the import to the end of main) beside the
// seed's PyTorch; test/types/readme.test.ts checks that it is quoted verbatim.
// Type-checked by `npm run test:types` (tsconfig.test.json maps 'torchlet' to lib/). Run it in this
// repository: `npm run build:ts && npx tsc -p examples && node -r ./examples/resolve_torchlet.js
// build/examples/fashion_mnist.js [maxEpochs]`.
import * as torch from 'torchlet';
const { nn, F, optim } = torch;

async function loadDataFashionMnist(batchSize: number, valRatio = 0.2) {
  const trans = torch.data.compose(torch.data.toTensor(), torch.data.normalize(0.5, 0.5));
  const totalRaw = await torch.data.FashionMNIST.create({ train: true, download: true });
  const testRaw = await torch.data.FashionMNIST.create({ train: false, download: true });
  const totalDataset = new torch.data.ImageDataset(totalRaw.images, totalRaw.labels, [28, 28], trans);
  const testDataset = new torch.data.ImageDataset(testRaw.images, testRaw.labels, [28, 28], trans);

  const valSize = Math.floor(totalDataset.length * valRatio);
  const trainSize = totalDataset.length - valSize;
  const [trainDataset, valDataset] = torch.data.randomSplit(totalDataset, [trainSize, valSize]);
  const trainLoader = new torch.data.DataLoader(trainDataset, { batchSize, shuffle: true });
  const valLoader = new torch.data.DataLoader(valDataset, { batchSize, shuffle: false });
  const testLoader = new torch.data.DataLoader(testDataset, { batchSize, shuffle: false });
  return [trainLoader, valLoader, testLoader] as const;
}

class FashionCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  fc1 = new nn.Linear(64 * 7 * 7, 128);
  dropout = new nn.Dropout(0.5);
  fc2 = new nn.Linear(128, 10);

  forward(x: torch.Tensor): torch.Tensor {
    x = F.maxPool2d(F.relu(this.conv1.forward(x)), 2);
    x = F.maxPool2d(F.relu(this.conv2.forward(x)), 2);
    x = x.view(x.shape[0], -1);
    return this.fc2.forward(this.dropout.forward(F.relu(this.fc1.forward(x))));
  }
}

function initWeights(m: torch.nn.Module): void {
  if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
    nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    if (m.bias) nn.init.constant_(m.bias, 0);
  }
}

/** One pass over a loader: mean loss and accuracy, with optimizer steps when one is given. */
function runEpoch(model: FashionCNN, loader: Iterable<[torch.Tensor, torch.Tensor]>, criterion: torch.nn.CrossEntropyLoss, optimizer?: torch.optim.Adam) {
  let samples = 0, lossSum = 0, correct = 0;
  for (const [x, y] of loader) {
    torch.tidy(() => {                        // frees this step's intermediate tensors
      const yHat = model.forward(x);
      const loss = criterion.forward(yHat, y);
      if (optimizer) {
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      }
      samples += x.shape[0];
      lossSum += loss.item() * x.shape[0];
      correct += yHat.argmax(1).eq(y).sum().item();
    });
    x.dispose();                              // the batch itself (or leave it to the garbage collector)
    y.dispose();
  }
  return { loss: lossSum / samples, acc: correct / samples };
}

async function main(maxEpochs = 50): Promise<void> {
  const [trainLoader, valLoader, testLoader] = await loadDataFashionMnist(256);
  const model = new FashionCNN();
  model.apply(initWeights);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  const criterion = new nn.CrossEntropyLoss();

  let bestLoss = Infinity, patienceCounter = 0;
  const patience = 10;
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    model.train();
    const train = runEpoch(model, trainLoader, criterion, optimizer);
    model.eval();
    const val = torch.noGrad(() => runEpoch(model, valLoader, criterion));
    console.log(`epoch ${epoch + 1}: train_loss: ${train.loss}, train_acc: ${train.acc}, val_loss: ${val.loss}, val_acc: ${val.acc}`);
    if (val.loss < bestLoss) {
      bestLoss = val.loss;
      patienceCounter = 0;
      torch.save(model.stateDict(), 'best_model.safetensors'); // PyTorch loads it: see "Weights between torchlet and PyTorch"
    } else if (++patienceCounter >= patience) {
      console.log(`Early stopping at epoch ${epoch + 1}`);
      break;
    }
  }
  model.eval();
  const test = torch.noGrad(() => runEpoch(model, testLoader, criterion));
  console.log(`test_loss: ${test.loss}, test_acc: ${test.acc}`);
}

if (require.main === module) {
  main(process.argv[2] ? Number(process.argv[2]) : undefined).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
