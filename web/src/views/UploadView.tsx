// Upload a profile file (button or drag and drop): the server reads it whatever its format
// (adhocprofiles.v1), keeps it for the tenant, and answers its flame graph; errors say what is
// wrong with the file. Uploads are listed, reopen by their link (/upload?id=...), and two of
// them compare side by side or as a diff.
import { useMemo, useState } from 'react';

import { type AdHocProfile, type Flamebearer, useApi } from '../api/client';
import { download } from '../api/export';
import { formatTime } from '../app/time';
import { useAsync } from '../app/useAsync';
import { ErrorBox, Loading } from '../components/Status';
import { TopTable } from '../components/TopTable';
import { decodeDiffFlameGraph, diffColor, type DiffNode, shareChange } from '../flame/diff';
import { FlameGraph } from '../flame/FlameGraph';
import { decodeFlameGraph, findPath, pathOf, topTable } from '../flame/model';
import type { ViewProps } from './SingleView';

/** flamebearer "units" to the unit names formatValue takes. */
const unitOfFlamebearer = (fb: Flamebearer) => ({ samples: 'count', objects: 'count', bytes: 'bytes', nanoseconds: 'nanoseconds' } as Record<string, string>)[fb.metadata.units] ?? 'count';

function ProfileGraph({ p, testId }: { p: AdHocProfile; testId: string }) {
  const [focus, setFocus] = useState('');
  const [search, setSearch] = useState('');
  const root = useMemo(() => decodeFlameGraph(p.flamebearer.flamebearer.names, p.flamebearer.flamebearer.levels), [p]);
  const rows = useMemo(() => topTable(root), [root]);
  const unit = unitOfFlamebearer(p.flamebearer);
  return (
    <section className="selection">
      <div className="graph-bar">
        <span data-testid={`${testId}-total`} data-total={root.total}>{p.name} · {p.profileType} · uploaded {formatTime(p.uploadedAt)}</span>
        <input className="search" type="search" aria-label="search frames" placeholder="Search functions…" value={search} onChange={(e) => setSearch(e.target.value)} />
        {focus && <button type="button" onClick={() => setFocus('')}>Reset focus</button>}
        <button type="button" onClick={() => download(`${p.name}.flamebearer.json`, JSON.stringify(p.flamebearer), 'application/json')}>Export flamebearer JSON</button>
      </div>
      <div className="graph-and-table">
        <TopTable rows={rows} unit={unit} total={root.total} search={search} onPick={() => {}} />
        <FlameGraph root={root} focus={findPath(root, focus)} unit={unit} search={search} testId={`${testId}-flamegraph`} onFocus={(n) => setFocus(pathOf(n))} />
      </div>
    </section>
  );
}

function UploadDiff({ fb }: { fb: Flamebearer }) {
  const root = useMemo(() => decodeDiffFlameGraph(fb.flamebearer.names, fb.flamebearer.levels), [fb]);
  const [l, r] = [fb.leftTicks ?? 0, fb.rightTicks ?? 0];
  const colorOf = (n: { name: string }, dark: boolean) => diffColor(shareChange((n as DiffNode).diff, l, r), dark);
  return (
    <section className="selection" data-testid="upload-diff" data-left={l} data-right={r}>
      <FlameGraph root={root} focus={root} unit={unitOfFlamebearer(fb)} search="" testId="upload-diff-flamegraph" colorOf={colorOf} />
    </section>
  );
}

export function UploadView({ state, update }: ViewProps) {
  const api = useApi();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [type, setType] = useState<string | undefined>();
  const [other, setOther] = useState('');
  const [mode, setMode] = useState<'compare' | 'diff'>('diff');
  const [refresh, setRefresh] = useState(0);
  const listed = useAsync('uploads', () => api.listUploads(), [api, refresh]);
  const current = useAsync('upload', async () => (state.upload ? api.getUpload(state.upload, type) : null), [api, state.upload, type]);
  const second = useAsync('upload-right', async () => (other && mode === 'compare' ? api.getUpload(other) : null), [api, other, mode]);
  const diff = useAsync('upload-diff', async () => (other && state.upload && mode === 'diff' ? api.diffUploads(state.upload, other, current.value?.profileType) : null),
    [api, other, state.upload, mode, current.value?.profileType]);
  const send = async (f: File | undefined) => {
    if (!f) return;
    setError('');
    setBusy(true);
    try {
      const p = await api.upload(f.name, new Uint8Array(await f.arrayBuffer()));
      setType(undefined);
      setOther('');
      update({ upload: p.id });
      setRefresh((n) => n + 1);
    } catch (e) {
      setError(`${f.name}: ${(e as Error).message.replace(/^Upload: /, '')}`);
    } finally {
      setBusy(false);
    }
  };
  const [over, setOver] = useState(false);
  return (
    <div className="upload-view">
      <div className={`dropzone${over ? ' over' : ''}`} data-testid="dropzone"
        onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)}
        onDrop={(e) => { e.preventDefault(); setOver(false); void send(e.dataTransfer.files[0]); }}>
        <p>Drop a profile here (pprof, gzipped or not, or folded text), or
          {' '}<label className="file-button">choose a file<input type="file" aria-label="profile file" data-testid="upload-input" onChange={(e) => void send(e.target.files?.[0])} /></label>.
          {' '}It is kept on the server for this tenant, so its link can be shared.</p>
      </div>
      {busy && <Loading what="the upload" />}
      {error && <ErrorBox message={error} />}
      {current.error && <ErrorBox message={current.error} />}
      {current.value && (
        <div className="controls">
          <select aria-label="sample type" value={current.value.profileType} onChange={(e) => setType(e.target.value)}>
            {current.value.profileTypes.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
          <select aria-label="compare with" data-testid="compare-with" value={other} onChange={(e) => setOther(e.target.value)}>
            <option value="">compare with…</option>
            {(listed.value ?? []).filter((x) => x.id !== state.upload).map((x) => <option key={x.id} value={x.id}>{x.name} ({formatTime(x.uploadedAt)})</option>)}
          </select>
          {other && (
            <select aria-label="comparison mode" value={mode} onChange={(e) => setMode(e.target.value as 'compare' | 'diff')}>
              <option value="diff">diff</option><option value="compare">side by side</option>
            </select>
          )}
        </div>
      )}
      {current.value && !other && <ProfileGraph p={current.value} testId="upload" />}
      {current.value && other && mode === 'compare' && second.value && (
        <div className="sides"><div className="side"><ProfileGraph p={current.value} testId="upload" /></div>
          <div className="side"><ProfileGraph p={second.value} testId="upload-right" /></div></div>
      )}
      {other && mode === 'diff' && diff.value && <UploadDiff fb={diff.value} />}
      {(diff.error || second.error) && <ErrorBox message={diff.error ?? second.error ?? ''} />}
      <h3>Uploads</h3>
      {listed.error && <ErrorBox message={listed.error} />}
      <ul className="upload-list" data-testid="upload-list">
        {(listed.value ?? []).map((x) => (
          <li key={x.id} data-id={x.id}>
            <a href={`/upload?id=${encodeURIComponent(x.id)}${state.tenant ? `&tenant=${encodeURIComponent(state.tenant)}` : ''}`}
              onClick={(e) => { e.preventDefault(); setType(undefined); setOther(''); update({ upload: x.id }); }}>{x.name}</a>
            {' '}<span className="hint">{formatTime(x.uploadedAt)}</span>
          </li>
        ))}
      </ul>
      {listed.value && listed.value.length === 0 && <p className="empty">Nothing uploaded yet.</p>}
    </div>
  );
}
