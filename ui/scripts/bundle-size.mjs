// Prints the production bundle's size, raw and gzip, per file type. Run after `vite build`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const totals = {};
function walk(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else {
      const ext = extname(name) || '(none)';
      const buf = readFileSync(p);
      const t = (totals[ext] ??= { files: 0, raw: 0, gzip: 0 });
      t.files += 1;
      t.raw += buf.length;
      t.gzip += gzipSync(buf, { level: 9 }).length;
    }
  }
}
walk(dir);
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KB';
console.log(`\nUI bundle (${dir}):`);
console.log('  type      files       raw        gzip');
for (const [ext, t] of Object.entries(totals).sort()) {
  console.log(`  ${ext.padEnd(8)} ${String(t.files).padStart(5)} ${kb(t.raw)} ${kb(t.gzip)}`);
}
const js = totals['.js'] ?? { raw: 0, gzip: 0 };
console.log(`  JS total (gzip): ${(js.gzip / 1024).toFixed(1)} KB`);
