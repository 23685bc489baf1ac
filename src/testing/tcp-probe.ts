/**
 * A TCP probe that host tests run inside namespaces (instances, the internet host) to see NAT
 * from both ends:
 *
 *   node tcp-probe.js serve PORT NAME       answers each connection with "NAME PEER-ADDRESS\n",
 *                                           then echoes what it receives until the peer closes
 *   node tcp-probe.js ask HOST PORT [MS]    prints the first line it gets; exit status 1 when
 *                                           none came within MS (default 2000)
 *   node tcp-probe.js session HOST PORT     keeps one connection: prints the greeting, sends a
 *                                           numbered line every 100 ms and prints each echo
 *                                           ("echo N"), and "closed: REASON" when it ends
 */
import { connect, createServer } from 'node:net';

/** IPv4 peers of a dual-stack socket show as ::ffff:a.b.c.d. */
const plain = (address: string | undefined) => (address ?? '?').replace(/^::ffff:/, '');

function serve(port: number, name: string): void {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(`${name} ${plain(socket.remoteAddress)}\n`);
    socket.pipe(socket);
  });
  server.listen(port, () => console.log('listening'));
}

function ask(host: string, port: number, timeoutMs: number): void {
  const socket = connect({ host, port });
  const timer = setTimeout(() => {
    console.error('no answer');
    process.exit(1);
  }, timeoutMs);
  let data = '';
  socket.on('data', (d) => {
    data += d.toString();
    if (!data.includes('\n')) return;
    clearTimeout(timer);
    console.log(data.split('\n')[0]);
    socket.destroy();
    process.exit(0);
  });
  socket.on('error', (e) => {
    console.error(e.message);
    process.exit(1);
  });
}

function session(host: string, port: number): void {
  const socket = connect({ host, port });
  let buffer = '';
  let greeted = false;
  let n = 0;
  const timer = setInterval(() => socket.write(`${++n}\n`), 100);
  socket.on('data', (d) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      console.log(greeted ? `echo ${line}` : `greeting ${line}`);
      greeted = true;
    }
  });
  const end = (reason: string) => {
    clearInterval(timer);
    console.log(`closed: ${reason}`);
    process.exit(0);
  };
  socket.on('error', (e) => end(e.message));
  socket.on('close', () => end('closed'));
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'serve') serve(Number(a), b ?? 'probe');
else if (mode === 'ask') ask(a!, Number(b), Number(c ?? 2000));
else if (mode === 'session') session(a!, Number(b));
else {
  console.error('usage: tcp-probe serve PORT NAME | ask HOST PORT [MS] | session HOST PORT');
  process.exit(2);
}
