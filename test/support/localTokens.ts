import { createServer } from 'node:net';
import { decodeJwt } from 'jose';
import { main as tokenCommand } from '../../local/token';

/** A port nothing listens on: the token command finds no runtime there. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs `npm run token -- <args>` in-process; the token is stdout, the report stderr. */
export async function runTokenCommand(args: string[]): Promise<{ token: string; report: string; objectId: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  try {
    expect(await tokenCommand(args)).toBe(0);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const token = stdout.join('').trim();
  return { token, report: stderr.join(''), objectId: String(decodeJwt(token)['oid']) };
}
