/**
 * The `data` payloads of a Server-Sent Events text (HTML Living Standard,
 * "event stream interpretation"), for HTTP bodies that arrive whole with
 * content type text/event-stream. http-session normally sends one event per
 * message (kind sse_event); this is the fallback when it could not.
 */
export function ssePayloads(text: string): string[] {
  const out: string[] = [];
  let data: string[] = [];
  const dispatch = () => {
    if (data.length > 0) out.push(data.join('\n'));
    data = [];
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') continue;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    data.push(value);
  }
  // An event without its blank line at the end of a whole body is still complete.
  dispatch();
  return out;
}
