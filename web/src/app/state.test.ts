import { describe, expect, test } from 'vitest';

import { formatLocation, parseLocation, parseQuery, selectorOf, withService } from './state';
import { parseRange, parseTime, stepSeconds } from './time';

describe('URL state', () => {
  test('a location round-trips through the state', () => {
    const url = '/?query=memory%3Aalloc_space%3Abytes%3Aspace%3Abytes%7Bservice_name%3D%22api%22%2C+pod%21~%22x.*%22%7D'
      + '&from=now-6h&until=now&search=fib&focus=main.main%3Bmain.fib&sandwich=main.fib&tenant=team-a';
    const state = parseLocation('/', url.slice(1));
    expect(state.view).toBe('single');
    expect(state.main.profileType).toBe('memory:alloc_space:bytes:space:bytes');
    expect(state.main.matchers).toEqual([{ name: 'service_name', op: '=', value: 'api' }, { name: 'pod', op: '!~', value: 'x.*' }]);
    expect(state.focus).toBe('main.main;main.fib');
    expect(state.tenant).toBe('team-a');
    const again = formatLocation(state);
    expect(parseLocation('/', again.slice(again.indexOf('?')))).toEqual(state);
  });

  test('comparison keeps both sides, defaulting to the main selection', () => {
    const s = parseLocation('/comparison', '?query=process_cpu%3Acpu%3Ananoseconds%3Acpu%3Ananoseconds%7B%7D&from=now-1h&rightfrom=now-2h&rightuntil=now-1h');
    expect(s.view).toBe('comparison');
    expect(s.left.from).toBe('now-1h');
    expect(s.right.from).toBe('now-2h');
    const url = formatLocation(s);
    expect(url.startsWith('/comparison?')).toBe(true);
    expect(parseLocation('/comparison', url.slice(url.indexOf('?')))).toEqual(s);
  });

  test('selectors quote values; the service matcher is replaced, not added', () => {
    expect(selectorOf([{ name: 'a', op: '=', value: 'x"y' }])).toBe('{a="x\\"y"}');
    expect(parseQuery('t{a="x\\"y"}').matchers[0].value).toBe('x"y');
    const sel = withService(withService(parseLocation('/', '').main, 'one'), 'two');
    expect(sel.matchers).toEqual([{ name: 'service_name', op: '=', value: 'two' }]);
  });
});

describe('time', () => {
  const now = Date.UTC(2026, 0, 2, 12, 0, 0);
  test('the server syntax resolves at now', () => {
    expect(parseTime('now', now)).toBe(now);
    expect(parseTime('now-1h', now)).toBe(now - 3_600_000);
    expect(parseTime('now-1h30m', now)).toBe(now - 5_400_000);
    expect(parseTime('1767355200', now)).toBe(1767355200_000);
    expect(parseTime('1767355200123', now)).toBe(1767355200123);
    expect(parseTime('2026-01-02T11:00:00Z', now)).toBe(now - 3_600_000);
  });
  test('bad times and empty ranges say why', () => {
    expect(() => parseTime('yesterday', now)).toThrow(/"yesterday" is not a time/);
    expect(() => parseRange('now', 'now-1h', now)).toThrow(/must be before/);
  });
  test('steps give about 200 points, at least 10 s', () => {
    expect(stepSeconds({ from: 0, until: 3_600_000 })).toBe(18);
    expect(stepSeconds({ from: 0, until: 60_000 })).toBe(10);
  });
});
