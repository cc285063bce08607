/**
 * What the two simulated-fleet benchmarks (bench/agent-load.ts, bench/fleet-apps.ts)
 * share: the hub's admin, /proc readings of the hub child, API calls with a bounded
 * number in flight, the node reports of a simulated cluster, and table formatting.
 */
import fs from 'node:fs';
import type { NodeReport } from '../src/agent-link/protocol.js';

export const ADMIN = { user: 'admin', password: 'Bench-Passw0rd1' };
/** USER_HZ on Linux; /proc/<pid>/stat counts in these ticks. */
const CLK_TCK = 100;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** One API call that must answer 200; `T` is the shape of the envelope's `data` the caller reads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are open-ended JSON
export async function call<T = any>(url: string, method: string, p: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as { code: number; data: T; token?: string; message: string };
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${json.message}`);
  return json;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/** The `count` nodes cluster number `cluster` reports; with `gpus`, every fifth node has one 16 GiB GPU. */
export function nodesOf(cluster: number, count: number, gpus = false): NodeReport[] {
  return Array.from({ length: count }, (_, i) => {
    const gpu = gpus && i % 5 === 0;
    return {
      name: `c${cluster}-node-${i}`,
      osImage: 'Ubuntu 22.04.4 LTS',
      kernelVersion: '5.15.0-105-generic',
      internalIP: `10.${(cluster >> 8) & 255}.${cluster & 255}.${i + 1}`,
      cpu: 8,
      memory: 16 * 2 ** 30,
      disk: 200 * 2 ** 30,
      gpuCount: gpu ? 1 : 0,
      gpuMemoryMiB: gpu ? 16384 : null,
      ready: true,
      labels: { 'kubernetes.io/hostname': `c${cluster}-node-${i}`, 'kubernetes.io/os': 'linux' },
    };
  });
}

/** The p-th percentile of an ascending list (nearest rank). */
export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
export const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
