// test/native/addon_loaded.test.ts — the native addon mapped into this process is the file the loader
// resolves (TORCHLET_ADDON when set, else node-gyp-build's pick: build/Release or the prebuild), no
// other torchlet binary is mapped beside it, and it is a sanitizer build exactly when
// TORCHLET_EXPECT_SANITIZED=1 (scripts/test_sanitizers.sh sets it for its jest subset): then it imports
// the AddressSanitizer and UBSan report functions and both runtimes are mapped into the process. So
// the sanitizer run cannot pass by testing an uninstrumented build, and `npm test` notices a stray one.
import * as fs from 'fs';
import * as path from 'path';
import { native } from '../../lib/binding';

const root = path.resolve(__dirname, '..', '..');

/** The files mapped into this process (Linux: /proc/self/maps, pathname column). */
function mappedFiles(): string[] {
  const files = fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/).slice(5).join(' '))
    .filter((p) => p.startsWith('/'));
  return [...new Set(files)];
}

(process.platform === 'linux' ? test : test.skip)(
  'the loaded addon is the resolved file, and sanitized exactly when TORCHLET_EXPECT_SANITIZED=1',
  () => {
    expect(native.schema().ops.length).toBeGreaterThan(0); // loaded and working
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gypBuild = require('node-gyp-build') as { resolve(dir: string): string };
    const wanted = fs.realpathSync(process.env.TORCHLET_ADDON ? path.resolve(process.env.TORCHLET_ADDON) : gypBuild.resolve(root));
    const maps = mappedFiles();
    expect(maps).toContain(wanted);
    expect(maps.filter((p) => p !== wanted && p.endsWith('.node') && /torchlet|prebuilds/.test(p))).toEqual([]);

    const bytes = fs.readFileSync(wanted);
    const imports = {
      asan: bytes.includes('__asan_report_load'),
      ubsan: bytes.includes('__ubsan_handle_'),
    };
    const sanitized = process.env.TORCHLET_EXPECT_SANITIZED === '1';
    expect(imports).toEqual({ asan: sanitized, ubsan: sanitized });
    if (sanitized) {
      expect(maps.some((p) => /\/libasan\.so/.test(p))).toBe(true);
      expect(maps.some((p) => /\/libubsan\.so/.test(p))).toBe(true);
    }
  },
);
