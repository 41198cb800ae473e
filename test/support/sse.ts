/** A minimal Server-Sent Events reader for tests (fetch + the stream), so headers like Authorization can be sent. */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export async function openSse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status} ${await res.text()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const events: SseEvent[] = [];
  let ended = false;
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const i = line.indexOf(':');
            fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
          }
          if (fields.event || fields.data) {
            events.push({
              id: fields.id,
              event: fields.event ?? 'message',
              data: fields.data ? JSON.parse(fields.data) : null,
            });
          }
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
    }
  })();
  return {
    headers: res.headers,
    /** The next event, waiting up to `timeoutMs`. */
    async next(timeoutMs = 5000): Promise<SseEvent & { id: string }> {
      const deadline = Date.now() + timeoutMs;
      while (events.length === 0) {
        if (Date.now() > deadline || (ended && events.length === 0))
          throw new Error(`no SSE event within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return events.shift() as SseEvent & { id: string };
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}
