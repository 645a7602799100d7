// TLS handshakes against real servers on 127.0.0.1 with Node's OpenSSL: the client trusts ONLY
// the CA it is given (no system store), exactly like a device that installed our root.
import tls from "node:tls";
import type { AddressInfo, Socket } from "node:net";

const TIMEOUT_MS = 5_000;

export interface TlsServerHandle {
  port: number;
  close(): Promise<void>;
}

export interface HandshakeResult {
  authorized: boolean;
  /** Node/OpenSSL error code, e.g. ERR_TLS_CERT_ALTNAME_INVALID, UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
  code?: string;
  /** Error message, e.g. "permitted subtree violation". */
  error?: string;
  /** Negotiated protocol when the handshake succeeded, e.g. TLSv1.3. */
  protocol?: string;
}

/** A TLS server on 127.0.0.1 (random port) presenting `cert` (PEM; leaf first, then chain). */
export async function startTlsServer(opts: { cert: string | Buffer; key: string | Buffer }): Promise<TlsServerHandle> {
  const sockets = new Set<Socket>();
  const server = tls.createServer({ cert: opts.cert, key: opts.key }, (socket) => {
    socket.on("error", () => {}); // the client may abort after rejecting us; that is the point
    socket.end("ok\n");
  });
  // Clients that reject the certificate abort mid-handshake; not a server failure.
  server.on("tlsClientError", () => {});
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects to 127.0.0.1:port with SNI `servername`, trusting only `ca`; never throws. */
export function connectTls(opts: { port: number; ca: string | Buffer | Array<string | Buffer>; servername: string }): Promise<HandshakeResult> {
  return new Promise<HandshakeResult>((resolve) => {
    let settled = false;
    const finish = (r: HandshakeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const socket = tls.connect({
      host: "127.0.0.1",
      port: opts.port,
      ca: opts.ca,
      servername: opts.servername, // SNI and the name checked against the certificate
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => finish({ authorized: false, code: "TIMEOUT", error: `no handshake within ${TIMEOUT_MS} ms` }), TIMEOUT_MS);
    socket.once("secureConnect", () =>
      finish({ authorized: socket.authorized, protocol: socket.getProtocol() ?? undefined, error: socket.authorizationError?.toString() }),
    );
    socket.once("error", (err: NodeJS.ErrnoException) => finish({ authorized: false, code: err.code, error: err.message }));
  });
}

/** One server, one handshake, both closed again. */
export async function handshake(opts: {
  cert: string | Buffer;
  key: string | Buffer;
  ca: string | Buffer | Array<string | Buffer>;
  servername: string;
}): Promise<HandshakeResult> {
  const server = await startTlsServer(opts);
  try {
    return await connectTls({ port: server.port, ca: opts.ca, servername: opts.servername });
  } finally {
    await server.close();
  }
}
