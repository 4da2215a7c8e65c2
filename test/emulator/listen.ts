// The loopback HTTP server the Google API emulators share: each request's body is
// read whole, then handed to the emulator; an exception answers 500 in the
// google.rpc.Status shape the emulator gives it.
import * as http from 'node:http';

export async function listen(port: number, handle: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void, fail: (res: http.ServerResponse, e: Error) => void): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try { handle(req, res, Buffer.concat(chunks)); } catch (e) { fail(res, e as Error); }
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}
