// IPv4 arithmetic on 32-bit unsigned integers. Only resolve and validate compute with addresses.

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export interface Cidr {
  /** Network address as an integer. */
  readonly base: number;
  readonly prefix: number;
  readonly size: number;
}

/** Parse "a.b.c.d/n"; the address is masked down to its network. */
export function parseCidr(cidr: string): Cidr {
  const [ip, p] = cidr.split("/");
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(ip) / size) * size;
  return { base, prefix, size };
}

export function cidrString(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

/** True when the CIDR's address part is its network address (no host bits set). */
export function isNetworkAddress(cidr: string): boolean {
  return ipToInt(cidr.split("/")[0]) === parseCidr(cidr).base;
}

export function contains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + c.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

export function broadcast(c: Cidr): number {
  return c.base + c.size - 1;
}

export const isIpv4Cidr = (s: string): boolean => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s);
