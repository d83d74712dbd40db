/**
 * Nest ClientProxy over any Bus, for code that prefers `client.emit(subject,
 * payload)`. Request/response is not part of mcpspy's contract.
 */
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { Bus } from './bus';

export class BusClientProxy extends ClientProxy {
  constructor(private readonly bus: Bus) {
    super();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    await this.bus.publish(this.normalizePattern(packet.pattern), packet.data);
    return undefined as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error('mcpspy buses carry events only, not requests'), isDisposed: true });
    return () => undefined;
  }

  override unwrap<T>(): T {
    return this.bus as T;
  }

  override on(): never {
    throw new Error('BusClientProxy does not emit transport events');
  }
}
