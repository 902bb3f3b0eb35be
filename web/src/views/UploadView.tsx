// View a pprof (gzipped or not) or folded file without storing it: parsed in the browser.
import { useMemo, useState } from 'react';

import { download } from '../api/export';
import { ErrorBox } from '../components/Status';
import { TopTable } from '../components/TopTable';
import { FlameGraph } from '../flame/FlameGraph';
import { type PprofData, readProfileFile, toFlamebearer } from '../flame/formats';
import { type FlameNode, findPath, pathOf, topTable } from '../flame/model';

export function UploadView() {
  const [file, setFile] = useState<{ name: string; pprof?: PprofData; folded?: FlameNode } | null>(null);
  const [typeIndex, setTypeIndex] = useState(0);
  const [error, setError] = useState('');
  const [search, setSearch] = useState('');
  const [focus, setFocus] = useState('');
  const root = useMemo(() => (file?.pprof ? file.pprof.build(typeIndex) : file?.folded), [file, typeIndex]);
  const rows = useMemo(() => (root ? topTable(root) : []), [root]);
  const unit = file?.pprof?.sampleTypes[typeIndex]?.unit ?? 'samples';
  const onFile = async (f: File | undefined) => {
    if (!f) return;
    setError('');
    setFocus('');
    try {
      const parsed = await readProfileFile(new Uint8Array(await f.arrayBuffer()));
      if (parsed.kind === 'pprof') {
        setFile({ name: f.name, pprof: parsed.data });
        setTypeIndex(Math.max(0, parsed.data.sampleTypes.length - 1));
      } else {
        setFile({ name: f.name, folded: parsed.root });
      }
    } catch (e) {
      setFile(null);
      setError(`${f.name}: ${(e as Error).message}`);
    }
  };
  return (
    <div className="upload-view">
      <p className="hint">The file is read in this browser and not stored on the server.</p>
      <div className="controls">
        <input type="file" aria-label="profile file" data-testid="upload-input" onChange={(e) => onFile(e.target.files?.[0])} />
        {file?.pprof && (
          <select aria-label="sample type" value={typeIndex} onChange={(e) => setTypeIndex(Number(e.target.value))}>
            {file.pprof.sampleTypes.map((t, i) => <option key={i} value={i}>{t.type} ({t.unit})</option>)}
          </select>
        )}
        {root && <input className="search" type="search" aria-label="search frames" placeholder="Search functions…" value={search} onChange={(e) => setSearch(e.target.value)} />}
        {root && <button type="button" onClick={() => download(`${file?.name ?? 'profile'}.flamebearer.json`, JSON.stringify(toFlamebearer(root, unit, file?.name ?? '')), 'application/json')}>Export flamebearer JSON</button>}
      </div>
      {error && <ErrorBox message={error} />}
      {root && (
        <>
          <div className="graph-bar"><span data-testid="upload-total" data-total={root.total}>{file?.name}</span>
            {focus && <button type="button" onClick={() => setFocus('')}>Reset focus</button>}</div>
          <div className="graph-and-table">
            <TopTable rows={rows} unit={unit} total={root.total} search={search} onPick={() => {}} />
            <FlameGraph root={root} focus={findPath(root, focus)} unit={unit} search={search} testId="upload-flamegraph" onFocus={(n) => setFocus(pathOf(n))} />
          </div>
        </>
      )}
    </div>
  );
}
