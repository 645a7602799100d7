// IPv4 arithmetic on 32-bit unsigned integers. Only resolve and validate compute with addresses.

export function ipToInt(ip: string): number {
  // Hot (every NIC, every lock entry): plain dotted digits are read in one pass without the
  // split's four strings; anything else takes the general path, so results never differ.
  let acc = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else if (c === 46 && digits > 0 && dots < 3) {
      acc = acc * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return ipToIntGeneral(ip);
  }
  return dots === 3 && digits > 0 ? acc * 256 + octet : ipToIntGeneral(ip);
}

function ipToIntGeneral(ip: string): number {
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

// A lab has a handful of subnets and rules and resolve ask about them once per NIC: each text is
// parsed once. The results are frozen, so sharing them is safe.
const parsedCidrs = new Map<string, Cidr>();

/** Parse "a.b.c.d/n"; the address is masked down to its network. */
export function parseCidr(cidr: string): Cidr {
  let c = parsedCidrs.get(cidr);
  if (c === undefined) {
    c = Object.freeze(parseCidrUncached(cidr));
    parsedCidrs.set(cidr, c);
  }
  return c;
}

function parseCidrUncached(cidr: string): Cidr {
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
