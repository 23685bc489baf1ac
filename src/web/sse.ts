/**
 * A reader of server-sent events for streams opened with `fetch` (EventSource cannot send the
 * X-Auth-Token header, and a token in a URL ends up in logs). Feed it text as it arrives; it
 * returns the complete events.
 */
export interface ServerEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | null;
}

export class EventReader {
  private buffer = '';

  feed(text: string): ServerEvent[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const out: ServerEvent[] = [];
    let cut = this.buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      let event = 'message';
      let id: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (data.length > 0) out.push({ event, data: data.join('\n'), id });
      cut = this.buffer.indexOf('\n\n');
    }
    return out;
  }
}
