import { parseNodeEventsPayload } from '../../../shared/clusters/nodeEventsPayload';
import { falcoAlertEvent, fileAccessEvent, processExecEvent } from '../../../shared/node/exampleNodeEvents';

const exec = processExecEvent({ binary: '/bin/bash', arguments: '-c id' });
const shadowRead = fileAccessEvent({ path: '/etc/shadow' });
const falco = falcoAlertEvent({ rule: 'Terminal shell in container' });
const ndjson = (...lines: string[]) => lines.join('\n');

describe('parseNodeEventsPayload', () => {
  describe('accepted forms', () => {
    it('when the body is NDJSON of Tetragon events and Falco alerts, then every line is one event, in order', () => {
      const parsed = parseNodeEventsPayload(ndjson(JSON.stringify(exec), JSON.stringify(falco), JSON.stringify(shadowRead)));
      expect(parsed).toEqual({ ok: true, events: [exec, falco, shadowRead] });
    });

    it('when NDJSON has CRLF line ends, blank lines, a trailing newline and a byte order mark, then only the events are read', () => {
      const body = `\ufeff${JSON.stringify(exec)}\r\n\r\n   \n${JSON.stringify(falco)}\r\n`;
      expect(parseNodeEventsPayload(body)).toEqual({ ok: true, events: [exec, falco] });
    });

    it('when the body is a JSON array of events, then each element is one event', () => {
      expect(parseNodeEventsPayload(JSON.stringify([exec, falco]))).toEqual({ ok: true, events: [exec, falco] });
    });

    it('when the body is an empty JSON array, then there is nothing to forward', () => {
      expect(parseNodeEventsPayload('[]')).toEqual({ ok: true, events: [] });
    });

    it('when the body is one event, even pretty-printed over several lines, then it is that event', () => {
      expect(parseNodeEventsPayload(JSON.stringify(falco))).toEqual({ ok: true, events: [falco] });
      expect(parseNodeEventsPayload(JSON.stringify(exec, null, 2))).toEqual({ ok: true, events: [exec] });
    });

    it('when the events are objects the pipeline will not recognize, then they are still forwarded (the pipeline dead-letters them)', () => {
      expect(parseNodeEventsPayload(ndjson('{"hello":"world"}', '{}'))).toEqual({ ok: true, events: [{ hello: 'world' }, {}] });
    });
  });

  describe('refused bodies', () => {
    it.each([
      ['NDJSON with a line that is not JSON', ndjson(JSON.stringify(exec), JSON.stringify(falco), '{"process_exec":'), /^line 3 must be a JSON object .*not valid JSON\.$/],
      ['NDJSON with a line that is a JSON array', ndjson(JSON.stringify(exec), '[1,2]'), /^line 2 must be a JSON object \(a Tetragon event or a Falco alert\)\.$/],
      ['NDJSON with a line that is a string', ndjson(JSON.stringify(exec), '', '"text"', JSON.stringify(falco)), /^line 3 must be a JSON object/],
      ['NDJSON with a line that is null', ndjson('null', JSON.stringify(exec)), /^line 1 must be a JSON object/],
      ['a JSON array with a non-object element', JSON.stringify([exec, falco, 'text']), /^body\[2\] must be a JSON object/],
      ['a JSON array with a nested array', JSON.stringify([[exec]]), /^body\[0\] must be a JSON object/],
      ['a JSON array that is cut off', `[${JSON.stringify(exec)},`, /^body must be valid JSON/],
      ['a JSON number', '42', /^body must be NDJSON, a JSON array or one JSON object/],
      ['JSON null', 'null', /^body must be NDJSON/],
      ['empty', '', /^body must not be empty/],
      ['only whitespace', ' \r\n\n', /^body must not be empty/],
      ['plain text', 'process_exec bash', /^line 1 must be a JSON object/],
    ])('when the body is %s, then the message names what is wrong', (_situation, body, message) => {
      const parsed = parseNodeEventsPayload(body);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(message);
    });
  });
});
