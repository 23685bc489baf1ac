/**
 * A minimal FTP server that host tests run inside an instance's namespace, to show what a
 * router's conntrack helper does: in passive mode the server names its own address and a port
 * inside the control connection (`227 Entering Passive Mode (10,0,0,5,p1,p2)`), which a client
 * outside the cloud can only reach when the router's FTP helper rewrites it to the floating IP.
 *
 *   node ftp-probe.js serve PORT FILE-TEXT     answers any login, PASV, TYPE, SIZE and RETR of
 *                                              any file with FILE-TEXT; prints "listening"
 *
 * Clients: busybox ftpget (passive mode).
 */
import { type Socket, createServer } from 'node:net';

function session(control: Socket, content: string): void {
  let pending: Promise<Socket> | null = null;
  const reply = (line: string) => control.write(`${line}\r\n`);
  reply('220 quark ftp probe');
  let buffer = '';
  control.on('error', () => undefined);
  control.on('data', (d) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      const [verb = '', ...rest] = line.split(' ');
      switch (verb.toUpperCase()) {
        case 'USER':
          reply('331 any password');
          break;
        case 'PASS':
          reply('230 logged in');
          break;
        case 'TYPE':
          reply('200 type set');
          break;
        case 'SIZE':
          reply(`213 ${Buffer.byteLength(content)}`);
          break;
        case 'PASV': {
          const data = createServer();
          pending = new Promise((resolve) =>
            data.once('connection', (s) => {
              data.close();
              resolve(s);
            }),
          );
          data.listen(0, control.localAddress, () => {
            const port = (data.address() as { port: number }).port;
            const host = (control.localAddress ?? '').replace(/^::ffff:/, '').replaceAll('.', ',');
            reply(`227 Entering Passive Mode (${host},${port >> 8},${port & 255})`);
          });
          break;
        }
        case 'RETR': {
          if (!pending) {
            reply('425 use PASV first');
            break;
          }
          reply(`150 sending ${rest.join(' ')}`);
          void pending.then((s) => s.end(content, () => reply('226 transfer complete')));
          pending = null;
          break;
        }
        case 'QUIT':
          reply('221 bye');
          control.end();
          break;
        default:
          reply('502 not implemented');
      }
    }
  });
}

const [mode, port, content] = process.argv.slice(2);
if (mode === 'serve' && port && content !== undefined) {
  createServer((s) => session(s, content)).listen(Number(port), () => console.log('listening'));
} else {
  console.error('usage: ftp-probe.js serve PORT FILE-TEXT');
  process.exit(2);
}
