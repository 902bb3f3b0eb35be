// Downloads of the current view: a file (the merged pprof, flamebearer JSON) and the flame
// graph's canvas as PNG.
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
