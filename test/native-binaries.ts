/**
 * Reads what a native binary was built for from its own header, independently of the folder it
 * sits in: ELF (e_machine), Mach-O (cputype) and PE (COFF Machine). Enough to check that each
 * .vsix carries only its platform's onnxruntime build, and which libraries a Mach-O file loads.
 */

export interface BinaryPlatform {
  os: 'linux' | 'darwin' | 'win32';
  arch: 'x64' | 'arm64' | 'other';
}

const ELF_MACHINE: Record<number, BinaryPlatform['arch']> = { 62: 'x64', 183: 'arm64' };
const MACHO_CPU: Record<number, BinaryPlatform['arch']> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINE: Record<number, BinaryPlatform['arch']> = { 0x8664: 'x64', 0xaa64: 'arm64' };
const MACHO_64 = 0xfeedfacf;

/** The platform a binary is for, or undefined when the bytes are no ELF, thin 64-bit Mach-O or PE file. */
export function binaryPlatform(b: Buffer): BinaryPlatform | undefined {
  if (b.length < 64) return undefined;
  if (b.readUInt32BE(0) === 0x7f454c46) return { os: 'linux', arch: ELF_MACHINE[b.readUInt16LE(18)] ?? 'other' };
  if (b.readUInt32LE(0) === MACHO_64) return { os: 'darwin', arch: MACHO_CPU[b.readUInt32LE(4)] ?? 'other' };
  if (b.readUInt16LE(0) === 0x5a4d) {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 6 <= b.length && b.readUInt32LE(pe) === 0x00004550) return { os: 'win32', arch: PE_MACHINE[b.readUInt16LE(pe + 4)] ?? 'other' };
  }
  return undefined;
}

// Written out: `0x1c | LC_REQ_DYLD` in JavaScript is a negative int32, and the file's words are unsigned.
const LC_ID_DYLIB = 0xd;
const LOADS = new Set([0xc /* LC_LOAD_DYLIB */, 0x80000018 /* LC_LOAD_WEAK_DYLIB */, 0x8000001f /* LC_REEXPORT_DYLIB */]);
const LC_RPATH = 0x8000001c;

export interface MachoLinks {
  /** Its own install name (LC_ID_DYLIB), for a library. */
  id?: string;
  /** The libraries it loads, as written (`@rpath/libonnxruntime.1.dylib`, `/usr/lib/libc++.1.dylib`). */
  loads: string[];
  rpaths: string[];
}

/** The load commands of a thin 64-bit Mach-O file that name libraries (mach-o/loader.h). */
export function machoLinks(b: Buffer): MachoLinks {
  if (b.readUInt32LE(0) !== MACHO_64) throw new Error('not a thin 64-bit Mach-O file');
  const commands = b.readUInt32LE(16);
  const out: MachoLinks = { loads: [], rpaths: [] };
  // A dylib command's name offset is at +8, an rpath command's at +8 too; both are NUL-terminated.
  const str = (cmdAt: number): string => {
    const from = cmdAt + b.readUInt32LE(cmdAt + 8);
    return b.toString('utf8', from, b.indexOf(0, from));
  };
  let at = 32; // after mach_header_64
  for (let i = 0; i < commands; i++) {
    const cmd = b.readUInt32LE(at);
    const size = b.readUInt32LE(at + 4);
    if (LOADS.has(cmd)) out.loads.push(str(at));
    else if (cmd === LC_RPATH) out.rpaths.push(str(at));
    else if (cmd === LC_ID_DYLIB) out.id = str(at);
    at += size;
  }
  return out;
}
