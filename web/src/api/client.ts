// The public API the UI uses, through the Connect clients generated from proto/ (web/gen.sh):
// querier.v1, settings.v1 and adhocprofiles.v1 over Connect with the binary protobuf codec
// (Pyroscope serves it too; it decodes several times faster than JSON: a 24 h heatmap's answer),
// so the same UI works against flamedb and Pyroscope. One Api per tenant (X-Scope-OrgID), handed to the views
// through ApiContext; int64 fields become numbers here (profile values fit a double's 53 bits).
import { createContext, useContext } from 'react';

import { toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';

import { AdHocProfileService } from '../../gen/adhocprofiles/v1/adhocprofiles_pb';
import { ProfileSchema } from '../../gen/google/v1/profile_pb';
import { HeatmapQueryType, ProfileFormat, QuerierService } from '../../gen/querier/v1/querier_pb';
import { SettingsService } from '../../gen/settings/v1/setting_pb';
import { ExemplarType, type Exemplar as WireExemplar, type LabelPair } from '../../gen/types/v1/types_pb';

export class ApiError extends Error {
  constructor(message: string, readonly code: string) { super(message); }
}

export interface ProfileType { ID: string; name: string; sampleType: string; sampleUnit: string }
export interface Point { t: number; v: number }
export interface Series { labels: Record<string, string>; points: Point[] }
/** The wire FlameGraph: names and levels of [x delta, total, self, name index] per node. */
export interface FlameGraphData { names: string[]; levels: number[][]; total: number }
export interface DiffData { names: string[]; levels: number[][]; leftTicks: number; rightTicks: number }
/** A profile (or one span of one) standing for a point; `traceId`: the span's trace, or ''. */
export interface Exemplar { profileId: string; spanId: string; traceId: string; value: number; t: number; labels: Record<string, string> }
export interface HeatmapSlot { t: number; counts: number[]; exemplars: Exemplar[] }
export interface Heatmap { yMin: number[]; series: { labels: Record<string, string>; slots: HeatmapSlot[] }[] }
export interface AdHocProfile { id: string; name: string; uploadedAt: number; profileType: string; profileTypes: string[]; flamebearer: Flamebearer }
export interface Flamebearer { flamebearer: { names: string[]; levels: number[][]; numTicks: number }; metadata: { units: string; name: string; format: string }; leftTicks?: number; rightTicks?: number }
export interface Listed { id: string; name: string; uploadedAt: number }

const labelsOf = (pairs: LabelPair[]) => Object.fromEntries(pairs.map((l) => [l.name, l.value]));
const exemplarOf = (e: WireExemplar): Exemplar => ({
  profileId: e.profileId, spanId: e.spanId, traceId: e.traceId, value: Number(e.value), t: Number(e.timestamp), labels: labelsOf(e.labels),
});

/** Errors in words, naming the method: "SelectSeries: <message> (invalid_argument)". */
async function named<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    const e = ConnectError.from(err);
    if (e.code === Code.Canceled) throw err;
    const code = Code[e.code].replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase());
    throw new ApiError(`${method}: ${e.rawMessage} (${code})`, code);
  }
}

export class Api {
  readonly querier: Client<typeof QuerierService>;
  readonly settings: Client<typeof SettingsService>;
  readonly adhoc: Client<typeof AdHocProfileService>;

  constructor(readonly tenant: string, baseUrl = location.origin) {
    const withTenant: Interceptor = (next) => (req) => {
      if (tenant) req.header.set('X-Scope-OrgID', tenant);
      return next(req);
    };
    const transport = createConnectTransport({ baseUrl, useBinaryFormat: true, interceptors: [withTenant] });
    this.querier = createClient(QuerierService, transport);
    this.settings = createClient(SettingsService, transport);
    this.adhoc = createClient(AdHocProfileService, transport);
  }

  profileTypes(start: number, end: number, signal?: AbortSignal): Promise<ProfileType[]> {
    return named('ProfileTypes', async () => (await this.querier.profileTypes({ start: BigInt(start), end: BigInt(end) }, { signal }))
      .profileTypes.map((t) => ({ ID: t.ID, name: t.name, sampleType: t.sampleType, sampleUnit: t.sampleUnit })));
  }

  async labelNames(selector: string, start: number, end: number, signal?: AbortSignal): Promise<string[]> {
    const r = await named('LabelNames', () => this.querier.labelNames({ matchers: [selector], start: BigInt(start), end: BigInt(end) }, { signal }));
    return r.names.filter((n) => !n.startsWith('__'));
  }

  async labelValues(name: string, selector: string, start: number, end: number, signal?: AbortSignal): Promise<string[]> {
    return (await named('LabelValues', () => this.querier.labelValues({ name, matchers: [selector], start: BigInt(start), end: BigInt(end) }, { signal }))).names;
  }

  /** Label sets of the series `selector` matches, only the labels named. */
  async series(selector: string, labelNames: string[], start: number, end: number, signal?: AbortSignal): Promise<Record<string, string>[]> {
    const r = await named('Series', () => this.querier.series({ matchers: [selector], labelNames, start: BigInt(start), end: BigInt(end) }, { signal }));
    return r.labelsSet.map((s) => labelsOf(s.labels));
  }

