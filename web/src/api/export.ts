// Downloads of the current view: the merged profile as pprof (SelectMergeProfile over Connect's
// proto codec, so the bytes are the server's own), flamebearer JSON, and the canvas as PNG.
import { getTenant } from './client';

const varint = (n: number) => { const out: number[] = []; while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); } out.push(n); return out; };
const str = (f: number, s: string) => { const b = [...new TextEncoder().encode(s)]; return [f * 8 + 2, ...varint(b.length), ...b]; };
const int = (f: number, v: number) => [f * 8, ...varint(v)];

/** The merged profile of a selection, as pprof protobuf bytes. */
export async function fetchPprof(profileType: string, selector: string, start: number, end: number): Promise<Uint8Array> {
  const body = new Uint8Array([...str(1, profileType), ...str(2, selector), ...int(3, start), ...int(4, end)]);
  const headers: Record<string, string> = { 'Content-Type': 'application/proto' };
  if (getTenant()) headers['X-Scope-OrgID'] = getTenant();
  const res = await fetch('/querier.v1.QuerierService/SelectMergeProfile', { method: 'POST', headers, body });
  if (!res.ok) throw new Error(`SelectMergeProfile: HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Saves `data` as a file named `name`. */
export function download(name: string, data: BlobPart, type: string) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The flame graph canvas inside the element `testId` as PNG. */
export function downloadPng(testId: string, name: string) {
  const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${testId}"] canvas`);
  if (!canvas) throw new Error('there is no flame graph to export');
  canvas.toBlob((blob) => { if (blob) download(name, blob, 'image/png'); }, 'image/png');
}
