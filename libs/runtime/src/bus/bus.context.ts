import { BaseRpcContext } from '@nestjs/microservices';

/** Context handed to Nest handlers (`@Ctx() ctx: BusContext`). */
export class BusContext extends BaseRpcContext<[string, boolean]> {
  getSubject(): string {
    return this.args[0];
  }

  isRedelivered(): boolean {
    return this.args[1];
  }
}
