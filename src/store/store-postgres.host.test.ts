import { after } from 'node:test';
import { type PrivatePostgres, startPostgres } from './testing/private-postgres.js';
import { storeContract } from './testing/store-contract.js';

let pg: PrivatePostgres | null = null;
let databases = 0;
after(async () => {
  await pg?.stop();
});

storeContract({
  name: 'PostgreSQL',
  async setup() {
    pg ??= await startPostgres();
    const name = `quark_contract_${++databases}`;
    pg.createDatabase(name);
    return { url: pg.url(name), drop: async () => undefined };
  },
});
