// lib/data/utils.ts — the torch.data.utils namespace: torchvision.utils' image helpers
// (makeGrid = make_grid, saveImage = save_image; lib/data/grid.ts) and the PNG encoder they write
// with (encodePng; lib/data/png_encode.ts).
export { makeGrid, saveImage } from './grid';
export type { MakeGridOptions } from './grid';
export { encodePng } from './png_encode';
