/** A local transport failure (socket option, bind, connect), never caused by a peer's bytes. */
export class BgpTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BgpTransportError';
  }
}