  async selectSeries(profileType: string, selector: string, start: number, end: number, step: number,
    groupBy: string[] = [], signal?: AbortSignal, limit?: number): Promise<Series[]> {
    const r = await named('SelectSeries', () => this.querier.selectSeries({
      profileTypeID: profileType, labelSelector: selector, start: BigInt(start), end: BigInt(end), step, groupBy,
      limit: limit === undefined ? undefined : BigInt(limit),
    }, { signal }));
    return r.series.map((s) => ({ labels: labelsOf(s.labels), points: s.points.map((p) => ({ t: Number(p.timestamp), v: p.value })) }));
  }

  async mergeStacktraces(profileType: string, selector: string, start: number, end: number, maxNodes = 8192,
    signal?: AbortSignal, profileIds: string[] = [], spanIds: string[] = [], traceIds: string[] = []): Promise<FlameGraphData> {
    const r = await named('SelectMergeStacktraces', () => this.querier.selectMergeStacktraces({
      profileTypeID: profileType, labelSelector: selector, start: BigInt(start), end: BigInt(end),
      maxNodes: BigInt(maxNodes), format: ProfileFormat.FLAMEGRAPH, profileIdSelector: profileIds, spanSelector: spanIds,
      traceIdSelector: traceIds,
    }, { signal }));
    const fg = r.flamegraph;
    return { names: fg?.names ?? [], levels: (fg?.levels ?? []).map((l) => l.values.map(Number)), total: Number(fg?.total ?? 0) };
  }

  /** The diff flame graph of two selections (levels of 7 numbers per node). */
  async diff(profileType: string, leftSelector: string, left: { from: number; until: number },
    rightSelector: string, right: { from: number; until: number }, signal?: AbortSignal): Promise<DiffData> {
    const side = (selector: string, r: { from: number; until: number }) => ({
      profileTypeID: profileType, labelSelector: selector, start: BigInt(r.from), end: BigInt(r.until), maxNodes: 8192n,
    });
    const res = await named('Diff', () => this.querier.diff({ left: side(leftSelector, left), right: side(rightSelector, right) }, { signal }));
    const fg = res.flamegraph;
    return {
      names: fg?.names ?? [], levels: (fg?.levels ?? []).map((l) => l.values.map(Number)),
      leftTicks: Number(fg?.leftTicks ?? 0), rightTicks: Number(fg?.rightTicks ?? 0),
    };
  }

  /** Individual profiles, or with `spans` each span of each profile, with exemplars. */
  async heatmap(profileType: string, selector: string, start: number, end: number, step: number,
    groupBy: string[] = [], signal?: AbortSignal, spans = false): Promise<Heatmap> {
    const r = await named('SelectHeatmap', () => this.querier.selectHeatmap({
      profileTypeID: profileType, labelSelector: selector, start: BigInt(start), end: BigInt(end), step, groupBy,
      queryType: spans ? HeatmapQueryType.SPAN : HeatmapQueryType.INDIVIDUAL,
      exemplarType: spans ? ExemplarType.SPAN : ExemplarType.INDIVIDUAL,
    }, { signal }));
    return {
      yMin: r.series[0]?.slots[0]?.yMin ?? [],
      series: r.series.map((s) => ({
        labels: labelsOf(s.labels),
        slots: s.slots.map((x) => ({ t: Number(x.timestamp), counts: x.counts, exemplars: x.exemplars.map(exemplarOf) })),
      })),
    };
  }

  /** The merged profile of a selection, as pprof protobuf bytes. */
  async pprof(profileType: string, selector: string, start: number, end: number): Promise<Uint8Array> {
    const p = await named('SelectMergeProfile', () => this.querier.selectMergeProfile(
      { profileTypeID: profileType, labelSelector: selector, start: BigInt(start), end: BigInt(end) }));
    return toBinary(ProfileSchema, p);
  }

  async getSetting(name: string): Promise<string | undefined> {
    const r = await named('Settings.Get', () => this.settings.get({}));
    return r.settings.find((s) => s.name === name)?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await named('Settings.Set', () => this.settings.set({ setting: { name, value, modifiedAt: BigInt(Date.now()) } }));
  }

  async upload(name: string, data: Uint8Array): Promise<AdHocProfile> {
    let bin = '';
    for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
    const r = await named('Upload', () => this.adhoc.upload({ name, profile: btoa(bin) }));
    return adhocOf(r);
  }

  async getUpload(id: string, profileType?: string): Promise<AdHocProfile> {
    return adhocOf(await named('Get', () => this.adhoc.get({ id, profileType })));
  }

  async listUploads(): Promise<Listed[]> {
    const r = await named('List', () => this.adhoc.list({}));
    return r.profiles.map((p) => ({ id: p.id, name: p.name, uploadedAt: Number(p.uploadedAt) }));
  }

  async diffUploads(leftId: string, rightId: string, profileType?: string): Promise<Flamebearer> {
    const r = await named('Diff', () => this.adhoc.diff({ leftId, rightId, profileType }));
    return JSON.parse(r.flamebearerProfile) as Flamebearer;
  }
}

function adhocOf(r: { id: string; name: string; uploadedAt: bigint; profileType: string; profileTypes: string[]; flamebearerProfile: string }): AdHocProfile {
  return {
    id: r.id, name: r.name, uploadedAt: Number(r.uploadedAt), profileType: r.profileType, profileTypes: r.profileTypes,
    flamebearer: JSON.parse(r.flamebearerProfile) as Flamebearer,
  };
}

export const ApiContext = createContext<Api | null>(null);

/** The Api of the tenant the app shows. */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}
