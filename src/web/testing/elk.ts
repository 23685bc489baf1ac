/** ELK for Node (tests, tools): the bundled build, which runs in the calling thread. */
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK, ELKConstructorArguments } from 'elkjs/lib/elk-api.js';
import { elkConstructor, useElk } from '../layout.js';

const Elk = elkConstructor<new (args?: ELKConstructorArguments) => ELK>(elkBundled);
useElk(new Elk());
