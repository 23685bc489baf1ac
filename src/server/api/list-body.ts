/**
 * The body of a list answer, `{"<collection>":[<items>]<links>}`. A long list whose items depend
 * on their record alone is sent as a stream of chunks rendered as the connection takes them:
 * 100,000 ports then never exist at once as rendered objects, JSON texts and one 90 MB string
 * (which left the server's heap, and its RSS, hundreds of MiB larger after every such list),
 * and other requests are served between the chunks. The bytes are the same either way.
 */
import { Readable } from 'node:stream';
import type { ListResult } from './collection.js';

/** Items rendered per chunk of a streamed list. */
const CHUNK = 500;

export function listBody(collection: string, result: ListResult, tail: string): string | Readable {
  const { records, render } = result;
  const head = `{"${collection}":[`;
  const end = `]${tail}}`;
  if (records.length <= CHUNK || !result.renderLater) return `${head}${records.map(render).join(',')}${end}`;
  function* chunks(): Generator<string> {
    yield head;
    for (let i = 0; i < records.length; i += CHUNK) {
      const part = records
        .slice(i, i + CHUNK)
        .map(render)
        .join(',');
      yield i === 0 ? part : `,${part}`;
    }
    yield end;
  }
  return Readable.from(chunks(), { objectMode: false });
}
