/** RFC 8092 large communities: three uint32, text `GA:LD1:LD2`. */

export interface LargeCommunity {
  readonly globalAdmin: number;
  readonly localData1: number;
  readonly localData2: number;
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.globalAdmin}:${c.localData1}:${c.localData2}`;
}

export function parseLargeCommunity(text: string): LargeCommunity | null {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (!m) return null;
  const [g, a, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (g > 0xffffffff || a > 0xffffffff || b > 0xffffffff) return null;
  return { globalAdmin: g, localData1: a, localData2: b };
}
