import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { MachineInfo } from '../../common/protocol';

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()}-${os.arch()}` };
}

/** Identifies "this machine and these settings" for cached measurements. */
export function machineKey(parts: Record<string, string | number>): string {
  const m = machineInfo();
  return createHash('sha256').update(JSON.stringify({ ...m, ...parts })).digest('hex').slice(0, 16);
}

/** The key under which `bench` and `crossover` results are cached: this machine, provider, threads, ORT. */
export function benchMachineKey(ep: string, threads: number): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = (require('onnxruntime-node/package.json') as { version: string }).version;
  return machineKey({ ep, threads, ort });
}
