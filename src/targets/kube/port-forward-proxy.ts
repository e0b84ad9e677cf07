import net from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { InfrastructureError } from '../../errors.ts';

/** Which pod a new connection goes to right now; null refuses the connection. */
export type PodResolver = () => Promise<string | null>;

export interface PortForwardProxyOptions {
  config: KubeConfig;
  namespace: string;
  /** Port inside the pod. */
  port: number;
  resolvePod: PodResolver;
  /** For errors and progress: "instance pg-1", "the -rw Service". */
  label: string;
}

/**
 * A TCP listener on 127.0.0.1 whose every connection is tunnelled to a pod
 * through the API server (client-node's PortForward, one WebSocket per
 * connection). The pod is resolved per connection, so a proxy whose
 * resolver follows the -rw Service's ready endpoint behaves like that
 * Service: new connections reach the current primary, and a connection to
 * a pod that goes away is cut.
 *
 * Port-forwarded traffic enters the pod's network namespace from inside,
 * so NetworkPolicies do not apply to it: like a client reaching an
 * instance directly while it is partitioned from its peers.
 */
export class PortForwardProxy {
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    private readonly options: PortForwardProxyOptions,
    readonly port: number,
  ) {}

  readonly host = '127.0.0.1';

  static async start(options: PortForwardProxyOptions, localPort = 0): Promise<PortForwardProxy> {
    const server = net.createServer({ pauseOnConnect: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', (e) => reject(new InfrastructureError(`could not listen for ${options.label} on 127.0.0.1:${localPort}: ${e.message}`)));
      server.listen(localPort, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
    // A listener must not keep pgdrill alive after the run (--keep leaves the cluster, not the process).
    server.unref();
    const proxy = new PortForwardProxy(server, options, port);
    server.on('connection', (socket) => void proxy.tunnel(socket));
    return proxy;
  }

  /** Open tunnels (for tests and leak checks). */
  get connections(): number {
    return this.sockets.size;
  }

  private async tunnel(socket: net.Socket): Promise<void> {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pod: string | null;
    try {
      pod = await this.options.resolvePod();
    } catch {
      pod = null;
    }
    if (!pod || this.closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    // The kubelet reports a failed dial (nothing listens, the pod is gone) on the error channel.
    const errors = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (chunk.length > 0) socket.destroy();
        callback();
      },
    });
    try {
      const ws = await new PortForward(this.options.config).portForward(this.options.namespace, pod, [this.options.port], socket, errors, socket);
      const webSocket = typeof ws === 'function' ? ws() : ws;
      if (!webSocket) {
        socket.destroy();
        return;
      }
      webSocket.on('close', () => socket.destroy());
      webSocket.on('error', () => socket.destroy());
      socket.on('close', () => webSocket.close());
      if (socket.destroyed) webSocket.close();
      // Paused since accept (pauseOnConnect): bytes sent before the tunnel opened are now forwarded.
      else socket.resume();
    } catch {
      socket.destroy();
    }
  }

  /** Stops listening and cuts every open tunnel. */
  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
