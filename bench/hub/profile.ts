/**
 * Where the hub's main thread spends its time during the peak run: a V8 CPU
 * profile taken over that window only (node:inspector in the hub process),
 * self time grouped by package or src/ folder. WebCrypto work on the libuv
 * thread pool is not in it (only the main thread's share of each call is).
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  rows: Array<{ part: string; percentOfBusy: number }>;
}

const SOCKET_WRITES = new Set(['writeBuffer', 'writeUtf8String', 'writev', 'writeLatin1String']);

/** Native frames (no url) count towards the nearest caller that has one: WebCrypto jobs to node: crypto, writes to sockets. */
function partOf(node: ProfileNode, parents: Map<number, ProfileNode>): string {
  const { functionName } = node.callFrame;
  if (SOCKET_WRITES.has(functionName) && !node.callFrame.url) return 'socket writes (TLS to agencies, Redis)';
  let frame: ProfileNode | undefined = node;
  while (frame && !frame.callFrame.url && !frame.callFrame.functionName.startsWith('(')) frame = parents.get(frame.id);
  if (!frame || frame.callFrame.functionName.startsWith('(')) return functionName ? `native: ${functionName}` : 'native';
  const { url } = frame.callFrame;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency) return `${dependency[1]} (package)`;
  const own = /\/(src|bench|test)\/(.+?)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}/`;
  if (url.startsWith('node:internal/')) return `node: ${url.slice('node:internal/'.length).split('/')[0]}`;
  if (url.startsWith('node:')) return `node: ${url.slice('node:'.length)}`;
  return `other: ${url}`;
}

export async function summariseProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  const byPart = new Map<string, number>();
  let wall = 0;
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    wall += delta;
    const node = nodes.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    // The inspector session's own Profiler.start/stop is the measurement, not the hub.
    if (node.callFrame.functionName === 'dispatch' && !node.callFrame.url) return;
    busy += delta;
    const part = partOf(node, parents);
    byPart.set(part, (byPart.get(part) ?? 0) + delta);
  });
  const rows = [...byPart]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([part, micros]) => ({ part, percentOfBusy: (micros / Math.max(1, busy)) * 100 }));
  return { file, wallMs: wall / 1000, busyMs: busy / 1000, rows };
}
