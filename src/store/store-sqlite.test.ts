import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from './testing/store-contract.js';

storeContract({
  name: 'SQLite',
  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'quark-store-'));
    return { url: join(dir, 'q.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
