import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/**
 * A real SMTP server on loopback, started by the test: what the portal sends arrives here over SMTP.
 * `failing = true` makes it refuse every message with a temporary error, as a broken relay would.
 */
export class TestMailServer {
  readonly messages: ParsedMail[] = [];
  failing = false;
  #server: SMTPServer;
  port = 0;

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.failing) {
            const err = new Error('Temporary failure, try again later') as Error & { responseCode: number };
            err.responseCode = 451;
            callback(err);
            return;
          }
          simpleParser(Buffer.concat(chunks)).then((mail) => {
            this.messages.push(mail);
            callback();
          }, callback);
        });
      },
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  to(address: string): ParsedMail[] {
    return this.messages.filter((m) => [m.to].flat().some((t) => t?.value.some((v) => v.address?.toLowerCase() === address.toLowerCase())));
  }
}

/** The first portal link in a plain-text email. */
export function linkIn(mail: ParsedMail, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s]+(${pathPrefix}[^\\s]*)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${pathPrefix} link in: ${mail.text}`);
  return match[1]!;
}
